package dev.mandate.internal.match;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An allow-list of URL schemes and hosts that defends against server-side request forgery.
 *
 * <p>A URL is allowed when it parses strictly as an absolute hierarchical {@link URI}, its scheme
 * is allow-listed, it carries no user info, its host is ASCII and matches a host pattern, and the
 * host is not in the always-denied set. Any port is allowed. Hosts compare in lower case after
 * stripping one trailing dot.
 *
 * <p>Host patterns are exact host names ({@code api.example.com}), subdomain wildcards ({@code
 * *.example.com} matches {@code a.example.com} and {@code a.b.example.com} but not {@code
 * example.com}), or public IP literals ({@code 93.184.216.34}, {@code [2606:2800::1]}).
 *
 * <p>Always denied, even when allow-listed: IP literals that are loopback, private (10/8,
 * 172.16/12, 192.168/16, 100.64/10, fc00::/7), link-local (169.254/16, fe80::/10), unspecified or
 * "this network" (0/8, ::), multicast or reserved (224/3), IETF special (192.0.0/24, 198.18/15),
 * IPv6 site-local (fec0::/10), the IPv4-compatible range ::/96, and IPv4-mapped, NAT64, 6to4 or
 * Teredo addresses embedding a denied IPv4 address; this covers cloud metadata addresses such as
 * 169.254.169.254, fd00:ec2::254 and 100.100.100.200. Also denied are the names {@code localhost},
 * {@code *.localhost}, {@code metadata}, {@code metadata.google.internal}, {@code metadata.goog},
 * {@code instance-data} and {@code instance-data.ec2.internal}, and any host whose last label is
 * numeric (such as {@code 2130706433}, {@code 0177.0.0.1}, {@code 0x7f.1}, {@code 127.1}) unless it
 * is a strict dotted quad, because browsers and curl read those as IPv4 addresses.
 */
public final class UrlRule {

  /** Maximum URL length, in UTF-16 chars. */
  public static final int MAX_URL_LENGTH = 8192;

  private static final Set<String> DENIED_NAMES =
      Set.of(
          "localhost",
          "metadata",
          "metadata.google.internal",
          "metadata.goog",
          "instance-data",
          "instance-data.ec2.internal");

  private final Set<String> schemes;
  private final Set<String> exactHosts;
  private final List<String> wildcardSuffixes;
  private final Set<InetAddress> ipHosts;

  private UrlRule(
      Set<String> schemes,
      Set<String> exactHosts,
      List<String> wildcardSuffixes,
      Set<InetAddress> ipHosts) {
    this.schemes = schemes;
    this.exactHosts = exactHosts;
    this.wildcardSuffixes = wildcardSuffixes;
    this.ipHosts = ipHosts;
  }

  /**
   * Compiles a URL rule.
   *
   * @param schemes allowed schemes, non-empty, each lowercase ASCII such as {@code https}
   * @param hostPatterns allowed hosts, non-empty: exact ASCII host names (letters, digits and
   *     hyphens; upper case is folded), {@code *.}suffix wildcards, or public IP literals (IPv6
   *     optionally in brackets)
   * @return the compiled rule
   * @throws IllegalArgumentException if a list is null or empty, or a scheme or host pattern is
   *     malformed, non-ASCII, a non-standard numeric IP form, or names an always-denied host; the
   *     message names the bad value
   */
  public static UrlRule compile(List<String> schemes, List<String> hostPatterns) {
    if (schemes == null || schemes.isEmpty()) {
      throw new IllegalArgumentException("URL rule needs at least one scheme");
    }
    if (hostPatterns == null || hostPatterns.isEmpty()) {
      throw new IllegalArgumentException("URL rule needs at least one host pattern");
    }
    Set<String> schemeSet = new LinkedHashSet<>();
    for (String scheme : schemes) {
      if (scheme == null || !scheme.matches("[a-z][a-z0-9+.-]{0,31}")) {
        throw new IllegalArgumentException(
            "URL scheme \"" + scheme + "\" is not a lowercase ASCII scheme name such as \"https\"");
      }
      schemeSet.add(scheme);
    }
    Set<String> exact = new HashSet<>();
    List<String> suffixes = new ArrayList<>();
    Set<InetAddress> ips = new HashSet<>();
    for (String pattern : hostPatterns) {
      compileHostPattern(pattern, exact, suffixes, ips);
    }
    return new UrlRule(Set.copyOf(schemeSet), Set.copyOf(exact), List.copyOf(suffixes), ips);
  }

  /**
   * Checks a URL against this rule.
   *
   * @param url the untrusted URL, at most {@value #MAX_URL_LENGTH} chars
   * @return null if the URL is allowed, otherwise a short sentence saying why not; never throws
   */
  public String check(String url) {
    if (url == null) {
      return "URL is missing";
    }
    if (url.length() > MAX_URL_LENGTH) {
      return "URL is longer than " + MAX_URL_LENGTH + " characters";
    }
    for (int i = 0; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c <= 0x20 || (c >= 0x7F && c <= 0x9F)) {
        return "URL contains whitespace or a control character";
      }
      if (c == '\\') {
        return "URL contains a backslash";
      }
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException | RuntimeException e) {
      return "URL is not a valid URI";
    }
    if (!uri.isAbsolute()) {
      return "URL is not absolute (no scheme)";
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!schemes.contains(scheme)) {
      return "URL scheme " + scheme + " is not allowed";
    }
    if (uri.isOpaque()) {
      return "URL has no authority (expected scheme://host)";
    }
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isEmpty()) {
      return "URL has no host";
    }
    if (authority.indexOf('@') >= 0 || uri.getRawUserInfo() != null) {
      return "URL contains user info (user@host), which is not allowed";
    }
    for (int i = 0; i < authority.length(); i++) {
      if (authority.charAt(i) >= 0x80) {
        return "URL host is not ASCII (internationalised host names are not allowed)";
      }
    }
    if (authority.indexOf('%') >= 0) {
      return "URL host contains percent-encoding or an IPv6 zone id";
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      return "URL host is missing or malformed";
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.startsWith("[")) {
      InetAddress address =
          host.endsWith("]") ? Cidr.parseStrict(host.substring(1, host.length() - 1)) : null;
      if (address == null) {
        return "URL host is a malformed IPv6 literal";
      }
      return checkAddress(host, address);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (host.isEmpty() || host.startsWith(".") || host.endsWith(".") || host.contains("..")) {
      return "URL host is malformed (empty label)";
    }
    if (Cidr.isDottedQuad(host)) {
      return checkAddress(host, Cidr.parseStrict(host));
    }
    if (isNumericLooking(host)) {
      return "URL host " + host + " is a non-standard numeric IP address form";
    }
    if (isDeniedName(host)) {
      return "URL host " + host + " is a local or cloud-metadata name and is always denied";
    }
    if (exactHosts.contains(host)) {
      return null;
    }
    for (String suffix : wildcardSuffixes) {
      if (host.endsWith(suffix) && host.length() > suffix.length()) {
        return null;
      }
    }
    return "URL host " + host + " is not allowed";
  }

  private String checkAddress(String host, InetAddress address) {
    String category = deniedCategory(address);
    if (category != null) {
      return "URL host " + host + " is " + category + " address and is always denied";
    }
    if (ipHosts.contains(address)) {
      return null;
    }
    return "URL host " + host + " is an IP address that is not allowed";
  }

  private static void compileHostPattern(
      String pattern, Set<String> exact, List<String> suffixes, Set<InetAddress> ips) {
    if (pattern == null || pattern.isEmpty()) {
      throw new IllegalArgumentException("URL host pattern is empty");
    }
    if (pattern.length() > 255) {
      throw new IllegalArgumentException(
          "URL host pattern is longer than 255 characters: \"" + pattern + "\"");
    }
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c <= 0x20 || c >= 0x7F) {
        throw new IllegalArgumentException(
            "URL host pattern \""
                + pattern
                + "\" must be printable ASCII (write internationalised names in punycode)");
      }
    }
    String p = pattern.toLowerCase(Locale.ROOT);
    if (p.startsWith("[") || p.indexOf(':') >= 0) {
      String inner = p.startsWith("[") && p.endsWith("]") ? p.substring(1, p.length() - 1) : p;
      InetAddress address = Cidr.parseStrict(inner);
      if (address == null || inner.indexOf(':') < 0) {
        throw new IllegalArgumentException(
            "URL host pattern \"" + pattern + "\" is not a valid IPv6 literal");
      }
      addAddress(pattern, address, ips);
      return;
    }
    if (p.endsWith(".")) {
      p = p.substring(0, p.length() - 1);
    }
    boolean wildcard = p.startsWith("*.");
    String name = wildcard ? p.substring(2) : p;
    if (!wildcard && Cidr.isDottedQuad(name)) {
      addAddress(pattern, Cidr.parseStrict(name), ips);
      return;
    }
    if (!isHostName(name)) {
      throw new IllegalArgumentException(
          "URL host pattern \""
              + pattern
              + "\" is not a host name, a '*.' subdomain wildcard or an IP literal");
    }
    if (isNumericLooking(name)) {
      throw new IllegalArgumentException(
          "URL host pattern \"" + pattern + "\" is a non-standard numeric IP address form");
    }
    if (isDeniedName(name)) {
      throw new IllegalArgumentException(
          "URL host pattern \"" + pattern + "\" names a local or cloud-metadata host");
    }
    if (wildcard) {
      suffixes.add("." + name);
    } else {
      exact.add(name);
    }
  }

  private static void addAddress(String pattern, InetAddress address, Set<InetAddress> ips) {
    String category = deniedCategory(address);
    if (category != null) {
      throw new IllegalArgumentException(
          "URL host pattern \"" + pattern + "\" is " + category + " address, always denied");
    }
    ips.add(address);
  }

  /** LDH host name: dot-separated labels of 1–63 letters, digits and inner hyphens. */
  private static boolean isHostName(String name) {
    if (name.isEmpty() || name.length() > 253) {
      return false;
    }
    for (String label : name.split("\\.", -1)) {
      if (label.isEmpty()
          || label.length() > 63
          || label.startsWith("-")
          || label.endsWith("-")
          || !label
              .chars()
              .allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /**
   * True when the last label is a number as browsers (WHATWG URL) and inet_aton read it: all
   * decimal digits, or 0x followed by hex digits. Such hosts are parsed as IPv4 addresses.
   */
  private static boolean isNumericLooking(String host) {
    String last = host.substring(host.lastIndexOf('.') + 1);
    if (last.isEmpty()) {
      return false;
    }
    if (last.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return true;
    }
    if (last.startsWith("0x")) {
      return last.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 0x80);
    }
    return false;
  }

  private static boolean isDeniedName(String host) {
    return DENIED_NAMES.contains(host) || host.endsWith(".localhost");
  }

  /** Returns e.g. "a loopback" when the address must always be denied, else null. */
  private static String deniedCategory(InetAddress address) {
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address || b.length == 4) {
      return deniedIpv4(b, 0);
    }
    int b0 = b[0] & 0xff;
    int b1 = b[1] & 0xff;
    if (allZero(b, 0, 12)) {
      return "an unspecified, loopback or IPv4-compatible";
    }
    if (allZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      return embedded(deniedIpv4(b, 12));
    }
    if ((b0 & 0xfe) == 0xfc) {
      return "a private (unique local)";
    }
    if (b0 == 0xfe && (b1 & 0xc0) == 0x80) {
      return "a link-local";
    }
    if (b0 == 0xfe && (b1 & 0xc0) == 0xc0) {
      return "a site-local";
    }
    if (b0 == 0xff) {
      return "a multicast";
    }
    if (b0 == 0x00 && b1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
      // NAT64: 64:ff9b::/96 well-known, 64:ff9b:1::/48 local use.
      if ((b[4] & 0xff) == 0 && (b[5] & 0xff) == 1) {
        return "a local-use NAT64";
      }
      return embedded(deniedIpv4(b, 12));
    }
    if (b0 == 0x20 && b1 == 0x02) {
      return embedded(deniedIpv4(b, 2));
    }
    if (b0 == 0x20 && b1 == 0x01 && b[2] == 0 && b[3] == 0) {
      byte[] client = new byte[4];
      for (int i = 0; i < 4; i++) {
        client[i] = (byte) ~b[12 + i];
      }
      return embedded(deniedIpv4(client, 0));
    }
    return null;
  }

  private static String embedded(String category) {
    return category == null
        ? null
        : "an IPv6 address embedding a " + category.replaceFirst("^an? ", "") + " IPv4";
  }

  private static String deniedIpv4(byte[] b, int offset) {
    int a = b[offset] & 0xff;
    int c = b[offset + 1] & 0xff;
    int d = b[offset + 2] & 0xff;
    if (a == 0) {
      return "an unspecified (this-network)";
    }
    if (a == 127) {
      return "a loopback";
    }
    if (a == 10 || (a == 172 && (c & 0xf0) == 16) || (a == 192 && c == 168)) {
      return "a private";
    }
    if (a == 100 && (c & 0xc0) == 64) {
      return "a carrier-grade NAT (100.64/10)";
    }
    if (a == 169 && c == 254) {
      return "a link-local";
    }
    if (a == 192 && c == 0 && d == 0) {
      return "an IETF special-purpose";
    }
    if (a == 198 && (c & 0xfe) == 18) {
      return "a benchmarking";
    }
    if (a >= 224) {
      return "a multicast or reserved";
    }
    return null;
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
