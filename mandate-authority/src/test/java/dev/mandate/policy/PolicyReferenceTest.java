package dev.mandate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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

/**
 * Keeps docs/config-reference.md and docs/schemas/policy.schema.json true to {@link PolicyParser}:
 * the keys are the parser's own key sets, the defaults what it makes of a client that leaves them
 * out, and the policies shipped and documented validate against the schema and parse.
 */
class PolicyReferenceTest {
  private static final Path DOCS = Path.of("..", "docs");
  private static final Path SCHEMA = DOCS.resolve("schemas/policy.schema.json");

  @Test
  void schemaAndReference_listExactlyTheKeysTheParserAccepts() throws IOException {
    TreeSet<String> accepted = new TreeSet<>(PolicyParser.ROOT_KEYS);
    PolicyParser.CLIENT_KEYS.forEach(k -> accepted.add("clients.*." + k));
    PolicyParser.APPROVALS_KEYS.forEach(k -> accepted.add("approvals." + k));
    PolicyParser.APPROVAL_GROUP_KEYS.forEach(k -> accepted.add("approvals.groups.*." + k));
    JsonNode schema = new ObjectMapper().readTree(Files.readString(SCHEMA));
    JsonNode client = schema.at("/$defs/client");
    JsonNode approvals = schema.at("/properties/approvals");

    TreeSet<String> inSchema = new TreeSet<>();
    schema.get("properties").fieldNames().forEachRemaining(inSchema::add);
    client.get("properties").fieldNames().forEachRemaining(k -> inSchema.add("clients.*." + k));
    approvals.get("properties").fieldNames().forEachRemaining(k -> inSchema.add("approvals." + k));
    approvals
        .at("/properties/groups/additionalProperties/properties")
        .fieldNames()
        .forEachRemaining(k -> inSchema.add("approvals.groups.*." + k));
    assertThat(approvals.get("additionalProperties").asBoolean(true)).isFalse();
    assertThat(schema.at("/properties/clients/additionalProperties/$ref").asText())
        .isEqualTo("#/$defs/client");
    assertThat(schema.get("additionalProperties").asBoolean(true)).isFalse();
    assertThat(client.get("additionalProperties").asBoolean(true)).isFalse();
    assertThat(inSchema).as("keys in policy.schema.json").isEqualTo(accepted);
    assertThat(new TreeSet<>(documentedKeys()))
        .as("keys in config-reference.md, Policy")
        .isEqualTo(accepted);
  }

  @Test
  void schemaDefaults_areTheParsersDefaults() throws IOException {
    ClientPolicy c = parse("version: 1\nclients:\n  a: {maxTtl: 1h}\n").client("a").orElseThrow();
    Map<String, Function<ClientPolicy, Object>> actual = new LinkedHashMap<>();
    actual.put("description", ClientPolicy::description);
    actual.put("grants", ClientPolicy::grants);
    actual.put("require", p -> List.copyOf(p.require()));
    actual.put("maxDepth", ClientPolicy::maxDepth);
    actual.put("indirect", ClientPolicy::indirect);
    actual.put("admin", ClientPolicy::admin);
    actual.put("approves", ClientPolicy::approves);
    actual.put("approval", ClientPolicy::approval);
    actual.put("role", p -> p.role().key());
    actual.put("budgets", ClientPolicy::budgets);

    JsonNode properties =
        new ObjectMapper().readTree(Files.readString(SCHEMA)).at("/$defs/client/properties");
    Map<String, Object> defaults = new LinkedHashMap<>();
    properties
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode d = e.getValue().get("default");
              if (d != null) {
                defaults.put(
                    e.getKey(),
                    d.isArray()
                        ? new ObjectMapper().convertValue(d, List.class)
                        : d.isInt() ? d.asInt() : d.isBoolean() ? d.asBoolean() : d.asText());
              }
            });
    assertThat(defaults.keySet())
        .as("every default in the schema is checked here")
        .containsExactlyInAnyOrderElementsOf(actual.keySet());
    defaults.forEach((key, value) -> assertThat(actual.get(key).apply(c)).as(key).isEqualTo(value));
  }

  @Test
  void shippedAndDocumentedPolicies_validateAgainstTheSchema_andParse() throws IOException {
    Map<String, String> policies = new LinkedHashMap<>();
    policies.put("starter policy", resource("/dev/mandate/policy/starter-policy.yaml"));
    policies.put("test policy invoice-policy.yaml", resource("/policy/invoice-policy.yaml"));
    Matcher m = Pattern.compile("(?s)```yaml\\n(.*?)```").matcher(policySection());
    while (m.find()) {
      policies.put("config-reference.md example at " + m.start(), m.group(1));
    }
    assertThat(policies).hasSizeGreaterThan(2);

    Schema schema = schema();
    policies.forEach(
        (name, text) -> {
          assertThat(schema.validate(text, InputFormat.YAML)).as(name).isEmpty();
          assertThat(parse(text)).as(name).isNotNull();
        });
  }

  @Test
  void schema_refusesWhatTheParserRefuses() throws IOException {
    Schema schema = schema();
    for (String bad :
        List.of(
            "version: 2\nclients: {}\n",
            "clients: {}\n",
            "version: 1\nclients:\n  a: {maxTtl: 1h, grant: []}\n",
            "version: 1\nclients:\n  a: {grants: [\"fs:r:/x\"]}\n",
            "version: 1\nclients:\n  a: {maxTtl: 1 hour}\n",
            "version: 1\nclients:\n  a: {maxTtl: 1h, maxDepth: 32}\n",
            "version: 1\nclients:\n  a: {maxTtl: 1h, require: [owner]}\n",
            "version: 1\nclients:\n  a: {maxTtl: 1h, role: root}\n",
            "version: 1\nclients:\n  -bad: {maxTtl: 1h}\n")) {
      assertThat(schema.validate(bad, InputFormat.YAML)).as(bad).isNotEmpty();
      assertThat(PolicyParser.parse(bad, "bad.yaml").policy()).as(bad).isNull();
    }
    // A gateway that mints nothing needs no maxTtl, for both.
    String gateway = "version: 1\nclients:\n  gw: {role: gateway}\n";
    assertThat(schema.validate(gateway, InputFormat.YAML)).isEmpty();
    assertThat(parse(gateway)).isNotNull();
  }

  private static Policy parse(String text) {
    PolicyParser.Parsed parsed = PolicyParser.parse(text, "policy.yaml");
    assertThat(parsed.problems().errors()).isEmpty();
    return parsed.policy();
  }

  private static List<String> documentedKeys() throws IOException {
    List<String> keys = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^\\| `([^`]+)` \\|").matcher(policySection());
    while (m.find()) {
      keys.add(m.group(1));
    }
    assertThat(keys).doesNotHaveDuplicates();
    return keys;
  }

  private static String policySection() throws IOException {
    String doc = Files.readString(DOCS.resolve("config-reference.md"));
    int start = doc.indexOf("\n## Policy");
    assertThat(start).isPositive();
    return doc.substring(start, doc.indexOf("\n## ", start + 1));
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = PolicyReferenceTest.class.getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Schema schema() throws IOException {
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(Files.readString(SCHEMA), InputFormat.JSON);
  }
}
