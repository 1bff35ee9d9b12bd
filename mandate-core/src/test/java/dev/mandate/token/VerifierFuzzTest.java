package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.SigningKey;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Fuzzes {@link Verifier#authorize}: it never throws, and it never allows a token whose bytes
 * differ from a genuinely minted one. Keys, clock and token randomness are fixed, so the sample
 * tokens (and with them the committed seed inputs) are the same on every run.
 *
 * <p>Under {@code mvn test} this replays the committed inputs in
 * src/test/resources/dev/mandate/token/VerifierFuzzTestInputs/ (regression mode). To fuzz, run one
 * method with {@code JAZZER_FUZZ=1} (see {@link FuzzSeeds}).
 */
class VerifierFuzzTest {
  static final Instant NOW = Instant.parse("2026-01-15T10:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final SigningKey ROOT = Fixtures.key(0x5A);
  static final SigningKey HOLDER = Fixtures.key(0x5B);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Verifier VERIFIER =
      Verifier.builder().trustedKeys(TrustedKeys.of(ROOT.verifyingKey())).clock(CLOCK).build();
  private static final List<Capability> TOKENS = sampleTokens();

  /** How many byte edits one input may make to a sample token. */
  static final int MAX_EDITS = 8;

  @FuzzTest(maxDuration = "5m")
  void authorize_arbitraryText_neverThrows(FuzzedDataProvider data) {
    Request request = request(data);
    String token = data.consumeRemainingAsString();
    Decision decision = VERIFIER.authorize(Presentation.of(token), request);
    assertThat(decision).isNotNull();
    assertThat(decision.reason()).isNotBlank();
  }

  @FuzzTest(maxDuration = "5m")
  void authorize_editedTokenBytes_deniedUnlessUnchanged(FuzzedDataProvider data) {
    byte[] original = TOKENS.get(data.consumeInt(0, TOKENS.size() - 1)).toBytes();
    byte[] edited = original;
    int edits = data.consumeInt(0, MAX_EDITS);
    for (int i = 0; i < edits; i++) {
      edited = edit(edited, data.consumeInt(0, 3), data.consumeInt(0, 1 << 16), data.consumeByte());
    }
    Request request = request(data);
    String text = "mnd1_" + Base64.getUrlEncoder().withoutPadding().encodeToString(edited);

    Decision decision = VERIFIER.authorize(Presentation.of(text), request);

    assertThat(decision).isNotNull();
    if (!Arrays.equals(edited, original)) {
      assertThat(decision.allowed())
          .as("edited token %s was allowed for %s", text, request)
          .isFalse();
    }
  }

  /** A token whose calls need an approval by group {@code finance}. */
  private static final Capability APPROVALS =
      Capability.mint(ROOT)
          .clock(CLOCK)
          .random(Fixtures.random(20261126))
          .allow("bank:transfer:*")
          .ttl(Duration.ofHours(1))
          .requireApproval("finance")
          .sign();

  @FuzzTest(maxDuration = "5m")
  void authorize_arbitraryApproval_neverThrows_neverAllows(FuzzedDataProvider data) {
    Request request = request(data);
    String approval = data.consumeRemainingAsString();

    Decision decision =
        VERIFIER.authorize(
            Presentation.of(APPROVALS.toText()).withApproval(Approval.of(approval)), request);

    assertThat(decision).isNotNull();
    assertThat(decision.reason()).isNotBlank();
    // Only the root key signs approvals, and no input here carries one it signed.
    assertThat(decision.allowed()).as("approval %s allowed %s", approval, request).isFalse();
  }

  @FuzzTest(maxDuration = "5m")
  void authorize_editedApprovalBytes_deniedUnlessUnchanged(FuzzedDataProvider data) {
    Request request =
        new Request(
            "gw-1",
            "bank",
            "transfer",
            "acct-7",
            JSON.createObjectNode().put("amount", 40).put("currency", "EUR"),
            null);
    Approval genuine =
        Approval.issue(
            ROOT,
            APPROVALS.tokenId(),
            request,
            "finance",
            NOW.plusSeconds(300),
            Fixtures.random(7));
    byte[] original =
        Base64.getUrlDecoder().decode(genuine.text().substring(Approval.TEXT_PREFIX.length()));
    byte[] edited = original;
    int edits = data.consumeInt(0, MAX_EDITS);
    for (int i = 0; i < edits; i++) {
      edited = edit(edited, data.consumeInt(0, 3), data.consumeInt(0, 1 << 16), data.consumeByte());
    }
    String text =
        Approval.TEXT_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(edited);
    // A fresh verifier, so that the genuine approval is not already used by an earlier input.
    Verifier verifier =
        Verifier.builder().trustedKeys(TrustedKeys.of(ROOT.verifyingKey())).clock(CLOCK).build();

    Decision decision =
        verifier.authorize(
            Presentation.of(APPROVALS.toText()).withApproval(Approval.of(text)), request);

    assertThat(decision.allowed())
        .as("approval bytes %s: %s", text, decision)
        .isEqualTo(Arrays.equals(edited, original));
  }

  /**
   * One byte edit: 0 flips bits (XOR with a non-zero mask), 1 inserts a byte, 2 deletes a byte, 3
   * truncates. The position is taken modulo the valid range.
   */
  static byte[] edit(byte[] bytes, int kind, int position, byte value) {
    switch (kind) {
      case 0 -> {
        if (bytes.length == 0) {
          return bytes;
        }
        byte[] out = bytes.clone();
        out[position % bytes.length] ^= value == 0 ? 1 : value;
        return out;
      }
      case 1 -> {
        int at = position % (bytes.length + 1);
        byte[] out = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, out, 0, at);
        out[at] = value;
        System.arraycopy(bytes, at, out, at + 1, bytes.length - at);
        return out;
      }
      case 2 -> {
        if (bytes.length == 0) {
          return bytes;
        }
        int at = position % bytes.length;
        byte[] out = new byte[bytes.length - 1];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(bytes, at + 1, out, at, bytes.length - at - 1);
        return out;
      }
      default -> {
        return Arrays.copyOf(bytes, position % (bytes.length + 1));
      }
    }
  }

  /**
   * Consumes a request from the front of the input: audience (empty means none), service, action,
   * resource and the arguments as JSON text (anything but a JSON object means no arguments).
   */
  static Request request(FuzzedDataProvider data) {
    String audience = data.consumeString(64);
    String service = data.consumeString(64);
    String action = data.consumeString(64);
    String resource = data.consumeString(512);
    String argsJson = data.consumeString(4096);
    return new Request(
        audience.isEmpty() ? null : audience, service, action, resource, args(argsJson), null);
  }

  private static ObjectNode args(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      return node instanceof ObjectNode object ? object : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /**
   * Genuine tokens of one to three blocks covering each block and caveat kind, minted with fixed
   * keys, clock and randomness. The first allows {@code fs read_text_file /data/a.txt}.
   */
  static List<Capability> sampleTokens() {
    SecureRandom random = Fixtures.random(20260115);
    Capability files =
        Capability.mint(ROOT)
            .clock(CLOCK)
            .random(random)
            .allow("fs:{read_text_file,list_directory}:/data/**")
            .ttl(Duration.ofHours(1))
            .sign();
    Capability narrowed =
        files
            .attenuate()
            .clock(CLOCK)
            .random(random)
            .allow("fs:read_text_file:/data/invoices/*.pdf")
            .audience("gw-1", "gw-2")
            .constrain("/path", new Constraint.PathWithin("/data/invoices"))
            .ttl(Duration.ofMinutes(30))
            .sign();
    Capability payments =
        Capability.mint(ROOT)
            .clock(CLOCK)
            .random(random)
            .allow("bank:transfer:*")
            .allow("http:get:https://api.example.com/**")
            .notBefore(NOW.minusSeconds(60))
            .expiresAt(NOW.plus(Duration.ofDays(1)))
            .maxDepth(2)
            .sign()
            .attenuate()
            .clock(CLOCK)
            .random(random)
            .constrain("/amount", new Constraint.Range(BigDecimal.ZERO, new BigDecimal("100.50")))
            .constrain("/currency", new Constraint.OneOf(List.of(TextNode.valueOf("EUR"))))
            .where("args.amount <= 100")
            .maxUses(3)
            .sign()
            .attenuate()
            .clock(CLOCK)
            .random(random)
            .allow("bank:transfer:acct-*")
            .seal()
            .sign();
    Capability bound =
        Capability.mint(ROOT)
            .clock(CLOCK)
            .random(random)
            .allow("fs:read_text_file:/home/**")
            .ttl(Duration.ofMinutes(5))
            .bindTo(HOLDER.verifyingKey())
            .sign();
    return List.of(files, narrowed, payments, bound);
  }
}
