package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Reply;
import dev.mandate.token.Approval;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/approvals} and {@code requireApproval} in mint requests, against a real running
 * authority; run on SQLite and on PostgreSQL by the subclasses.
 */
abstract class ApprovalEndpointsContract {
  static final String POLICY =
      """
      version: 1
      clients:
        admin:
          grants: ["fs:read_text_file:/data/**", "mail:send_email:*"]
          maxTtl: 1h
          approves: [finance]
        agent:
          grants: ["mail:send_email:*"]
          maxTtl: 1h
          approval: [finance]
        finance-desk:
          approves: [finance]
          maxTtl: 5m
      """;

  static final String EMAIL =
      "{\"audience\":\"gw-1\",\"service\":\"mail\",\"action\":\"send_email\","
          + "\"resource\":\"bob@example.com\",\"args\":{\"to\":\"bob@example.com\","
          + "\"subject\":\"Invoice\",\"amount\":12.50}}";

  @TempDir Path tmp;
  final TestClock clock = new TestClock(AuthorityTests.NOW);
  AuthorityServer server;
  AuthorityApi authority;
  String agent;
  String financeDesk;

  /** Adjusts the configuration for the database under test (SQLite needs nothing). */
  abstract AuthorityConfig.Builder database(AuthorityConfig.Builder config) throws Exception;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(tmp.resolve("policy.yaml"), POLICY);
    server = AuthorityServer.start(database(AuthorityTests.config(tmp).clock(clock)).build());
    authority = AuthorityTests.api(server);
    agent = authority.clientAuth("agent");
    financeDesk = authority.clientAuth("finance-desk");
  }

  @AfterEach
  void stop() {
    if (authority != null) {
      server.close();
    }
  }

  // ---- the happy path ----

  @Test
  void approverGetsAnApproval_thatAllowsExactlyThatCall_once() throws Exception {
    JsonNode minted = mint(agent, "{\"grants\":[\"mail:send_email:*\"],\"ttl\":\"30m\"}");
    String token = minted.get("token").asText();
    String tokenId = minted.get("tokenId").asText();
    Request call = emailCall("bob@example.com");
    Verifier verifier = verifier();
    assertThat(verifier.authorize(Presentation.of(token), call).code())
        .isEqualTo(Decision.Code.APPROVAL_REQUIRED);

    Reply r = approve(financeDesk, tokenId, "finance", EMAIL, null);

    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonNode answer = r.json();
    String approval = answer.get("approval").asText();
    assertThat(approval).startsWith(Approval.TEXT_PREFIX).doesNotContain("\n");
    Approval.Claims decoded = Approval.of(approval).claims();
    assertThat(answer.get("approvalId").asText()).isEqualTo(decoded.approvalId()).hasSize(32);
    assertThat(answer.get("requestDigest").asText())
        .isEqualTo(decoded.requestDigest())
        .isEqualTo(Approval.requestDigest(call));
    assertThat(answer.get("expiresAt").asText())
        .isEqualTo(AuthorityTests.NOW.plus(Duration.ofMinutes(10)).toString());
    assertThat(decoded.tokenId()).isEqualTo(tokenId);
    assertThat(decoded.group()).isEqualTo("finance");

    Decision other =
        verifier.authorize(
            Presentation.of(token).withApproval(Approval.of(approval)),
            emailCall("eve@example.com"));
    assertThat(other.code()).as(other.reason()).isEqualTo(Decision.Code.APPROVAL_INVALID);
    Decision first =
        verifier.authorize(Presentation.of(token).withApproval(Approval.of(approval)), call);
    assertThat(first.allowed()).as(first.reason()).isTrue();
    Decision again =
        verifier.authorize(Presentation.of(token).withApproval(Approval.of(approval)), call);
    assertThat(again.code()).isEqualTo(Decision.Code.APPROVAL_INVALID);
    assertThat(again.reason()).contains("already used");
  }

  @Test
  void aCallWithAnEmptyResource_canBeApproved() {
    // The gateway's resource for an MCP tool without a resource mapping (such as echo) is "".
    String tokenId = mint(agent, "{\"grants\":[\"mail:send_email:*\"]}").get("tokenId").asText();
    String echo = "{\"service\":\"everything\",\"action\":\"echo\",\"resource\":\"\"}";

    Reply r = approve(financeDesk, tokenId, "finance", echo, null);

    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().get("requestDigest").asText())
        .isEqualTo(Approval.requestDigest(Request.of("everything", "echo", "")));
  }

  @Test
  void ttl_setsTheExpiry_upToOneHour() {
    String tokenId = mint(agent, "{\"grants\":[\"mail:send_email:*\"]}").get("tokenId").asText();

    Reply hour = approve(financeDesk, tokenId, "finance", EMAIL, "\"1h\"");
    Reply seconds = approve(financeDesk, tokenId, "finance", EMAIL, "\"90s\"");

    assertThat(hour.status()).as(hour.body()).isEqualTo(201);
    assertThat(hour.json().get("expiresAt").asText())
        .isEqualTo(AuthorityTests.NOW.plus(Duration.ofHours(1)).toString());
    assertThat(seconds.json().get("expiresAt").asText())
        .isEqualTo(AuthorityTests.NOW.plus(Duration.ofSeconds(90)).toString());
  }

  @Test
  void approveIsAudited_withoutTheApprovalText_andTheChainStillVerifies() {
    String tokenId = mint(agent, "{\"grants\":[\"mail:send_email:*\"]}").get("tokenId").asText();
    // An emoji straddles the cut: the audit keeps whole characters only.
    String longResource = "x".repeat(1023) + "\uD83D\uDE00" + "y".repeat(2000);
    String call =
        "{\"service\":\"mail\",\"action\":\"send_email\",\"resource\":\"" + longResource + "\"}";

    Reply first = approve(financeDesk, tokenId, "finance", EMAIL, null);
    Reply second = approve(financeDesk, tokenId, "finance", call, null);
    assertThat(first.status()).as(first.body()).isEqualTo(201);
    assertThat(second.status()).as(second.body()).isEqualTo(201);

    JsonNode records =
        authority.get("/v1/audit?tokenId=" + tokenId, authority.admin()).json().get("records");
    assertThat(records.findValuesAsText("type")).containsExactly("mint", "approve", "approve");
    JsonNode approve = records.get(1);
    assertThat(approve.get("actor").asText()).isEqualTo("finance-desk");
    assertThat(approve.get("tokenId").asText()).isEqualTo(tokenId);
    JsonNode detail = approve.get("detail");
    assertThat(detail.get("group").asText()).isEqualTo("finance");
    assertThat(detail.get("approvalId").asText())
        .isEqualTo(first.json().get("approvalId").asText());
    assertThat(detail.get("requestDigest").asText())
        .isEqualTo(first.json().get("requestDigest").asText());
    assertThat(detail.get("audience").asText()).isEqualTo("gw-1");
    assertThat(detail.get("service").asText()).isEqualTo("mail");
    assertThat(detail.get("action").asText()).isEqualTo("send_email");
    assertThat(detail.get("resource").asText()).isEqualTo("bob@example.com");
    assertThat(detail.get("expiresAt").asText()).isEqualTo(first.json().get("expiresAt").asText());
    assertThat(detail.has("resourceTruncated")).isFalse();
    JsonNode truncated = records.get(2).get("detail");
    assertThat(truncated.get("resource").asText()).isEqualTo("x".repeat(1023));
    assertThat(truncated.get("resourceTruncated").asBoolean()).isTrue();
    assertThat(truncated.has("audience")).isFalse();

    String everything = authority.get("/v1/audit?limit=1000", authority.admin()).body();
    String firstBody = first.json().get("approval").asText().substring(6);
    assertThat(everything)
        .doesNotContain(first.json().get("approval").asText())
        .doesNotContain(second.json().get("approval").asText())
        .doesNotContain(firstBody.substring(0, 40));
    assertThat(authority.get("/v1/audit/verify", authority.admin()).json().get("ok").asBoolean())
        .isTrue();
  }

  // ---- who may approve ----

  @Test
  void aClientWithoutTheGroupInApproves_is403_andTheRefusalIsAudited() {
    String tokenId = mint(agent, "{\"grants\":[\"mail:send_email:*\"]}").get("tokenId").asText();

    Reply byAgent = approve(agent, tokenId, "finance", EMAIL, null);
    Reply otherGroup = approve(financeDesk, tokenId, "owners", EMAIL, null);

    assertThat(byAgent.problemCode(403)).isEqualTo("approval_denied");
    assertThat(byAgent.json().get("detail").asText())
        .isEqualTo(
            "client 'agent' may not approve for group 'finance': its policy does not list it in"
                + " approves");
    assertThat(byAgent.body()).doesNotContain(Approval.TEXT_PREFIX);
    assertThat(otherGroup.problemCode(403)).isEqualTo("approval_denied");
    JsonNode records =
        authority.get("/v1/audit?tokenId=" + tokenId, authority.admin()).json().get("records");
    assertThat(records.findValuesAsText("type"))
        .containsExactly("mint", "approve.denied", "approve.denied");
    assertThat(records.get(1).get("actor").asText()).isEqualTo("agent");
  }

  @Test
  void theClientThatMintedTheCapability_mayNotApproveItsCalls() {
    JsonNode minted =
        mint(
            authority.admin(),
            "{\"grants\":[\"mail:send_email:*\"],\"requireApproval\":[\"finance\"]}");

    Reply self = approve(authority.admin(), minted.get("tokenId").asText(), "finance", EMAIL, null);
    Reply other = approve(financeDesk, minted.get("tokenId").asText(), "finance", EMAIL, null);

    assertThat(self.problemCode(403)).isEqualTo("self_approval");
    assertThat(other.status()).as(other.body()).isEqualTo(201);
  }

  @Test
  void anUnknownToken_is404_andAnExpiredOne_is409() {
    String tokenId =
        mint(agent, "{\"grants\":[\"mail:send_email:*\"],\"ttl\":\"5m\"}").get("tokenId").asText();

    Reply unknown = approve(financeDesk, "0".repeat(32), "finance", EMAIL, null);
    clock.set(AuthorityTests.NOW.plus(Duration.ofMinutes(5)));
    Reply expired = approve(financeDesk, tokenId, "finance", EMAIL, null);

    assertThat(unknown.problemCode(404)).isEqualTo("not_found");
    assertThat(expired.problemCode(409)).isEqualTo("token_expired");
  }

  @Test
  void withoutCredentials_is401() {
    Reply r = approve(null, "0".repeat(32), "finance", EMAIL, null);

    assertThat(r.status()).isEqualTo(401);
  }

  // ---- bad input ----

  @Test
  void badInput_is400NamingTheField_andNothingIsIssuedOrAudited() {
    String tokenId = mint(agent, "{\"grants\":[\"mail:send_email:*\"]}").get("tokenId").asText();
    long before = auditCount();
    String ok = "\"tokenId\":\"" + tokenId + "\",\"group\":\"finance\"";
    String[][] cases = {
      {"{" + ok + ",\"request\":" + EMAIL, "malformed_json", "not valid JSON"},
      {"[]", "wrong_type", "JSON object"},
      {"", "malformed_json", "empty"},
      {"{" + ok + ",\"request\":" + EMAIL + ",\"extra\":1}", "unknown_field", "'extra'"},
      {
        "{" + ok + ",\"request\":" + EMAIL.replace("\"args\"", "\"argz\"") + "}",
        "unknown_field",
        "'argz'"
      },
      {
        "{" + ok + ",\"request\":" + EMAIL.replace("}}", "},\"context\":{}}") + "}",
        "unknown_field",
        "'context'"
      },
      {"{\"group\":\"finance\",\"request\":" + EMAIL + "}", "missing_field", "'tokenId'"},
      {
        "{\"tokenId\":\""
            + tokenId.toUpperCase()
            + "\",\"group\":\"finance\",\"request\":"
            + EMAIL
            + "}",
        "invalid_id",
        "tokenId"
      },
      {
        "{\"tokenId\":\"abc\",\"group\":\"finance\",\"request\":" + EMAIL + "}",
        "invalid_id",
        "tokenId"
      },
      {
        "{\"tokenId\":42,\"group\":\"finance\",\"request\":" + EMAIL + "}",
        "wrong_type",
        "'tokenId'"
      },
      {"{\"tokenId\":\"" + tokenId + "\",\"request\":" + EMAIL + "}", "missing_field", "'group'"},
      {
        "{\"tokenId\":\"" + tokenId + "\",\"group\":\"Finance\",\"request\":" + EMAIL + "}",
        "invalid_field",
        "group"
      },
      {
        "{\"tokenId\":\"" + tokenId + "\",\"group\":[\"finance\"],\"request\":" + EMAIL + "}",
        "wrong_type",
        "'group'"
      },
      {"{" + ok + "}", "missing_field", "'request'"},
      {"{" + ok + ",\"request\":\"send it\"}", "wrong_type", "'request'"},
      {
        "{" + ok + ",\"request\":{\"action\":\"a\",\"resource\":\"r\"}}",
        "missing_field",
        "request.service"
      },
      {
        "{" + ok + ",\"request\":{\"service\":\"\",\"action\":\"a\",\"resource\":\"r\"}}",
        "invalid_field",
        "request.service"
      },
      {
        "{"
            + ok
            + ",\"request\":{\"service\":\"s\",\"action\":\"a\",\"resource\":\"r\","
            + "\"audience\":\"\"}}",
        "invalid_field",
        "request.audience"
      },
      {
        "{"
            + ok
            + ",\"request\":{\"service\":\""
            + "s".repeat(257)
            + "\",\"action\":\"a\",\"resource\":\"r\"}}",
        "invalid_field",
        "request.service"
      },
      {
        "{"
            + ok
            + ",\"request\":{\"service\":\"s\",\"action\":\"a\",\"resource\":\""
            + "r".repeat(8193)
            + "\"}}",
        "invalid_field",
        "request.resource"
      },
      {
        "{"
            + ok
            + ",\"request\":{\"service\":\"s\",\"action\":\"a\",\"resource\":\"r\","
            + "\"args\":[1]}}",
        "wrong_type",
        "'request.args'"
      },
      {
        "{"
            + ok
            + ",\"request\":{\"service\":\"s\",\"action\":\"a\",\"resource\":\"r\","
            + "\"args\":{\"body\":\""
            + "b".repeat(40_000)
            + "\"}}}",
        "invalid_field",
        "request.args"
      },
      {
        "{"
            + ok
            + ",\"request\":{\"service\":\"s\",\"action\":\"a\",\"resource\":\"r\","
            + "\"args\":{\"n\":1e400}}}",
        "invalid_field",
        "not finite"
      },
      {
        "{"
            + ok
            + ",\"request\":{\"service\":\"s\",\"action\":\"a\",\"resource\":\"r\","
            + "\"args\":{\"a\":[{\"n\":9007199254740993}]}}}",
        "invalid_field",
        "9007199254740993 in the arguments"
      },
      {
        "{"
            + ok
            + ",\"request\":{\"service\":\"s\",\"action\":\"a\",\"resource\":\"r\","
            + "\"args\":{\"s\":\"\\ud800\"}}}",
        "invalid_field",
        "a string in the arguments is not valid Unicode"
      },
      {
        "{" + ok + ",\"request\":{\"service\":\"s\",\"action\":\"a\",\"resource\":\"\\udc00x\"}}",
        "invalid_field",
        "resource is not valid Unicode"
      },
      {"{" + ok + ",\"request\":" + EMAIL + ",\"ttl\":\"2h\"}", "invalid_field", "ttl"},
      {"{" + ok + ",\"request\":" + EMAIL + ",\"ttl\":\"61m\"}", "invalid_field", "ttl"},
      {"{" + ok + ",\"request\":" + EMAIL + ",\"ttl\":\"10 minutes\"}", "invalid_field", "ttl"},
      {"{" + ok + ",\"request\":" + EMAIL + ",\"ttl\":600}", "wrong_type", "'ttl'"},
    };
    for (String[] c : cases) {
      Reply r = authority.post("/v1/approvals", c[0], financeDesk);
      String what = abbreviate(c[0]) + " -> " + abbreviate(r.body());
      assertThat(r.status()).as(what).isEqualTo(400);
      assertThat(r.json().get("code").asText()).as(what).isEqualTo(c[1]);
      assertThat(r.json().get("detail").asText()).as(what).contains(c[2]);
      assertThat(r.body()).as(what).doesNotContain("at dev.", "at com.", "Exception", "mnda1_");
    }
    assertThat(auditCount()).isEqualTo(before);
  }

  @Test
  void argsNullOrAbsent_meanNoArguments() {
    String tokenId = mint(agent, "{\"grants\":[\"mail:send_email:*\"]}").get("tokenId").asText();
    String absent = "{\"service\":\"mail\",\"action\":\"send_email\",\"resource\":\"r\"}";
    String nulled = absent.replace("}", ",\"args\":null}");
    String empty = absent.replace("}", ",\"args\":{}}");

    List<String> digests = new ArrayList<>();
    for (String call : List.of(absent, nulled, empty)) {
      Reply r = approve(financeDesk, tokenId, "finance", call, null);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      digests.add(r.json().get("requestDigest").asText());
    }

    assertThat(digests).containsOnly(Approval.requestDigest(Request.of("mail", "send_email", "r")));
  }

  // ---- minting with requireApproval ----

  @Test
  void mintWithRequireApproval_carriesOneApprovalCaveat_andThePolicyForcesItsOwn() {
    JsonNode asked =
        mint(
            authority.admin(),
            "{\"grants\":[\"fs:read_text_file:/data/**\"],\"requireApproval\":[\"finance\","
                + "\"owners\"]}");
    JsonNode forced = mint(agent, "{\"grants\":[\"mail:send_email:*\"]}");
    JsonNode plain = mint(authority.admin(), "{\"grants\":[\"fs:read_text_file:/data/**\"]}");

    assertThat(approvalCaveats(asked)).containsExactly(List.of("finance", "owners"));
    assertThat(approvalCaveats(forced)).containsExactly(List.of("finance"));
    assertThat(approvalCaveats(plain)).isEmpty();
    JsonNode audit =
        authority
            .get("/v1/audit?tokenId=" + forced.get("tokenId").asText(), authority.admin())
            .json();
    assertThat(audit.get("records").get(0).get("detail").get("approvalGroups").get(0).asText())
        .isEqualTo("finance");
  }

  @Test
  void mintWithRequireApproval_outsideThePolicysApproval_is403() {
    Reply r =
        authority.post(
            "/v1/capabilities",
            "{\"grants\":[\"mail:send_email:*\"],\"requireApproval\":[\"owners\"]}",
            agent);

    assertThat(r.problemCode(403)).isEqualTo("policy_denied");
    assertThat(r.json().get("detail").asText()).contains("(approval)");
  }

  @Test
  void mintWithMalformedRequireApproval_is400() {
    String[][] cases = {
      {"[]", "invalid_field"},
      {"[\"Finance\"]", "invalid_field"},
      {"[null]", "invalid_field"},
      {"\"finance\"", "wrong_type"},
      {"[1]", "wrong_type"},
    };
    for (String[] c : cases) {
      Reply r =
          authority.post(
              "/v1/capabilities",
              "{\"grants\":[\"fs:read_text_file:/data/**\"],\"requireApproval\":" + c[0] + "}",
              authority.admin());
      assertThat(r.status()).as(c[0] + " -> " + r.body()).isEqualTo(400);
      assertThat(r.json().get("code").asText()).as(c[0]).isEqualTo(c[1]);
      assertThat(r.json().get("detail").asText()).as(c[0]).contains("requireApproval");
    }
  }

  // ---- helpers ----

  JsonNode mint(String authorization, String body) {
    Reply r = authority.post("/v1/capabilities", body, authorization);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  Reply approve(String authorization, String tokenId, String group, String request, String ttl) {
    String body =
        "{\"tokenId\":\""
            + tokenId
            + "\",\"group\":\""
            + group
            + "\",\"request\":"
            + request
            + (ttl == null ? "" : ",\"ttl\":" + ttl)
            + "}";
    return authority.post("/v1/approvals", body, authorization);
  }

  static Request emailCall(String resource) {
    ObjectNode args = AuthorityTests.JSON.createObjectNode();
    args.put("to", "bob@example.com").put("subject", "Invoice").put("amount", 12.50);
    return new Request("gw-1", "mail", "send_email", resource, args, null);
  }

  Verifier verifier() {
    return verifier(authority, clock);
  }

  /** A verifier trusting the authority's published keys, on {@code clock}. */
  static Verifier verifier(AuthorityApi authority, Clock clock) {
    List<VerifyingKey> trusted = new ArrayList<>();
    authority
        .get("/v1/keys")
        .json()
        .forEach(k -> trusted.add(VerifyingKey.parse(k.get("publicKey").asText())));
    return Verifier.builder()
        .trustedKeys(TrustedKeys.of(trusted.toArray(VerifyingKey[]::new)))
        .clock(clock)
        .build();
  }

  private long auditCount() {
    return authority.get("/v1/audit?limit=1000", authority.admin()).json().get("records").size();
  }

  private static List<List<String>> approvalCaveats(JsonNode minted) {
    List<List<String>> out = new ArrayList<>();
    Capability.decode(minted.get("token").asText())
        .blocks()
        .forEach(
            b ->
                b.caveats().stream()
                    .filter(Caveat.ApprovalRequired.class::isInstance)
                    .map(c -> ((Caveat.ApprovalRequired) c).groups())
                    .forEach(out::add));
    return out;
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  /** A clock the test moves. */
  static final class TestClock extends Clock {
    private volatile Instant now;

    TestClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
