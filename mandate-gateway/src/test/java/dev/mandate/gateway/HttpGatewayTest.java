package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.ConsoleBrowser;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Call;
import dev.mandate.token.Capability;
import dev.mandate.token.Proof;
import dev.mandate.wire.Problem;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP reverse proxy in front of a real upstream, against a real authority. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpGatewayTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir static Path tmp;
  private Stack authority;
  private EchoUpstream upstream;
  private GatewayServer gateway;

  @BeforeAll
  void start() throws Exception {
    authority = ProxySetup.sharedStack();
    upstream = EchoUpstream.shared();
    GatewayConfig config =
        ProxySetup.parse(
            ProxySetup.config(authority, upstream, tmp.resolve("spool"), null), authority);
    gateway = GatewayServer.start(config, Clock.systemUTC(), List.of());
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
  }

  private Reply call(String method, String path, String token, String proof, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url() + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (proof != null) {
      b.header("Mandate-Proof", proof);
    }
    b.header("Mandate-Trace", "agent-side-header");
    b.header("X-Agent", "yes");
    if (body != null) {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return Http.send(b);
  }

  @Test
  void allowedCall_isForwardedWithUpstreamCredential_andWithoutMandateHeaders() {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    Reply r = call("GET", "/repos/octo/hello/issues?state=open", token, null, null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode echo = r.json();
    assertThat(echo.get("path").asText()).isEqualTo("/repos/octo/hello/issues");
    assertThat(echo.get("query").asText()).isEqualTo("state=open");
    JsonNode headers = echo.get("headers");
    assertThat(echo.get("authorizationSha256").asText())
        .isEqualTo(ProxySetup.sha256("Bearer " + ProxySetup.UPSTREAM_SECRET));
    // The upstream echoed the credential; the agent sees it redacted.
    assertThat(headers.get("authorization").asText()).isEqualTo(SecretRedaction.REPLACEMENT);
    assertThat(r.body()).doesNotContain(ProxySetup.UPSTREAM_SECRET);
    assertThat(headers.get("x-agent").asText()).isEqualTo("yes");
    headers.fieldNames().forEachRemaining(h -> assertThat(h).doesNotStartWith("mandate-"));
    assertThat(r.body()).doesNotContain(token);
  }

  @Test
  void jsonBody_becomesArguments_andIsForwardedUnchanged() {
    String token = ProxySetup.mint(authority, "api:create_issue:/repos/octo/**", null);
    String body = "{\"title\":\"hi\",\"labels\":[\"bug\"]}";
    Reply r = call("POST", "/repos/octo/hello/issues", token, null, body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("body").asText()).isEqualTo(body);
  }

  @Test
  void deniedCall_is403WithReason_andReachesTheAuthoritysAuditTrail() {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    Reply r = call("GET", "/repos/other/hello/issues", token, null, null);
    assertThat(r.status()).isEqualTo(403);
    JsonNode json = r.json();
    assertThat(json.get("title").asText()).isEqualTo("Forbidden");
    assertThat(json.get("code").asText()).isEqualTo("GRANT");
    assertThat(json.get("detail").asText()).contains("/repos/other/hello");
    assertThat(r.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    Problem problem = Problem.parse(r.body()).orElseThrow();
    assertThat(problem.type()).isEqualTo("about:blank");
    assertThat(problem.status()).isEqualTo(403);
    String tokenId = Capability.decode(token).tokenId();
    Await.until(Duration.ofSeconds(5), () -> ProxySetup.decisions(authority, tokenId).size() == 1);
    JsonNode record = ProxySetup.decisions(authority, tokenId).get(0);
    assertThat(record.get("actor").asText()).isEqualTo("gateway/" + ProxySetup.AUDIENCE);
    assertThat(record.get("detail").get("decision").asText()).isEqualTo("deny");
    assertThat(record.get("detail").get("code").asText()).isEqualTo("GRANT");
    assertThat(record.get("detail").get("resource").asText()).isEqualTo("/repos/other/hello");
    assertThat(record.get("detail").get("sourceIp").asText()).isEqualTo("127.0.0.1");
  }

  @Test
  void decisionRecords_nameTheChainACallCameThrough_andTheMintingClient() {
    SigningKey alice = SigningKey.generate(RANDOM);
    SigningKey bob = SigningKey.generate(RANDOM);
    String minted = boundTo(alice, "api:list_issues:/repos/octo/**");
    Capability toBob =
        Capability.decode(minted)
            .attenuate()
            .allow("api:list_issues:/repos/octo/hello")
            .bindTo(bob.verifyingKey())
            .sign(alice);
    String path = "/repos/octo/hello/issues";
    String proof =
        Proof.create(
                bob,
                toBob.toText(),
                Call.http(ProxySetup.AUDIENCE, "api", "GET", path, null),
                Instant.now(),
                RANDOM)
            .text();
    assertThat(call("GET", path, toBob.toText(), proof, null).status()).isEqualTo(200);
    assertThat(call("GET", "/repos/octo/other/issues", toBob.toText(), null, null).status())
        .isEqualTo(403);

    String tokenId = toBob.tokenId();
    Await.until(Duration.ofSeconds(5), () -> ProxySetup.decisions(authority, tokenId).size() == 2);
    JsonNode allowed = ProxySetup.decisions(authority, tokenId).get(0);
    assertThat(allowed.get("clientId").asText()).as("the client that minted it").isEqualTo("admin");
    JsonNode blocks = allowed.get("detail").get("blocks");
    assertThat(blocks).hasSize(2);
    assertThat(blocks.get(0).get("revocationId").asText()).isEqualTo(toBob.revocationIds().get(0));
    assertThat(blocks.get(0).get("holderKeyId").asText()).isEqualTo(alice.verifyingKey().keyId());
    assertThat(blocks.get(1).get("revocationId").asText()).isEqualTo(toBob.revocationIds().get(1));
    assertThat(blocks.get(1).get("holderKeyId").asText()).isEqualTo(bob.verifyingKey().keyId());
    JsonNode denied = ProxySetup.decisions(authority, tokenId).get(1);
    assertThat(denied.get("detail").has("blocks")).isFalse();
    assertThat(denied.get("detail").get("revocationIds"))
        .extracting(JsonNode::asText)
        .containsExactlyElementsOf(toBob.revocationIds());
  }

  @Test
  void aDelegationRevokedAtTheConsole_isDeniedByTheGatewayWithinASecond_itsParentStillAllowed() {
    SigningKey alice = SigningKey.generate(RANDOM);
    SigningKey bob = SigningKey.generate(RANDOM);
    String minted = boundTo(alice, "api:list_issues:/repos/octo/**");
    String toBob =
        Capability.decode(minted)
            .attenuate()
            .allow("api:list_issues:/repos/octo/hello")
            .bindTo(bob.verifyingKey())
            .sign(alice)
            .toText();
    String path = "/repos/octo/hello/issues";
    assertThat(call("GET", path, toBob, proof(bob, toBob, path), null).status()).isEqualTo(200);
    String tokenId = Capability.decode(minted).tokenId();
    Await.until(Duration.ofSeconds(5), () -> ProxySetup.decisions(authority, tokenId).size() == 1);

    // An operator finds Bob's block in the tree (learned from the gateway's decision) and revokes
    // it.
    String name = "ops-" + Long.toHexString(RANDOM.nextLong());
    authority.api().createPerson(name, "a long enough password", "operator", List.of(), null);
    ConsoleBrowser ops = new ConsoleBrowser(authority.url());
    assertThat(ops.signIn(name, "a long enough password", null).status()).isEqualTo(303);
    String page = "/console/capabilities/" + tokenId;
    String bobs = Capability.decode(toBob).revocationIds().get(1);
    assertThat(ops.get(page).body())
        .contains("id=\"revoke-" + bobs + "\"")
        .contains(bob.verifyingKey().keyId());
    assertThat(ops.get(page + "/revoke?block=" + bobs).body()).contains("Revoking cuts 1 block");
    assertThat(ops.post(page + "/revoke", Map.of("block", bobs, "reason", "bob is gone")).status())
        .isEqualTo(303);

    Duration took =
        Await.until(
            Duration.ofSeconds(3),
            () -> call("GET", path, toBob, proof(bob, toBob, path), null).status() == 403);
    assertThat(took).isLessThan(Duration.ofSeconds(1));
    assertThat(call("GET", path, toBob, proof(bob, toBob, path), null).json().get("code").asText())
        .isEqualTo("REVOKED");
    assertThat(call("GET", path, minted, proof(alice, minted, path), null).status())
        .as("the block it was delegated from is not revoked")
        .isEqualTo(200);
  }

  private static String proof(SigningKey holder, String token, String path) {
    return Proof.create(
            holder,
            token,
            Call.http(ProxySetup.AUDIENCE, "api", "GET", path, null),
            Instant.now(),
            RANDOM)
        .text();
  }

  @Test
  void missingToken_is401WithBearerChallenge() {
    Reply r = call("GET", "/repos/octo/hello/issues", null, null, null);
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("Bearer realm=\"mandate\", resource_metadata=")
        .doesNotContain("error=");
    assertThat(r.json().get("title").asText()).isEqualTo("Unauthorized");
  }

  @Test
  void forgedToken_is401WithInvalidTokenChallenge() {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    // Flip one character in the signed part.
    int i = token.length() / 2;
    char c = token.charAt(i) == 'A' ? 'B' : 'A';
    String forged = token.substring(0, i) + c + token.substring(i + 1);
    for (String bad : List.of(forged, "mnd1_garbage", "not-a-token")) {
      Reply r = call("GET", "/repos/octo/hello/issues", bad, null, null);
      assertThat(r.status()).as(bad).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow())
          .startsWith("Bearer realm=\"mandate\"")
          .contains("invalid_token");
    }
  }

  private String boundTo(SigningKey holder, String grant) {
    return ProxySetup.mint(
        authority, grant, "\"holderKey\":\"" + holder.verifyingKey().toText() + "\"");
  }

  @Test
  void holderBoundToken_needsAFreshProofForExactlyThisCall() {
    SigningKey holder = SigningKey.generate(RANDOM);
    String token = boundTo(holder, "api:list_issues:/repos/octo/**");
    String path = "/repos/octo/hello/issues";
    // Signed as sent: method, path and query, body; nothing of the route's mapping.
    Call request = Call.http(ProxySetup.AUDIENCE, "api", "GET", path, null);

    Reply none = call("GET", path, token, null, null);
    assertThat(none.status()).isEqualTo(403);
    assertThat(none.json().get("code").asText()).isEqualTo("PROOF_REQUIRED");

    String proof = Proof.create(holder, token, request, Instant.now(), RANDOM).text();
    assertThat(call("GET", path, token, proof, null).status()).isEqualTo(200);
    Reply replay = call("GET", path, token, proof, null);
    assertThat(replay.status()).isEqualTo(403);
    assertThat(replay.json().get("code").asText()).isEqualTo("PROOF_REPLAYED");

    String otherArgs = Proof.create(holder, token, request, Instant.now(), RANDOM).text();
    Reply wrong = call("GET", path + "?state=closed", token, otherArgs, null);
    assertThat(wrong.status()).isEqualTo(403);
    assertThat(wrong.json().get("code").asText()).isEqualTo("PROOF_INVALID");
  }

  @Test
  void holderProof_signsTheMethodPathQueryAndBodyAsSent_notTheRoutesMapping() {
    SigningKey holder = SigningKey.generate(RANDOM);
    String token = boundTo(holder, "api:create_issue:/repos/octo/**");
    String path = "/repos/octo/hello/issues?label=bug";
    ObjectNode body = ProxySetup.JSON.createObjectNode().put("title", "a bug");
    Call sent = Call.http(ProxySetup.AUDIENCE, "api", "POST", path, body);

    String proof = Proof.create(holder, token, sent, Instant.now(), RANDOM).text();
    Reply ok = call("POST", path, token, proof, "{\"title\":\"a bug\"}");
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);

    String other = Proof.create(holder, token, sent, Instant.now(), RANDOM).text();
    Reply otherBody = call("POST", path, token, other, "{\"title\":\"another\"}");
    assertThat(otherBody.json().get("code").asText()).isEqualTo("PROOF_INVALID");
    String third = Proof.create(holder, token, sent, Instant.now(), RANDOM).text();
    Reply otherQuery =
        call(
            "POST",
            "/repos/octo/hello/issues?label=feature",
            token,
            third,
            "{\"title\":\"a bug\"}");
    assertThat(otherQuery.json().get("code").asText()).isEqualTo("PROOF_INVALID");
    String fourth =
        Proof.create(
                holder,
                token,
                Call.http(ProxySetup.AUDIENCE, "api", "PUT", path, body),
                Instant.now(),
                RANDOM)
            .text();
    Reply otherMethod = call("POST", path, token, fourth, "{\"title\":\"a bug\"}");
    assertThat(otherMethod.json().get("code").asText()).isEqualTo("PROOF_INVALID");
  }

  @Test
  void expiredToken_isDenied() {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    String expired = ProxySetup.expired(token);
    Reply r = call("GET", "/repos/octo/hello/issues", expired, null, null);
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.json().get("code").asText()).isEqualTo("EXPIRED");
  }

  @Test
  void revocationAtTheAuthority_takesEffectAtTheGatewayWithinOneSecond() {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    String path = "/repos/octo/hello/issues";
    assertThat(call("GET", path, token, null, null).status()).isEqualTo(200);
    ProxySetup.revoke(authority, Capability.decode(token).tokenId());
    Duration took =
        Await.until(
            Duration.ofSeconds(3), () -> call("GET", path, token, null, null).status() == 403);
    assertThat(took).isLessThan(Duration.ofSeconds(1));
    assertThat(call("GET", path, token, null, null).json().get("code").asText())
        .isEqualTo("REVOKED");
  }

  @Test
  void maxUses_countsOnlyAllowedCalls_thenDeniesWithTheCaveat() {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", "\"maxUses\":2");
    assertThat(call("GET", "/repos/other/x/issues", token, null, null).status())
        .as("a denied call uses nothing")
        .isEqualTo(403);
    assertThat(call("GET", "/repos/octo/a/issues", token, null, null).status()).isEqualTo(200);
    assertThat(call("GET", "/repos/octo/b/issues", token, null, null).status()).isEqualTo(200);
    Reply third = call("GET", "/repos/octo/c/issues", token, null, null);
    assertThat(third.status()).isEqualTo(403);
    assertThat(third.json().get("code").asText()).isEqualTo("LIMIT_EXCEEDED");
    assertThat(third.json().get("detail").asText()).contains("at most 2 uses");
  }

  @Test
  void tokensInUpstreamAnswers_areRedacted_evenWhenSplitAcrossChunks() {
    String token = ProxySetup.mint(authority, "api:leak:/leak", null);
    Reply r = call("GET", "/leak", token, null, null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body())
        .isEqualTo(
            "before [REDACTED:mandate-token] after; key [REDACTED:mandate-token] end; pk"
                + " mndpk1_keep");
    assertThat(r.headers().firstValue("X-Leak")).hasValue("token=[REDACTED:mandate-token]");
  }

  @Test
  void compressedUpstreamAnswers_areDecodedAndRedacted_orRefusedWhenUninspectable() {
    String token = ProxySetup.mint(authority, "api:leak:/leak", null);
    for (String encoding : List.of("gzip", "deflate")) {
      Reply r = call("GET", "/encoded/" + encoding, token, null, null);
      assertThat(r.status()).as(encoding).isEqualTo(200);
      assertThat(r.body()).as(encoding).isEqualTo("a [REDACTED:mandate-token] z");
      assertThat(r.headers().firstValue("Content-Encoding")).as(encoding).isEmpty();
    }
    Reply br = call("GET", "/encoded/br", token, null, null);
    assertThat(br.status()).isEqualTo(502);
    assertThat(br.json().get("detail").asText()).contains("'br'");
    assertThat(br.body()).doesNotContain("mnd1_");
  }

  @Test
  void aCompressedAnswerThatExpandsBeyondTheBound_isRefused_notInflatedIntoMemory() {
    String token = ProxySetup.mint(authority, "api:leak:/leak", null);
    Reply r = call("GET", "/bomb", token, null, null);
    assertThat(r.status()).as(r.body()).isEqualTo(502);
    assertThat(r.json().get("detail").asText()).contains("'deflate'").contains("expands more than");
  }

  @Test
  void oversizedBody_is413_streamedOrJson() {
    String token = ProxySetup.mint(authority, "api:*:/**", null);
    byte[] big = new byte[100 * 1024];
    Reply streamed =
        Http.send(
            HttpRequest.newBuilder(URI.create(gateway.url() + "/upload"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)));
    assertThat(streamed.status()).isEqualTo(413);
    assertThat(streamed.json().get("code").asText()).isEqualTo("body_too_large");

    // Chunked (no Content-Length): the limit is enforced while streaming.
    Reply chunked =
        Http.send(
            HttpRequest.newBuilder(URI.create(gateway.url() + "/upload"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/octet-stream")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(big))));
    assertThat(chunked.status()).isEqualTo(413);

    Reply small =
        Http.send(
            HttpRequest.newBuilder(URI.create(gateway.url() + "/upload"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1000])));
    assertThat(small.status()).isEqualTo(200);
    assertThat(small.json().get("bodyLength").asInt()).isEqualTo(1000);
  }

  @Test
  void slowUpstream_is504() {
    String token = ProxySetup.mint(authority, "api:slow:/slow", null);
    Reply r = call("GET", "/slow", token, null, null);
    assertThat(r.status()).isEqualTo(504);
    assertThat(r.json().get("code").asText()).isEqualTo("upstream_timeout");
  }

  @Test
  void upstreamFallingSilentMidAnswer_cutsTheConnection_soTheTruncatedAnswerCannotLookComplete() {
    String token = ProxySetup.mint(authority, "api:slow:/slow", null);
    assertThatThrownBy(() -> call("GET", "/stall", token, null, null))
        .hasCauseInstanceOf(java.io.IOException.class);
  }

  @Test
  void unreachableUpstream_is502_namingItWithoutDetails() {
    String token = ProxySetup.mint(authority, "api:leak:/leak", null);
    Reply r = call("GET", "/down", token, null, null);
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.json().get("code").asText()).isEqualTo("bad_gateway");
    assertThat(r.json().get("detail").asText()).isEqualTo("the upstream 'down' is unreachable");
  }

  @Test
  void errorsJettyAnswersItself_areProblemsToo() {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gateway.url() + "/repos/octo/hello/issues"))
            .header("X-Padding", "a".repeat(64 * 1024));
    Reply r = Http.send(b);
    assertThat(r.status()).isEqualTo(431);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    Problem problem = Problem.parse(r.body()).orElseThrow();
    assertThat(problem.code()).isEqualTo("headers_too_large");
    assertThat(problem.detail())
        .isEqualTo("the request headers are larger than the gateway accepts");
  }

  @Test
  void unknownRouteAndEncodedSeparators_areRefusedWithoutForwarding() {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    Reply unknown = call("GET", "/nothing/here", token, null, null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().get("code").asText()).isEqualTo("not_found");
    Reply encoded = call("GET", "/repos/octo%2F..%2Fother/x/issues", token, null, null);
    assertThat(encoded.status()).isIn(400, 404);
    assertThat(encoded.body()).doesNotContain("Exception");
  }

  @Test
  void queryParameter_cannotShadowAPathParameter() {
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    Reply r = call("GET", "/repos/octo/hello/issues?owner=other", token, null, null);
    assertThat(r.status()).isEqualTo(400);
  }

  @Test
  void healthAndMetrics() {
    Reply health = Http.get(gateway.url() + "/health", null);
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().get("status").asText()).isEqualTo("ok");
    String token = ProxySetup.mint(authority, "api:list_issues:/repos/octo/**", null);
    call("GET", "/repos/octo/hello/issues", token, null, null);
    Reply metrics = Http.get(gateway.url() + "/metrics", null);
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("mandate_gateway_decisions_total")
        .contains("code=\"ALLOW\"")
        .contains("mandate_gateway_revocation_view_age_seconds");
  }
}
