package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import io.micrometer.core.instrument.Counter;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of denial of the HTTP front end, whichever stage makes it, reaches the audit trail (at
 * a real authority) and the decision metrics, and is answered with its own status.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpDenialsTest {
  private static final Random MARKERS = new Random(10);

  @TempDir static Path tmp;
  private Stack authority;
  private GatewayServer gateway;

  @BeforeAll
  void start() throws Exception {
    authority = ProxySetup.sharedStack();
    gateway = ProxySetup.startProxy(authority, tmp.resolve("spool"));
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
  }

  /**
   * A denial kind: the request (given a marker that its audited resource contains and a token
   * allowed to list every repository's issues), its status and the code it is audited under (null:
   * any code).
   */
  private record Kind(
      String name, Function<String, HttpRequest.Builder> request, int status, String code) {}

  private HttpRequest.Builder get(String path, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url() + path)).GET();
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  private HttpRequest.Builder post(String path, String token, String type, String body) {
    return HttpRequest.newBuilder(URI.create(gateway.url() + path))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  @TestFactory
  Stream<DynamicTest> everyDenial_isAuditedAndCounted() {
    String token = ProxySetup.mint(authority, "api:*:/repos/octo/**", null);
    String expired = ProxySetup.expired(token);
    String forged = token.substring(0, token.length() - 6) + "AAAAAA";
    List<Kind> kinds =
        List.of(
            new Kind("no route", m -> get("/nothing/" + m, token), 404, "INVALID_REQUEST"),
            new Kind(
                "method override header",
                m ->
                    get("/repos/octo/" + m + "/issues", token)
                        .header("X-HTTP-Method-Override", "DELETE"),
                400,
                "INVALID_REQUEST"),
            new Kind(
                "declared body too large",
                m ->
                    post(
                        "/repos/octo/" + m + "/issues",
                        token,
                        "application/json",
                        "\"" + "x".repeat(70 * 1024) + "\""),
                413,
                "LIMIT_EXCEEDED"),
            new Kind(
                "media type the route does not take",
                m -> post("/repos/octo/" + m + "/issues", token, "text/plain", "hello"),
                415,
                "INVALID_REQUEST"),
            new Kind("no token", m -> get("/repos/octo/" + m + "/issues", null), 401, "MALFORMED"),
            new Kind("forged token", m -> get("/repos/octo/" + m + "/issues", forged), 401, null),
            new Kind(
                "expired token", m -> get("/repos/octo/" + m + "/issues", expired), 403, "EXPIRED"),
            new Kind(
                "argument given twice",
                m -> get("/repos/octo/" + m + "/issues?repo=other", token),
                400,
                "INVALID_REQUEST"),
            new Kind(
                "malformed JSON body",
                m -> post("/repos/octo/" + m + "/issues", token, "application/json", "{"),
                400,
                "INVALID_REQUEST"),
            new Kind("grant", m -> get("/repos/other/" + m + "/issues", token), 403, "GRANT"));
    return kinds.stream()
        .map(k -> DynamicTest.dynamicTest(k.name(), () -> deniedAuditedAndCounted(k)));
  }

  private void deniedAuditedAndCounted(Kind kind) {
    String marker =
        HexFormat.of().formatHex(new byte[] {(byte) MARKERS.nextInt(), 1, 2})
            + Long.toHexString(MARKERS.nextLong());
    Instant from = Instant.now().minusSeconds(5);
    double before = denials();

    Reply r = Http.send(kind.request().apply(marker));

    assertThat(r.status()).as(r.body()).isEqualTo(kind.status());
    assertThat(denials()).isGreaterThan(before);
    AtomicReference<JsonNode> record = new AtomicReference<>();
    Await.until(
        Duration.ofSeconds(10),
        () -> {
          for (JsonNode d : ProxySetup.decisionsSince(authority, from)) {
            if (d.at("/detail/resource").asText().contains(marker)) {
              record.set(d.get("detail"));
              return true;
            }
          }
          return false;
        });
    assertThat(record.get()).as("the audit record of " + kind.name()).isNotNull();
    assertThat(record.get().get("decision").asText()).isEqualTo("deny");
    if (kind.code() != null) {
      assertThat(record.get().get("code").asText()).isEqualTo(kind.code());
    }
  }

  @Test
  void aRequestWithoutAUsableCapability_isAnsweredBeforeItsBody_andItsConnectionClosed()
      throws Exception {
    String expired = ProxySetup.expired(ProxySetup.mint(authority, "api:*:/repos/octo/**", null));
    URI url = URI.create(gateway.url());
    String[] authorizations = {null, "Bearer mandate-forged", "Bearer " + expired};
    String[] statuses = {"HTTP/1.1 401", "HTTP/1.1 401", "HTTP/1.1 403"};
    for (int i = 0; i < authorizations.length; i++) {
      String authorization = authorizations[i];
      try (Socket socket = new Socket(url.getHost(), url.getPort())) {
        // Waiting for the body would end in the minimum data rate's 400, not in this answer.
        socket.setSoTimeout(20_000);
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /repos/octo/hello/issues HTTP/1.1\r\nHost: gateway\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                    + "Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n"
                    + "{\"title\":")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();

        // Read to the end: the gateway closes the connection after its answer.
        String answer =
            new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

        assertThat(answer)
            .as(String.valueOf(authorization))
            .startsWith(statuses[i])
            .containsIgnoringCase("connection: close");
      }
    }
  }

  /** Denials counted so far, of every code. */
  private double denials() {
    return gateway
        .metrics()
        .find("mandate.gateway.decisions")
        .tag("decision", "deny")
        .counters()
        .stream()
        .mapToDouble(Counter::count)
        .sum();
  }
}
