package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.wire.JsonRpcErrors;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * While the gateway's revocation view is stale, the MCP front end says so: 503 with {@code
 * Retry-After}, for opening a session, for using one and for a call, never {@code 401
 * invalid_token}, on which a client might throw away a good token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpStaleViewTest {
  @TempDir static Path tmp;
  private McpStack bed;

  @BeforeAll
  void start() throws Exception {
    bed = McpStack.start(tmp, "", "2s", Duration.ofSeconds(30));
  }

  @AfterAll
  void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void aStaleView_is503WithRetryAfter_onEveryOperation_notATokenError() throws Exception {
    String token = bed.mint("everything-http:echo:*").token();
    RawMcp raw = new RawMcp(bed.gateway.url(), "/mcp/everything-http", "127.0.0.1");
    RawMcp.Answer opened = raw.initialize(token, "{}");
    assertThat(opened.session()).as(opened.body()).isNotNull();
    String session = opened.session();
    String list = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
    String call =
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
            + "\"arguments\":{\"message\":\"hi\"}}}";
    assertThat(raw.post(token, session, list).status()).isEqualTo(200);

    bed.stack.stopAuthority();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    RawMcp.Answer initialize = raw.initialize(token, "{}");
    while (initialize.status() == 200 && System.nanoTime() - deadline < 0) {
      raw.delete(token, initialize.session());
      Thread.sleep(100);
      initialize = raw.initialize(token, "{}");
    }

    for (RawMcp.Answer a :
        new RawMcp.Answer[] {
          initialize, raw.post(token, session, list), raw.post(token, session, call)
        }) {
      assertThat(a.status()).as(a.body()).isEqualTo(503);
      assertThat(a.header("Retry-After")).isNotNull();
      assertThat(a.header("WWW-Authenticate")).isNull();
      assertThat(a.json().at("/error/code").asInt()).isEqualTo(JsonRpcErrors.UNAVAILABLE);
      assertThat(a.json().at("/error/data/code").asText()).isEqualTo("UNAVAILABLE");
      assertThat(a.json().at("/error/message").asText()).contains("revocation view");
    }
  }
}
