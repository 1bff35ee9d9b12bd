package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.server.ServerLimits;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.RawPeer;
import dev.mandate.testkit.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class 1 of issue 10 at the authority, over real sockets: a few hundred connections without valid
 * credentials (slow bodies, slow headers, silence) from ten addresses, while an authenticated
 * client mints and revokes and the revocation feed carries the revocation. Without credentials a
 * body is never read: the refusal comes before it, and the connection closes.
 */
class AuthorityFloodTest {
  private static final Duration GENEROUS = Duration.ofSeconds(20);

  @TempDir Path tmp;
  private AuthorityServer server;
  private AuthorityApi authority;
  private final List<RawPeer> peers = new ArrayList<>();

  @AfterEach
  void stop() {
    peers.forEach(RawPeer::close);
    if (authority != null) {
      server.close();
    }
  }

  private RawPeer peer(int i) throws Exception {
    RawPeer p = RawPeer.connect("127.0.0." + (2 + i % 10), server.port());
    peers.add(p);
    return p;
  }

  @Test
  void aFloodWithoutCredentials_leavesMintingRevokingAndTheFeedWorking() throws Exception {
    // Fewer threads than the flood has connections, so any request that held one would show.
    ServerLimits limits = ServerLimits.builder().maxThreads(64).protectedThreads(16).build();
    server = AuthorityServer.start(AuthorityTests.config(tmp).serverLimits(limits).build());
    authority = AuthorityTests.api(server);
    // The legitimate client has authenticated before (its credential is remembered).
    assertThat(authority.get("/v1/audit?limit=1", authority.admin()).status()).isEqualTo(200);

    List<RawPeer> slowBodies = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      RawPeer p = peer(i);
      String auth = i % 15 == 0 ? "Authorization: " + wrongCredential(i) + "\r\n" : "";
      assertThat(
              p.send(
                  "POST /v1/capabilities HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                      + auth
                      + "Content-Length: 60000\r\n\r\n{\"gra"))
          .isTrue();
      slowBodies.add(p);
    }
    for (int i = 0; i < 75; i++) {
      assertThat(peer(i).send("POST /v1/capabilities HTTP/1.1\r\nHost: a\r\nX-Slow: ")).isTrue();
    }
    for (int i = 0; i < 75; i++) {
      peer(i);
    }

    Reply minted =
        authority.post(
            "/v1/capabilities",
            "{\"grants\":[\"fs:read_text_file:/data/reports/**\"],\"ttl\":\"10m\"}",
            authority.admin());
    assertThat(minted.status()).as(minted.body()).isEqualTo(201);
    Reply revoked =
        authority.post(
            "/v1/revocations",
            "{\"tokenId\":\""
                + minted.json().get("tokenId").asText()
                + "\",\"reason\":\"flood test\"}",
            authority.admin());
    assertThat(revoked.status()).as(revoked.body()).isEqualTo(201);
    // A gateway starting now (since=0) gets the snapshot, which holds the revocation.
    JsonNode feed = authority.get("/v1/revocations?since=0").json();
    assertThat(feed.get("snapshot").toString())
        .contains(revoked.json().get("revocationId").asText());
    assertThat(authority.get("/v1/health").status()).isEqualTo(200);

    // Every slow body was refused without being read, and its connection closed.
    for (RawPeer p : slowBodies) {
      assertThat(p.status()).isIn(401, 429, 503);
      assertThat(p.closedWithin(GENEROUS)).isTrue();
    }
  }

  @Test
  void anAddressWhoseCredentialsKeepFailing_isThrottled_butARememberedCredentialStillWorks()
      throws Exception {
    server = AuthorityTests.start(tmp);
    authority = AuthorityTests.api(server);
    assertThat(authority.get("/v1/audit?limit=1", authority.admin()).status()).isEqualTo(200);
    RawPeer guesser = RawPeer.connect("127.0.0.5", server.port());
    peers.add(guesser);
    // The test clock stands still, so the budget of failures does not refill.
    for (int i = 0; i < ClientAuthenticator.FAILURES_PER_MINUTE; i++) {
      assertThat(guesser.send(get(wrongCredential(i)))).isTrue();
      assertThat(guesser.response()).isEqualTo(401);
    }
    assertThat(guesser.send(get(wrongCredential(99)))).isTrue();
    assertThat(guesser.response()).isEqualTo(429);
    // No hash is needed for a credential that already worked, so no throttle applies to it.
    assertThat(guesser.send(get(authority.admin()))).isTrue();
    assertThat(guesser.response()).isEqualTo(200);
    // Other addresses are not throttled.
    RawPeer other = RawPeer.connect("127.0.0.6", server.port());
    peers.add(other);
    assertThat(other.send(get(wrongCredential(100)))).isTrue();
    assertThat(other.response()).isEqualTo(401);
  }

  private static String get(String authorization) {
    return "GET /v1/audit?limit=1 HTTP/1.1\r\nHost: a\r\nAuthorization: "
        + authorization
        + "\r\n\r\n";
  }

  private static String wrongCredential(int i) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString(("admin:mndcs1_wrong" + i).getBytes(StandardCharsets.UTF_8));
  }
}
