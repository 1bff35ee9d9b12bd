package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.PersonRecord;
import dev.mandate.authority.store.SignInFailure;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Checks a person's sign-in (the console's, and the consent page's for people in the store): the
 * password against its slow hash under the authenticator's bounds (hashing concurrency, the
 * address's failure budget), then the TOTP code if the person has one, used once. Failures are
 * counted per account: {@link ConsoleSettings#maxFailures()} within the window lock the account for
 * {@link ConsoleSettings#lockout()}, whatever address they come from. Every outcome is audited:
 * {@code signin}, {@code signin.failed} and {@code signin.lockout}.
 *
 * <p>An unknown name, a disabled person, a wrong password and a wrong code are one answer to the
 * caller, and an unknown name costs the same hash as a known one.
 */
final class SignIn {
  /** Why a sign-in was refused, or that it succeeded. */
  enum Outcome {
    OK,
    /** The name, password or code is wrong (which one is not said). */
    WRONG,
    /** The account is locked after repeated failures. */
    LOCKED,
    /** The address failed too often; retry later. */
    THROTTLED,
    /** No hash could start in time. */
    BUSY
  }

  /**
   * A sign-in's result.
   *
   * @param person the signed-in person when {@link Outcome#OK}, else null
   * @param retryAfterSeconds when locked or throttled, how long to wait
   */
  record Result(Outcome outcome, PersonRecord person, long retryAfterSeconds) {
    boolean ok() {
      return outcome == Outcome.OK;
    }
  }

  private final AuthorityStore store;
  private final ClientAuthenticator authenticator;
  private final RootKeys keys;
  private final AuditTrail audit;
  private final ConsoleSettings settings;
  private final Clock clock;
  private final Totp totp = new Totp();

  SignIn(Endpoints.Parts parts, ClientAuthenticator authenticator, ConsoleSettings settings) {
    this.store = parts.store();
    this.keys = parts.keys();
    this.audit = parts.audit();
    this.clock = parts.clock();
    this.authenticator = authenticator;
    this.settings = settings;
  }

  /**
   * Checks a sign-in.
   *
   * @param via where the person signs in ({@code console} or {@code consent}), for the audit
   * @param address the caller's address, whose failures the authenticator counts
   */
  Result check(String name, String password, String code, String via, String address) {
    Instant now = clock.instant();
    boolean wellFormed = name != null && PersonRecord.NAME.matcher(name).matches();
    Optional<PersonRecord> found = wellFormed ? store.person(name) : Optional.empty();
    if (found.isPresent() && found.get().lockedUntil() != null) {
      Instant until = found.get().lockedUntil();
      if (until.isAfter(now)) {
        failed(name, "locked", via, address);
        return new Result(
            Outcome.LOCKED, null, Math.max(1, until.getEpochSecond() - now.getEpochSecond()));
      }
    }
    PersonRecord person = found.filter(p -> !p.disabled()).orElse(null);
    boolean passwordOk;
    try {
      passwordOk =
          authenticator.checkPassword(
              password == null ? "" : password,
              person == null ? null : person.passwordHash(),
              address);
    } catch (ClientAuthenticator.Throttled e) {
      return new Result(Outcome.THROTTLED, null, e.seconds());
    } catch (ClientAuthenticator.Busy e) {
      return new Result(Outcome.BUSY, null, 1);
    }
    String reason =
        passwordOk
            ? null
            : found.isEmpty() ? "unknown" : found.get().disabled() ? "disabled" : "password";
    if (passwordOk && person.hasTotp() && !codeOk(person, code, now)) {
      reason = "code";
    }
    if (reason != null) {
      failed(wellFormed ? name : null, reason, via, address);
      if (found.isEmpty()) {
        return new Result(Outcome.WRONG, null, 0);
      }
      Optional<SignInFailure> f =
          store.recordSignInFailure(
              name, now, settings.failureWindow(), settings.maxFailures(), settings.lockout());
      if (f.isPresent() && f.get().lockedNow()) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("failures", f.get().failures());
        detail.put("until", f.get().lockedUntil().toString());
        detail.put("via", via);
        audit.record("signin.lockout", name, null, null, detail);
        return new Result(Outcome.LOCKED, null, settings.lockout().toSeconds());
      }
      return new Result(Outcome.WRONG, null, 0);
    }
    store.clearSignInFailures(name);
    audit.record("signin", name, null, null, Map.of("via", via, "address", address(address)));
    return new Result(Outcome.OK, person, 0);
  }

  private boolean codeOk(PersonRecord person, String code, Instant now) {
    byte[] secret;
    try {
      secret = keys.unsealPersonSecret(person.name(), person.sealedTotpSecret());
    } catch (IllegalStateException e) {
      return false;
    }
    try {
      OptionalLong step = totp.verify(secret, code, now);
      return step.isPresent() && store.useTotpStep(person.name(), step.getAsLong());
    } finally {
      java.util.Arrays.fill(secret, (byte) 0);
    }
  }

  private void failed(String name, String reason, String via, String address) {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("reason", reason);
    detail.put("via", via);
    detail.put("address", address(address));
    audit.record("signin.failed", name == null ? "unknown" : name, null, null, detail);
  }

  private static String address(String address) {
    return address == null ? "unknown" : address;
  }
}
