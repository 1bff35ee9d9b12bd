package dev.mandate.authority;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * The checks the builders of the authority's settings share ({@link AuthorityConfig}, {@link
 * OAuthSettings}, {@link ConsoleSettings}); durations are checked with {@link
 * dev.mandate.config.Durations#requireWithin}. Each returns the value it passed.
 */
final class Settings {
  private Settings() {}

  /**
   * {@code value}, checked to lie within {@code [min, max]}.
   *
   * @throws IllegalArgumentException naming the setting, the range and the value
   */
  static int requireWithin(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + value);
    }
    return value;
  }

  /**
   * An absolute http(s) URL with a host and without query, fragment or user info.
   *
   * @throws IllegalArgumentException naming {@code what} if {@code url} is not such a URL
   */
  static URI absoluteUrl(String what, String url) {
    URI u;
    try {
      u = new URI(Objects.requireNonNull(url, what));
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(what + " is not a URL: " + url);
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("https") || scheme.equals("http"))
        || u.getHost() == null
        || u.getRawQuery() != null
        || u.getRawFragment() != null
        || u.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          what + " must be an absolute http(s) URL without query or fragment: " + url);
    }
    return u;
  }
}
