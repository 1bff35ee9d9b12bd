package dev.mandate.gateway;

import java.util.Set;
import java.util.regex.Pattern;
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

  private static final Pattern HOST =
      Pattern.compile("(?:[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\])(?::[0-9]{1,5})?");
  private static final Pattern ADDRESS = Pattern.compile("[0-9A-Fa-f:.\\[\\]]{1,47}");

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
    String address =
        clientAddress != null && ADDRESS.matcher(clientAddress).matches() ? clientAddress : null;
    String safeHost = host != null && HOST.matcher(host).matches() ? host : null;
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
}
