package dev.mandate.authority.store;

import java.time.Instant;

/**
 * What a failed sign-in did to a person's lock-out state.
 *
 * @param failures the failures counted in the current window, this one included
 * @param lockedUntil until when sign-in is locked, or null when it is not
 * @param lockedNow whether this failure started the lock-out (so it is audited once)
 */
public record SignInFailure(int failures, Instant lockedUntil, boolean lockedNow) {}
