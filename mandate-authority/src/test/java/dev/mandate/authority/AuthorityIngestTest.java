package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Reply;
import dev.mandate.token.Capability;
import java.nio.file.Path;
import java.time.Instant;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authority's side of class 7 of issue 10: only gateways add decisions to the audit trail, at a
 * bounded rate, dated near the authority's clock; a retired root key is published in the revocation
 * feed.
 */
class AuthorityIngestTest {
  private static final String MINT_ADMIN =
      "{\"grants\":[\"fs:read_text_file:/data/reports/**\"],\"ttl\":\"10m\"}";

  @TempDir Path tmp;
  private AuthorityServer server;
  private AuthorityApi authority;

  @AfterEach
  void stop() {
    if (authority != null) {
      server.close();
    }
  }

  private static String batch(String id, Instant... times) {
    StringJoiner events = new StringJoiner(",");
    for (Instant at : times) {
      events.add(
          "{\"type\":\"decision\",\"tokenId\":\"t\",\"clientId\":\"agent\",\"at\":\""
              + at
              + "\",\"detail\":{\"allowed\":true}}");
    }
    return "{\"batchId\":\"" + id + "\",\"events\":[" + events + "]}";
  }

  @Test
  void onlyAGatewayRoleClient_mayAddDecisions() throws Exception {
    server = AuthorityTests.start(tmp);
    authority = AuthorityTests.api(server);
    String agent = authority.clientAuth("agent");
    String gateway = authority.clientAuth("gateway-1");
    String stranger = authority.clientAuth("stranger");
    long before = AuthorityTests.count(tmp.resolve("data"), "audit_log");

    Reply forged = authority.post("/v1/audit/batches", batch("b-1", AuthorityTests.NOW), agent);
    assertThat(forged.status()).as(forged.body()).isEqualTo(403);
    assertThat(forged.json().get("code").asText()).isEqualTo("not_a_gateway");
    Reply admin =
        authority.post("/v1/audit/batches", batch("b-2", AuthorityTests.NOW), authority.admin());
    assertThat(admin.status()).isEqualTo(403);
    // A client with credentials but no policy entry at all is no gateway either.
    assertThat(
            authority
                .post("/v1/audit/batches", batch("b-3", AuthorityTests.NOW), stranger)
                .status())
        .isEqualTo(403);
    assertThat(AuthorityTests.count(tmp.resolve("data"), "audit_log")).isEqualTo(before);

    Reply ok = authority.post("/v1/audit/batches", batch("b-1", AuthorityTests.NOW), gateway);
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    assertThat(AuthorityTests.count(tmp.resolve("data"), "audit_log")).isEqualTo(before + 1);
  }

  @Test
  void aGatewaysFullBatch_isTakenAboveTheGeneralBodyLimit_upToTheBatchLimit() throws Exception {
    server = AuthorityTests.start(tmp);
    authority = AuthorityTests.api(server);
    String gateway = authority.clientAuth("gateway-1");
    long before = AuthorityTests.count(tmp.resolve("data"), "audit_log");

    Instant[] times = new Instant[AuditEndpoints.MAX_EVENTS_PER_BATCH];
    java.util.Arrays.fill(times, AuthorityTests.NOW);
    String full = batch("full-1", times);
    assertThat(full.length()).isGreaterThan(AuthorityConfig.DEFAULT_MAX_BODY_BYTES);
    Reply ok = authority.post("/v1/audit/batches", full, gateway);
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    assertThat(AuthorityTests.count(tmp.resolve("data"), "audit_log"))
        .isEqualTo(before + AuditEndpoints.MAX_EVENTS_PER_BATCH);

    // Past the batch limit the body is refused unread, and nothing is recorded.
    String padded =
        full.replace("\"allowed\":true", "\"allowed\":true,\"pad\":\"" + "x".repeat(1100) + "\"")
            .replace("full-1", "full-2");
    assertThat(padded.length()).isGreaterThan(AuditEndpoints.MAX_BATCH_BYTES);
    Reply tooBig = authority.post("/v1/audit/batches", padded, gateway);
    assertThat(tooBig.problemCode(413)).isEqualTo("body_too_large");
    assertThat(AuthorityTests.count(tmp.resolve("data"), "audit_log"))
        .isEqualTo(before + AuditEndpoints.MAX_EVENTS_PER_BATCH);

    // Any other client keeps the general limit: refused as no gateway before its body is read.
    Reply agent = authority.post("/v1/audit/batches", full, authority.clientAuth("agent"));
    assertThat(agent.status()).isEqualTo(403);
  }

  @Test
  void eventsDatedFarFromTheAuthoritysClock_areRefused() throws Exception {
    server = AuthorityTests.start(tmp);
    authority = AuthorityTests.api(server);
    String gateway = authority.clientAuth("gateway-1");
    long before = AuthorityTests.count(tmp.resolve("data"), "audit_log");
    Instant now = AuthorityTests.NOW;

    Reply backdated =
        authority.post(
            "/v1/audit/batches", batch("old", now, now.minusSeconds(8 * 86_400)), gateway);
    assertThat(backdated.problemCode(400)).isEqualTo("implausible_time");
    assertThat(backdated.json().get("detail").asText()).startsWith("events[1].at");
    Reply ahead =
        authority.post("/v1/audit/batches", batch("ahead", now.plusSeconds(600)), gateway);
    assertThat(ahead.status()).isEqualTo(400);
    assertThat(AuthorityTests.count(tmp.resolve("data"), "audit_log")).isEqualTo(before);

    // Within the window: a spool that waited out a six-day outage, a clock a minute ahead.
    Reply plausible =
        authority.post(
            "/v1/audit/batches",
            batch("ok", now.minusSeconds(6 * 86_400), now.plusSeconds(60)),
            gateway);
    assertThat(plausible.status()).as(plausible.body()).isEqualTo(201);
  }

  @Test
  void aDecision_isRecordedWithItsDetailAsSent_andTheChainVerifies() throws Exception {
    server = AuthorityTests.start(tmp);
    authority = AuthorityTests.api(server);
    String gateway = authority.clientAuth("gateway-1");
    String detail =
        "{\"decision\":\"deny\",\"code\":\"GRANT_NOT_MATCHED\",\"revocationIds\":[\"r1\","
            + "\"r2\"],\"reason\":\"no grant matches /etc/caf\u00e9\",\"service\":\"fs\","
            + "\"status\":403}";
    String batch =
        "{\"batchId\":\"g-1\",\"events\":[{\"type\":\"decision\",\"actor\":\"gw-eu\","
            + "\"tokenId\":\"t-9\",\"at\":\""
            + AuthorityTests.NOW.plusNanos(123_456_789)
            + "\",\"detail\":"
            + detail
            + "},{\"type\":\"gateway.start\",\"at\":\""
            + AuthorityTests.NOW
            + "\"}]}";

    Reply ok = authority.post("/v1/audit/batches", batch, gateway);
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    assertThat(ok.json().get("recorded").asInt()).isEqualTo(2);

    JsonNode record =
        authority.get("/v1/audit?tokenId=t-9", authority.admin()).json().get("records").get(0);
    assertThat(record.get("type").asText()).isEqualTo("decision");
    assertThat(record.get("actor").asText()).isEqualTo("gateway-1/gw-eu");
    // Stored to the millisecond, as before.
    assertThat(Instant.parse(record.get("at").asText()))
        .isEqualTo(AuthorityTests.NOW.plusMillis(123));
    assertThat(record.get("detail")).isEqualTo(Json.MAPPER.readTree(detail));
    assertThat(record.get("detail").get("reason").asText()).isEqualTo("no grant matches /etc/café");
    JsonNode verify = authority.get("/v1/audit/verify", authority.admin()).json();
    assertThat(verify.get("ok").asBoolean()).as(verify.toString()).isTrue();
  }

  @Test
  void aDetailWithADuplicateKey_isRefused_andNothingIsRecorded() throws Exception {
    server = AuthorityTests.start(tmp);
    authority = AuthorityTests.api(server);
    String gateway = authority.clientAuth("gateway-1");
    long before = AuthorityTests.count(tmp.resolve("data"), "audit_log");

    Reply refused =
        authority.post(
            "/v1/audit/batches",
            "{\"batchId\":\"d-1\",\"events\":[{\"type\":\"decision\",\"at\":\""
                + AuthorityTests.NOW
                + "\",\"detail\":{\"decision\":\"deny\",\"decision\":\"allow\"}}]}",
            gateway);

    assertThat(refused.problemCode(400)).isEqualTo("malformed_json");
    assertThat(AuthorityTests.count(tmp.resolve("data"), "audit_log")).isEqualTo(before);
  }

  @Test
  void aGatewayOverItsRate_isToldToRetry_andNothingIsRecorded() throws Exception {
    // One event a second: a burst of 1000 (one full batch), and the test clock never moves.
    server =
        AuthorityServer.start(
            AuthorityTests.config(tmp).auditEventsPerSecond(1).maxBodyBytes(1 << 20).build());
    authority = AuthorityTests.api(server);
    String gateway = authority.clientAuth("gateway-1");
    Instant[] thousand = new Instant[1000];
    java.util.Arrays.fill(thousand, AuthorityTests.NOW);
    assertThat(authority.post("/v1/audit/batches", batch("full", thousand), gateway).status())
        .isEqualTo(201);
    long before = AuthorityTests.count(tmp.resolve("data"), "audit_log");

    Reply limited = authority.post("/v1/audit/batches", batch("more", AuthorityTests.NOW), gateway);
    assertThat(limited.status()).as(limited.body()).isEqualTo(429);
    assertThat(limited.json().get("code").asText()).isEqualTo("rate_limited");
    assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(AuthorityTests.count(tmp.resolve("data"), "audit_log")).isEqualTo(before);
  }

  @Test
  void retiringARootKey_publishesItInTheFeed_onceAndInSnapshots() throws Exception {
    server = AuthorityTests.start(tmp);
    authority = AuthorityTests.api(server);
    String token =
        authority
            .post("/v1/capabilities", MINT_ADMIN, authority.admin())
            .json()
            .get("token")
            .asText();
    String oldKeyId = Capability.decode(token).rootKeyId();
    assertThat(authority.post("/v1/keys/rotate", "", authority.admin()).status()).isEqualTo(201);
    // One revocation first, so the follower below reads entries rather than a snapshot.
    String tokenId =
        authority
            .post("/v1/capabilities", MINT_ADMIN, authority.admin())
            .json()
            .get("tokenId")
            .asText();
    authority.post(
        "/v1/revocations", "{\"tokenId\":\"" + tokenId + "\",\"reason\":\"x\"}", authority.admin());
    long since = authority.get("/v1/revocations?since=0").json().get("latestSequence").asLong();
    assertThat(since).isEqualTo(1);

    assertThat(authority.post("/v1/keys/" + oldKeyId + "/retire", "", authority.admin()).status())
        .isEqualTo(200);
    JsonNode entries = authority.get("/v1/revocations?since=" + since).json().get("entries");
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).get("kind").asText()).isEqualTo("REVOKE");
    assertThat(entries.get(0).get("revocationId").asText()).isEqualTo("key:" + oldKeyId);
    JsonNode snapshot = authority.get("/v1/revocations?since=0").json().get("snapshot");
    assertThat(snapshot.toString()).contains("\"key:" + oldKeyId + "\"");

    // Retiring again is answered the same and publishes nothing new.
    assertThat(authority.post("/v1/keys/" + oldKeyId + "/retire", "", authority.admin()).status())
        .isEqualTo(200);
    assertThat(authority.get("/v1/revocations?since=" + since).json().get("entries")).hasSize(1);
  }
}
