package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/openapi/gateway.yaml against a real gateway: it documents exactly the paths the gateway
 * answers itself, and each, called, answers with a documented status, content type and body.
 */
class GatewayApiContractTest {
  private static final Path OPENAPI = Path.of("..", "docs", "openapi", "gateway.yaml");
  private static final String DOC_IRI = "https://mandate.test/openapi/gateway.json";

  @TempDir Path tmp;

  @Test
  void ownEndpoints_answerAsDocumented() throws Exception {
    JsonNode api = new YAMLMapper().readTree(Files.readString(OPENAPI));
    TreeSet<String> documented = new TreeSet<>();
    api.get("paths").fieldNames().forEachRemaining(documented::add);
    assertThat(documented).isEqualTo(new TreeSet<>(GatewayConfigValidator.RESERVED_PATHS));
    String json = new ObjectMapper().writeValueAsString(api);
    SchemaRegistry schemas =
        SchemaRegistry.withDialect(Dialects.getOpenApi31(), b -> b.schemas(Map.of(DOC_IRI, json)));

    TestPeers.Authority authority = TestPeers.sharedAuthority();
    GatewayConfig config =
        TestPeers.parse(
            TestPeers.config(authority, TestPeers.sharedUpstream(), tmp.resolve("spool"), null),
            authority);
    // GET /budgets answers the holder of a capability.
    String budgeted =
        authority.mint(
            "api:create_issue:/repos/octo/**",
            "\"budgets\":[\"sum(/amount)<=5000\",\"calls<=10/1m\"]");
    try (GatewayServer gateway = GatewayServer.start(config, Clock.systemUTC(), List.of())) {
      for (String path : documented) {
        Reply r =
            Http.get(gateway.url() + path, path.equals("/budgets") ? "Bearer " + budgeted : null);
        String where = "GET " + path + " -> " + r.status() + " " + r.body();
        assertThat(r.status()).as(where).isEqualTo(200);
        String response = "/paths/" + path.replace("/", "~1") + "/get/responses/" + r.status();
        String type = r.headers().firstValue("Content-Type").orElse("");
        String essence = type.split(";")[0].strip();
        assertThat(api.at(response + "/content").has(essence)).as(where + " " + type).isTrue();
        if (essence.equals("application/json")) {
          String pointer = response + "/content/application~1json/schema";
          assertThat(
                  schemas
                      .getSchema(SchemaLocation.of(DOC_IRI + "#" + pointer))
                      .validate(r.body(), InputFormat.JSON))
              .as(where)
              .isEmpty();
        }
      }
      Reply budgets = Http.get(gateway.url() + "/budgets", "Bearer " + budgeted);
      assertThat(budgets.json().get("budgets")).hasSize(2);
      for (int status : new int[] {401}) {
        Reply denied = Http.get(gateway.url() + "/budgets", null);
        assertThat(denied.status()).isEqualTo(status);
        assertThat(api.at("/paths/~1budgets/get/responses/" + status).isMissingNode()).isFalse();
      }
    }
  }

  @Test
  void metricsToken_isRequiredWhenConfigured_andReadyAnswersAsHealth() throws Exception {
    Path tokenFile = tmp.resolve("metrics.token");
    String token = "scraper-token-0123456789";
    Files.writeString(tokenFile, token + "\n");
    TestPeers.Authority authority = TestPeers.sharedAuthority();
    GatewayConfig config =
        TestPeers.parse(
            TestPeers.config(authority, TestPeers.sharedUpstream(), tmp.resolve("spool"), null)
                + "\nmetrics:\n  tokenFile: "
                + tokenFile
                + "\n",
            authority);
    try (GatewayServer gateway = GatewayServer.start(config, Clock.systemUTC(), List.of())) {
      Reply none = Http.get(gateway.url() + "/metrics", null);
      assertThat(none.status()).isEqualTo(401);
      assertThat(none.json().get("code").asText()).isEqualTo("unauthenticated");
      assertThat(none.body()).doesNotContain(token);
      Reply wrong =
          Http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.url() + "/metrics"))
                  .header("Authorization", "Bearer " + token + "x")
                  .GET());
      assertThat(wrong.status()).isEqualTo(401);
      Reply right =
          Http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.url() + "/metrics"))
                  .header("Authorization", "Bearer " + token)
                  .GET());
      assertThat(right.status()).isEqualTo(200);
      assertThat(right.body()).contains("# TYPE");

      Reply health = Http.get(gateway.url() + "/health", null);
      Reply ready = Http.get(gateway.url() + "/ready", null);
      assertThat(ready.status()).isEqualTo(health.status()).isEqualTo(200);
      assertThat(ready.json().get("status").asText()).isEqualTo("ok");
    }
  }

  @Test
  void metricsToken_tooShortOrDoublyGiven_isAConfigurationError() throws Exception {
    Path tokenFile = tmp.resolve("short.token");
    Files.writeString(tokenFile, "short\n");
    TestPeers.Authority authority = TestPeers.sharedAuthority();
    String base =
        TestPeers.config(authority, TestPeers.sharedUpstream(), tmp.resolve("spool"), null);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> TestPeers.parse(base + "\nmetrics:\n  tokenFile: " + tokenFile + "\n", authority))
        .hasMessageContaining("metrics")
        .hasMessageContaining("at least 16");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                TestPeers.parse(
                    base + "\nmetrics:\n  tokenFile: " + tokenFile + "\n  tokenEnv: HOME\n",
                    authority))
        .hasMessageContaining("tokenFile and tokenEnv");
  }
}
