package dev.mandate.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.wire.Problem;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Drives a real Jetty server in memory: every error it produces itself is a problem body. */
class ProblemErrorHandlerTest {
  private Server server;
  private LocalConnector connector;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(1024);
    connector = new LocalConnector(server, new HttpConnectionFactory(http));
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            String path = request.getHttpURI().getPath();
            if (path.startsWith("/status/")) {
              // What a handler does when it gives up: Jetty's error handler writes the body.
              Response.writeError(
                  request,
                  response,
                  callback,
                  Integer.parseInt(path.substring(8)),
                  "secret detail");
              return true;
            }
            if (path.equals("/problem")) {
              response.getHeaders().put("Retry-After", "1");
              ProblemResponses.send(
                  response, callback, Problem.of(503, "UNAVAILABLE", "try again in a second"));
              return true;
            }
            if (path.equals("/ok")) {
              response.write(true, ByteBuffer.allocate(0), callback);
              return true;
            }
            return false;
          }
        });
    server.setErrorHandler(new ProblemErrorHandler("gateway"));
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private HttpTester.Response get(String raw) throws Exception {
    return HttpTester.parseResponse(connector.getResponse(raw));
  }

  private static Problem problem(HttpTester.Response r) {
    assertThat(r.get("Content-Type")).isEqualTo(Problem.MEDIA_TYPE);
    assertThat(r.getContent()).doesNotContain("secret detail").doesNotContain("Exception");
    return Problem.parse(r.getContentBytes()).orElseThrow();
  }

  @Test
  void noHandler_isANotFoundProblem() throws Exception {
    HttpTester.Response r = get("GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(r.getStatus()).isEqualTo(404);
    Problem p = problem(r);
    assertThat(p.code()).isEqualTo("not_found");
    assertThat(p.title()).isEqualTo("Not Found");
    assertThat(p.type()).isEqualTo("about:blank");
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET", "POST", "PUT", "DELETE", "PATCH"})
  void everyMethod_getsTheBody(String method) throws Exception {
    HttpTester.Response r =
        get(
            method
                + " /status/500 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assertThat(r.getStatus()).isEqualTo(500);
    Problem p = problem(r);
    assertThat(p.code()).isEqualTo("internal_error");
    assertThat(p.detail())
        .isEqualTo("the gateway failed to handle the request; the details are in its log");
  }

  @Test
  void statusesWithTheirOwnCodes() throws Exception {
    for (int[] c : new int[][] {{413}, {503}, {405}}) {
      HttpTester.Response r =
          get("GET /status/" + c[0] + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(r.getStatus()).isEqualTo(c[0]);
      assertThat(problem(r).code())
          .isEqualTo(
              switch (c[0]) {
                case 413 -> "body_too_large";
                case 503 -> "unavailable";
                default -> "method_not_allowed";
              });
    }
  }

  @Test
  void unparseableRequestLine_isABadRequestProblem() throws Exception {
    HttpTester.Response r = get("GET /a b c d\r\n\r\n");
    assertThat(r.getStatus()).isEqualTo(400);
    assertThat(problem(r).code()).isEqualTo("bad_request");
  }

  @Test
  void oversizedHeaders_areAHeadersTooLargeProblem() throws Exception {
    HttpTester.Response r =
        get(
            "GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "a".repeat(4096)
                + "\r\nConnection: close\r\n\r\n");
    assertThat(r.getStatus()).isEqualTo(431);
    Problem p = problem(r);
    assertThat(p.code()).isEqualTo("headers_too_large");
    assertThat(p.detail()).contains("gateway");
  }

  @Test
  void problemResponses_keepsHeadersSetBefore_andForbidsCaching() throws Exception {
    HttpTester.Response r = get("GET /problem HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(r.getStatus()).isEqualTo(503);
    assertThat(r.get("Retry-After")).isEqualTo("1");
    assertThat(r.get("Cache-Control")).isEqualTo("no-store");
    assertThat(problem(r)).isEqualTo(Problem.of(503, "UNAVAILABLE", "try again in a second"));
  }

  @Test
  void problemFor_mapsUnnamedAndNonErrorStatuses() {
    ProblemErrorHandler h = new ProblemErrorHandler("authority");
    assertThat(h.problemFor(418).code()).isEqualTo("client_error");
    assertThat(h.problemFor(200).status()).isEqualTo(500);
    assertThat(h.problemFor(431).detail()).contains("authority");
  }
}
