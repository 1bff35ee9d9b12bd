package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.crypto.InsecureSecretKeyAccess;
import dev.mandate.crypto.SigningKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A token's text names exactly one token, and every byte of it is signed or checked: an edit of its
 * tail (the last signature and the trailer, where "replace the last four characters" lands) or a
 * second spelling of the same bytes is refused wherever the authority accepts a token, here the
 * delegated revocation of {@code POST /v1/revocations} (by the minter, and with the delegator's
 * proof).
 */
class TokenTextTamperTest {
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  private final SigningKey root = Fixtures.key(1);
  private final TrustedKeys trusted = TrustedKeys.of(root.verifyingKey());

  /** A delegated chain, and the key that signed its block 1 (the delegator's). */
  private record Delegated(String shape, Capability token, SigningKey delegator) {}

  /**
   * Chains of every shape (holder-bound, bearer, sealed, bearer then bound), each with text lengths
   * of every residue mod 3, so the last base64 group covers every split of signature and trailer.
   */
  private List<Delegated> chains() {
    List<Delegated> chains = new ArrayList<>();
    for (int n = 0; n < 12; n++) {
      String path = "/data/" + "x".repeat(n);
      SigningKey agent = Fixtures.key(40 + n);
      SigningKey subAgent = Fixtures.key(60 + n);
      String shape = List.of("bound", "bearer", "sealed", "bearer-then-bound").get(n % 4);
      Capability.Minter minter = Fixtures.mint(root, n, "fs:read:" + path + "/**");
      if (shape.equals("bound")) {
        minter.bindTo(agent.verifyingKey());
      }
      Capability parent = minter.sign();
      SigningKey delegator =
          shape.equals("bound")
              ? agent
              : SigningKey.fromSeed(parent.chain().secret, InsecureSecretKeyAccess.get());
      Capability.Attenuator child =
          parent
              .attenuate()
              .clock(Fixtures.clock())
              .random(Fixtures.random(100 + n))
              .allow("fs:read:" + path + "/a/**");
      switch (shape) {
        case "bound", "bearer-then-bound" -> child.bindTo(subAgent.verifyingKey());
        case "sealed" -> child.seal();
        default -> {}
      }
      chains.add(
          new Delegated(
              shape, shape.equals("bound") ? child.sign(agent) : child.sign(), delegator));
    }
    return chains;
  }

  @Test
  void theChains_coverEveryShapeAndEveryTailAlignment() {
    Map<String, Set<Integer>> residues = new HashMap<>();
    for (Delegated d : chains()) {
      residues.computeIfAbsent(d.shape(), s -> new HashSet<>()).add(d.token().toBytes().length % 3);
      // Each chain is genuine, so a refusal below is the edit's doing.
      assertThat(DelegatedRevocation.revocationId(d.token().toText(), 1, trusted))
          .isEqualTo(d.token().revocationIds().get(1));
    }
    assertThat(residues).hasSize(4).allSatisfy((shape, r) -> assertThat(r).hasSize(3));
  }

  @Test
  void everyEditOfTheLastFourCharacters_isRefused_byTheMinterAndTheDelegatorPath() {
    for (Delegated d : chains()) {
      String text = d.token().toText();
      String proof = DelegatedRevocation.sign(d.token(), 1, d.delegator(), Fixtures.NOW);
      List<String> edits = new ArrayList<>();
      for (int at = text.length() - 4; at < text.length(); at++) {
        for (char c : ALPHABET.toCharArray()) {
          if (c != text.charAt(at)) {
            edits.add(text.substring(0, at) + c + text.substring(at + 1));
          }
        }
      }
      String aaaa = text.substring(0, text.length() - 4) + "AAAA";
      if (!aaaa.equals(text)) {
        edits.add(aaaa);
      }
      for (String edited : edits) {
        assertRefused(edited, proof, d.shape() + ": " + edited);
      }
    }
  }

  @Test
  void randomEditsOfTheLastBlockAndTrailer_areRefused() {
    Random random = new Random(7);
    for (Delegated d : chains()) {
      String text = d.token().toText();
      String proof = DelegatedRevocation.sign(d.token(), 1, d.delegator(), Fixtures.NOW);
      // The last signature (64 bytes) and a secret trailer (33) fit in the last 130 characters.
      for (int i = 0; i < 40; i++) {
        int at = text.length() - 1 - random.nextInt(130);
        char c = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        if (c == text.charAt(at)) {
          continue;
        }
        String edited = text.substring(0, at) + c + text.substring(at + 1);
        assertRefused(edited, proof, d.shape() + ": " + edited);
      }
    }
  }

  @Test
  void otherSpellingsOfTheSameBytes_areRefused() {
    int strayBitSpellings = 0;
    for (Delegated d : chains()) {
      String text = d.token().toText();
      String body = text.substring(Chain.TEXT_PREFIX.length());
      String proof = DelegatedRevocation.sign(d.token(), 1, d.delegator(), Fixtures.NOW);
      List<String> spellings = new ArrayList<>();
      spellings.add(text + "=");
      spellings.add(text + "==");
      spellings.add(text + "\n");
      spellings.add(" " + text);
      spellings.add(text.substring(0, text.length() - 1) + "=" + text.charAt(text.length() - 1));
      // The standard alphabet spells '-' and '_' as '+' and '/'.
      spellings.add(
          Chain.TEXT_PREFIX
              + Base64.getEncoder().withoutPadding().encodeToString(d.token().toBytes()));
      spellings.add(Chain.TEXT_PREFIX + Base64.getEncoder().encodeToString(d.token().toBytes()));
      spellings.add(Chain.TEXT_PREFIX + Base64.getUrlEncoder().encodeToString(d.token().toBytes()));
      // A last character whose unused low bits are set decodes to the same bytes.
      for (char c : ALPHABET.toCharArray()) {
        String other = body.substring(0, body.length() - 1) + c;
        if (c != body.charAt(body.length() - 1) && decodesTo(other, d.token().toBytes())) {
          spellings.add(Chain.TEXT_PREFIX + other);
          strayBitSpellings++;
        }
      }
      for (String spelling : spellings) {
        if (spelling.equals(text)) {
          continue; // e.g. a token without '-' or '_' spelled in the standard alphabet
        }
        assertRefused(spelling, proof, d.shape() + ": " + spelling);
        if (spelling.strip().equals(text)) {
          // Capability.decode strips surrounding whitespace by design: the same token, not another.
          assertThat(Capability.decode(spelling)).isEqualTo(d.token());
        } else {
          assertThatThrownBy(() -> Capability.decode(spelling))
              .as(spelling)
              .isInstanceOf(InvalidTokenException.class);
        }
      }
    }
    // Two in three alignments leave stray bits: 3 or 15 other last characters each.
    assertThat(strayBitSpellings).isGreaterThan(0);
  }

  /**
   * Both ways the authority accepts a delegated block refuse {@code edited}, as a malformed token
   * or a bad signature: never a token that verified.
   */
  private void assertRefused(String edited, String proof, String what) {
    assertThatThrownBy(() -> DelegatedRevocation.revocationId(edited, 1, trusted))
        .as(what)
        .isInstanceOf(InvalidTokenException.class)
        .extracting(e -> ((InvalidTokenException) e).code())
        .isIn(Decision.Code.MALFORMED, Decision.Code.BAD_SIGNATURE);
    if (proof != null) {
      assertThatThrownBy(
              () -> DelegatedRevocation.checkProof(edited, 1, proof, trusted, Fixtures.clock()))
          .as(what)
          .isInstanceOf(InvalidTokenException.class)
          .extracting(e -> ((InvalidTokenException) e).code())
          .isIn(Decision.Code.MALFORMED, Decision.Code.BAD_SIGNATURE);
    }
  }

  private static boolean decodesTo(String body, byte[] bytes) {
    try {
      return Arrays.equals(Base64.getUrlDecoder().decode(body), bytes);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
