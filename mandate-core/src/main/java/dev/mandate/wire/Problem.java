package dev.mandate.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one HTTP error body of the authority and the gateway: an RFC 9457 problem, sent as {@value
 * #MEDIA_TYPE}, such as
 *
 * <pre>{@code
 * {"type":"about:blank","title":"Forbidden","status":403,
 *  "detail":"fs:read:/etc/passwd is not covered by block 0's grants","code":"NOT_GRANTED"}
 * }</pre>
 *
 * {@code type} is {@code about:blank} and {@code title} the status's reason phrase: a problem adds
 * no meaning beyond its status but the stable machine-readable {@code code} (a verifier decision
 * code such as {@code APPROVAL_REQUIRED} at the gateway, a lower-case code such as {@code
 * invalid_field} at the authority), which clients switch on, and a {@code detail} sentence meant
 * for people. Some problems add members (an {@code APPROVAL_REQUIRED} denial names the call to
 * approve). Immutable.
 */
public final class Problem {
  /** The media type of a problem body (RFC 9457 §3). */
  public static final String MEDIA_TYPE = "application/problem+json";

  /** The problem type that means "see the status code" (RFC 9457 §4.2.1). */
  public static final String BLANK_TYPE = "about:blank";

  /** The members this type defines; an extension may not reuse them. */
  private static final Set<String> STANDARD =
      Set.of("type", "title", "status", "detail", "instance", "code");

  private static final int MAX_SUMMARY_DETAIL = 300;
  private static final Pattern CODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String type;
  private final String title;
  private final int status;
  private final String detail;
  private final String code;
  private final ObjectNode extensions;

  private Problem(
      String type, String title, int status, String detail, String code, ObjectNode extensions) {
    this.type = type;
    this.title = title;
    this.status = status;
    this.detail = detail;
    this.code = code;
    this.extensions = extensions;
  }

  /**
   * A problem of type {@code about:blank} titled with the status's reason phrase.
   *
   * @param status the HTTP status, 400..599
   * @param code the stable code: 1 to 64 of {@code A-Z a-z 0-9 _ . -}, starting with a letter or
   *     digit
   * @param detail a sentence for people saying what went wrong and, where it helps, what to do
   * @throws IllegalArgumentException if the status is not an error status or the code is malformed
   * @throws NullPointerException if code or detail is null
   */
  public static Problem of(int status, String code, String detail) {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("a problem has an error status, 400..599, got " + status);
    }
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(detail, "detail");
    if (!CODE.matcher(code).matches()) {
      throw new IllegalArgumentException(
          "a problem code is 1 to 64 of A-Z a-z 0-9 _ . -, starting with a letter or digit; got '"
              + code
              + "'");
    }
    return new Problem(
        BLANK_TYPE, reasonPhrase(status), status, detail, code, JSON.createObjectNode());
  }

  /**
   * Returns a copy with one more member.
   *
   * @throws IllegalArgumentException if {@code name} is one of the standard members or {@code code}
   */
  public Problem with(String name, JsonNode value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (STANDARD.contains(name)) {
      throw new IllegalArgumentException("'" + name + "' is a standard problem member");
    }
    ObjectNode copy = extensions.deepCopy();
    copy.set(name, value.deepCopy());
    return new Problem(type, title, status, detail, code, copy);
  }

  /**
   * Returns a copy with every member of {@code members} added.
   *
   * @throws IllegalArgumentException if one of them is a standard member or {@code code}
   */
  public Problem withAll(ObjectNode members) {
    Problem p = this;
    for (Map.Entry<String, JsonNode> e : members.properties()) {
      p = p.with(e.getKey(), e.getValue());
    }
    return p;
  }

  /** The problem type, a URI reference; {@code about:blank} for every problem Mandate sends. */
  public String type() {
    return type;
  }

  /** A short summary of the type; for {@code about:blank}, the status's reason phrase. */
  public String title() {
    return title;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** What went wrong, for people. */
  public String detail() {
    return detail;
  }

  /** The stable machine-readable code. */
  public String code() {
    return code;
  }

  /** A member beyond the standard ones (a copy), or empty. */
  public Optional<JsonNode> extension(String name) {
    JsonNode n = extensions.get(name);
    return n == null ? Optional.empty() : Optional.of(n.deepCopy());
  }

  /**
   * A one-line summary for logs and messages, such as {@code HTTP 403 policy_denied: the policy
   * does not allow ...}: control characters in the detail are replaced by {@code ?} and a detail
   * longer than 300 characters is cut, since a problem read from the network is not trusted text.
   */
  public String summary() {
    StringBuilder d = new StringBuilder();
    detail
        .codePoints()
        .limit(MAX_SUMMARY_DETAIL + 1L)
        .forEach(
            c ->
                d.appendCodePoint(
                    Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                        ? '?'
                        : c));
    String shown =
        d.codePointCount(0, d.length()) > MAX_SUMMARY_DETAIL
            ? d.substring(0, d.offsetByCodePoints(0, MAX_SUMMARY_DETAIL)) + "…"
            : d.toString();
    return "HTTP " + status + " " + code + ": " + shown;
  }

  /** The body as a JSON object: the standard members first, then the extensions. */
  public ObjectNode toJsonNode() {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", type);
    n.put("title", title);
    n.put("status", status);
    n.put("detail", detail);
    n.put("code", code);
    n.setAll(extensions.deepCopy());
    return n;
  }

  /** The body as UTF-8 JSON. */
  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(toJsonNode());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a problem body cannot be written", e);
    }
  }

  /**
   * Reads a problem body; tolerant of members it does not know. The caller bounds the body's size.
   *
   * @return the problem, or empty if {@code body} is not a JSON object with a numeric {@code
   *     status} (400..599), a textual {@code code} and a textual {@code detail}
   */
  public static Optional<Problem> parse(byte[] body) {
    if (body == null || body.length == 0) {
      return Optional.empty();
    }
    JsonNode n;
    try {
      n = JSON.readTree(body);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (n == null
        || !n.isObject()
        || !n.path("status").canConvertToInt()
        || !n.path("code").isTextual()
        || !n.path("detail").isTextual()) {
      return Optional.empty();
    }
    int status = n.get("status").intValue();
    String code = n.get("code").textValue();
    if (status < 400 || status > 599 || !CODE.matcher(code).matches()) {
      return Optional.empty();
    }
    ObjectNode extensions = ((ObjectNode) n).deepCopy();
    extensions.remove(STANDARD);
    return Optional.of(
        new Problem(
            n.path("type").isTextual() ? n.get("type").textValue() : BLANK_TYPE,
            n.path("title").isTextual() ? n.get("title").textValue() : reasonPhrase(status),
            status,
            n.get("detail").textValue(),
            code,
            extensions));
  }

  /** {@link #parse(byte[])} of a string. */
  public static Optional<Problem> parse(String body) {
    return body == null
        ? Optional.empty()
        : parse(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * The reason phrase of an HTTP error status (RFC 9110, RFC 6585), such as {@code "Not Found"};
   * "Client Error" or "Server Error" for a status these do not name.
   */
  public static String reasonPhrase(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 402 -> "Payment Required";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 406 -> "Not Acceptable";
      case 407 -> "Proxy Authentication Required";
      case 408 -> "Request Timeout";
      case 409 -> "Conflict";
      case 410 -> "Gone";
      case 411 -> "Length Required";
      case 412 -> "Precondition Failed";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 415 -> "Unsupported Media Type";
      case 416 -> "Range Not Satisfiable";
      case 417 -> "Expectation Failed";
      case 421 -> "Misdirected Request";
      case 422 -> "Unprocessable Content";
      case 426 -> "Upgrade Required";
      case 428 -> "Precondition Required";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      case 505 -> "HTTP Version Not Supported";
      default -> status < 500 ? "Client Error" : "Server Error";
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Problem p
        && status == p.status
        && type.equals(p.type)
        && title.equals(p.title)
        && detail.equals(p.detail)
        && code.equals(p.code)
        && extensions.equals(p.extensions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, title, status, detail, code, extensions);
  }

  @Override
  public String toString() {
    return "Problem[" + status + " " + code + ": " + detail + "]";
  }
}
