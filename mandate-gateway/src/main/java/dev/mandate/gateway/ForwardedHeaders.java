package dev.mandate.gateway;

import java.util.Set;
import org.eclipse.jetty.http.HttpFields;

/**
 * The stage that sets the forwarding headers of a forwarded request: the gateway is the proxy the
 * upstream sees, so it states who called and how ({@code Forwarded} of RFC 7239 and the {@code
 * X-Forwarded-For}, {@code -Proto} and {@code -Host} headers upstreams read), and drops every such
 * header the client sent. An upstream that trusts its proxy's headers would otherwise take a
 * client's word for its address (allow lists, rate limits, audit), its scheme or its host (links
 * and redirects it builds), or, through {@code X-Forwarded-Prefix} and the like, its path.
 *
 * <p>Dropped: {@code Forwarded}, every {@code X-Forwarded-*}, the client address headers of CDNs
 * and proxies ({@code X-Real-IP}, {@code True-Client-IP}, {@code CF-Connecting-IP}, ...), host
 * overrides ({@code X-Host}, {@code X-Original-Host}, {@code X-HTTP-Host-Override}), scheme hints
 * ({@code Front-End-Https}, {@code X-Url-Scheme}) and the overrides {@link RequestOverrides}
 * refuses.
 */
final class ForwardedHeaders {
  private static final Set<String> DROPPED =
      Set.of(
          "forwarded",
          "x-real-ip",
          "x-client-ip",
          "client-ip",
          "true-client-ip",
          "cf-connecting-ip",
          "fastly-client-ip",
          "akamai-origin-hop",
          "x-cluster-client-ip",
          "x-originating-ip",
          "x-remote-ip",
          "x-remote-addr",
          "x-proxyuser-ip",
          "x-host",
          "x-original-host",
          "x-http-host-override",
          "front-end-https",
          "x-url-scheme");

  private ForwardedHeaders() {}

  /** Whether a client's header of this name is dropped rather than forwarded. */
  static boolean dropped(String lowerName) {
    return DROPPED.contains(lowerName)
        || lowerName.startsWith("x-forwarded-")
        || RequestOverrides.isOverrideHeader(lowerName);
  }

  /**
   * Sets the gateway's forwarding headers on a forwarded request.
   *
   * @param clientAddress the client's IP address as the connection shows it
   * @param scheme the scheme the client used ({@code http} or {@code https})
   * @param host the {@code Host} (authority) the client addressed, or null; one that is not a plain
   *     host name or address with an optional port is left out
   */
  static void set(HttpFields.Mutable headers, String clientAddress, String scheme, String host) {
    String address = clientAddress != null && isAddress(clientAddress) ? clientAddress : null;
    String safeHost = host != null && isHost(host) ? host : null;
    StringBuilder forwarded = new StringBuilder();
    if (address != null) {
      String bare = address.replace("[", "").replace("]", "");
      // RFC 7239 §6: an IPv6 node is bracketed and quoted.
      forwarded.append("for=").append(bare.contains(":") ? "\"[" + bare + "]\"" : bare);
      headers.put("X-Forwarded-For", bare);
    }
    forwarded.append(forwarded.length() > 0 ? ";" : "").append("proto=").append(scheme);
    headers.put("X-Forwarded-Proto", scheme);
    if (safeHost != null) {
      forwarded.append(";host=\"").append(safeHost).append('"');
      headers.put("X-Forwarded-Host", safeHost);
    }
    headers.put("Forwarded", forwarded.toString());
  }

  /**
   * An IP address as a connection shows it: 1 to 47 of hex digits, {@code :}, {@code .}, {@code [}
   * and {@code ]}. (A loop, not a regular expression: it runs on every forwarded call.)
   */
  static boolean isAddress(String s) {
    int n = s.length();
    if (n < 1 || n > 47) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (!(hex(c) || c == ':' || c == '.' || c == '[' || c == ']')) {
        return false;
      }
    }
    return true;
  }

  /**
   * A plain host: a name of 1 to 253 letters, digits, dots and hyphens, or a bracketed IPv6 address
   * of 2 to 45 hex digits, colons and dots, then an optional port of 1 to 5 digits.
   */
  static boolean isHost(String s) {
    int portFrom;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 3 || close > 46) {
        return false;
      }
      for (int i = 1; i < close; i++) {
        char c = s.charAt(i);
        if (!(hex(c) || c == ':' || c == '.')) {
          return false;
        }
      }
      portFrom = close + 1;
    } else {
      int colon = s.indexOf(':');
      portFrom = colon < 0 ? s.length() : colon;
      if (portFrom < 1 || portFrom > 253) {
        return false;
      }
      for (int i = 0; i < portFrom; i++) {
        char c = s.charAt(i);
        if (!((c >= 'A' && c <= 'Z')
            || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9')
            || c == '.'
            || c == '-')) {
          return false;
        }
      }
    }
    if (portFrom == s.length()) {
      return true;
    }
    int digits = s.length() - portFrom - 1;
    if (s.charAt(portFrom) != ':' || digits < 1 || digits > 5) {
      return false;
    }
    for (int i = portFrom + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
