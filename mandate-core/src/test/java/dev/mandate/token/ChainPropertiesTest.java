package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.SigningKey;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Properties of random capability chains, generated from a fixed seed so every run checks the same
 * chains: attenuation never widens what is allowed (grants carry constraints of their own at
 * random, and requests vary an amount argument, so a child's unconstrained grant meeting a parent's
 * constrained one is exercised), any edit or truncation of the token is denied, the text form
 * round-trips, and revocation ids are stable and unique.
 */
class ChainPropertiesTest {
  private static final long SEED = 0x4D414E44L;
  private static final int CHAINS = 300;
  private static final int MAX_ATTENUATIONS = 4;
  private static final int SAMPLE_BLOCKS = 3;

  private static final Instant NOW = Instant.parse("2026-01-15T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final SigningKey ROOT = Fixtures.key(0x11);
  private static final Verifier VERIFIER =
      Verifier.builder().trustedKeys(TrustedKeys.of(ROOT.verifyingKey())).clock(CLOCK).build();

  private static final String[] SERVICE_PATTERNS = {"fs", "http", "bank", "*", "{fs,http}"};
  private static final String[] ACTION_PATTERNS = {
    "read", "write", "list", "*", "{read,list}", "r*", "?rite"
  };
  private static final String[] RESOURCE_PATTERNS = {
    "/data/**",
    "/data/a/*",
    "/data/a/**",
    "/data/{a,b}/*.txt",
    "/data/*/*.pdf",
    "/home/**",
    "/**",
    "/data/a/x.txt",
    "*",
    "acct-*",
    "{acct-1,acct-2}"
  };
  private static final String[] AUDIENCES = {"gw-1", "gw-2", "gw-3"};
  private static final int[] AMOUNTS = {5, 5000};

  private static final String[] SERVICES = {"fs", "http", "bank", "db"};
  private static final String[] ACTIONS = {"read", "write", "list", "delete", "rename"};
  private static final String[] RESOURCES = {
    "/data/a/x.txt",
    "/data/a/y.pdf",
    "/data/a/sub/deep.txt",
    "/data/b/z.txt",
    "/data/b/q.pdf",
    "/data/c/w.txt",
    "/home/u/notes.md",
    "/etc/passwd",
    "/data/a/../b/z.txt",
    "acct-1",
    "acct-3",
    "report"
  };

  /** Every generated chain, as the capability after each block (index 0 is the minted one). */
  private static List<List<Capability>> chains;

  /** The fixed request pool: every service, action and resource, under three audiences. */
  private static List<Request> requests;

  @BeforeAll
  static void generate() {
    requests = new ArrayList<>();
    for (String audience : new String[] {null, "gw-1", "gw-2"}) {
      for (String service : SERVICES) {
        for (String action : ACTIONS) {
          for (String resource : RESOURCES) {
            ObjectNode args = JsonNodeFactory.instance.objectNode().put("path", resource);
            // Every third request has no amount, so grant constraints on it deny by absence too.
            int amount = (requests.size() % 3) - 1;
            if (amount >= 0) {
              args.put("amount", AMOUNTS[amount]);
            }
            requests.add(new Request(audience, service, action, resource, args, null));
          }
        }
      }
    }
    Random shape = new Random(SEED);
    SecureRandom keys = Fixtures.random(SEED);
    chains = new ArrayList<>();
    for (int i = 0; i < CHAINS; i++) {
      chains.add(randomChain(shape, keys));
    }
  }

  @Test
  void attenuation_neverWidensTheAllowedRequests() {
    List<String> widenings = new ArrayList<>();
    int nonEmptyRoots = 0;
    int strictlyNarrowed = 0;
    for (List<Capability> chain : chains) {
      BitSet parent = allowed(chain.get(0));
      nonEmptyRoots += parent.isEmpty() ? 0 : 1;
      for (int b = 1; b < chain.size(); b++) {
        BitSet child = allowed(chain.get(b));
        BitSet widened = (BitSet) child.clone();
        widened.andNot(parent);
        if (!widened.isEmpty()) {
          widenings.add(
              "block "
                  + b
                  + " of "
                  + chain.get(b).blocks()
                  + " allows "
                  + requests.get(widened.nextSetBit(0))
                  + ", which its parent does not");
        }
        strictlyNarrowed += child.cardinality() < parent.cardinality() ? 1 : 0;
        parent = child;
      }
    }
    assertThat(widenings).isEmpty();
    // Guard against a generator that makes the property vacuous.
    assertThat(nonEmptyRoots).as("chains whose minted token allows something").isGreaterThan(250);
    assertThat(strictlyNarrowed).as("attenuations that removed something").isGreaterThan(200);
  }

  @Test
  void everyBitFlipOfTheBinaryForm_isDenied() {
    for (Sample s : samples()) {
      byte[] bytes = s.token().toBytes();
      for (int bit = 0; bit < bytes.length * 8; bit++) {
        byte[] flipped = bytes.clone();
        flipped[bit / 8] ^= (byte) (1 << (bit % 8));
        assertDenied(withBytes(flipped), s, "bit " + bit + " flipped");
      }
    }
  }

  @Test
  void everyCharEditOfTheTextForm_isDenied() {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (Sample s : samples()) {
      String text = s.token().toText();
      for (int i = 0; i < text.length(); i++) {
        int value = alphabet.indexOf(text.charAt(i));
        if (value < 0) {
          // A prefix char: any other printable char breaks the prefix.
          assertDenied(text.substring(0, i) + 'X' + text.substring(i + 1), s, "prefix char " + i);
          continue;
        }
        for (int bit = 0; bit < 6; bit++) {
          char other = alphabet.charAt(value ^ (1 << bit));
          assertDenied(
              text.substring(0, i) + other + text.substring(i + 1),
              s,
              "char " + i + " changed to " + other);
        }
      }
    }
  }

  @Test
  void everyTruncation_isDenied() {
    for (Sample s : samples()) {
      byte[] bytes = s.token().toBytes();
      for (int length = 0; length < bytes.length; length++) {
        assertDenied(withBytes(Arrays.copyOf(bytes, length)), s, "binary cut to " + length);
      }
      String text = s.token().toText();
      for (int length = 0; length < text.length(); length++) {
        assertDenied(text.substring(0, length), s, "text cut to " + length);
      }
    }
  }

  @Test
  void textForm_roundTrips() {
    for (List<Capability> chain : chains) {
      for (Capability token : chain) {
        Capability decoded = Capability.decode(token.toText());
        assertThat(decoded.toText()).isEqualTo(token.toText());
        assertThat(decoded.toBytes()).isEqualTo(token.toBytes());
        assertThat(decoded.blocks()).isEqualTo(token.blocks());
        assertThat(decoded.revocationIds()).isEqualTo(token.revocationIds());
        assertThat(decoded.tokenId()).isEqualTo(token.tokenId());
        assertThat(decoded).isEqualTo(token);
        Capability fromBytes = Capability.decode(withBytes(token.toBytes()));
        assertThat(fromBytes).isEqualTo(token);
      }
    }
  }

  @Test
  void revocationIds_areStableAlongAChainAndUniqueAcrossChains() {
    Set<String> all = new HashSet<>();
    Set<String> tokenIds = new HashSet<>();
    int blocks = 0;
    for (List<Capability> chain : chains) {
      Capability last = chain.get(chain.size() - 1);
      List<String> ids = last.revocationIds();
      assertThat(ids).hasSize(chain.size()).doesNotHaveDuplicates();
      for (int b = 0; b < chain.size(); b++) {
        Capability prefix = chain.get(b);
        // Attenuation keeps every earlier block's id, and decoding recomputes the same ids.
        assertThat(prefix.revocationIds()).isEqualTo(ids.subList(0, b + 1));
        assertThat(Capability.decode(prefix.toText()).revocationIds())
            .isEqualTo(prefix.revocationIds());
        assertThat(prefix.blocks().get(b).revocationId()).isEqualTo(ids.get(b));
        assertThat(prefix.tokenId()).isEqualTo(last.tokenId());
      }
      all.addAll(ids);
      tokenIds.add(last.tokenId());
      blocks += ids.size();
    }
    assertThat(all).as("revocation ids of %d blocks", blocks).hasSize(blocks);
    assertThat(tokenIds).hasSize(CHAINS);
  }

  @Test
  void sameSeed_mintsTheSameChains() {
    Random shape = new Random(SEED);
    SecureRandom keys = Fixtures.random(SEED);
    for (int i = 0; i < 10; i++) {
      assertThat(randomChain(shape, keys)).isEqualTo(chains.get(i));
    }
  }

  /** A token of a given length together with a request it allows. */
  private record Sample(Capability token, Request request) {}

  /**
   * For each length of 1 to {@value #SAMPLE_BLOCKS} blocks, the first generated token that allows
   * some request. Few, because every edit of one costs a full signature-chain verification.
   */
  private static List<Sample> samples() {
    List<Sample> out = new ArrayList<>();
    for (int length = 1; length <= SAMPLE_BLOCKS; length++) {
      for (List<Capability> chain : chains) {
        if (chain.size() < length) {
          continue;
        }
        Capability token = chain.get(length - 1);
        BitSet allowed = allowed(token);
        if (!allowed.isEmpty()) {
          Request request = requests.get(allowed.nextSetBit(0));
          assertThat(VERIFIER.authorize(Presentation.of(token.toText()), request).allowed())
              .isTrue();
          out.add(new Sample(token, request));
          break;
        }
      }
    }
    assertThat(out).as("sample tokens of 1 to %d blocks", SAMPLE_BLOCKS).hasSize(SAMPLE_BLOCKS);
    return out;
  }

  private static void assertDenied(String text, Sample s, String what) {
    Decision d = VERIFIER.authorize(Presentation.of(text), s.request());
    assertThat(d.allowed()).as("%s of %s: %s", what, s.token(), text).isFalse();
  }

  private static BitSet allowed(Capability token) {
    BitSet out = new BitSet(requests.size());
    String text = token.toText();
    for (int r = 0; r < requests.size(); r++) {
      if (VERIFIER.authorize(Presentation.of(text), requests.get(r)).allowed()) {
        out.set(r);
      }
    }
    return out;
  }

  private static List<Capability> randomChain(Random shape, SecureRandom keys) {
    List<Capability> chain = new ArrayList<>();
    Capability.Minter mint = Capability.mint(ROOT).clock(CLOCK).random(keys);
    int grants = 1 + shape.nextInt(3);
    for (int g = 0; g < grants; g++) {
      mint.allow(randomGrant(shape));
    }
    mint.ttl(Duration.ofMinutes(1 + shape.nextInt(48 * 60)));
    if (shape.nextInt(6) == 0) {
      mint.audience(pick(shape, AUDIENCES), pick(shape, AUDIENCES));
    }
    chain.add(mint.sign());
    int attenuations = 1 + shape.nextInt(MAX_ATTENUATIONS);
    for (int a = 0; a < attenuations; a++) {
      Capability.Attenuator next =
          chain.get(chain.size() - 1).attenuate().clock(CLOCK).random(keys);
      int newGrants = shape.nextInt(3);
      for (int g = 0; g < newGrants; g++) {
        next.allow(randomGrant(shape));
      }
      switch (shape.nextInt(8)) {
        case 0 -> next.audience(pick(shape, AUDIENCES));
        case 1 -> next.expiresAt(NOW.minusSeconds(1 + shape.nextInt(3600)));
        case 2 -> next.expiresAt(NOW.plusSeconds(1 + shape.nextInt(3600)));
        case 3 -> next.constrain("/path", new Constraint.PathWithin("/data/a"));
        case 4 -> next.maxDepth(shape.nextInt(2));
        case 5 -> next.notBefore(NOW.plusSeconds(shape.nextInt(2) == 0 ? 3600 : -3600));
        default -> {}
      }
      if (shape.nextInt(10) == 0) {
        next.seal();
      }
      try {
        chain.add(next.sign());
      } catch (IllegalStateException refused) {
        // A max-depth caveat forbids this block; the signer refuses, as the verifier would.
        break;
      }
      if (chain.get(chain.size() - 1).sealed()) {
        assertThatThrownBy(() -> chain.get(chain.size() - 1).attenuate().sign())
            .isInstanceOf(IllegalStateException.class);
        break;
      }
    }
    return chain;
  }

  /** A random grant; one in three carries a constraint or a condition of its own (spec 5.3). */
  private static Grant randomGrant(Random shape) {
    Grant g =
        Grant.parse(
            pick(shape, SERVICE_PATTERNS)
                + ":"
                + pick(shape, ACTION_PATTERNS)
                + ":"
                + pick(shape, RESOURCE_PATTERNS));
    return switch (shape.nextInt(9)) {
      case 0 -> g.constrain("/amount", new Constraint.Range(null, BigDecimal.valueOf(100)));
      case 1 -> g.where("args.amount > 1000");
      case 2 -> g.constrain("/path", new Constraint.PathWithin("/data/a"));
      default -> g;
    };
  }

  private static String pick(Random shape, String[] options) {
    return options[shape.nextInt(options.length)];
  }

  private static String withBytes(byte[] bytes) {
    return "mnd1_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
