package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.caveat.Constraint;
import dev.mandate.token.Capability;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of the {@code --arg POINTER=KIND:VALUE} grammar through {@code mint} and {@code
 * attenuate}: every input either mints a token that decodes and inspects, or is a one-line usage
 * error (exit 2). Nothing is ever an "internal error".
 */
class ConstraintGrammarFuzzTest {
  private static final long SEED = 0x15_07L;
  private static final int RUNS = 400;

  private static final String[] POINTERS = {
    "/amount", "/a/b", "/a~1b", "/~0", "/", "//", "/0", "amount", "", "/~2", "/\u00e9", "/x y"
  };
  private static final String[] KINDS = {
    "exact", "oneof", "range", "glob", "prefix", "regex", "within", "cidr", "url", "shell", "not",
    "Exact", "", "exactly"
  };
  private static final String[] NUMBERS = {
    "4",
    "4.0",
    "4.00",
    "-0",
    "-0.0",
    "0.0",
    "1e2",
    "1E+2",
    "100.0",
    "1.5e-7",
    "1e400",
    "-1e400",
    "1e-400",
    "12345678901234567890",
    "9007199254740993",
    "0.1",
    "3.14159",
    "1.0e1",
    "NaN",
    "Infinity",
    "-Infinity",
    "01",
    "+1",
    ".5",
    "5.",
    "1e",
    "0x10",
    "1_000"
  };
  private static final String[] SCALARS = {
    "\"read\"",
    "\"\"",
    "true",
    "false",
    "null",
    "\"a\\u0000b\"",
    "\"\\ud800\"",
    "\"\\udc00x\"",
    "\"\\ud83d\\ude00\"",
    "\"\u00e9\"",
    "\"tab\\t\"",
    "\"q\\\"\"",
    "{}",
    "[]",
    "\"unterminated",
    "read",
    "\"a\" \"b\"",
    "4 5"
  };
  private static final String[] STRINGS = {
    "/data",
    "/data/../x",
    "/data/",
    "*@example.com",
    "{a,b}",
    "{",
    "\\",
    "**",
    "a\u0000b",
    "^[a-z]+$",
    "(unclosed",
    "[z-a]",
    "10.0.0.0/8",
    "10.0.0.0/99",
    "fd00::/8",
    "https@a.example.com",
    "@",
    "ftp@*.x",
    "ls,git",
    "ls,",
    "",
    "\u202e",
    "x".repeat(70_000)
  };
  private static final String NOISE = "0123456789.eE+-\"[],:\\u{}*?/~ \u00e9\ud800\u0007";

  @TempDir Path dir;
  private final CliRun cli = new CliRun();
  private String key;

  @BeforeEach
  void keys() {
    cli.keygen(dir, "authority");
    key = dir.resolve("authority.key").toString();
  }

  @Test
  void everyConstraintInput_mintsOrIsAUsageError_neverAnInternalError() {
    Random random = new Random(SEED);
    int minted = 0;
    int refused = 0;
    for (int i = 0; i < RUNS; i++) {
      String arg = randomArg(random);
      CliRun.Result r = mint(arg);
      assertThat(r.err()).as("--arg %s", arg).doesNotContain("internal error");
      assertThat(r.exit()).as("--arg %s: %s", arg, r.err()).isIn(0, 2);
      if (r.exit() == 0) {
        minted++;
        assertMintedTokenIsUsable(arg, r.value());
      } else {
        refused++;
        assertThat(r.out()).as("--arg %s", arg).isEmpty();
        assertThat(r.err().lines()).as("--arg %s", arg).hasSize(1);
        assertThat(r.err()).startsWith("mandate: ").doesNotContain("\tat ");
      }
    }
    // Both outcomes must be common, or the fuzzer is not exploring the grammar.
    assertThat(minted).isGreaterThan(RUNS / 10);
    assertThat(refused).isGreaterThan(RUNS / 10);
  }

  @Test
  void exactAndOneOf_withADecimalThatHasTrailingZeros_mintTheCanonicalValue() {
    for (String arg : List.of("/amount=exact:4.0", "/amount=oneof:[4.0,5.50]")) {
      CliRun.Result r = mint(arg);

      assertThat(r.exit()).as(r.err()).isZero();
      Constraint c = argument(Capability.decode(r.value())).constraint();
      if (c instanceof Constraint.Exact e) {
        assertThat(e.value()).isEqualTo(IntNode.valueOf(4));
      } else {
        assertThat(((Constraint.OneOf) c).values())
            .containsExactly(IntNode.valueOf(4), DecimalNode.valueOf(new BigDecimal("5.5")));
      }
    }
  }

  @Test
  void exact_withANumberBeyondDouble_isKeptExactly_andNonNumbersAreRefused() {
    CliRun.Result huge = mint("/amount=exact:1e400");
    CliRun.Result trailing = mint("/amount=exact:4 5");
    CliRun.Result loneSurrogate = mint("/name=exact:\"\\ud800\"");

    assertThat(huge.exit()).as(huge.err()).isZero();
    assertThat(((Constraint.Exact) argument(Capability.decode(huge.value())).constraint()).value())
        .isEqualTo(DecimalNode.valueOf(new BigDecimal("1E+400")));
    assertThat(trailing.exit()).isEqualTo(2);
    assertThat(loneSurrogate.exit()).isEqualTo(2);
    assertThat(loneSurrogate.err()).contains("unpaired surrogate");
  }

  private CliRun.Result mint(String arg) {
    return cli.run("mint", "--key", key, "--allow", "bank:send:*", "--ttl", "1m", "--arg", arg);
  }

  private void assertMintedTokenIsUsable(String arg, String token) {
    Capability capability = Capability.decode(token);
    Caveat.Argument minted = argument(capability);
    CliRun.Result inspect = cli.pipe(token, "inspect");
    assertThat(inspect.exit()).as("inspect after --arg %s: %s", arg, inspect.err()).isZero();
    // The same constraint, added by attenuation, also signs into a token that decodes.
    CliRun.Result attenuated = cli.pipe(token, "attenuate", "--arg", arg);
    assertThat(attenuated.exit()).as("attenuate --arg %s: %s", arg, attenuated.err()).isZero();
    assertThat(argument(Capability.decode(attenuated.value()))).isEqualTo(minted);
  }

  private static Caveat.Argument argument(Capability capability) {
    List<Caveat> caveats = new ArrayList<>();
    capability.blocks().forEach(b -> caveats.addAll(b.caveats()));
    return caveats.stream()
        .filter(Caveat.Argument.class::isInstance)
        .map(Caveat.Argument.class::cast)
        .reduce((first, last) -> last)
        .orElseThrow();
  }

  private static String randomArg(Random random) {
    String pointer = pick(POINTERS, random);
    String constraint = randomConstraint(random, 0);
    switch (random.nextInt(12)) {
      case 0:
        return pointer + constraint; // no '='
      case 1:
        return mutate(pointer + "=" + constraint, random);
      default:
        return pointer + "=" + constraint;
    }
  }

  private static String randomConstraint(Random random, int depth) {
    String kind = pick(KINDS, random);
    String value =
        switch (kind) {
          case "exact" -> random.nextBoolean() ? pick(NUMBERS, random) : pick(SCALARS, random);
          case "oneof" -> array(random);
          case "range" ->
              (random.nextInt(4) == 0 ? "" : pick(NUMBERS, random))
                  + (random.nextInt(6) == 0 ? "." : "..")
                  + (random.nextInt(4) == 0 ? "" : pick(NUMBERS, random));
          case "not" -> depth < 6 ? randomConstraint(random, depth + 1) : "not:";
          default -> pick(STRINGS, random);
        };
    String spec = kind + (random.nextInt(20) == 0 ? "" : ":") + value;
    return random.nextInt(8) == 0 ? mutate(spec, random) : spec;
  }

  private static String array(Random random) {
    StringBuilder s = new StringBuilder("[");
    int n = random.nextInt(4);
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : ",");
      s.append(random.nextBoolean() ? pick(NUMBERS, random) : pick(SCALARS, random));
    }
    return random.nextInt(10) == 0 ? s.toString() : s.append(']').toString();
  }

  /** Inserts, deletes or replaces a few characters. */
  private static String mutate(String s, Random random) {
    StringBuilder b = new StringBuilder(s);
    int edits = 1 + random.nextInt(3);
    for (int e = 0; e < edits; e++) {
      int at = b.length() == 0 ? 0 : random.nextInt(b.length());
      char c = NOISE.charAt(random.nextInt(NOISE.length()));
      switch (random.nextInt(3)) {
        case 0 -> b.insert(at, c);
        case 1 -> {
          if (b.length() > 0) {
            b.deleteCharAt(at);
          }
        }
        default -> {
          if (b.length() > 0) {
            b.setCharAt(at, c);
          }
        }
      }
    }
    return b.toString();
  }

  private static String pick(String[] options, Random random) {
    return options[random.nextInt(options.length)];
  }
}
