package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.Verifier;
import dev.mandate.wire.Problem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AuthorityServerTest extends RunningAuthorityTest {
  private static final String MINT_ADMIN =
      "{\"grants\":[\"fs:read_text_file:/data/reports/**\"],\"ttl\":\"15m\"}";

  // ---- health and metrics ----

  @Test
  void health_isOk() {
    Reply r = authority.get("/v1/health");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("status").asText()).isEqualTo("ok");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
  }

  @Test
  void metrics_arePrometheusText_withMintCounterAndFeedGauge() {
    assertThat(authority.post("/v1/capabilities", MINT_ADMIN, authority.admin()).status())
        .isEqualTo(201);
    Reply r = authority.get("/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
    assertThat(r.body())
        .contains("mandate_mints_total{outcome=\"issued\"} 1.0")
        .contains("mandate_feed_latest_sequence")
        .contains("mandate_http_requests_seconds_count")
        .contains("jvm_memory_used_bytes");
  }

  // ---- minting ----

  @Test
  void mint_returnsATokenThatVerifiesWithThePublishedKey() throws Exception {
    Reply r = authority.post("/v1/capabilities", MINT_ADMIN, authority.admin());
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonNode minted = r.json();
    String token = minted.get("token").asText();
    assertThat(minted.get("tokenId").asText()).isEqualTo(Capability.decode(token).tokenId());
    assertThat(minted.get("revocationIds").get(0).asText())
        .isEqualTo(Capability.decode(token).revocationIds().get(0));
    assertThat(minted.get("expiresAt").asText())
        .isEqualTo(AuthorityTests.NOW.plus(Duration.ofMinutes(15)).toString());

    Verifier verifier = verifierFromKeysEndpoint();
    Decision allowed =
        verifier.authorize(
            Presentation.of(token), Request.of("fs", "read_text_file", "/data/reports/q1.txt"));
    assertThat(allowed.allowed()).as(allowed.reason()).isTrue();
    assertThat(
            verifier
                .authorize(
                    Presentation.of(token), Request.of("fs", "read_text_file", "/data/secrets/a"))
                .allowed())
        .isFalse();

    JsonNode audit =
        authority
            .get("/v1/audit?tokenId=" + minted.get("tokenId").asText(), authority.admin())
            .json();
    assertThat(audit.get("records")).hasSize(1);
    assertThat(audit.get("records").get(0).get("type").asText()).isEqualTo("mint");
    assertThat(audit.toString()).doesNotContain(token);
    assertThat(AuthorityTests.count(tmp.resolve("data"), "tokens")).isEqualTo(1);
  }

  @Test
  void mint_withHolderKeyAndIndirect_bindsTheToken() {
    VerifyingKey holder = SigningKey.generate(new SecureRandom()).verifyingKey();
    String agent = authority.clientAuth("agent");
    Reply r =
        authority.post(
            "/v1/capabilities",
            "{\"grants\":[\"fs:read_text_file:/data/invoices/2024/**\"],\"ttl\":\"1h\","
                + "\"holderKey\":\""
                + holder.toText()
                + "\",\"maxDepth\":1,\"indirect\":true}",
            agent);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    Capability cap = Capability.decode(r.json().get("token").asText());
    assertThat(cap.holderKeyId()).hasValue(holder.keyId());
  }

  @Test
  void mint_withHolderJkt_bindsTheTokenToThatDPoPKey() {
    String jkt = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; // RFC 7638's example thumbprint
    String agent = authority.clientAuth("agent");
    Reply r =
        authority.post(
            "/v1/capabilities",
            "{\"grants\":[\"fs:read_text_file:/data/invoices/2024/**\"],\"ttl\":\"1h\","
                + "\"holderJkt\":\""
                + jkt
                + "\"}",
            agent);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    Capability cap = Capability.decode(r.json().get("token").asText());
    assertThat(cap.holderKeyId()).hasValue("jkt:" + jkt);
  }

  @Test
  void mint_withLiteralGrants_takesEachValueAsItIs_noEscapingNeeded() throws Exception {
    // A file name read from untrusted data, with glob characters that must not act as globs.
    String name = "/data/reports/q1*{all}.txt";
    Reply r =
        authority.post(
            "/v1/capabilities",
            "{\"literalGrants\":[{\"service\":\"fs\",\"action\":\"read_text_file\","
                + "\"resource\":\""
                + name
                + "\"}],\"ttl\":\"15m\"}",
            authority.admin());

    assertThat(r.status()).as(r.body()).isEqualTo(201);
    Capability cap = Capability.decode(r.json().get("token").asText());
    assertThat(cap.blocks().get(0).grants())
        .extracting(Object::toString)
        .containsExactly("fs:read_text_file:/data/reports/q1\\*\\{all\\}.txt");
    Verifier verifier = verifierFromKeysEndpoint();
    String token = cap.toText();
    assertThat(
            verifier
                .authorize(Presentation.of(token), Request.of("fs", "read_text_file", name))
                .allowed())
        .isTrue();
    assertThat(
            verifier
                .authorize(
                    Presentation.of(token),
                    Request.of("fs", "read_text_file", "/data/reports/q1-secret{all}.txt"))
                .allowed())
        .isFalse();
  }

  @Test
  void mint_underAPolicyThatRequiresABudget_refusesWithoutOne_andMintsItWhenAsked()
      throws Exception {
    Files.writeString(
        tmp.resolve("policy.yaml"),
        AuthorityTests.POLICY.replace(
            "    indirect: true\n  agent:",
            "    indirect: true\n    budgets:\n      - {service: fs, max: \"calls<=100/1h\"}\n"
                + "  agent:"));
    server.reloadPolicyNow();

    Reply without = authority.post("/v1/capabilities", MINT_ADMIN, authority.admin());
    assertThat(without.status()).as(without.body()).isEqualTo(403);
    assertThat(without.json().get("code").asText()).isEqualTo("policy_denied");
    assertThat(without.json().get("detail").asText())
        .contains("without a budget for service 'fs' of at most calls<=100/1h");
    Reply tooWide =
        authority.post(
            "/v1/capabilities",
            MINT_ADMIN.replace("}", ",\"budgets\":[\"calls<=101/1h\"]}"),
            authority.admin());
    assertThat(tooWide.status()).isEqualTo(403);
    Reply malformed =
        authority.post(
            "/v1/capabilities",
            MINT_ADMIN.replace("}", ",\"budgets\":[\"calls<=lots\"]}"),
            authority.admin());
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().get("detail").asText()).startsWith("budgets[0]: ");

    Reply ok =
        authority.post(
            "/v1/capabilities",
            MINT_ADMIN.replace("}", ",\"budgets\":[\"calls<=10/1d\"]}"),
            authority.admin());
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    assertThat(Capability.decode(ok.json().get("token").asText()).blocks().get(0).caveats())
        .contains(dev.mandate.caveat.Caveat.Budget.parse("calls<=10/1d"));
  }

  @Test
  void mint_withABadLiteralGrant_is400NamingIt() {
    Reply r =
        authority.post(
            "/v1/capabilities",
            "{\"grants\":[\"fs:read_text_file:/data/a/**\"],\"literalGrants\":[{\"service\":"
                + "\"fs\",\"action\":\"read_text_file\",\"resource\":\"/data/../etc\"}],"
                + "\"ttl\":\"15m\"}",
            authority.admin());

    assertThat(r.problemCode(400)).isEqualTo("invalid_field");
    assertThat(r.json().get("detail").asText())
        .startsWith("literalGrants[0]: ")
        .contains("not a normalised path");
    assertThat(AuthorityTests.count(tmp.resolve("data"), "tokens")).isZero();
  }

  @Test
  void mint_deniedByPolicy_is403WithTheReason_andAudited() {
    String agent = authority.clientAuth("agent");
    Reply r =
        authority.post(
            "/v1/capabilities",
            "{\"grants\":[\"fs:read_text_file:/data/secrets/**\"],\"ttl\":\"15m\"}",
            agent);
    assertThat(r.problemCode(403)).isEqualTo("policy_denied");
    assertThat(r.json().get("detail").asText()).contains("fs:read_text_file:/data/secrets/**");
    assertThat(AuthorityTests.count(tmp.resolve("data"), "tokens")).isZero();
    JsonNode audit = authority.get("/v1/audit?client=agent", authority.admin()).json();
    assertThat(audit.get("records").findValuesAsText("type")).contains("mint.denied");
  }

  @Test
  void mint_withTtlAboveThePolicyMaximum_isDenied() {
    Reply r =
        authority.post(
            "/v1/capabilities",
            "{\"grants\":[\"fs:read_text_file:/data/reports/**\"],\"ttl\":\"2h\"}",
            authority.admin());
    assertThat(r.status()).isEqualTo(403);
  }

  // ---- credentials ----

  @Test
  void badCredentials_are401WithWwwAuthenticate_andTheSameAnswerForUnknownAndWrong() {
    authority.clientAuth("agent");
    List<Reply> replies = new ArrayList<>();
    replies.add(authority.post("/v1/capabilities", MINT_ADMIN, null));
    replies.add(authority.post("/v1/capabilities", MINT_ADMIN, Http.basic("agent", "wrong")));
    replies.add(authority.post("/v1/capabilities", MINT_ADMIN, Http.basic("nobody", "wrong")));
    replies.add(authority.post("/v1/capabilities", MINT_ADMIN, "Bearer abc"));
    replies.add(authority.post("/v1/capabilities", MINT_ADMIN, "Basic !!!notbase64"));
    for (Reply r : replies) {
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Basic ");
      assertThat(r.body()).isEqualTo(replies.get(0).body());
    }
    assertThat(AuthorityTests.count(tmp.resolve("data"), "tokens")).isZero();
  }

  @Test
  void adminEndpoints_refuseOtherClients() {
    String agent = authority.clientAuth("agent");
    Reply r = authority.post("/v1/keys/rotate", "", agent);
    assertThat(r.problemCode(403)).isEqualTo("admin_required");
    assertThat(authority.get("/v1/audit", agent).status()).isEqualTo(403);
  }

  // ---- bad input ----

  @Test
  void badInput_getsA4xxJsonError_withNoStackTrace_andNothingIsWritten() {
    long audit = AuthorityTests.count(tmp.resolve("data"), "audit_log");
    String[][] cases = {
      {"{\"grants\":[\"fs:read_text_file:/data/**\"],", "400", "malformed_json"},
      {
        "{\"grants\":[\"fs:read_text_file:/data/**\"],\"ttl\":\"15m\",\"extra\":1}",
        "400",
        "unknown_field"
      },
      {"{\"grants\":\"fs:read_text_file:/data/**\",\"ttl\":\"15m\"}", "400", "wrong_type"},
      {"{\"grants\":[\"fs:read_text_file:/data/**\"],\"ttl\":15}", "400", "wrong_type"},
      {
        "{\"grants\":[\"fs:read_text_file:/data/**\"],\"ttl\":\"15m\",\"maxUses\":\"3\"}",
        "400",
        "wrong_type"
      },
      {
        "{\"grants\":[\"fs:read_text_file:/data/**\"],\"ttl\":\"15 minutes\"}",
        "400",
        "invalid_field"
      },
      {"{\"grants\":[\"fs:read_text_file:/data/**\"],\"ttl\":\"400d\"}", "400", "invalid_field"},
      {
        "{\"grants\":[\"fs:read_text_file:/data/**\"],\"ttl\":\"" + "9".repeat(100) + "s\"}",
        "400",
        "invalid_field"
      },
      {"[1,2]", "400", "wrong_type"},
      {"", "400", "malformed_json"},
      {
        "{\"grants\":[\"a:b:c\"],\"ttl\":\"15m\",\"holderKey\":\"mndpk1_xx\"}",
        "400",
        "invalid_field"
      },
      {"{\"grants\":[\"a:b:c\"],\"ttl\":\"15m\",\"holderJkt\":\"short\"}", "400", "invalid_field"},
      {
        "{\"grants\":[\"a:b:c\"],\"ttl\":\"15m\",\"holderJkt\":\"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs\","
            + "\"holderKey\":\""
            + SigningKey.generate(new SecureRandom()).verifyingKey().toText()
            + "\"}",
        "400",
        "invalid_field"
      },
    };
    for (String[] c : cases) {
      Reply r = authority.post("/v1/capabilities", c[0], authority.admin());
      assertThat(r.status()).as(c[0] + " -> " + r.body()).isEqualTo(Integer.parseInt(c[1]));
      assertThat(r.json().get("code").asText()).as(c[0]).isEqualTo(c[2]);
      assertThat(r.json().get("detail").asText()).isNotBlank();
      assertThat(r.body()).doesNotContain("at dev.", "at com.", "Exception");
    }
    byte[] big = new byte[AuthorityConfig.DEFAULT_MAX_BODY_BYTES + 10];
    java.util.Arrays.fill(big, (byte) ' ');
    big[0] = '{';
    big[big.length - 1] = '}';
    Reply tooBig = authority.send("POST", "/v1/capabilities", big, authority.admin());
    assertThat(tooBig.problemCode(413)).isEqualTo("body_too_large");

    assertThat(AuthorityTests.count(tmp.resolve("data"), "tokens")).isZero();
    assertThat(AuthorityTests.count(tmp.resolve("data"), "audit_log")).isEqualTo(audit);
  }

  @Test
  void oversizedChunkedBody_is413() throws Exception {
    byte[] big = new byte[AuthorityConfig.DEFAULT_MAX_BODY_BYTES * 2];
    java.util.Arrays.fill(big, (byte) ' ');
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(server.url() + "/v1/capabilities"))
            .header("Authorization", authority.admin())
            .header("Content-Type", "application/json")
            // An InputStream publisher has no known length, so the body is sent chunked.
            .POST(
                HttpRequest.BodyPublishers.ofInputStream(
                    () -> new java.io.ByteArrayInputStream(big)))
            .build();
    Reply r = Http.send(HttpRequest.newBuilder(request, (name, value) -> true));
    assertThat(r.status()).isEqualTo(413);
    assertThat(AuthorityTests.count(tmp.resolve("data"), "tokens")).isZero();
  }

  @Test
  void unknownPath_is404_andWrongMethod_is405WithAllow() {
    Reply notFound = authority.get("/v1/nothing");
    assertThat(notFound.problemCode(404)).isEqualTo("not_found");
    Reply wrongMethod = authority.send("DELETE", "/v1/keys", new byte[0], null);
    assertThat(wrongMethod.status()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET");
    assertThat(wrongMethod.json().get("code").asText()).isEqualTo("method_not_allowed");
  }

  @Test
  void errors_areRfc9457Problems_withAStableCode() {
    Reply r = authority.get("/v1/nothing");
    assertThat(r.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    Problem p = Problem.parse(r.body()).orElseThrow();
    assertThat(p.type()).isEqualTo("about:blank");
    assertThat(p.title()).isEqualTo("Not Found");
    assertThat(p.status()).isEqualTo(404);
    assertThat(p.code()).isEqualTo("not_found");
    assertThat(p.detail()).isEqualTo("there is no endpoint at /v1/nothing");
  }

  @Test
  void errorsJettyAnswersItself_areProblemsToo() throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(server.url() + "/v1/health"))
            .header("X-Padding", "a".repeat(64 * 1024))
            .build();
    Reply r = Http.send(HttpRequest.newBuilder(request, (name, value) -> true));
    assertThat(r.status()).isEqualTo(431);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    Problem p = Problem.parse(r.body()).orElseThrow();
    assertThat(p.code()).isEqualTo("headers_too_large");
    assertThat(p.detail()).isEqualTo("the request headers are larger than the authority accepts");
  }

  // ---- revocation and the feed ----

  @Test
  void revocationByTokenId_appearsInTheFeed() {
    JsonNode minted = authority.post("/v1/capabilities", MINT_ADMIN, authority.admin()).json();
    String tokenId = minted.get("tokenId").asText();
    String authorityBlockId = minted.get("revocationIds").get(0).asText();

    Reply revoked =
        authority.post(
            "/v1/revocations",
            "{\"tokenId\":\"" + tokenId + "\",\"reason\":\"leaked in a log\"}",
            authority.admin());
    assertThat(revoked.status()).as(revoked.body()).isEqualTo(201);
    assertThat(revoked.json().get("revocationId").asText()).isEqualTo(authorityBlockId);
    long sequence = revoked.json().get("sequence").asLong();
    assertThat(sequence).isEqualTo(1);

    JsonNode snapshot = authority.get("/v1/revocations?since=0").json();
    assertThat(snapshot.get("latestSequence").asLong()).isEqualTo(1);
    assertThat(snapshot.get("snapshot").get(0).asText()).isEqualTo(authorityBlockId);

    JsonNode increments = authority.get("/v1/revocations?since=0&wait=0").json();
    assertThat(increments.get("snapshot")).isNotNull();
    JsonNode none = authority.get("/v1/revocations?since=1").json();
    assertThat(none.get("entries")).isEmpty();
    assertThat(none.get("snapshot")).isNull();
    assertThat(none.get("latestSequence").asLong()).isEqualTo(1);

    // A second token, then follow from 1.
    JsonNode second = authority.post("/v1/capabilities", MINT_ADMIN, authority.admin()).json();
    authority.post(
        "/v1/revocations",
        "{\"revocationId\":\""
            + second.get("revocationIds").get(0).asText()
            + "\",\"reason\":\"x\"}",
        authority.admin());
    JsonNode after = authority.get("/v1/revocations?since=1").json();
    assertThat(after.get("entries")).hasSize(1);
    assertThat(after.get("entries").get(0).get("kind").asText()).isEqualTo("REVOKE");
    assertThat(after.get("entries").get(0).get("sequence").asLong()).isEqualTo(2);
    assertThat(after.get("latestSequence").asLong()).isEqualTo(2);

    JsonNode audit = authority.get("/v1/audit?tokenId=" + tokenId, authority.admin()).json();
    assertThat(audit.get("records").findValuesAsText("type")).containsExactly("mint", "revoke");
  }

  @Test
  void revocation_byAnotherClient_isRefused_andByRevocationIdAlone_needsAdmin() {
    String agent = authority.clientAuth("agent");
    String other = authority.clientAuth("other");
    JsonNode minted =
        authority
            .post(
                "/v1/capabilities",
                "{\"grants\":[\"fs:read_text_file:/data/invoices/2024/**\"],\"ttl\":\"15m\"}",
                agent)
            .json();
    String tokenId = minted.get("tokenId").asText();
    Reply byOther =
        authority.post(
            "/v1/revocations", "{\"tokenId\":\"" + tokenId + "\",\"reason\":\"x\"}", other);
    assertThat(byOther.status()).isEqualTo(404);
    Reply byIdAlone =
        authority.post(
            "/v1/revocations",
            "{\"revocationId\":\""
                + minted.get("revocationIds").get(0).asText()
                + "\",\"reason\":\"x\"}",
            agent);
    assertThat(byIdAlone.status()).isEqualTo(403);
    Reply byOwner =
        authority.post(
            "/v1/revocations", "{\"tokenId\":\"" + tokenId + "\",\"reason\":\"done\"}", agent);
    assertThat(byOwner.status()).isEqualTo(201);
    Reply noReason = authority.post("/v1/revocations", "{\"tokenId\":\"" + tokenId + "\"}", agent);
    assertThat(noReason.status()).isEqualTo(400);
  }

  @Test
  void longPoll_returnsSoonAfterARevocationIsPublishedDuringTheWait() throws Exception {
    JsonNode minted = authority.post("/v1/capabilities", MINT_ADMIN, authority.admin()).json();
    CompletableFuture<Reply> poll =
        CompletableFuture.supplyAsync(() -> authority.get("/v1/revocations?since=0&wait=20000"));
    Thread.sleep(300);
    assertThat(poll).isNotDone();
    long start = System.nanoTime();
    authority.post(
        "/v1/revocations",
        "{\"tokenId\":\"" + minted.get("tokenId").asText() + "\",\"reason\":\"x\"}",
        authority.admin());
    Reply r = poll.get(5, java.util.concurrent.TimeUnit.SECONDS);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(millis).isLessThan(1000);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("latestSequence").asLong()).isEqualTo(1);
  }

  @Test
  void longPoll_expiresWithNoEntries() {
    long start = System.nanoTime();
    Reply r = authority.get("/v1/revocations?since=0&wait=300");
    assertThat(r.status()).isEqualTo(200);
    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(250);
    assertThat(r.json().get("latestSequence").asLong()).isZero();
    assertThat(authority.get("/v1/revocations?since=x").status()).isEqualTo(400);
    assertThat(authority.get("/v1/revocations?since=0&wait=30001").status()).isEqualTo(400);
  }

  @Test
  void serverSentEvents_sendTheSnapshotThenEachEntryWithItsSequenceAsId() throws Exception {
    JsonNode minted = authority.post("/v1/capabilities", MINT_ADMIN, authority.admin()).json();
    HttpRequest request =
        authority
            .request("/v1/revocations?since=0", null)
            .header("Accept", "text/event-stream")
            .GET()
            .build();
    java.util.concurrent.BlockingQueue<String> lines =
        new java.util.concurrent.LinkedBlockingQueue<>();
    CompletableFuture<java.net.http.HttpResponse<java.util.stream.Stream<String>>> response =
        HttpClient.newHttpClient()
            .sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofLines());
    java.net.http.HttpResponse<java.util.stream.Stream<String>> r =
        response.get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    AuthorityTests.assertEventStreamHeaders(r.headers());
    Thread reader = new Thread(() -> r.body().forEach(lines::add));
    reader.setDaemon(true);
    reader.start();
    assertThat(next(lines)).isEqualTo("id: 0");
    assertThat(next(lines)).isEqualTo("event: snapshot");
    assertThat(next(lines)).startsWith("data: {\"latestSequence\":0");
    assertThat(next(lines)).isEmpty();

    authority.post(
        "/v1/revocations",
        "{\"tokenId\":\"" + minted.get("tokenId").asText() + "\",\"reason\":\"x\"}",
        authority.admin());
    assertThat(next(lines)).isEqualTo("id: 1");
    assertThat(next(lines)).isEqualTo("event: entry");
    assertThat(next(lines))
        .contains("\"kind\":\"REVOKE\"")
        .contains(minted.get("revocationIds").get(0).asText());
    r.body().close();
  }

  private static String next(java.util.concurrent.BlockingQueue<String> lines)
      throws InterruptedException {
    String line = lines.poll(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(line).as("a line within 5 s").isNotNull();
    return line;
  }

  @Test
  void indirectCapability_canBeSuspendedAndResumed() {
    JsonNode minted =
        authority
            .post(
                "/v1/capabilities",
                "{\"grants\":[\"fs:read_text_file:/data/reports/**\"],\"ttl\":\"15m\",\"indirect\":true}",
                authority.admin())
            .json();
    String tokenId = minted.get("tokenId").asText();
    String rid = minted.get("revocationIds").get(0).asText();
    Reply suspended =
        authority.post(
            "/v1/indirect/" + tokenId + "/suspend", "{\"reason\":\"incident\"}", authority.admin());
    assertThat(suspended.status()).as(suspended.body()).isEqualTo(201);
    assertThat(authority.get("/v1/revocations?since=0").json().get("snapshot").get(0).asText())
        .isEqualTo(rid);
    Reply resumed =
        authority.send(
            "POST", "/v1/indirect/" + tokenId + "/resume", new byte[0], authority.admin());
    assertThat(resumed.status()).as(resumed.body()).isEqualTo(201);
    assertThat(authority.get("/v1/revocations?since=0").json().get("snapshot")).isEmpty();
    JsonNode entries = authority.get("/v1/revocations?since=0&wait=0").json();
    assertThat(entries.get("latestSequence").asLong()).isEqualTo(2);
    JsonNode increments = authority.get("/v1/revocations?since=1").json().get("entries");
    assertThat(increments.get(0).get("kind").asText()).isEqualTo("RESUME");

    JsonNode direct = authority.post("/v1/capabilities", MINT_ADMIN, authority.admin()).json();
    assertThat(
            authority
                .post(
                    "/v1/indirect/" + direct.get("tokenId").asText() + "/suspend",
                    "{}",
                    authority.admin())
                .status())
        .isEqualTo(409);
  }

  // ---- audit ----

  @Test
  void auditBatch_isIdempotent() {
    String gateway = authority.clientAuth("gateway-1");
    String batch =
        "{\"batchId\":\"b-1\",\"events\":["
            + "{\"type\":\"decision\",\"actor\":\"gw-eu\",\"tokenId\":\"abc\",\"clientId\":\"agent\","
            + "\"at\":\"2025-06-01T11:59:00Z\",\"detail\":{\"allowed\":false,\"reason\":\"revoked\"}},"
            + "{\"type\":\"decision\",\"at\":\"2025-06-01T11:59:01Z\"}]}";
    long before = AuthorityTests.count(tmp.resolve("data"), "audit_log");
    Reply first = authority.post("/v1/audit/batches", batch, gateway);
    assertThat(first.status()).as(first.body()).isEqualTo(201);
    assertThat(first.json().get("duplicate").asBoolean()).isFalse();
    Reply again = authority.post("/v1/audit/batches", batch, gateway);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("duplicate").asBoolean()).isTrue();
    assertThat(AuthorityTests.count(tmp.resolve("data"), "audit_log")).isEqualTo(before + 2);

    JsonNode records =
        authority.get("/v1/audit?tokenId=abc", authority.admin()).json().get("records");
    assertThat(records).hasSize(1);
    assertThat(records.get(0).get("actor").asText()).isEqualTo("gateway-1/gw-eu");
    assertThat(records.get(0).get("detail").get("reason").asText()).isEqualTo("revoked");
    assertThat(records.get(0).get("hash").asText()).hasSize(64);

    Reply forged =
        authority.post(
            "/v1/audit/batches",
            "{\"batchId\":\"b-2\",\"events\":[{\"type\":\"mint\",\"at\":\"2025-06-01T11:59:00Z\"}]}",
            gateway);
    assertThat(forged.status()).isEqualTo(400);
    assertThat(AuthorityTests.count(tmp.resolve("data"), "audit_log")).isEqualTo(before + 2);
  }

  @Test
  void auditVerify_isOk_andAuditQueryFiltersAndPages() {
    for (int i = 0; i < 3; i++) {
      authority.post("/v1/capabilities", MINT_ADMIN, authority.admin());
    }
    JsonNode verify = authority.get("/v1/audit/verify", authority.admin()).json();
    assertThat(verify.get("ok").asBoolean()).isTrue();
    assertThat(verify.get("recordsChecked").asLong()).isGreaterThanOrEqualTo(3);

    JsonNode page = authority.get("/v1/audit?limit=2", authority.admin()).json();
    assertThat(page.get("records")).hasSize(2);
    long next = page.get("nextAfter").asLong();
    JsonNode rest = authority.get("/v1/audit?limit=100&after=" + next, authority.admin()).json();
    assertThat(rest.get("records").get(0).get("sequence").asLong()).isEqualTo(next + 1);
    assertThat(rest.get("records").get(0).get("previousHash").asText())
        .isEqualTo(page.get("records").get(1).get("hash").asText());
    assertThat(authority.get("/v1/audit?from=yesterday", authority.admin()).status())
        .isEqualTo(400);
    assertThat(
            authority
                .get("/v1/audit?from=2025-06-01T13:00:00Z", authority.admin())
                .json()
                .get("records"))
        .isEmpty();
  }

  // ---- keys ----

  @Test
  void rotate_listsBothKeys_andATokenMintedBeforeStillVerifies() throws Exception {
    String before =
        authority
            .post("/v1/capabilities", MINT_ADMIN, authority.admin())
            .json()
            .get("token")
            .asText();
    String oldKeyId = Capability.decode(before).rootKeyId();

    Reply rotated = authority.post("/v1/keys/rotate", "", authority.admin());
    assertThat(rotated.status()).as(rotated.body()).isEqualTo(201);
    String newKeyId = rotated.json().get("keyId").asText();
    assertThat(rotated.json().get("state").asText()).isEqualTo("ACTIVE");

    JsonNode keys = authority.get("/v1/keys").json();
    assertThat(keys.findValuesAsText("keyId")).containsExactlyInAnyOrder(oldKeyId, newKeyId);
    assertThat(keys.findValuesAsText("state")).containsExactlyInAnyOrder("VERIFY_ONLY", "ACTIVE");

    String after =
        authority
            .post("/v1/capabilities", MINT_ADMIN, authority.admin())
            .json()
            .get("token")
            .asText();
    assertThat(Capability.decode(after).rootKeyId()).isEqualTo(newKeyId);
    Verifier verifier = verifierFromKeysEndpoint();
    Request read = Request.of("fs", "read_text_file", "/data/reports/a");
    assertThat(verifier.authorize(Presentation.of(before), read).allowed()).isTrue();
    assertThat(verifier.authorize(Presentation.of(after), read).allowed()).isTrue();

    assertThat(authority.post("/v1/keys/" + newKeyId + "/retire", "", authority.admin()).status())
        .isEqualTo(409);
    Reply retired = authority.post("/v1/keys/" + oldKeyId + "/retire", "", authority.admin());
    assertThat(retired.status()).isEqualTo(200);
    assertThat(retired.json().get("state").asText()).isEqualTo("RETIRED");
    assertThat(authority.get("/v1/keys").json().findValuesAsText("keyId"))
        .containsExactly(newKeyId);
    assertThat(authority.get("/v1/keys?all=true").json()).hasSize(2);
    assertThat(verifierFromKeysEndpoint().authorize(Presentation.of(before), read).allowed())
        .isFalse();
    assertThat(authority.post("/v1/keys/mk_nope/retire", "", authority.admin()).status())
        .isEqualTo(404);

    JsonNode audit = authority.get("/v1/audit", authority.admin()).json();
    assertThat(audit.get("records").findValuesAsText("type")).contains("key.rotate", "key.retire");
  }

  // ---- policy reload ----

  @Test
  void policyReload_aValidChangeTakesEffect_aBrokenOneKeepsTheOldPolicyAndIsAudited()
      throws Exception {
    String widerGrant = "{\"grants\":[\"mail:send:*\"],\"ttl\":\"15m\"}";
    assertThat(authority.post("/v1/capabilities", widerGrant, authority.admin()).status())
        .isEqualTo(403);

    Files.writeString(
        tmp.resolve("policy.yaml"),
        AuthorityTests.POLICY.replace(
            "- \"fs:read_text_file:/data/**\"",
            "- \"fs:read_text_file:/data/**\"\n      - \"mail:send:*\""));
    server.reloadPolicyNow();
    assertThat(authority.post("/v1/capabilities", widerGrant, authority.admin()).status())
        .isEqualTo(201);

    Files.writeString(tmp.resolve("policy.yaml"), "version: 1\nclients: [oops\n");
    server.reloadPolicyNow();
    server.reloadPolicyNow();
    assertThat(authority.post("/v1/capabilities", widerGrant, authority.admin()).status())
        .isEqualTo(201);

    List<String> types =
        authority
            .get("/v1/audit?limit=1000", authority.admin())
            .json()
            .get("records")
            .findValuesAsText("type");
    assertThat(types).contains("policy.reload");
    assertThat(types.stream().filter("policy.reload.failed"::equals)).hasSize(1);
  }

  // ---- clients ----

  @Test
  void clients_areCreatedOnce_andSecretsCanBeReplaced() {
    String agent = authority.clientAuth("agent");
    assertThat(
            authority.post("/v1/clients", "{\"clientId\":\"agent\"}", authority.admin()).status())
        .isEqualTo(409);
    Reply rotated = authority.post("/v1/clients/agent/secret", "", authority.admin());
    assertThat(rotated.status()).isEqualTo(200);
    String fresh = Http.basic("agent", rotated.json().get("secret").asText());
    String mint = "{\"grants\":[\"fs:read_text_file:/data/invoices/2024/**\"],\"ttl\":\"15m\"}";
    assertThat(authority.post("/v1/capabilities", mint, agent).status()).isEqualTo(401);
    assertThat(authority.post("/v1/capabilities", mint, fresh).status()).isEqualTo(201);
    assertThat(authority.post("/v1/clients", "{\"clientId\":\"../x\"}", authority.admin()).status())
        .isEqualTo(400);
  }

  @Test
  void clients_areListedWithoutSecrets_forAdminsOnly() {
    String agent = authority.clientAuth("agent");

    Reply list = authority.get("/v1/clients", authority.admin());

    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().findValuesAsText("clientId")).containsExactly("admin", "agent");
    assertThat(list.json().get(0).get("admin").asBoolean()).isTrue();
    assertThat(list.json().get(1).get("createdAt").asText())
        .isEqualTo(AuthorityTests.NOW.toString());
    assertThat(list.body()).doesNotContain("secret").doesNotContain("Hash").doesNotContain("$");
    assertThat(authority.get("/v1/clients", agent).status()).isEqualTo(403);
    assertThat(authority.get("/v1/clients").status()).isEqualTo(401);
  }

  @Test
  void disabledClient_cannotAuthenticate_evenWithARecentlyCheckedSecret_norBeRotated() {
    String agent = authority.clientAuth("agent");
    String mint = "{\"grants\":[\"fs:read_text_file:/data/invoices/2024/**\"],\"ttl\":\"15m\"}";
    // A successful check is cached; disabling must still take effect at once.
    assertThat(authority.post("/v1/capabilities", mint, agent).status()).isEqualTo(201);

    Reply disabled = authority.post("/v1/clients/agent/disable", "", authority.admin());

    assertThat(disabled.status()).as(disabled.body()).isEqualTo(200);
    assertThat(disabled.json().get("disabledAt").asText()).isEqualTo(AuthorityTests.NOW.toString());
    assertThat(authority.post("/v1/capabilities", mint, agent).status()).isEqualTo(401);
    assertThat(authority.post("/v1/clients/agent/secret", "", authority.admin()).status())
        .isEqualTo(409);
    assertThat(authority.post("/v1/clients/agent/disable", "", authority.admin()).status())
        .as("disabling again changes nothing")
        .isEqualTo(200);
    assertThat(authority.post("/v1/clients/nobody/disable", "", authority.admin()).status())
        .isEqualTo(404);
    assertThat(
            authority
                .get("/v1/audit?client=agent", authority.admin())
                .json()
                .findValuesAsText("type"))
        .containsOnlyOnce("client.disable");
  }

  @Test
  void anAdmin_cannotDisableItself() {
    Reply r = authority.post("/v1/clients/admin/disable", "", authority.admin());

    assertThat(r.problemCode(409)).isEqualTo("client_self");
    assertThat(authority.get("/v1/audit/verify", authority.admin()).status()).isEqualTo(200);
  }

  // ---- shutdown ----

  @Test
  void close_answersAWaitingLongPoll_beforeStopping() throws Exception {
    CompletableFuture<Reply> poll =
        CompletableFuture.supplyAsync(() -> authority.get("/v1/revocations?since=0&wait=30000"));
    Thread.sleep(300);
    long start = System.nanoTime();
    server.close();
    Reply r = poll.get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(200);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4000);
  }

  private Verifier verifierFromKeysEndpoint() {
    JsonNode keys = authority.get("/v1/keys").json();
    List<VerifyingKey> trusted = new ArrayList<>();
    keys.forEach(k -> trusted.add(VerifyingKey.parse(k.get("publicKey").asText())));
    return Verifier.builder()
        .trustedKeys(TrustedKeys.of(trusted.toArray(VerifyingKey[]::new)))
        .clock(AuthorityTests.CLOCK)
        .build();
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
