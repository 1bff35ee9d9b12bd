package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's server handles requests on its selector threads: a call whose token verified
 * before, without a body, is decided there (no hand-off to a worker thread); anything that could
 * wait (a body, a token not seen yet, a malformed one) is handed off first. Both kinds are answered
 * as before.
 */
class InlineDecisionTest {
  @TempDir Path tmp;

  @Test
  void knownTokensAreDecidedWithoutWaiting_othersAreHandedOff_andAllAreAnswered() throws Exception {
    Stack authority = ProxySetup.sharedStack();
    try (GatewayServer gateway = ProxySetup.startProxy(authority, tmp.resolve("spool"))) {
      assertThat(gateway.nonBlocking()).as("handlers run on the selector threads").isTrue();
      String token = ProxySetup.mint(authority, "api:*:/repos/octo/**", null);
      assertThat(gateway.guard().hasVerified(token)).isFalse();

      assertThat(send(gateway, "GET", "/repos/octo/hello/issues", token, null).status())
          .isEqualTo(200);
      assertThat(gateway.guard().hasVerified(token)).as("verified by the first call").isTrue();
      for (int i = 0; i < 20; i++) {
        Reply allowed = send(gateway, "GET", "/repos/octo/hello/issues", token, null);
        Reply denied = send(gateway, "GET", "/repos/other/hello/issues", token, null);
        assertThat(allowed.status()).as(allowed.body()).isEqualTo(200);
        assertThat(denied.status()).as(denied.body()).isEqualTo(403);
      }
      Reply posted =
          send(gateway, "POST", "/repos/octo/hello/issues", token, "{\"title\":\"a bug\"}");
      assertThat(posted.status()).as(posted.body()).isEqualTo(200);

      String forged = token.substring(0, token.length() - 4) + "AAAA";
      assertThat(send(gateway, "GET", "/repos/octo/hello/issues", forged, null).status())
          .isEqualTo(401);
      assertThat(gateway.guard().hasVerified(forged)).isFalse();
      assertThat(send(gateway, "GET", "/repos/octo/hello/issues", "mnd1_x", null).status())
          .isEqualTo(401);
      assertThat(send(gateway, "GET", "/health", null, null).status()).isEqualTo(200);
    }
  }

  private static Reply send(
      GatewayServer gateway, String method, String path, String token, String json) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url() + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (json != null) {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(json));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return Http.send(b);
  }
}
