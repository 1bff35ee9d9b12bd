package dev.mandate.token;

import static dev.mandate.token.Reasons.deny;

import dev.mandate.internal.crypto.Ed25519;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The holder proof of a holder-bound token (spec §7): present, well formed, made within the window,
 * signed by the current holder over exactly this token and call, and not used before.
 */
final class ProofCheck {
  private final Duration clockSkew;
  private final Duration proofWindow;
  private final ReplayGuard replayGuard;

  ProofCheck(Duration clockSkew, Duration proofWindow, ReplayGuard replayGuard) {
    this.clockSkew = clockSkew;
    this.proofWindow = proofWindow;
    this.replayGuard = replayGuard;
  }

  /**
   * Checks the proof if the token is holder-bound; a bearer token needs none.
   *
   * @throws Reasons.Denial if the proof is missing, malformed, stale, forged or replayed, or the
   *     replay guard fails
   */
  void check(Chain chain, Request request, Proof proof, Instant now) {
    byte[] holder = chain.holderKey();
    if (holder == null) {
      return;
    }
    int last = chain.links.size() - 1;
    if (proof == null || proof.text().isEmpty()) {
      throw deny(
          chain,
          Decision.Code.PROOF_REQUIRED,
          last,
          Decision.Check.HOLDER,
          "the capability is bound to holder "
              + chain.last().block().holderKeyId()
              + "; the call needs a proof signed by that key");
    }
    Proof.Parsed parsed;
    try {
      parsed = Proof.parse(proof.text());
    } catch (FormatException e) {
      throw deny(chain, Decision.Code.PROOF_INVALID, last, Decision.Check.HOLDER, e.getMessage());
    }
    long skewMillis = proofWindow.plus(clockSkew).toMillis();
    long age = now.toEpochMilli() - parsed.timeMillis();
    if (age > skewMillis || age < -clockSkew.toMillis()) {
      throw deny(
          chain,
          Decision.Code.PROOF_STALE,
          last,
          Decision.Check.HOLDER,
          "the proof was made at "
              + Instant.ofEpochMilli(parsed.timeMillis())
              + ", outside the accepted window of "
              + proofWindow.toSeconds()
              + " s (plus "
              + clockSkew.toSeconds()
              + " s skew) around "
              + now);
    }
    byte[] message = Proof.message(chain.tokenDigest, request, parsed.timeMillis(), parsed.nonce());
    if (!Ed25519.verify(holder, message, 0, message.length, parsed.signature())) {
      throw deny(
          chain,
          Decision.Code.PROOF_INVALID,
          last,
          Decision.Check.HOLDER,
          "the proof is not signed by holder "
              + chain.last().block().holderKeyId()
              + " for this token and exactly this request");
    }
    String proofId =
        HexFormat.of().formatHex(chain.tokenDigest)
            + ":"
            + HexFormat.of().formatHex(parsed.nonce());
    Instant expires = Instant.ofEpochMilli(parsed.timeMillis()).plus(proofWindow).plus(clockSkew);
    boolean first;
    try {
      first = replayGuard.firstUse(proofId, expires);
    } catch (RuntimeException e) {
      throw deny(
          chain,
          Decision.Code.UNAVAILABLE,
          last,
          Decision.Check.HOLDER,
          "the proof cannot be checked for replay right now (the replay guard failed); try again"
              + " shortly");
    }
    if (!first) {
      throw deny(
          chain,
          Decision.Code.PROOF_REPLAYED,
          last,
          Decision.Check.HOLDER,
          "the proof was already used once");
    }
  }
}
