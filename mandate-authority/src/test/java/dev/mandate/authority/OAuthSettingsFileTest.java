package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OAuth settings file ({@code mandate serve --oauth FILE}) against docs/config-reference.md and
 * docs/schemas/oauth.schema.json: the same keys as the loader's, the documented example loads and
 * validates, the schema's defaults are the builder's, and bad files are refused with the reason.
 */
class OAuthSettingsFileTest {
  private static final Path DOCS = Path.of("..", "docs");
  @TempDir Path tmp;

  @Test
  void referenceSchemaAndLoader_haveTheSameKeys() throws IOException {
    TreeSet<String> loader = new TreeSet<>();
    keys(OAuthSettings.FileForm.class, "", loader);
    TreeSet<String> inSchema = new TreeSet<>();
    schemaKeys(schemaJson(), "", inSchema);
    assertThat(inSchema).as("oauth.schema.json").isEqualTo(loader);
    TreeSet<String> documented = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^\\| `([^`]+)` \\|").matcher(section());
    while (m.find()) {
      documented.add(m.group(1));
    }
    // The table names the container keys too (resources, people, clientMetadata's members).
    TreeSet<String> leaves = new TreeSet<>(documented);
    leaves.removeIf(k -> documented.stream().anyMatch(o -> o.startsWith(k + "[].")));
    assertThat(leaves).as("config-reference.md, OAuth settings").isEqualTo(loader);
  }

  @Test
  void documentedExample_validatesAndLoads() throws IOException {
    Matcher m = Pattern.compile("(?s)```yaml\\n(.*?)```").matcher(section());
    assertThat(m.find()).isTrue();
    String example = m.group(1);
    assertThat(schema().validate(example, InputFormat.YAML)).isEmpty();
    Path file = tmp.resolve("oauth.yaml");
    Files.writeString(file, example);
    OAuthSettings s = OAuthSettings.load(file);
    assertThat(s.issuer())
        .hasValueSatisfying(u -> assertThat(u.toString()).isEqualTo("https://auth.example.com"));
    assertThat(s.people()).containsKey("alice");
    assertThat(s.audienceOf(java.net.URI.create("https://gw.example.com/mcp/fs")))
        .contains("gateway-1");
  }

  @Test
  void schemaDefaults_areTheBuildersDefaults() throws IOException {
    JsonNode p = schemaJson().get("properties");
    OAuthSettings d = OAuthSettings.builder().build();
    assertThat(dev.mandate.config.Durations.parse(p.at("/accessTokenTtl/default").asText()))
        .isEqualTo(d.accessTokenTtl());
    assertThat(dev.mandate.config.Durations.parse(p.at("/authorizationTtl/default").asText()))
        .isEqualTo(d.authorizationTtl());
    assertThat(p.at("/dynamicRegistration/default").asBoolean()).isEqualTo(d.dynamicRegistration());
    JsonNode cm = p.at("/clientMetadata/properties");
    assertThat(cm.at("/maxBytes/default").asInt()).isEqualTo(d.clientMetadataMaxBytes());
    assertThat(dev.mandate.config.Durations.parse(cm.at("/timeout/default").asText()))
        .isEqualTo(d.clientMetadataTimeout());
    assertThat(cm.at("/allowHttpLoopback/default").asBoolean())
        .isEqualTo(d.allowHttpLoopbackClientMetadata());
    assertThat(d.accessTokenTtl()).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void badFiles_areRefusedWithTheReason() throws IOException {
    assertRefused("issuer: https://a.example\nextra: 1\n", "extra");
    assertRefused("dynamicRegistration: \"yes\"\n", "dynamicRegistration");
    assertRefused(
        "people:\n  - {name: Alice!, passwordHash: \"$pbkdf2-sha256$x\", client: c}\n", "name");
    assertRefused("people:\n  - {name: alice, passwordHash: plain, client: c}\n", "hash");
    assertRefused("issuer: https://a.example/?q=1\n", "issuer");
    assertRefused("accessTokenTtl: 2d\n", "accessTokenTtl");
    assertRefused("resources:\n  - {url: ftp://x/, audience: a}\n", "resource");
    assertRefused("issuer: a\nissuer: b\n", "issuer");
  }

  private void assertRefused(String yaml, String mentions) throws IOException {
    Path file = tmp.resolve("bad.yaml");
    Files.writeString(file, yaml);
    assertThatThrownBy(() -> OAuthSettings.load(file))
        .as(yaml)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad.yaml")
        .hasMessageContaining(mentions);
  }

  private static void keys(Class<?> type, String prefix, TreeSet<String> out) {
    for (RecordComponent c : type.getRecordComponents()) {
      Class<?> t = c.getType();
      if (t.isRecord()) {
        keys(t, prefix + c.getName() + ".", out);
      } else if (t == java.util.List.class) {
        Class<?> item =
            (Class<?>)
                ((java.lang.reflect.ParameterizedType) c.getGenericType())
                    .getActualTypeArguments()[0];
        keys(item, prefix + c.getName() + "[].", out);
      } else {
        out.add(prefix + c.getName());
      }
    }
  }

  private static void schemaKeys(JsonNode node, String prefix, TreeSet<String> out) {
    node.get("properties")
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode v = e.getValue();
              if (v.has("properties")) {
                schemaKeys(v, prefix + e.getKey() + ".", out);
              } else if (v.has("items")) {
                schemaKeys(v.get("items"), prefix + e.getKey() + "[].", out);
              } else {
                out.add(prefix + e.getKey());
              }
            });
  }

  private static String section() throws IOException {
    String doc = Files.readString(DOCS.resolve("config-reference.md"));
    int start = doc.indexOf("\n## OAuth settings");
    assertThat(start).isPositive();
    return doc.substring(start, doc.indexOf("\n## ", start + 1));
  }

  private static JsonNode schemaJson() throws IOException {
    return new ObjectMapper().readTree(Files.readString(DOCS.resolve("schemas/oauth.schema.json")));
  }

  private static Schema schema() throws IOException {
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(Files.readString(DOCS.resolve("schemas/oauth.schema.json")), InputFormat.JSON);
  }
}
