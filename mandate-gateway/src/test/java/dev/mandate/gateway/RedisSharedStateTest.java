package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.crypto.SigningKey;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.token.Call;
import dev.mandate.token.Proof;
import dev.mandate.wire.MandateHeaders;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Two gateways sharing Redis count uses, used proofs and used approvals once between them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisSharedStateTest {
  private static final String REDIS = "redis: {url: \"redis://127.0.0.1:6379\"}";

  @TempDir static Path tmp;
  private TestPeers.Authority authority;
  private TestPeers.Upstream upstream;
  private GatewayServer one;
  private GatewayServer two;

  @BeforeAll
  void start() throws Exception {
    boolean reachable;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", 6379), 500);
      reachable = true;
    } catch (java.io.IOException e) {
      reachable = false;
    }
    if (!reachable && "1".equals(System.getenv("MANDATE_REQUIRE_REDIS"))) {
      throw new AssertionError(
          "Redis is required (MANDATE_REQUIRE_REDIS=1) but 127.0.0.1:6379 is unreachable");
    }
    Assumptions.assumeTrue(reachable, "Redis at 127.0.0.1:6379 is not reachable");
    authority = TestPeers.sharedAuthority();
    upstream = TestPeers.sharedUpstream();
    one = start("spool1");
    two = start("spool2");
  }

  private GatewayServer start(String spool) {
    return GatewayServer.start(
        TestPeers.parse(
            TestPeers.config(authority, upstream, tmp.resolve(spool), REDIS), authority),
        Clock.systemUTC(),
        List.of());
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {one, two}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void maxUses_isSharedExactlyAcrossTwoGateways_underConcurrency() throws Exception {
    String token = authority.mint("api:list_issues:/repos/octo/**", "\"maxUses\":5");
    ExecutorService pool = Executors.newFixedThreadPool(20);
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      GatewayServer gw = i % 2 == 0 ? one : two;
      Callable<Reply> call =
          () ->
              Http.send(
                  HttpRequest.newBuilder(URI.create(gw.url() + "/repos/octo/hello/issues"))
                      .header("Authorization", "Bearer " + token));
      replies.add(pool.submit(call));
    }
    int allowed = 0;
    int limited = 0;
    for (Future<Reply> f : replies) {
      Reply r = f.get();
      if (r.status() == 200) {
        allowed++;
      } else if (r.status() == 403 && r.json().get("code").asText().equals("LIMIT_EXCEEDED")) {
        assertThat(r.json().get("detail").asText()).contains("at most 5 uses");
        limited++;
      }
    }
    pool.shutdown();
    assertThat(allowed).isEqualTo(5);
    assertThat(limited).isEqualTo(15);
  }

  @Test
  void aBudget_isSpentOnceAcrossTwoGateways_andEitherShowsWhatIsLeft() throws Exception {
    String token =
        authority.mint("api:create_issue:/repos/octo/**", "\"budgets\":[\"sum(/amount)<=100\"]");
    ExecutorService pool = Executors.newFixedThreadPool(20);
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      GatewayServer gw = i % 2 == 0 ? one : two;
      replies.add(
          pool.submit(
              () ->
                  Http.post(
                      gw.url() + "/repos/octo/hello/issues",
                      "{\"amount\": 7.5}",
                      "Bearer " + token)));
    }
    int allowed = 0;
    for (Future<Reply> f : replies) {
      Reply r = f.get();
      if (r.status() == 200) {
        allowed++;
      } else {
        assertThat(r.status()).as(r.body()).isEqualTo(403);
        assertThat(r.json().get("code").asText()).isEqualTo("LIMIT_EXCEEDED");
        assertThat(r.json().get("budget").get("budget").asText()).isEqualTo("sum(/amount)<=100");
        assertThat(r.json().get("budget").get("remaining").decimalValue())
            .isEqualByComparingTo("2.5");
      }
    }
    pool.shutdown();
    assertThat(allowed).isEqualTo(13);
    for (GatewayServer gw : List.of(one, two)) {
      Reply left = Http.get(gw.url() + "/budgets", "Bearer " + token);
      assertThat(left.status()).as(left.body()).isEqualTo(200);
      assertThat(left.json().get("budgets").get(0).get("remaining").decimalValue())
          .isEqualByComparingTo("2.5");
    }
    Reply anonymous = Http.get(one.url() + "/budgets", null);
    assertThat(anonymous.status()).isEqualTo(401);
    Reply forged = Http.get(one.url() + "/budgets", "Bearer " + token.substring(0, 40));
    assertThat(forged.status()).isEqualTo(401);
  }

  @Test
  void aRate_refusesOnceItsWindowIsFull_atEitherGateway_andRefillsAfterIt() throws Exception {
    String token =
        authority.mint("api:list_issues:/repos/octo/**", "\"budgets\":[\"calls<=3/5s\"]");
    int allowed = 0;
    for (int i = 0; i < 6; i++) {
      GatewayServer gw = i % 2 == 0 ? one : two;
      Reply r = Http.get(gw.url() + "/repos/octo/hello/issues", "Bearer " + token);
      allowed += r.status() == 200 ? 1 : 0;
      if (r.status() != 200) {
        assertThat(r.json().get("detail").asText())
            .isEqualTo("block 0's rate calls<=3/5s has 0 left in the current window");
      }
    }
    assertThat(allowed).isEqualTo(3);
    dev.mandate.testkit.Await.until(
        java.time.Duration.ofSeconds(10),
        () -> Http.get(two.url() + "/repos/octo/hello/issues", "Bearer " + token).status() == 200);
  }

  @Test
  void aProofUsedAtOneGateway_isAReplayAtTheOther() {
    SecureRandom random = new SecureRandom();
    SigningKey holder = SigningKey.generate(random);
    String token =
        authority.mint(
            "api:list_issues:/repos/octo/**",
            "\"holderKey\":\"" + holder.verifyingKey().toText() + "\"");
    String proof =
        Proof.create(
                holder,
                token,
                Call.http(TestPeers.AUDIENCE, "api", "GET", "/repos/octo/hello/issues", null),
                Instant.now(),
                random)
            .text();
    Reply first = send(one, token, proof);
    Reply second = send(two, token, proof);
    assertThat(first.status()).isEqualTo(200);
    assertThat(second.status()).isEqualTo(403);
    assertThat(second.json().get("code").asText()).isEqualTo("PROOF_REPLAYED");
  }

  @Test
  void anApprovalUsedAtOneGateway_isUsedUpAtTheOther() {
    String token =
        authority.mint("api:list_issues:/repos/octo/**", "\"requireApproval\":[\"finance\"]");
    Reply asked = approvalCall(one, token, null);
    assertThat(asked.json().get("code").asText()).isEqualTo("APPROVAL_REQUIRED");
    String approval =
        authority.approve(
            dev.mandate.token.Capability.decode(token).tokenId(), asked.json().get("request"));

    Reply first = approvalCall(two, token, approval);
    Reply second = approvalCall(one, token, approval);

    assertThat(first.status()).as(first.body()).isEqualTo(200);
    assertThat(second.status()).as(second.body()).isEqualTo(403);
    assertThat(second.json().get("code").asText()).isEqualTo("APPROVAL_INVALID");
    assertThat(second.json().get("detail").asText()).contains("already used");
  }

  private static Reply approvalCall(GatewayServer gw, String token, String approval) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gw.url() + "/repos/octo/hello/issues"))
            .header("Authorization", "Bearer " + token);
    if (approval != null) {
      b.header(MandateHeaders.APPROVAL, approval);
    }
    return Http.send(b);
  }

  private static Reply send(GatewayServer gw, String token, String proof) {
    return Http.send(
        HttpRequest.newBuilder(URI.create(gw.url() + "/repos/octo/hello/issues"))
            .header("Authorization", "Bearer " + token)
            .header("Mandate-Proof", proof));
  }
}
