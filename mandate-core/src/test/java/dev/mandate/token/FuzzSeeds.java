package dev.mandate.token;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Writes the seed inputs of {@link TokenDecoderFuzzTest} and {@link VerifierFuzzTest} into
 * src/test/resources/dev/mandate/token/&lt;Class&gt;Inputs/&lt;method&gt;/, where Jazzer replays
 * them in regression mode (every {@code mvn test}) and starts from them when fuzzing. Not a test;
 * run it by hand after changing the token format or the sample tokens:
 *
 * <pre>
 * cd mandate-core
 * mvn -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
 *     dev.mandate.token.FuzzSeeds src/test/resources
 * </pre>
 *
 * <p>To fuzz one method (about five minutes each, the {@code maxDuration} of its
 * {@code @FuzzTest}):
 *
 * <pre>
 * JAZZER_FUZZ=1 mvn -o test -pl mandate-core -Dtest='VerifierFuzzTest#authorize_arbitraryText_neverThrows'
 * </pre>
 *
 * <p>Jazzer writes each finding into the same directory as {@code crash-<sha1>}; keep those (and
 * the hand-made {@code finding-*} inputs) committed, as they are the regression tests for fixed
 * bugs.
 *
 * <p>Inputs are laid out for Jazzer's {@code FuzzedDataProvider}: strings are consumed from the
 * front, each ended by a backslash and one other character; numbers are consumed from the back, the
 * last byte first.
 */
final class FuzzSeeds {
  private static final String PACKAGE = "dev/mandate/token/";

  private FuzzSeeds() {}

  public static void main(String[] args) throws IOException {
    Path resources = Path.of(args.length > 0 ? args[0] : "src/test/resources");
    List<Capability> tokens = VerifierFuzzTest.sampleTokens();
    Random random = new Random(20260115);

    Path text = dir(resources, "TokenDecoderFuzzTestInputs/decode_arbitraryText");
    Path binary =
        dir(resources, "TokenDecoderFuzzTestInputs/decode_prefixedBase64OfArbitraryBytes");
    for (int i = 0; i < tokens.size(); i++) {
      Capability t = tokens.get(i);
      String name = "token" + i + "-" + t.blocks().size() + "blocks";
      write(text, name, ascii(t.toText()));
      write(text, name + "-truncated", ascii(t.toText().substring(0, t.toText().length() / 2)));
      write(binary, name, t.toBytes());
      write(binary, name + "-truncated", Arrays.copyOf(t.toBytes(), t.toBytes().length - 1));
      write(binary, name + "-half", Arrays.copyOf(t.toBytes(), t.toBytes().length / 2));
    }
    write(text, "prefix-only", ascii("mnd1_"));
    write(text, "padded-base64", ascii(tokens.get(0).toText() + "=="));
    write(text, "random-printable", ascii(randomPrintable(random, 200)));
    write(binary, "random", randomBytes(random, 300));
    byte[] header = randomBytes(random, 300);
    header[0] = 1;
    header[1] = 2;
    write(binary, "random-after-header", header);

    Path arbitrary = dir(resources, "VerifierFuzzTestInputs/authorize_arbitraryText_neverThrows");
    Path edited =
        dir(resources, "VerifierFuzzTestInputs/authorize_editedTokenBytes_deniedUnlessUnchanged");
    List<String[]> requests = sampleRequests();
    for (int i = 0; i < tokens.size(); i++) {
      byte[] request = requestBytes(requests.get(i));
      write(arbitrary, "token" + i, concat(request, ascii(tokens.get(i).toText())));
      write(
          arbitrary,
          "token" + i + "-truncated",
          concat(request, ascii(tokens.get(i).toText().substring(0, 40))));
      // Unchanged token: the request this token allows (the bound one still needs a proof).
      write(edited, "token" + i + "-unchanged", concat(request, numbers(i, 0)));
      // One flipped bit in the middle, and one deleted byte near the end.
      int length = tokens.get(i).toBytes().length;
      write(edited, "token" + i + "-flip", concat(request, numbers(i, 1, 0, length / 2, 0x01)));
      write(edited, "token" + i + "-delete", concat(request, numbers(i, 1, 2, length - 5, 0)));
      write(
          edited,
          "token" + i + "-insert-truncate",
          concat(request, numbers(i, 2, 1, 7, 0x41, 3, length - 33, 0)));
    }
    write(arbitrary, "random-printable", ascii(randomPrintable(random, 300)));
  }

  /** One request per sample token, in {@link VerifierFuzzTest#request} order. */
  private static List<String[]> sampleRequests() {
    return List.of(
        new String[] {"", "fs", "read_text_file", "/data/a.txt", "{}"},
        new String[] {
          "gw-1",
          "fs",
          "read_text_file",
          "/data/invoices/jan.pdf",
          "{\"path\":\"/data/invoices/jan.pdf\"}"
        },
        new String[] {"", "bank", "transfer", "acct-42", "{\"amount\":50,\"currency\":\"EUR\"}"},
        new String[] {"", "fs", "read_text_file", "/home/me/notes.txt", "{}"});
  }

  /** The request strings, each ended by backslash and ';' as FuzzedDataProvider expects. */
  private static byte[] requestBytes(String[] fields) {
    StringBuilder out = new StringBuilder();
    for (String f : fields) {
      if (f.indexOf('\\') >= 0) {
        throw new IllegalArgumentException("seed strings must not contain a backslash: " + f);
      }
      out.append(f).append("\\;");
    }
    return ascii(out.toString());
  }

  /**
   * The tail for {@link VerifierFuzzTest#authorize_editedTokenBytes_deniedUnlessUnchanged}: token
   * index, edit count, then (kind, position, value) per edit, in the order consumed.
   */
  private static byte[] numbers(int token, int edits, int... kindPositionValue) {
    List<Byte> consumed = new ArrayList<>();
    consumed.add((byte) token); // consumeInt(0, 3): one byte
    consumed.add((byte) edits); // consumeInt(0, MAX_EDITS): one byte
    for (int e = 0; e < edits; e++) {
      consumed.add((byte) kindPositionValue[3 * e]); // consumeInt(0, 3): one byte
      int position = kindPositionValue[3 * e + 1]; // consumeInt(0, 65536): three bytes, MSB first
      consumed.add((byte) (position >>> 16));
      consumed.add((byte) (position >>> 8));
      consumed.add((byte) position);
      consumed.add((byte) kindPositionValue[3 * e + 2]); // consumeByte(): one byte
    }
    Collections.reverse(consumed); // numbers are read from the end of the input
    byte[] out = new byte[consumed.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = consumed.get(i);
    }
    return out;
  }

  private static String randomPrintable(Random random, int length) {
    StringBuilder out = new StringBuilder("mnd1_");
    for (int i = 0; i < length; i++) {
      out.append((char) (0x21 + random.nextInt(0x5e)));
    }
    return out.toString().replace('\\', '_');
  }

  private static byte[] randomBytes(Random random, int length) {
    byte[] out = new byte[length];
    random.nextBytes(out);
    return out;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }

  private static Path dir(Path resources, String relative) throws IOException {
    return Files.createDirectories(resources.resolve(PACKAGE + relative));
  }

  private static void write(Path dir, String name, byte[] content) throws IOException {
    Files.write(dir.resolve("seed-" + name), content);
  }
}
