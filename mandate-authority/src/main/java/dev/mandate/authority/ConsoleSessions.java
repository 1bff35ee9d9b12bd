package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.PersonRecord;
import dev.mandate.authority.store.SessionRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.server.Request;

/**
 * Server-side console sessions. The session id is 256 random bits in an {@code HttpOnly}, {@code
 * SameSite=Strict} cookie ({@code __Host-mandate_console} and {@code Secure} when the console is
 * served over TLS); the store keeps only its SHA-256, so a copy of the database opens no session. A
 * session ends when unused for the idle timeout, at the absolute timeout, at sign-out (deleted, so
 * a replayed cookie finds nothing), and when its person is disabled or changes password.
 *
 * <p>The CSRF token of a session is derived from its id (a hash under another label), so it needs
 * no storage, differs per session, and cannot be computed without the cookie.
 */
final class ConsoleSessions {
  /** How often a session's last use is written: not on every request. */
  static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{43}");

  /** A live session: its person and its CSRF token. */
  record Session(String idHash, PersonRecord person, String csrf) {}

  private final AuthorityStore store;
  private final ConsoleSettings settings;
  private final Clock clock;
  private final SecureRandom random;

  ConsoleSessions(
      AuthorityStore store, ConsoleSettings settings, Clock clock, SecureRandom random) {
    this.store = store;
    this.settings = settings;
    this.clock = clock;
    this.random = random;
  }

  /** The session cookie's name: with the {@code __Host-} prefix over TLS. */
  String cookieName() {
    return settings.secure() ? "__Host-mandate_console" : "mandate_console";
  }

  /** The cookie that carries the sign-in form's double-submit token. */
  String signInCookieName() {
    return settings.secure() ? "__Host-mandate_signin" : "mandate_signin";
  }

  /** Starts a session for {@code person}; returns its id, for the cookie. */
  String create(PersonRecord person) {
    String id = newId();
    Instant now = clock.instant();
    store.createSession(new SessionRecord(hash(id), person.name(), now, now));
    return id;
  }

  /** The live session the request's cookie names, if any; touches it when due. */
  Optional<Session> find(Request request) {
    for (String id : cookies(request, cookieName())) {
      if (!ID.matcher(id).matches()) {
        continue;
      }
      String idHash = hash(id);
      Optional<SessionRecord> s = store.session(idHash);
      if (s.isEmpty()) {
        continue;
      }
      Instant now = clock.instant();
      SessionRecord r = s.get();
      Optional<PersonRecord> person = expired(r, now) ? Optional.empty() : store.person(r.person());
      if (person.isEmpty() || person.get().disabled()) {
        store.deleteSession(idHash);
        continue;
      }
      if (!now.isBefore(r.lastSeenAt().plus(TOUCH_EVERY))) {
        store.touchSession(idHash, now);
      }
      return Optional.of(new Session(idHash, person.get(), csrf(id)));
    }
    return Optional.empty();
  }

  private boolean expired(SessionRecord r, Instant now) {
    return !now.isBefore(r.lastSeenAt().plus(settings.idleTimeout()))
        || !now.isBefore(r.createdAt().plus(settings.absoluteTimeout()));
  }

  /**
   * Whether the session whose id hashes to {@code idHash} is still live, for a stream that outlasts
   * its request: it exists, is within its timeouts, and its person is enabled. It is not touched:
   * an open stream does not keep a session alive.
   */
  boolean live(String idHash) {
    Optional<SessionRecord> s = store.session(idHash);
    return s.isPresent()
        && !expired(s.get(), clock.instant())
        && store.person(s.get().person()).map(p -> !p.disabled()).orElse(false);
  }

  /** Ends the session; a later request with its cookie finds none. */
  void end(Session session) {
    store.deleteSession(session.idHash());
  }

  /** Deletes expired sessions (the periodic sweep). */
  int sweep() {
    Instant now = clock.instant();
    return store.deleteExpiredSessions(
        now.minus(settings.idleTimeout()), now.minus(settings.absoluteTimeout()));
  }

  /** {@code Set-Cookie} for a new session. */
  String sessionCookie(String id) {
    return cookie(cookieName(), id, -1);
  }

  /** {@code Set-Cookie} that removes the session cookie. */
  String clearedSessionCookie() {
    return cookie(cookieName(), "", 0);
  }

  /** {@code Set-Cookie} for the sign-in form's token, valid ten minutes. */
  String signInCookie(String token) {
    return cookie(signInCookieName(), token, 600);
  }

  /** A fresh random token (256 bits, base64url). */
  String newId() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** The values of every cookie named {@code name} the request carries. */
  static List<String> cookies(Request request, String name) {
    return Request.getCookies(request).stream()
        .filter(c -> name.equals(c.getName()))
        .map(HttpCookie::getValue)
        .toList();
  }

  private String cookie(String name, String value, long maxAgeSeconds) {
    return name
        + "="
        + value
        + "; Path=/"
        + (maxAgeSeconds >= 0 ? "; Max-Age=" + maxAgeSeconds : "")
        + "; HttpOnly; SameSite=Strict"
        + (settings.secure() ? "; Secure" : "");
  }

  static String csrf(String id) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(sha256("mandate-console-csrf\0" + id));
  }

  static String hash(String id) {
    return HexFormat.of().formatHex(sha256("mandate-console-session\0" + id));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }
}
