package dev.mandate.token;

import static dev.mandate.token.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A holder proof signs the call as the client sends it (spec §7): it fits that one call and no
 * other, whatever the gateway maps the call to, and the call must be for the request decided.
 */
class CallProofTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final SigningKey root = Fixtures.key(1);
  private final SigningKey agent = Fixtures.key(9);
  private final Capability bound =
      Capability.mint(root)
          .clock(Fixtures.clock())
          .random(Fixtures.random(1))
          .allow("fs:read_text_file:/data/**")
          .allow("mail:read_text_file:/data/**")
          .ttl(Duration.ofHours(1))
          .bindTo(agent.verifyingKey())
          .sign();
  private final ObjectNode args = F.objectNode().put("path", "/srv/data/a.txt");
  private final Call call = Call.mcp("gw", "fs", "POST tools/call", "read_text_file", args);
  // The gateway maps the call with its own rule (here: the path under /srv); the client never
  // learns it.
  private final Request request =
      new Request("gw", "fs", "read_text_file", "/data/a.txt", args, null);

  private Decision decide(Call signed, Call received, Request decided, long seed) {
    Proof proof = Proof.create(agent, bound.toText(), signed, NOW, Fixtures.random(seed));
    return Fixtures.verifier(root)
        .build()
        .authorize(Presentation.of(bound.toText()).withProof(proof).withCall(received), decided);
  }

  @Test
  void aProofOverTheCallAsSent_allowsTheMappedRequest() {
    assertThat(decide(call, call, request, 2).allowed()).isTrue();
  }

  @Test
  void aProofForOneCall_fitsNoOtherCall() {
    ObjectNode otherArgs = F.objectNode().put("path", "/srv/data/b.txt");
    List<Call> others =
        List.of(
            Call.mcp("gw", "fs", "POST tools/call", "read_text_file", otherArgs),
            Call.mcp("gw", "fs", "POST tools/call", "read_media_file", args),
            Call.mcp("gw", "fs", "POST prompts/get", "read_text_file", args),
            Call.http("gw", "fs", "POST tools/call", "read_text_file", args));
    long seed = 10;
    for (Call other : others) {
      Decision d = decide(call, other, request, seed++);
      assertThat(d.code()).as(other.toString()).isEqualTo(Decision.Code.PROOF_INVALID);
      assertThat(d.reason()).contains("exactly this call");
    }
    Call otherAudience = call.withAudience("other-gw");
    assertThat(decide(call, otherAudience, request.withAudience("other-gw"), seed++).code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
    Call otherService = Call.mcp("gw", "mail", "POST tools/call", "read_text_file", args);
    assertThat(
            decide(
                    call,
                    otherService,
                    new Request("gw", "mail", "read_text_file", "/data/a.txt", args, null),
                    seed)
                .code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
  }

  @Test
  void theCall_mustBeForTheRequestsAudienceAndService() {
    assertThat(decide(call, call, request.withAudience("other-gw"), 3).code())
        .isEqualTo(Decision.Code.INVALID_REQUEST);
    Decision d =
        decide(
            call, call, new Request("gw", "mail", "read_text_file", "/data/a.txt", args, null), 4);
    assertThat(d.code()).isEqualTo(Decision.Code.INVALID_REQUEST);
    assertThat(d.reason()).contains("service 'fs'").contains("service 'mail'");
  }

  @Test
  void aProofWithoutTheCall_isRefused() {
    Proof proof = Proof.create(agent, bound.toText(), call, NOW, Fixtures.random(5));
    Decision d =
        Fixtures.verifier(root)
            .build()
            .authorize(Presentation.of(bound.toText()).withProof(proof), request);

    assertThat(d.code()).isEqualTo(Decision.Code.PROOF_INVALID);
    assertThat(d.reason()).contains("call it must sign was not given");
  }

  @Test
  void aVersion1Proof_isRefusedWithAReasonThatSaysWhy() {
    String v2 = Proof.create(agent, bound.toText(), call, NOW, Fixtures.random(6)).text();
    Proof v1 = Proof.of("mndp1_" + v2.substring(Proof.TEXT_PREFIX.length()));
    Decision d =
        Fixtures.verifier(root)
            .build()
            .authorize(Presentation.of(bound.toText()).withProof(v1).withCall(call), request);

    assertThat(d.code()).isEqualTo(Decision.Code.PROOF_INVALID);
    assertThat(d.reason()).contains("version 1").contains("mndp2_");
  }

  @Test
  void aCallWithoutASignedForm_isRefused() {
    Call surrogate = Call.mcp("gw", "fs", "POST tools/call", "read\ud800", args);
    assertThat(decide(call, surrogate, request, 7).code()).isEqualTo(Decision.Code.INVALID_REQUEST);
    Call huge = Call.http("gw", "fs", "GET", "/" + "x".repeat(70_000), null);
    Decision d = decide(call, huge, request, 8);
    assertThat(d.code()).isEqualTo(Decision.Code.INVALID_REQUEST);
    assertThat(d.reason()).contains("longer than 65535 bytes");
    ObjectNode deep = F.objectNode();
    ObjectNode at = deep;
    for (int i = 0; i < 100; i++) {
      at = at.putObject("a");
    }
    Call nested = Call.mcp("gw", "fs", "POST tools/call", "read_text_file", deep);
    assertThat(decide(call, nested, request, 9).code()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
  }

  @Test
  void aBearerToken_needsNoCall() {
    Capability bearer = Fixtures.mint(root, 2, "fs:read_text_file:/data/**").sign();
    assertThat(
            Fixtures.verifier(root)
                .build()
                .authorize(Presentation.of(bearer.toText()), request)
                .allowed())
        .isTrue();
  }

  @Test
  void aCall_cannotBeChangedThroughItsArguments() {
    ObjectNode mine = F.objectNode().put("path", "/a");
    Call c = Call.http(null, "fs", "GET", "/a", mine);
    mine.put("path", "/b");
    c.args().put("path", "/c");

    assertThat(c.args()).isEqualTo(F.objectNode().put("path", "/a"));
    assertThat(Map.of("k", c.protocol().wireName())).containsEntry("k", "http");
  }

  @Test
  void theHolderKey_isDecodedOncePerChain_fromItsSecondProof_andStillTellsSignaturesApart() {
    Chain chain = Capability.decode(bound.toText()).chain();
    byte[] message = "one proof's message".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] byHolder = agent.sign(message);

    assertThat(chain.holderKeyDecoded()).isFalse();
    // The first proof is checked by the key's bytes (a cold verifier checks a chain once) ...
    assertThat(chain.signedByHolder("another".getBytes(), byHolder)).isFalse();
    assertThat(chain.holderKeyDecoded()).isFalse();
    // ... the second decodes the key, once.
    assertThat(chain.signedByHolder(message, byHolder)).isTrue();
    assertThat(chain.holderKeyDecoded()).isTrue();
    // From the decoded key on: another message, another signer, a bent signature are refused.
    assertThat(chain.signedByHolder("another".getBytes(), byHolder)).isFalse();
    assertThat(chain.signedByHolder(message, Fixtures.key(3).sign(message))).isFalse();
    byte[] bent = byHolder.clone();
    bent[10] ^= 1;
    assertThat(chain.signedByHolder(message, bent)).isFalse();
    assertThat(chain.signedByHolder(message, new byte[63])).isFalse();
    assertThat(chain.signedByHolder(message, byHolder)).isTrue();
    // A bearer chain has no holder to have signed anything.
    Chain bearer = Fixtures.mint(root, 2, "fs:read_text_file:/data/**").sign().chain();
    assertThat(bearer.signedByHolder(message, byHolder)).isFalse();
  }

  @Test
  void aWarmVerifier_checksEveryProofByTheCachedHolderKey() {
    Verifier warm = Fixtures.verifier(root).build();
    for (long seed = 30; seed < 33; seed++) {
      Proof proof = Proof.create(agent, bound.toText(), call, NOW, Fixtures.random(seed));
      assertThat(
              warm.authorize(
                      Presentation.of(bound.toText()).withProof(proof).withCall(call), request)
                  .allowed())
          .isTrue();
    }
    Proof forged = Proof.create(Fixtures.key(3), bound.toText(), call, NOW, Fixtures.random(40));
    Decision d =
        warm.authorize(Presentation.of(bound.toText()).withProof(forged).withCall(call), request);
    assertThat(d.code()).isEqualTo(Decision.Code.PROOF_INVALID);
  }
}
