package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Every decided request leaves one structured line in the decision log, and no token in it. */
class DecisionLogTest {
  @TempDir Path tmp;

  @Test
  void allowAndDeny_eachLogOneStructuredLine_withoutTheToken() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger("mandate.decisions");
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    ch.qos.logback.classic.Level before = logger.getLevel();
    logger.setLevel(ch.qos.logback.classic.Level.INFO);
    logger.addAppender(captured);
    Stack authority = ProxySetup.sharedStack();
    try (GatewayServer gateway = ProxySetup.startProxy(authority, tmp.resolve("spool"))) {
      String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
      Reply allowed = get(gateway, "/repos/octo/hello/issues", token);
      Reply denied = get(gateway, "/repos/other/hello/issues", token);
      assertThat(allowed.status()).as(allowed.body()).isEqualTo(200);
      assertThat(denied.status()).as(denied.body()).isEqualTo(403);
    } finally {
      logger.detachAppender(captured);
      logger.setLevel(before);
    }

    List<Map<String, String>> lines =
        captured.list.stream().map(DecisionLogTest::fields).collect(Collectors.toList());
    assertThat(lines).hasSize(2);
    Map<String, String> allow = lines.get(0);
    Map<String, String> deny = lines.get(1);
    assertThat(allow)
        .containsEntry("decision", "allow")
        .containsEntry("service", "api")
        .containsEntry("action", "list_issues")
        .containsEntry("resource", "/repos/octo/hello")
        .containsEntry("status", "200")
        .containsKeys("requestId", "client", "code", "latencyMicros");
    assertThat(deny)
        .containsEntry("decision", "deny")
        .containsEntry("resource", "/repos/other/hello")
        .containsEntry("status", "403");
    assertThat(deny.get("code")).isNotEqualTo(allow.get("code"));
    assertThat(allow.get("tokenId")).isEqualTo(deny.get("tokenId")).isNotEqualTo("-");
    assertThat(allow.get("requestId")).isNotEqualTo(deny.get("requestId"));
    assertThat(Long.parseLong(allow.get("latencyMicros"))).isNotNegative();
    for (ILoggingEvent e : captured.list) {
      assertThat(String.valueOf(e.getKeyValuePairs())).doesNotContain("mnd1_");
    }
  }

  @Test
  void field_boundsTheValue_andReplacesControlCharacters() {
    assertThat(DecisionLog.field(null)).isEqualTo("-");
    assertThat(DecisionLog.field("a\nb\u0000c")).isEqualTo("a?b?c");
    assertThat(DecisionLog.field("x".repeat(1000))).hasSize(256);
  }

  private static Map<String, String> fields(ILoggingEvent e) {
    return e.getKeyValuePairs().stream()
        .collect(Collectors.toMap(p -> p.key, p -> String.valueOf(p.value), (a, b) -> b));
  }

  private static Reply get(GatewayServer gateway, String path, String token) {
    return Http.send(
        HttpRequest.newBuilder(URI.create(gateway.url() + path))
            .header("Authorization", "Bearer " + token)
            .GET());
  }
}
