package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.dialect.Dialects;
import dev.mandate.config.Durations;
import dev.mandate.gateway.mcp.McpConfig;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps docs/config-reference.md and docs/schemas/gateway.schema.json true to the loader: the keys
 * come from the records Jackson binds ({@link RawConfig}), the defaults from what the loader makes
 * of a file that leaves them out, and every example in the docs is validated against the schema and
 * loaded.
 */
class ConfigReferenceTest {
  private static final Path DOCS = Path.of("..", "docs");
  private static final Map<String, String> ENV =
      Map.of("MANDATE_GATEWAY_SECRET", "s3cret-for-the-test", "GITHUB_TOKEN", "ghp_test");

  @TempDir Path tmp;

  @Test
  void schemaAndReference_listExactlyTheKeysTheLoaderBinds() throws IOException {
    TreeSet<String> bound = new TreeSet<>();
    recordKeys(RawConfig.class, "", bound);
    JsonNode schema = schemaTree();

    assertThat(bound).hasSizeGreaterThan(60);
    assertThat(new TreeSet<>(schemaKeys(schema, schema, "")))
        .as("keys in gateway.schema.json")
        .isEqualTo(bound);
    assertThat(new TreeSet<>(referenceRows().keySet()))
        .as("keys in config-reference.md, Gateway configuration")
        .isEqualTo(bound);
  }

  @Test
  void schemaDefaults_areTheLoadersDefaults() throws IOException {
    GatewayConfig c = GatewayConfigLoader.parse(minimal(), tmp.resolve("gateway.yaml"), ENV);
    McpConfig.Upstream mcp = c.mcp().upstreams().get(0);
    Map<String, Function<GatewayConfig, Object>> actual = new LinkedHashMap<>();
    actual.put("listen.host", g -> g.listen().host());
    actual.put("listen.port", g -> g.listen().port());
    actual.put("authority.maxStaleness", g -> g.authority().maxStaleness());
    actual.put("authority.pollWait", g -> g.authority().pollWait());
    actual.put("authority.keyRefetchInterval", g -> g.authority().keyRefetchInterval());
    actual.put("authority.keyRefreshInterval", g -> g.authority().keyRefreshInterval());
    actual.put("verification.clockSkew", g -> g.verification().clockSkew());
    actual.put("verification.proofWindow", g -> g.verification().proofWindow());
    actual.put("verification.cacheSize", g -> g.verification().cacheSize());
    actual.put("verification.maxArgsBytes", g -> g.verification().maxArgsBytes());
    actual.put("spool.sync", g -> g.spool().sync().name().toLowerCase(java.util.Locale.ROOT));
    actual.put("spool.maxBytes", g -> g.spool().maxBytes());
    actual.put("spool.segmentBytes", g -> g.spool().segmentBytes());
    actual.put("redis.timeout", g -> g.redis().timeout());
    actual.put("limits.maxRequestBody", g -> g.limits().maxRequestBodyBytes());
    actual.put("limits.maxRequestHeaders", g -> g.limits().maxRequestHeaderBytes());
    actual.put("limits.maxResponseHeaders", g -> g.limits().maxResponseHeaderBytes());
    actual.put("limits.upstreamConnectTimeout", g -> g.limits().upstreamConnectTimeout());
    actual.put("limits.upstreamTimeout", g -> g.limits().upstreamTimeout());
    actual.put("limits.idleTimeout", g -> g.limits().idleTimeout());
    actual.put("limits.maxConnections", g -> g.limits().server().maxConnections());
    actual.put(
        "limits.maxConnectionsPerAddress", g -> g.limits().server().maxConnectionsPerAddress());
    actual.put("limits.headerTimeout", g -> g.limits().server().headerTimeout());
    actual.put("limits.minRequestRate", g -> g.limits().server().minRequestBytesPerSecond());
    actual.put("limits.maxThreads", g -> g.limits().server().maxThreads());
    actual.put("limits.protectedThreads", g -> g.limits().server().protectedThreads());
    actual.put("limits.queueTimeout", g -> g.limits().server().queueTimeout());
    actual.put("http.routes[].contentTypes", g -> g.routes().get(0).contentTypes());
    actual.put("mcp.pathPrefix", g -> g.mcp().pathPrefix());
    actual.put("mcp.maxRequestBody", g -> g.mcp().maxRequestBytes());
    actual.put("mcp.maxUpstreamMessage", g -> g.mcp().maxUpstreamMessageBytes());
    actual.put("mcp.callTimeout", g -> g.mcp().callTimeout());
    actual.put("mcp.startTimeout", g -> g.mcp().startTimeout());
    actual.put("mcp.sessionIdleTimeout", g -> g.mcp().sessionIdleTimeout());
    actual.put("mcp.allowedOrigins", g -> List.copyOf(g.mcp().allowedOrigins()));
    actual.put("mcp.upstreams[].resources", g -> mcp.resources());
    actual.put("mcp.upstreams[].prompts", g -> mcp.prompts());
    actual.put("mcp.upstreams[].maxSessions", g -> mcp.maxSessions());
    actual.put("mcp.upstreams[].roots", g -> mcp.roots());
    actual.put("mcp.upstreams[].allowMethods", g -> List.copyOf(mcp.allowMethods()));
    actual.put("shutdownTimeout", GatewayConfig::shutdownTimeout);

    Map<String, JsonNode> defaults = new LinkedHashMap<>();
    JsonNode schema = schemaTree();
    schemaProperties(schema, schema, "")
        .forEach(
            (path, node) -> {
              if (node.has("default")) {
                defaults.put(path, node.get("default"));
              }
            });
    assertThat(defaults.keySet())
        .as("every default in the schema is checked here")
        .containsExactlyInAnyOrderElementsOf(actual.keySet());
    defaults.forEach(
        (path, expected) ->
            assertThat(actual.get(path).apply(c))
                .as(path)
                .isEqualTo(valueOf(expected, actual.get(path).apply(c))));
  }

  @Test
  void everyExample_validatesAgainstTheSchema_andLoads() throws IOException {
    Map<String, String> examples = new LinkedHashMap<>();
    examples.put(
        "docs/examples/gateway.yaml", Files.readString(DOCS.resolve("examples/gateway.yaml")));
    examples.put("README.md walkthrough", readmeGateway());
    List<String> blocks = yamlBlocks(referenceSection());
    for (int i = 0; i < blocks.size(); i++) {
      examples.put("config-reference.md example " + (i + 1), blocks.get(i));
    }
    examples.put("this test's minimal configuration", minimal());
    assertThat(blocks).isNotEmpty();

    Files.writeString(tmp.resolve("gateway.secret"), "s3cret-for-the-test\n");
    Schema schema = schema();
    examples.forEach(
        (name, yaml) -> {
          assertThat(schema.validate(yaml, InputFormat.YAML)).as(name).isEmpty();
          assertThat(GatewayConfigLoader.parse(yaml, tmp.resolve("gateway.yaml"), ENV))
              .as(name)
              .isNotNull();
        });
  }

  @Test
  void schema_isValidDraft202012_andRefusesWhatTheLoaderRefuses() throws IOException {
    Schema meta =
        SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(SchemaLocation.of(Dialects.getDraft202012().getId()));
    assertThat(meta.validate(Files.readString(schemaFile()), InputFormat.JSON)).isEmpty();

    Schema schema = schema();
    String minimal = minimal();
    for (String bad :
        List.of(
            minimal + "bogus: 1\n",
            minimal.replace("audience: gateway-1\n", ""),
            minimal + "shutdownTimeout: 10 seconds\n",
            minimal + "limits: {maxRequestBody: 1 TB}\n",
            minimal.replace("clientSecretEnv: MANDATE_GATEWAY_SECRET", "clientId2: x"))) {
      List<Error> errors = schema.validate(bad, InputFormat.YAML);
      assertThat(errors).as(bad).isNotEmpty();
    }
  }

  /** Each key path of a bound record, with {@code *} for a map's keys and {@code []} for items. */
  private static void recordKeys(Class<?> record, String prefix, TreeSet<String> out) {
    for (RecordComponent c : record.getRecordComponents()) {
      String path = prefix + c.getName();
      out.add(path);
      descend(c.getGenericType(), path, out);
    }
  }

  private static void descend(Type type, String path, TreeSet<String> out) {
    if (type instanceof Class<?> k && k.isRecord()) {
      recordKeys(k, path + ".", out);
    } else if (type instanceof ParameterizedType p) {
      Type[] args = p.getActualTypeArguments();
      if (p.getRawType() == Map.class) {
        descend(args[1], path + ".*", out);
      } else if (p.getRawType() == List.class) {
        descend(args[0], path + "[]", out);
      }
    }
  }

  private static List<String> schemaKeys(JsonNode root, JsonNode node, String prefix) {
    return new ArrayList<>(schemaProperties(root, node, prefix).keySet());
  }

  /**
   * Each property of the schema by key path, following {@code $ref}s into {@code $defs} through
   * {@code additionalProperties} (a map) and {@code items} (a list); every object lists its keys.
   */
  static Map<String, JsonNode> schemaProperties(JsonNode root, JsonNode node, String prefix) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    node = resolve(root, node);
    if (node.has("properties")) {
      assertThat(node.path("additionalProperties").asBoolean(true))
          .as(prefix + ": an object that names its keys refuses others")
          .isFalse();
      node.get("properties")
          .fields()
          .forEachRemaining(
              e -> {
                String path = prefix + e.getKey();
                out.put(path, e.getValue());
                out.putAll(schemaProperties(root, e.getValue(), path + "."));
              });
    }
    String self = prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
    JsonNode map = node.path("additionalProperties");
    if (map.isObject()) {
      JsonNode target = map.has("anyOf") ? refIn(map.get("anyOf")) : map;
      if (target != null && target.has("$ref")) {
        out.putAll(schemaProperties(root, target, self + ".*."));
      }
    }
    JsonNode items = node.path("items");
    if (items.has("$ref")) {
      out.putAll(schemaProperties(root, items, self + "[]."));
    }
    return out;
  }

  private static JsonNode refIn(JsonNode anyOf) {
    for (JsonNode n : anyOf) {
      if (n.has("$ref")) {
        return n;
      }
    }
    return null;
  }

  private static JsonNode resolve(JsonNode root, JsonNode node) {
    while (node.has("$ref")) {
      node = root.at(node.get("$ref").asText().substring(1));
    }
    return node;
  }

  /** The schema's default, as the loader's type: a duration, a size in bytes, or as written. */
  private static Object valueOf(JsonNode expected, Object actual) {
    if (actual instanceof java.time.Duration) {
      return Durations.parse(expected.asText());
    }
    if (actual instanceof Long || actual instanceof Integer) {
      long n =
          expected.isNumber()
              ? expected.asLong()
              : ConfigUnits.bytes(expected.asText()).orElseThrow();
      return actual instanceof Integer ? (Object) (int) n : (Object) n;
    }
    if (actual instanceof List<?>) {
      List<String> items = new ArrayList<>();
      expected.forEach(n -> items.add(n.asText()));
      return items;
    }
    return actual instanceof Boolean ? (Object) expected.asBoolean() : expected.asText();
  }

  /** The rows of the reference's gateway table: key path to row. */
  private static Map<String, String> referenceRows() throws IOException {
    Map<String, String> rows = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)^\\| `([^`]+)` \\|.*$").matcher(referenceSection());
    while (m.find()) {
      assertThat(rows.put(m.group(1), m.group())).as("listed twice: " + m.group(1)).isNull();
    }
    return rows;
  }

  private static String referenceSection() throws IOException {
    String doc = Files.readString(DOCS.resolve("config-reference.md"));
    int start = doc.indexOf("\n## Gateway configuration");
    assertThat(start).isPositive();
    int end = doc.indexOf("\n## ", start + 1);
    return doc.substring(start, end < 0 ? doc.length() : end);
  }

  private static List<String> yamlBlocks(String markdown) {
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("(?s)```yaml\\n(.*?)```").matcher(markdown);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  /** The gateway.yaml the README's walkthrough writes, with its shell variables filled in. */
  private static String readmeGateway() throws IOException {
    String readme = Files.readString(DOCS.resolve("../README.md"));
    Matcher m =
        Pattern.compile("(?s)cat > gateway.yaml <<EOF\\n(.*?)\\n    EOF\\n").matcher(readme);
    assertThat(m.find()).as("the README writes gateway.yaml").isTrue();
    return m.group(1)
        .replaceAll("(?m)^    ", "")
        .replace("$FS", "/opt/mcp/server-filesystem/dist/index.js")
        .replace("$W", "/srv/workspace");
  }

  /** Every required key, an MCP upstream and a route with nothing optional, and Redis. */
  private static String minimal() {
    return """
        audience: gateway-1
        authority:
          url: http://127.0.0.1:7700
          clientId: gateway-1
          clientSecretEnv: MANDATE_GATEWAY_SECRET
        spool: {dir: spool}
        redis: {url: redis://127.0.0.1:6379}
        http:
          upstreams: {api: {url: https://api.example.com}}
          routes: [{match: GET /things, upstream: api, action: list}]
        mcp:
          upstreams:
            - service: fs
              path: /mcp/fs
              http: {url: http://127.0.0.1:3001/mcp}
              tools: {echo: {}}
        """;
  }

  private static Path schemaFile() {
    return DOCS.resolve("schemas/gateway.schema.json");
  }

  private static JsonNode schemaTree() throws IOException {
    return new ObjectMapper().readTree(Files.readString(schemaFile()));
  }

  private static Schema schema() throws IOException {
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(Files.readString(schemaFile()), InputFormat.JSON);
  }
}
