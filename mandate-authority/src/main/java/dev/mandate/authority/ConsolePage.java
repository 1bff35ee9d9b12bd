package dev.mandate.authority;

import dev.mandate.authority.store.PersonRecord.Role;

/**
 * One page, form action or stream of the console (docs/console.md, "Adding a page"): a method, a
 * path template under {@code /console} (such as {@code /console/capabilities/{tokenId}}), the least
 * role that may use it, and the handler. {@link Console} checks the session, the role and, for
 * anything but GET, the CSRF token and the request's origin before the handler runs, and adds the
 * security headers to whatever it answers.
 */
record ConsolePage(String method, String path, Role role, Handler handler) {

  /** Answers one request of a signed-in person whose role suffices. */
  @FunctionalInterface
  interface Handler {
    /**
     * Answers, usually with {@link ConsoleCall#page} (HTML in the layout), {@link
     * ConsoleCall#redirect} (after a form) or a {@link Reply.Stream} (server-sent events).
     *
     * @throws ApiException for a refusal the person should read (its status and message are shown
     *     on an error page)
     */
    Reply handle(ConsoleCall call) throws Exception;
  }

  ConsolePage {
    if (!path.equals(Console.ROOT) && !path.startsWith(Console.ROOT + "/")) {
      throw new IllegalArgumentException(
          "a console page lives under " + Console.ROOT + ": " + path);
    }
  }

  /** A page shown by GET. */
  static ConsolePage get(String path, Role role, Handler handler) {
    return new ConsolePage("GET", path, role, handler);
  }

  /** A form action (POST): CSRF-checked before {@code handler} runs. */
  static ConsolePage post(String path, Role role, Handler handler) {
    return new ConsolePage("POST", path, role, handler);
  }
}
