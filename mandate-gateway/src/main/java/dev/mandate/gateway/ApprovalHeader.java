package dev.mandate.gateway;

import dev.mandate.wire.MandateHeaders;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;

/**
 * The {@code Mandate-Approval} request header, which carries a person's approval of exactly the
 * call it comes with ({@code mnda1_...}, spec §7.1): its name, its bound, and how the front ends
 * read it. Like every {@code Mandate-*} header it is never forwarded upstream.
 */
public final class ApprovalHeader {
  /** The longest approval accepted, in characters (spec §7.1). */
  public static final int MAX_CHARS = 512;

  /**
   * The header as a front end read it.
   *
   * @param approval the approval's text, or null if none was sent
   * @param problem why the header cannot be used (answer 400 with it; nothing is decided), or null
   */
  public record Read(String approval, String problem) {}

  private ApprovalHeader() {}

  /**
   * Reads the header: absent or empty is no approval; more than one, or one longer than {@link
   * #MAX_CHARS}, is a problem. The value is not otherwise checked here: the verifier decides
   * whether it approves the call.
   */
  public static Read read(HttpFields headers) {
    List<String> values = headers.getValuesList(MandateHeaders.APPROVAL);
    if (values.isEmpty()) {
      return new Read(null, null);
    }
    if (values.size() > 1) {
      return new Read(
          null,
          "the request carries "
              + values.size()
              + " "
              + MandateHeaders.APPROVAL
              + " headers; send at most one");
    }
    String value = values.get(0).strip();
    if (value.length() > MAX_CHARS) {
      return new Read(
          null,
          "the "
              + MandateHeaders.APPROVAL
              + " header is "
              + value.length()
              + " characters long; an approval is at most "
              + MAX_CHARS);
    }
    return new Read(value.isEmpty() ? null : value, null);
  }
}
