package dev.mandate.gateway;

import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The stage that decides, from its headers and before it is read, what a request body to a route
 * is, and refuses (415) a body the route does not take. Argument caveats are checked on the
 * arguments the gateway reads from the body, so the body must be one the gateway reads exactly as
 * the upstream will:
 *
 * <ul>
 *   <li>a request without a body passes whatever its {@code Content-Type};
 *   <li>a body needs exactly one {@code Content-Type}, a strictly well-formed media type ({@link
 *       MediaType}) whose {@code type/subtype} the route lists ({@code contentTypes}, default
 *       {@value GatewayConfig#DEFAULT_CONTENT_TYPE});
 *   <li>a {@code charset}, if given, must be {@code utf-8};
 *   <li>JSON ({@code application/json}, {@code application/...+json}) and form ({@code
 *       application/x-www-form-urlencoded}) bodies become arguments; they take no parameter but
 *       {@code charset} and no {@code Content-Encoding} (the gateway would read compressed bytes
 *       while the upstream reads what they expand to);
 *   <li>any other listed type passes unread ({@link Kind#OPAQUE}): no caveat sees its content.
 * </ul>
 */
final class BodyType {
  /** How the gateway treats a body. */
  enum Kind {
    /** No body. */
    NONE,
    /** JSON: its fields are arguments. */
    JSON,
    /** An HTML form: its fields are arguments. */
    FORM,
    /** A type the route lists but the gateway does not read. */
    OPAQUE
  }

  /** A body's kind, or why it is refused (415). */
  record Check(Kind kind, String problem) {
    static Check refuse(String problem) {
      return new Check(null, problem);
    }
  }

  private BodyType() {}

  /**
   * Decides a request's body.
   *
   * @param hasBody whether the request has a body (a positive Content-Length, or chunked)
   * @param allowed the route's media types, {@code type/subtype} in lower case
   */
  static Check of(HttpFields headers, boolean hasBody, List<String> allowed) {
    if (!hasBody) {
      return new Check(Kind.NONE, null);
    }
    List<String> values = headers.getValuesList(HttpHeader.CONTENT_TYPE);
    if (values.isEmpty()) {
      return Check.refuse("a request body needs a Content-Type; this route takes " + allowed);
    }
    if (values.size() > 1) {
      return Check.refuse("send one Content-Type, not " + values.size());
    }
    MediaType type;
    try {
      type = MediaType.parse(values.get(0));
    } catch (IllegalArgumentException e) {
      return Check.refuse("the Content-Type is not a well-formed media type: " + e.getMessage());
    }
    if (!allowed.contains(type.essence())) {
      return Check.refuse("this route takes " + allowed + ", not " + printable(type.essence()));
    }
    String charset = type.parameters().get("charset");
    if (charset != null && !charset.toLowerCase(Locale.ROOT).equals("utf-8")) {
      return Check.refuse("the charset must be utf-8, not " + printable(charset));
    }
    if (!type.json() && !type.form()) {
      return new Check(Kind.OPAQUE, null);
    }
    for (String name : type.parameters().keySet()) {
      if (!name.equals("charset")) {
        return Check.refuse(
            type.essence() + " takes no parameter but charset, not " + printable(name));
      }
    }
    String encoding = headers.get(HttpHeader.CONTENT_ENCODING);
    if (encoding != null && !encoding.strip().equalsIgnoreCase("identity")) {
      return Check.refuse(
          "a " + type.essence() + " body is read by the gateway: send it without Content-Encoding");
    }
    return new Check(type.json() ? Kind.JSON : Kind.FORM, null);
  }

  private static String printable(String s) {
    String p = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return p.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
