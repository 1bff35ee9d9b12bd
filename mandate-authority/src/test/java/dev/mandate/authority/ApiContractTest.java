package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/openapi/authority.yaml against a real authority: every route the server registers is
 * documented and every documented one exists, and every operation, called for real, answers with a
 * documented status and content type and a body that its schema accepts (errors included, as
 * problem+json).
 */
class ApiContractTest {
  private static final Path OPENAPI = Path.of("..", "docs", "openapi", "authority.yaml");
  private static final String DOC_IRI = "https://mandate.test/openapi/authority.json";
  private static final String POLICY =
      """
      version: 1
      clients:
        admin:
          grants: ["fs:read_text_file:/data/**", "mail:send_email:*"]
          maxTtl: 1h
          indirect: true
        agent:
          grants: ["mail:send_email:*"]
          maxTtl: 1h
        finance-desk:
          approves: [finance]
          maxTtl: 5m
        gateway-1:
          role: gateway
      """;
  private static final String EMAIL =
      "{\"audience\":\"gw-1\",\"service\":\"mail\",\"action\":\"send_email\","
          + "\"resource\":\"bob@example.com\",\"args\":{\"to\":\"bob@example.com\"}}";

  @TempDir Path tmp;
  private JsonNode api;
  private SchemaRegistry schemas;
  private AuthorityServer server;
  private AuthorityApi authority;
  private final TreeSet<String> called = new TreeSet<>();

  @BeforeEach
  void start() throws IOException {
    api = new YAMLMapper().readTree(Files.readString(OPENAPI));
    String json = AuthorityTests.JSON.writeValueAsString(api);
    schemas =
        SchemaRegistry.withDialect(Dialects.getOpenApi31(), b -> b.schemas(Map.of(DOC_IRI, json)));
    Files.writeString(tmp.resolve("policy.yaml"), POLICY);
    server =
        AuthorityServer.start(
            AuthorityTests.config(tmp)
                .oauth(
                    OAuthSettings.builder()
                        .resource("http://127.0.0.1:9/mcp", "gw-1")
                        .person(
                            new OAuthSettings.Person(
                                "alice", OAuthSettings.hashPassword("pw"), "agent"))
                        .build())
                .build());
    authority = AuthorityTests.api(server);
  }

  @AfterEach
  void stop() {
    if (authority != null) {
      server.close();
    }
  }

  @Test
  void registeredRoutes_areExactlyTheDocumentedOperations() {
    TreeSet<String> registered = new TreeSet<>();
    server.routes().forEach(r -> registered.add(r.method() + " " + r.template()));

    assertThat(registered).hasSizeGreaterThan(15).isEqualTo(documented());
  }

  @Test
  void everyOperation_answersAsDocumented() {
    String admin = authority.admin();
    check(200, "GET", "/v1/health", null, null);
    check(200, "GET", "/v1/ready", null, null);
    check(200, "GET", "/metrics", null, null);
    check(200, "GET", "/v1/keys", null, null);
    check(400, "GET", "/v1/keys", "?all=maybe", null, null);

    // Clients.
    String agent = credential(check(201, "POST", "/v1/clients", "{\"clientId\":\"agent\"}", admin));
    check(409, "POST", "/v1/clients", "{\"clientId\":\"agent\"}", admin);
    check(400, "POST", "/v1/clients", "{\"clientId\":\"agent\",\"extra\":1}", admin);
    String desk =
        credential(check(201, "POST", "/v1/clients", "{\"clientId\":\"finance-desk\"}", admin));
    String gateway =
        credential(check(201, "POST", "/v1/clients", "{\"clientId\":\"gateway-1\"}", admin));
    check(200, "GET", "/v1/clients", null, admin);
    check(401, "GET", "/v1/clients", null, null);
    check(403, "GET", "/v1/clients", null, agent);
    agent =
        credential(
            check(
                200,
                "POST",
                "/v1/clients/{clientId}/secret",
                "/v1/clients/agent/secret",
                null,
                admin));
    check(404, "POST", "/v1/clients/{clientId}/secret", "/v1/clients/nobody/secret", null, admin);

    // People (the console).
    String person =
        "{\"name\":\"olivia\",\"password\":\"long enough\",\"role\":\"operator\","
            + "\"groups\":[\"finance\"]}";
    check(201, "POST", "/v1/people", person, admin);
    check(409, "POST", "/v1/people", person, admin);
    check(
        400,
        "POST",
        "/v1/people",
        "{\"name\":\"Olivia!\",\"password\":\"long enough\",\"role\":\"operator\"}",
        admin);
    check(
        400,
        "POST",
        "/v1/people",
        "{\"name\":\"pat\",\"password\":\"short\",\"role\":\"operator\"}",
        admin);
    check(403, "POST", "/v1/people", person, agent);
    check(200, "GET", "/v1/people", null, admin);
    check(401, "GET", "/v1/people", null, null);
    check(
        200,
        "POST",
        "/v1/people/{name}/password",
        "/v1/people/olivia/password",
        "{\"password\":\"longer enough\"}",
        admin);
    check(
        400,
        "POST",
        "/v1/people/{name}/password",
        "/v1/people/olivia/password",
        "{\"password\":\"x\"}",
        admin);
    check(
        404,
        "POST",
        "/v1/people/{name}/password",
        "/v1/people/nobody/password",
        "{\"password\":\"longer enough\"}",
        admin);
    check(200, "POST", "/v1/people/{name}/totp", "/v1/people/olivia/totp", null, admin);
    check(404, "POST", "/v1/people/{name}/totp", "/v1/people/nobody/totp", null, admin);
    check(200, "POST", "/v1/people/{name}/unlock", "/v1/people/olivia/unlock", null, admin);
    check(404, "POST", "/v1/people/{name}/unlock", "/v1/people/nobody/unlock", null, admin);
    check(200, "POST", "/v1/people/{name}/disable", "/v1/people/olivia/disable", null, admin);
    check(200, "POST", "/v1/people/{name}/disable", "/v1/people/olivia/disable", null, admin);
    check(409, "POST", "/v1/people/{name}/totp", "/v1/people/olivia/totp", null, admin);
    check(404, "POST", "/v1/people/{name}/disable", "/v1/people/nobody/disable", null, admin);

    // Capabilities, approvals, indirect switches, revocations.
    String indirect =
        check(
                201,
                "POST",
                "/v1/capabilities",
                "{\"grants\":[\"fs:read_text_file:/data/**\"],\"ttl\":\"15m\",\"indirect\":true}",
                admin)
            .json()
            .get("tokenId")
            .asText();
    JsonNode approvableMint =
        check(
                201,
                "POST",
                "/v1/capabilities",
                "{\"grants\":[\"mail:send_email:*\"],\"requireApproval\":[\"finance\"]}",
                admin)
            .json();
    String approvable = approvableMint.get("tokenId").asText();
    String approvableToken = approvableMint.get("token").asText();
    check(400, "POST", "/v1/capabilities", "{\"grants\":[]}", agent);
    check(403, "POST", "/v1/capabilities", "{\"grants\":[\"fs:read_text_file:/data/**\"]}", agent);
    check(
        201,
        "POST",
        "/v1/approvals",
        "{\"tokenId\":\"" + approvable + "\",\"group\":\"finance\",\"request\":" + EMAIL + "}",
        desk);
    // Approval requests: a gateway records a waiting call, approvers answer, the agent polls.
    String waiting = "0123456789abcdef0123456789abcdef";
    String record =
        "{\"requestId\":\""
            + waiting
            + "\",\"tokenId\":\""
            + approvable
            + "\",\"approverGroups\":[\"finance\"],\"request\":"
            + EMAIL.replace("bob@", "carol@")
            + ",\"display\":{\"allows\":[]}}";
    check(201, "POST", "/v1/approval-requests", record, gateway);
    check(200, "POST", "/v1/approval-requests", record, gateway);
    check(403, "POST", "/v1/approval-requests", record, desk);
    check(400, "POST", "/v1/approval-requests", "{\"requestId\":\"x\"}", gateway);
    check(
        404,
        "POST",
        "/v1/approval-requests",
        record.replace(approvable, "0".repeat(32)).replace(waiting, "f".repeat(32)),
        gateway);
    check(200, "GET", "/v1/approval-requests", null, desk);
    check(403, "GET", "/v1/approval-requests", "?all=true", null, desk);
    check(401, "GET", "/v1/approval-requests", null, null);
    String byId = "/v1/approval-requests/" + waiting;
    check(200, "GET", "/v1/approval-requests/{id}", byId, null, desk);
    check(404, "GET", "/v1/approval-requests/{id}", byId, null, agent);
    String task = "/v1/approval-requests/{id}/task";
    check(200, "GET", task, byId + "/task", null, "Bearer " + approvableToken);
    check(401, "GET", task, byId + "/task", null, null);
    check(
        404,
        "GET",
        task,
        "/v1/approval-requests/" + "e".repeat(32) + "/task",
        null,
        "Bearer " + approvableToken);
    check(400, "GET", task, byId + "/task?wait=-1", null, "Bearer " + approvableToken);
    String approveIt = "/v1/approval-requests/{id}/approve";
    check(403, "POST", approveIt, byId + "/approve", "{}", agent);
    check(400, "POST", approveIt, byId + "/approve", "{\"group\":\"Finance\"}", desk);
    check(200, "POST", approveIt, byId + "/approve", null, desk);
    check(409, "POST", approveIt, byId + "/approve", null, desk);
    check(
        404, "POST", approveIt, "/v1/approval-requests/" + "e".repeat(32) + "/approve", null, desk);
    check(401, "POST", approveIt, byId + "/approve", null, null);
    String refuseIt = "/v1/approval-requests/{id}/refuse";
    check(409, "POST", refuseIt, byId + "/refuse", "{\"reason\":\"late\"}", desk);
    check(403, "POST", refuseIt, byId + "/refuse", null, agent);
    check(400, "POST", refuseIt, byId + "/refuse", "{\"reason\":1}", desk);
    check(404, "POST", refuseIt, "/v1/approval-requests/" + "e".repeat(32) + "/refuse", null, desk);
    check(401, "POST", refuseIt, byId + "/refuse", null, null);
    String other = "fedcba9876543210fedcba9876543210";
    check(
        201,
        "POST",
        "/v1/approval-requests",
        record.replace(waiting, other).replace("carol@", "dan@"),
        gateway);
    check(
        200,
        "POST",
        refuseIt,
        "/v1/approval-requests/" + other + "/refuse",
        "{\"reason\":\"no\"}",
        desk);
    check(
        201,
        "POST",
        "/v1/indirect/{tokenId}/suspend",
        "/v1/indirect/" + indirect + "/suspend",
        "{\"reason\":\"paused\"}",
        admin);
    check(
        201,
        "POST",
        "/v1/indirect/{tokenId}/resume",
        "/v1/indirect/" + indirect + "/resume",
        null,
        admin);
    check(
        409,
        "POST",
        "/v1/indirect/{tokenId}/suspend",
        "/v1/indirect/" + approvable + "/suspend",
        null,
        admin);
    check(
        201,
        "POST",
        "/v1/revocations",
        "{\"tokenId\":\"" + indirect + "\",\"reason\":\"leaked\"}",
        admin);
    check(400, "POST", "/v1/revocations", "{\"reason\":\"no id\"}", admin);
    check(200, "GET", "/v1/revocations", "?since=0", null, null);
    check(200, "GET", "/v1/revocations", "?since=1&wait=0", null, null);
    check(400, "GET", "/v1/revocations", "?since=-1", null, null);

    // The audit trail.
    String batch =
        "{\"batchId\":\"b-1\",\"events\":[{\"type\":\"decision\",\"tokenId\":\"t\","
            + "\"clientId\":\"agent\",\"at\":\""
            + AuthorityTests.NOW
            + "\",\"detail\":{\"allowed\":true}}]}";
    check(201, "POST", "/v1/audit/batches", batch, gateway);
    check(200, "POST", "/v1/audit/batches", batch, gateway);
    check(403, "POST", "/v1/audit/batches", batch, admin);
    check(200, "GET", "/v1/audit", null, admin);
    check(200, "GET", "/v1/audit", "?limit=2", null, admin);
    check(400, "GET", "/v1/audit", "?limit=0", null, admin);
    check(200, "GET", "/v1/audit/verify", null, admin);

    // Keys, then the last client operation.
    String first = authority.get("/v1/keys").json().get(0).get("keyId").asText();
    String second = check(201, "POST", "/v1/keys/rotate", null, admin).json().get("keyId").asText();
    check(409, "POST", "/v1/keys/{keyId}/retire", "/v1/keys/" + second + "/retire", null, admin);
    check(200, "POST", "/v1/keys/{keyId}/retire", "/v1/keys/" + first + "/retire", null, admin);
    check(200, "GET", "/v1/keys", "?all=true", null, null);
    check(200, "POST", "/v1/clients/{clientId}/disable", "/v1/clients/agent/disable", null, admin);

    // OAuth.
    check(200, "GET", "/.well-known/oauth-authorization-server", null, null);
    check(400, "GET", "/oauth/authorize", "?client_id=nobody", null, null);
    checkBody(400, "POST", "/oauth/authorize", null, "request=x&csrf=y", FORM);
    checkBody(415, "POST", "/oauth/authorize", null, "{}", "application/json");
    Reply registered =
        checkBody(
            201,
            "POST",
            "/oauth/register",
            null,
            "{\"redirect_uris\":[\"http://127.0.0.1:9/cb\"]}",
            "application/json");
    checkBody(400, "POST", "/oauth/register", null, "{\"redirect_uris\":[]}", "application/json");
    checkBody(415, "POST", "/oauth/register", null, "a=b", FORM);
    String oauthClient = registered.json().get("client_id").asText();
    checkBody(
        400,
        "POST",
        "/oauth/token",
        null,
        "grant_type=authorization_code&code=nope&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb"
            + "&code_verifier="
            + "a".repeat(43)
            + "&client_id="
            + oauthClient,
        FORM);
    checkBody(
        401,
        "POST",
        "/oauth/token",
        null,
        "grant_type=refresh_token&refresh_token=x&client_id=" + oauthClient,
        FORM,
        Http.basic(oauthClient, "secret"));
    checkBody(415, "POST", "/oauth/token", null, "{}", "application/json");
    checkBody(413, "POST", "/oauth/token", null, "a=" + "b".repeat(70_000), FORM);

    assertThat(called).as("every documented operation was called").isEqualTo(documented());
  }

  @Test
  void theValidatorRefusesAnAnswerThatBreaksTheDocument() {
    Schema key = schemas.getSchema(SchemaLocation.of(DOC_IRI + "#/components/schemas/Key"));
    assertThat(
            key.validate(
                "{\"keyId\":\"k\",\"publicKey\":\"x\",\"state\":\"ACTIVE\"}", InputFormat.JSON))
        .isNotEmpty();
  }

  private static String credential(Reply created) {
    JsonNode c = created.json();
    return Http.basic(c.get("clientId").asText(), c.get("secret").asText());
  }

  private Reply check(int status, String method, String path, String body, String authorization) {
    return check(status, method, path, path, body, authorization);
  }

  private static final String FORM = "application/x-www-form-urlencoded";

  private Reply checkBody(
      int status, String method, String path, String query, String body, String contentType) {
    return checkBody(status, method, path, query, body, contentType, null);
  }

  /** A request with a body of {@code contentType} (OAuth's forms), checked as below. */
  private Reply checkBody(
      int status,
      String method,
      String path,
      String query,
      String body,
      String contentType,
      String authorization) {
    java.net.http.HttpRequest.Builder b =
        authority
            .request(path + (query == null ? "" : query), authorization)
            .header("Content-Type", contentType)
            .method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body));
    return verify(status, method, path, path, Http.send(b));
  }

  /**
   * Sends the request to {@code target} ({@code template} with its parameters filled in, or the
   * template followed by a query string) and checks the answer against the document.
   */
  private Reply check(
      int status,
      String method,
      String template,
      String target,
      String body,
      String authorization) {
    String url = target.startsWith("?") ? template + target : target;
    Reply r =
        method.equals("GET")
            ? authority.get(url, authorization)
            : authority.send(
                method, url, body == null ? new byte[0] : body.getBytes(), authorization);
    return verify(status, method, template, url, r);
  }

  private Reply verify(int status, String method, String template, String url, Reply r) {
    String where = method + " " + url + " -> " + r.status() + " " + r.body();
    assertThat(r.status()).as(where).isEqualTo(status);

    String op = "/paths/" + escape(template) + "/" + method.toLowerCase(Locale.ROOT);
    assertThat(api.at(op).isObject()).as("documented: " + method + " " + template).isTrue();
    String response = op + "/responses/" + status;
    JsonNode documented = api.at(response);
    assertThat(documented.isObject()).as("status documented: " + where).isTrue();
    if (documented.has("$ref")) {
      response = documented.get("$ref").asText().substring(1);
      documented = api.at(response);
    }
    String type = r.headers().firstValue("Content-Type").orElse("");
    String essence = type.split(";")[0].strip().toLowerCase(Locale.ROOT);
    assertThat(documented.path("content").has(essence))
        .as("content type " + type + " documented: " + where)
        .isTrue();
    if (essence.endsWith("json")) {
      Schema schema =
          schemas.getSchema(
              SchemaLocation.of(
                  DOC_IRI + "#" + response + "/content/" + escape(essence) + "/schema"));
      assertThat(
              schema.validate(
                  r.body(),
                  InputFormat.JSON,
                  c -> c.executionConfig(e -> e.formatAssertionsEnabled(true))))
          .as(where)
          .isEmpty();
    }
    called.add(method + " " + template);
    return r;
  }

  private TreeSet<String> documented() {
    TreeSet<String> out = new TreeSet<>();
    Iterator<Map.Entry<String, JsonNode>> paths = api.get("paths").fields();
    paths.forEachRemaining(
        p ->
            p.getValue()
                .fieldNames()
                .forEachRemaining(m -> out.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey())));
    return out;
  }

  /** A JSON Pointer token (RFC 6901). */
  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }
}
