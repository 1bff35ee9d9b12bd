package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
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
    try (GatewayServer gateway = GatewayServer.start(config, Clock.systemUTC(), List.of())) {
      for (String path : documented) {
        TestPeers.Reply r = TestPeers.get(gateway.url() + path, null);
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
    }
  }
}
