package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.testkit.Reply;
import dev.mandate.token.Capability;
import dev.mandate.token.DelegatedRevocation;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/revocations} with {@code token} and {@code block}: a holder revokes what it
 * delegated, never its own block.
 */
class DelegatedRevocationEndpointTest extends RunningAuthorityTest {
  private final SigningKey agentKey = SigningKey.generate(new SecureRandom());
  private final SigningKey subAgentKey = SigningKey.generate(new SecureRandom());

  /** A capability minted for the agent, bound to its key, and the sub-agent's delegation. */
  private Capability[] parentAndChild(String client) {
    JsonNode minted =
        authority
            .post(
                "/v1/capabilities",
                "{\"grants\":[\"fs:read_text_file:/data/invoices/2024/**\"],\"ttl\":\"15m\","
                    + "\"holderKey\":\""
                    + agentKey.verifyingKey().toText()
                    + "\"}",
                client)
            .json();
    Capability parent = Capability.decode(minted.get("token").asText());
    Capability child =
        parent
            .attenuate()
            .allow("fs:read_text_file:/data/invoices/2024/01/**")
            .bindTo(subAgentKey.verifyingKey())
            .sign(agentKey);
    return new Capability[] {parent, child};
  }

  private static String body(Capability token, int block, String proof) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("token", token.toText()).put("block", block).put("reason", "task done");
    if (proof != null) {
      o.put("proof", proof);
    }
    return o.toString();
  }

  private List<String> revokedIds() {
    List<String> ids = new ArrayList<>();
    authority
        .get("/v1/revocations?since=0")
        .json()
        .get("snapshot")
        .forEach(n -> ids.add(n.asText()));
    return ids;
  }

  @Test
  void theDelegatorsProof_revokesTheChildBlockOnly() {
    String agent = authority.clientAuth("agent");
    String bystander = authority.clientAuth("bystander");
    Capability[] pc = parentAndChild(agent);
    String proof = DelegatedRevocation.sign(pc[1], 1, agentKey, AuthorityTests.NOW);

    // Any authenticated client may carry the delegator's proof (e.g. the agent's runtime).
    Reply r = authority.post("/v1/revocations", body(pc[1], 1, proof), bystander);

    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().get("revocationId").asText()).isEqualTo(pc[1].revocationIds().get(1));
    assertThat(revokedIds())
        .containsExactly(pc[1].revocationIds().get(1))
        .doesNotContain(pc[0].revocationIds().get(0));
  }

  @Test
  void theMintingClient_mayRevokeADelegatedBlockWithoutAProof_othersMayNot() {
    String agent = authority.clientAuth("agent");
    String other = authority.clientAuth("other");
    Capability[] pc = parentAndChild(agent);

    assertThat(authority.post("/v1/revocations", body(pc[1], 1, null), other).status())
        .isEqualTo(404);
    assertThat(authority.post("/v1/revocations", body(pc[1], 1, null), agent).status())
        .isEqualTo(201);
    assertThat(revokedIds()).containsExactly(pc[1].revocationIds().get(1));
  }

  @Test
  void aWrongProofBlockZeroOrAForgedToken_is400_andNothingIsRevoked() {
    String agent = authority.clientAuth("agent");
    String other = authority.clientAuth("other");
    Capability[] pc = parentAndChild(agent);
    String bySubAgent =
        DelegatedRevocation.sign(
            pc[1].attenuate().allow("fs:read_text_file:/data/invoices/2024/01/a").sign(subAgentKey),
            2,
            subAgentKey,
            AuthorityTests.NOW);

    Reply wrongKey = authority.post("/v1/revocations", body(pc[1], 1, bySubAgent), other);
    Reply blockZero = authority.post("/v1/revocations", body(pc[1], 0, null), agent);
    // One character of the last signature changed, always to a different one (replacing the tail
    // with "AAAA" could leave it as it was: a signature's last byte is small, so it often encodes
    // as 'A's).
    String text = pc[1].toText();
    int at = text.length() - 6;
    String forged =
        text.substring(0, at) + (text.charAt(at) == 'B' ? 'C' : 'B') + text.substring(at + 1);
    assertThat(forged).isNotEqualTo(text);
    Reply tampered =
        authority.post(
            "/v1/revocations",
            "{\"token\":\"" + forged + "\",\"block\":1,\"reason\":\"x\"}",
            agent);
    Reply mixed =
        authority.post(
            "/v1/revocations",
            "{\"token\":\""
                + pc[1].toText()
                + "\",\"block\":1,\"tokenId\":\""
                + pc[1].tokenId()
                + "\",\"reason\":\"x\"}",
            agent);

    assertThat(wrongKey.status()).as(wrongKey.body()).isEqualTo(400);
    assertThat(wrongKey.body()).contains("not signed by the key that signed block 1");
    assertThat(blockZero.status()).isEqualTo(400);
    assertThat(blockZero.body()).contains("block 0 is the authority's");
    assertThat(tampered.status()).isEqualTo(400);
    assertThat(mixed.status()).isEqualTo(400);
    assertThat(revokedIds()).isEmpty();
  }

  @Test
  void anEditedTailOrAnotherSpellingOfTheToken_is400_withOrWithoutAProof() {
    String agent = authority.clientAuth("agent");
    Capability[] pc = parentAndChild(agent);
    String proof = DelegatedRevocation.sign(pc[1], 1, agentKey, AuthorityTests.NOW);
    String text = pc[1].toText();
    String head = text.substring(0, text.length() - 4);
    List<String> forged = new ArrayList<>();
    // Each of the last four characters (the end of the last signature, and the trailer) changed.
    for (int at = text.length() - 4; at < text.length(); at++) {
      char c = text.charAt(at) == 'B' ? 'C' : 'B';
      forged.add(text.substring(0, at) + c + text.substring(at + 1));
    }
    if (!(head + "AAAA").equals(text)) {
      forged.add(head + "AAAA");
    }
    // The same bytes, spelled otherwise: padded, or with the last character's unused bits set.
    forged.add(text + "==");
    String encoded = text.substring("mnd1_".length());
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char last = text.charAt(text.length() - 1);
    if (encoded.length() % 4 != 0) {
      // 2 or 4 of the last character's 6 bits are unused; setting the lowest gives the same bytes.
      forged.add(
          text.substring(0, text.length() - 1) + alphabet.charAt(alphabet.indexOf(last) | 1));
    }

    for (String token : forged) {
      for (String withProof : new String[] {null, proof}) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("token", token).put("block", 1).put("reason", "x");
        if (withProof != null) {
          o.put("proof", withProof);
        }
        Reply r = authority.post("/v1/revocations", o.toString(), agent);
        assertThat(r.status()).as(token + " " + r.body()).isEqualTo(400);
        assertThat(r.body()).contains("invalid_token");
      }
    }
    assertThat(revokedIds()).isEmpty();
    assertThat(authority.post("/v1/revocations", body(pc[1], 1, proof), agent).status())
        .isEqualTo(201);
  }
}
