package dev.mandate.authority;

import java.util.List;

/**
 * What the layout template shows around a page: the title, the navigation the person may use, who
 * is signed in, the CSRF token every form carries, and the page's own scripts (files under {@code
 * /console/assets/}; never inline).
 *
 * @param person the signed-in person's name, or null on the sign-in and error pages before sign-in
 * @param role the person's role, in words, or null
 * @param csrf the session's CSRF token, or null without a session
 * @param scripts asset names such as {@code live.js}, loaded with {@code defer}
 */
record ConsoleView(
    String title,
    List<NavLink> nav,
    String person,
    String role,
    String csrf,
    List<String> scripts) {

  /** One entry of the navigation; {@code current} marks the section shown. */
  record NavLink(String label, String href, boolean current) {}

  ConsoleView {
    nav = List.copyOf(nav);
    scripts = List.copyOf(scripts);
  }

  /** A page without a signed-in person (sign-in, errors before sign-in). */
  static ConsoleView anonymous(String title) {
    return new ConsoleView(title, List.of(), null, null, null, List.of());
  }

  boolean signedIn() {
    return person != null;
  }
}
