package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's contract, over Jetty in memory: the stages run in their one order, a denial of any
 * stage is recorded exactly once and answered by the renderer, and a request refused by header
 * authentication is answered with its body unread and its connection closed.
 */
class PipelineTest {
  private static final Request OPERATION = Request.of("svc", "act", "/res");

  private final List<String> calls = new ArrayList<>();
  private final RecordingGuard guard = new RecordingGuard();
  private String denyAt;
  private Server server;
  private LocalConnector connector;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    connector = new LocalConnector(server, new HttpConnectionFactory(new HttpConfiguration()));
    server.addConnector(connector);
    Pipeline<String, String> pipeline =
        new Pipeline<>(
            new Stages(),
            guard,
            (x, d) -> {
              calls.add("render " + d.status());
              x.response().setStatus(d.status());
              x.response().write(true, ByteBuffer.wrap(d.reason().getBytes()), x.callback());
            });
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(
              org.eclipse.jetty.server.Request request, Response response, Callback callback) {
            pipeline.handle(new Exchange(request, response, callback));
            return true;
          }
        });
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private final class Stages implements Pipeline.FrontEnd<String, String> {
    private void stage(String name) {
      calls.add(name);
      if (name.equals(denyAt)) {
        throw Denial.protocol(
            400, "bad_request", Denial.RPC_INVALID_REQUEST, Decision.Code.INVALID_REQUEST, name);
      }
    }

    @Override
    public String admit(Exchange x) {
      if ("admit unread".equals(denyAt)) {
        calls.add("admit");
        throw Denial.protocol(
                415, "unsupported_media_type", 0, Decision.Code.INVALID_REQUEST, "type")
            .body(Denial.Body.DISCARD);
      }
      stage("admit");
      return "admitted";
    }

    @Override
    public Request authenticatedAs(Exchange x, String call) {
      return OPERATION;
    }

    @Override
    public boolean refusedBeforeBody(GuardResult denial) {
      return true;
    }

    @Override
    public long bodyLimit(String call) {
      return 100;
    }

    @Override
    public String map(Exchange x, String call, byte[] body) {
      stage("map " + new String(body, StandardCharsets.UTF_8));
      return "mapped";
    }

    @Override
    public void verify(Exchange x, String mapped) {
      stage("verify");
      if ("guard".equals(denyAt)) {
        throw Denial.of(
            guard.record(
                GuardResult.deny(403, "GRANT", "grant", "no", null, null), OPERATION, null));
      }
    }

    @Override
    public void forward(Exchange x, String mapped) {
      stage("forward");
      x.response().setStatus(200);
      x.callback().succeeded();
    }

    @Override
    public Request auditedAs(Exchange x) {
      return OPERATION;
    }
  }

  private HttpTester.Response post(String token, String body) throws Exception {
    String request =
        "POST /x HTTP/1.1\r\nHost: local\r\n"
            + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
            + "Content-Length: "
            + body.length()
            + "\r\n\r\n"
            + body;
    return HttpTester.parseResponse(connector.getResponse(request, 5, TimeUnit.SECONDS));
  }

  @Test
  void stagesRunInTheirOneOrder() throws Exception {
    HttpTester.Response r = post("good", "body");

    assertThat(r.getStatus()).isEqualTo(200);
    assertThat(calls).containsExactly("admit", "map body", "verify", "forward");
    assertThat(guard.authenticated).containsExactly("good");
    assertThat(guard.recorded).isEmpty();
  }

  @Test
  void aDenialOfAnyStage_isRecordedOnce_andRendered_andStopsTheChain() throws Exception {
    for (String stage : List.of("admit", "map body", "verify", "forward")) {
      calls.clear();
      guard.recorded.clear();
      denyAt = stage;

      HttpTester.Response r = post("good", "body");

      assertThat(r.getStatus()).as(stage).isEqualTo(400);
      assertThat(calls).as(stage).endsWith(stage, "render 400");
      assertThat(guard.recorded).as(stage).containsExactly("INVALID_REQUEST " + stage);
    }
  }

  @Test
  void aDenialTheGuardRecorded_isNotRecordedAgain() throws Exception {
    denyAt = "guard";

    assertThat(post("good", "body").getStatus()).isEqualTo(403);
    assertThat(guard.recorded).containsExactly("GRANT no");
  }

  @Test
  void aDenialThatCannotBeRecorded_isAnswered503() throws Exception {
    denyAt = "verify";
    guard.spoolFails = true;

    assertThat(post("good", "body").getStatus()).isEqualTo(503);
  }

  @Test
  void anUnauthenticatedRequest_isAnsweredWithoutItsBody_andItsConnectionClosed() throws Exception {
    // Headers promise 1000 bytes; 3 are sent and the rest never comes.
    String request =
        "POST /x HTTP/1.1\r\nHost: local\r\nAuthorization: Bearer bad\r\n"
            + "Content-Length: 1000\r\n\r\nabc";

    HttpTester.Response r =
        HttpTester.parseResponse(connector.getResponse(request, 5, TimeUnit.SECONDS));

    assertThat(r).isNotNull();
    assertThat(r.getStatus()).isEqualTo(401);
    assertThat(r.get("Connection")).isEqualTo("close");
    assertThat(calls).containsExactly("admit", "render 401");
    assertThat(guard.recorded).containsExactly("MALFORMED bad token");
  }

  @Test
  void aBodyRefusedUnread_isDrainedForAnAuthenticatedSender_only() throws Exception {
    denyAt = "admit unread";
    // No body deadline here: draining the rest of a body that never comes would never answer.
    String stalled = "Content-Length: 1000\r\n\r\nabc";

    HttpTester.Response unauthenticated =
        HttpTester.parseResponse(
            connector.getResponse(
                "POST /x HTTP/1.1\r\nHost: local\r\nAuthorization: Bearer bad\r\n" + stalled,
                5,
                TimeUnit.SECONDS));
    HttpTester.Response authenticated =
        HttpTester.parseResponse(
            connector.getResponse(
                "POST /x HTTP/1.1\r\nHost: local\r\nAuthorization: Bearer good\r\n"
                    + "Content-Length: 3\r\n\r\nabc",
                5,
                TimeUnit.SECONDS));

    assertThat(unauthenticated).isNotNull();
    assertThat(unauthenticated.getStatus()).isEqualTo(415);
    assertThat(unauthenticated.get("Connection")).isEqualTo("close");
    assertThat(authenticated.getStatus()).isEqualTo(415);
    assertThat(authenticated.get("Connection")).isNull();
  }

  /** A guard that authenticates the token "good" only, and records what it is asked to. */
  private static final class RecordingGuard implements CallGuard {
    final List<String> authenticated = new ArrayList<>();
    final List<String> recorded = new ArrayList<>();
    boolean spoolFails;

    @Override
    public GuardResult authenticate(String bearer, Request request) {
      authenticated.add(bearer);
      return "good".equals(bearer)
          ? null
          : GuardResult.deny(401, "MALFORMED", "format", "bad token", null, null);
    }

    @Override
    public GuardResult record(GuardResult denial, Request request, String sourceIp) {
      recorded.add(denial.code() + " " + denial.reason());
      return spoolFails
          ? GuardResult.deny(503, "UNAVAILABLE", "audit", "spool", null, null)
          : denial;
    }

    @Override
    public GuardResult recordRefusal(
        String bearer,
        Request request,
        Decision.Code code,
        String reason,
        int status,
        String sourceIp) {
      return record(GuardResult.deny(status, code.name(), null, reason, null, null), request, null);
    }

    @Override
    public GuardResult check(Presentation presented, Request request, String sourceIp) {
      throw new AssertionError("not used");
    }

    @Override
    public GuardResult checkSession(Presentation presented, Request request, String sourceIp) {
      throw new AssertionError("not used");
    }

    @Override
    public boolean couldAllow(String bearer, String service, String action) {
      return false;
    }

    @Override
    public boolean couldAllow(String bearer, String service, String action, String resource) {
      return false;
    }

    @Override
    public boolean isRevoked(String revocationId) {
      return false;
    }
  }
}
