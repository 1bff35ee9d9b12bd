package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Reply;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a metrics token configured, {@code GET /metrics} needs it as a bearer token. */
class MetricsTokenTest {
  private static final String TOKEN = "metrics-token-0123456789";

  @TempDir Path tmp;

  @Test
  void metrics_needTheConfiguredBearerToken_healthStaysPublic() throws Exception {
    try (AuthorityServer server =
        AuthorityServer.start(
            AuthorityTests.config(tmp).metricsToken(TOKEN.toCharArray()).build())) {
      AuthorityApi authority = AuthorityTests.api(server);
      Reply none = authority.get("/metrics");
      assertThat(none.status()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate"))
          .contains("Bearer realm=\"mandate-metrics\"");
      assertThat(none.json().path("code").asText()).isEqualTo("unauthenticated");
      assertThat(none.body()).doesNotContain(TOKEN).doesNotContain("jvm_");

      assertThat(authority.get("/metrics", "Bearer " + TOKEN + "x").status()).isEqualTo(401);
      assertThat(authority.get("/metrics", "Bearer " + TOKEN.substring(1)).status()).isEqualTo(401);
      assertThat(authority.get("/metrics", "Basic " + TOKEN).status()).isEqualTo(401);

      Reply ok = authority.get("/metrics", "Bearer " + TOKEN);
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.body()).contains("mandate_feed_latest_sequence");

      assertThat(authority.get("/v1/health").status()).isEqualTo(200);
      assertThat(authority.get("/v1/ready").status()).isEqualTo(200);
    }
  }

  @Test
  void aShortToken_isRefused_andNeverPrinted() throws Exception {
    AuthorityConfig.Builder b = AuthorityTests.config(tmp);
    assertThatThrownBy(() -> b.metricsToken("too-short".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 16 characters")
        .hasMessageNotContaining("too-short");
    assertThat(b.metricsToken(TOKEN.toCharArray()).build().toString())
        .contains("metricsToken=<redacted>")
        .doesNotContain(TOKEN);
  }
}
