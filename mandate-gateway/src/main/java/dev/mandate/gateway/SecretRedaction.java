package dev.mandate.gateway;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Replaces the credentials the gateway adds to upstream requests (its configured, vaulted header
 * values) wherever they appear in what an upstream answers, so an upstream that echoes its request
 * cannot hand the agent the key the agent was never to see. Each injected header value is a secret
 * as a whole, and so is the credential after an authentication scheme ({@code xyz} in {@code Bearer
 * xyz}), each as it is and as JSON and percent encoding would write it. A match becomes {@value
 * #REPLACEMENT}.
 *
 * <p>Values shorter than {@value #MIN_LENGTH} characters are not looked for: they cannot be told
 * apart from ordinary text (and are too short to be credentials worth the name).
 *
 * <p>The streaming form holds back at most the longest secret's length less one byte, so a secret
 * split across writes (chunks of an answer) is still found. Instances are immutable and
 * thread-safe; each {@link #redacting} stream belongs to one answer.
 */
public final class SecretRedaction {
  /** What a redacted credential is replaced with. */
  public static final String REPLACEMENT = "[REDACTED:upstream-credential]";

  /** The shortest value that is looked for, in characters. */
  public static final int MIN_LENGTH = 8;

  private static final byte[] REPLACEMENT_BYTES = REPLACEMENT.getBytes(StandardCharsets.US_ASCII);
  private static final SecretRedaction NONE = new SecretRedaction(List.of());

  /** The byte forms looked for, longest first. */
  private final byte[][] patterns;

  /** Whether a byte starts some pattern: every other byte passes without a comparison. */
  private final boolean[] starts = new boolean[256];

  private SecretRedaction(List<byte[]> forms) {
    List<byte[]> sorted = new ArrayList<>(forms);
    sorted.sort(Comparator.comparingInt((byte[] b) -> b.length).reversed());
    this.patterns = sorted.toArray(new byte[0][]);
    for (byte[] p : patterns) {
      starts[p[0] & 0xff] = true;
    }
  }

  /**
   * The redaction of the values of headers the gateway adds upstream.
   *
   * @param values the configured header values; the ones shorter than {@value #MIN_LENGTH}
   *     characters are skipped
   */
  public static SecretRedaction ofHeaderValues(Collection<Secret> values) {
    Set<String> secrets = new LinkedHashSet<>();
    for (Secret value : values) {
      String v = value.revealForUse();
      secrets.add(v);
      // The credential of "<auth-scheme> <credentials>" (RFC 9110 §11.4), such as a bearer token.
      int space = v.indexOf(' ');
      if (space > 0) {
        secrets.add(v.substring(space + 1).strip());
      }
    }
    return of(secrets);
  }

  /**
   * The redaction of these exact values.
   *
   * @param secrets the values; the ones shorter than {@value #MIN_LENGTH} characters are skipped
   */
  static SecretRedaction of(Collection<String> secrets) {
    Set<String> forms = new LinkedHashSet<>();
    for (String s : secrets) {
      if (s == null || s.length() < MIN_LENGTH) {
        continue;
      }
      forms.add(s);
      String json = new String(JsonStringEncoder.getInstance().quoteAsString(s));
      forms.add(json);
      forms.add(json.replace("/", "\\/"));
      String form = URLEncoder.encode(s, StandardCharsets.UTF_8);
      forms.add(form);
      forms.add(form.replace("+", "%20"));
      forms.add(lowerHex(form));
      forms.add(lowerHex(form.replace("+", "%20")));
    }
    if (forms.isEmpty()) {
      return NONE;
    }
    List<byte[]> bytes = new ArrayList<>();
    for (String f : forms) {
      bytes.add(f.getBytes(StandardCharsets.UTF_8));
    }
    return new SecretRedaction(bytes);
  }

  /** Whether there is nothing to look for. */
  public boolean isEmpty() {
    return patterns.length == 0;
  }

  /** Returns {@code text} with every secret replaced. */
  public String redact(String text) {
    if (text == null || isEmpty()) {
      return text;
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (!mayContain(bytes)) {
      return text;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
    try (OutputStream r = redacting(out)) {
      r.write(bytes);
    } catch (IOException e) {
      throw new IllegalStateException("in-memory stream failed", e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Whether any pattern could start in {@code bytes} (a quick test before the real one). */
  private boolean mayContain(byte[] bytes) {
    for (byte b : bytes) {
      if (starts[b & 0xff]) {
        return true;
      }
    }
    return false;
  }

  /**
   * Wraps {@code out} so everything written through it is redacted. {@link OutputStream#flush()}
   * passes on everything except what may be the start of a secret; {@link OutputStream#close()}
   * writes that too. With nothing to look for, returns {@code out} itself.
   */
  public OutputStream redacting(OutputStream out) {
    return isEmpty() ? out : new Redactor(out);
  }

  private static String lowerHex(String percentEncoded) {
    StringBuilder out = new StringBuilder(percentEncoded.length());
    for (int i = 0; i < percentEncoded.length(); i++) {
      char c = percentEncoded.charAt(i);
      if (c == '%' && i + 2 < percentEncoded.length()) {
        out.append('%').append(percentEncoded.substring(i + 1, i + 3).toLowerCase(Locale.ROOT));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private final class Redactor extends FilterOutputStream {
    /** Bytes that may be the start of a secret, waiting for the next write. */
    private byte[] held = new byte[0];

    Redactor(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (held.length == 0) {
        scan(b, off, off + len, false);
      } else {
        byte[] joined = Arrays.copyOf(held, held.length + len);
        System.arraycopy(b, off, joined, held.length, len);
        scan(joined, 0, joined.length, false);
      }
    }

    /**
     * Writes {@code b[from, to)} redacted, keeping back the tail that may still become a secret
     * (unless {@code end}).
     */
    private void scan(byte[] b, int from, int to, boolean end) throws IOException {
      int run = from;
      int i = from;
      while (i < to) {
        if (!starts[b[i] & 0xff]) {
          i++;
          continue;
        }
        int matched = 0;
        boolean couldGrow = false;
        for (byte[] p : patterns) {
          int available = to - i;
          if (available >= p.length) {
            if (matched == 0 && Arrays.equals(b, i, i + p.length, p, 0, p.length)) {
              matched = p.length;
            }
          } else if (!end && Arrays.equals(b, i, to, p, 0, available)) {
            // A longer secret may start here: wait for more bytes before deciding.
            couldGrow = true;
          }
        }
        if (couldGrow) {
          out.write(b, run, i - run);
          held = Arrays.copyOfRange(b, i, to);
          return;
        }
        if (matched > 0) {
          out.write(b, run, i - run);
          out.write(REPLACEMENT_BYTES);
          i += matched;
          run = i;
        } else {
          i++;
        }
      }
      out.write(b, run, to - run);
      held = new byte[0];
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      byte[] rest = held;
      held = new byte[0];
      scan(rest, 0, rest.length, true);
      out.close();
    }
  }
}
