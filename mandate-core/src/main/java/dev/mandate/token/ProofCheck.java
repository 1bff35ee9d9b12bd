package dev.mandate.token;

import static dev.mandate.token.Reasons.deny;
import static dev.mandate.token.Reasons.printable;
import static dev.mandate.token.Reasons.unavailable;

import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The holder proof of a holder-bound token (spec §7): present, well formed, presented with the call
 * it signs (the call as received, for the same audience and service as the request decided), made
 * within the window, signed by the current holder over exactly this token and call, and not used
 * before.
 */
record ProofCheck(
    Duration clockSkew, Duration proofWindow, ReplayGuard replayGuard, RequestCheck requestCheck) {

  /**
   * Checks the proof if the token is holder-bound; a bearer token needs none.
   *
   * @param request the request decided, which the call must be for (audience and service)
   * @param proof the presented proof, or null
   * @param call the call as received, which the proof must sign, or null if none was given
   * @throws Reasons.Denial if the proof is missing, malformed, stale, forged or replayed, the call
   *     is missing, refused or for another audience or service than the request, or the replay
   *     guard fails
   */
  void check(Chain chain, Request request, Proof proof, Call call, Instant now) {
    int last = chain.links.size() - 1;
    byte[] jkt = chain.holderJkt();
    if (proof != null && proof.isDPoP() && jkt == null) {
      throw deny(
          chain,
          Decision.Code.PROOF_INVALID,
          last,
          Decision.Check.HOLDER,
          "the capability is not bound to a DPoP key: present it without a DPoP proof"
              + (chain.holderBound() ? ", with a Mandate proof by its holder" : " (as Bearer)"));
    }
    if (!chain.holderBound()) {
      return;
    }
    if (proof == null || proof.text().isEmpty()) {
      throw deny(
          chain,
          Decision.Code.PROOF_REQUIRED,
          last,
          Decision.Check.HOLDER,
          "the capability is bound to holder "
              + chain.last().block().holderKeyId()
              + (jkt != null
                  ? "; the call needs a DPoP proof by that key (RFC 9449: Authorization: DPoP"
                      + " and a DPoP header)"
                  : "; the call needs a proof signed by that key"));
    }
    if (jkt != null) {
      checkDPoP(chain, request, proof, call, jkt, now);
      return;
    }
    Proof.Parsed parsed;
    try {
      parsed = Proof.parse(proof.text());
    } catch (FormatException e) {
      throw deny(chain, Decision.Code.PROOF_INVALID, last, Decision.Check.HOLDER, e.getMessage());
    }
    checkCall(chain, request, call);
    long skewMillis = proofWindow.plus(clockSkew).toMillis();
    long age = now.toEpochMilli() - parsed.timeMillis();
    if (age > skewMillis || age < -clockSkew.toMillis()) {
      throw stale(chain, Instant.ofEpochMilli(parsed.timeMillis()), now);
    }
    byte[] message = Proof.message(chain.tokenDigest, call, parsed.timeMillis(), parsed.nonce());
    if (!chain.signedByHolder(message, parsed.signature())) {
      throw deny(
          chain,
          Decision.Code.PROOF_INVALID,
          last,
          Decision.Check.HOLDER,
          "the proof is not signed by holder "
              + chain.last().block().holderKeyId()
              + " for this token and exactly this call");
    }
    String proofId =
        HexFormat.of().formatHex(chain.tokenDigest)
            + ":"
            + HexFormat.of().formatHex(parsed.nonce());
    firstUse(
        chain,
        proofId,
        Instant.ofEpochMilli(parsed.timeMillis()).plus(proofWindow).plus(clockSkew));
  }

  /** The DPoP proof of a capability bound to a DPoP key (spec 7.2). */
  private void checkDPoP(
      Chain chain, Request request, Proof proof, Call call, byte[] jkt, Instant now) {
    int last = chain.links.size() - 1;
    if (!proof.isDPoP()) {
      throw deny(
          chain,
          Decision.Code.PROOF_INVALID,
          last,
          Decision.Check.HOLDER,
          "the capability is bound to DPoP key "
              + chain.last().block().holderKeyId()
              + "; the call needs a DPoP proof (RFC 9449), not a Mandate proof");
    }
    checkCall(chain, request, call);
    DPoPProofs.Verified verified;
    try {
      verified =
          DPoPProofs.verify(proof.text(), jkt, proof.httpMethod(), proof.httpUri(), chain.toText());
    } catch (FormatException e) {
      throw deny(chain, Decision.Code.PROOF_INVALID, last, Decision.Check.HOLDER, e.getMessage());
    }
    Instant issued = verified.issuedAt();
    if (issued.isBefore(now.minus(proofWindow).minus(clockSkew))
        || issued.isAfter(now.plus(clockSkew))) {
      throw stale(chain, issued, now);
    }
    String proofId =
        "dpop:"
            + HexFormat.of().formatHex(jkt)
            + ":"
            + HexFormat.of()
                .formatHex(
                    Chain.sha256(verified.jti().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    firstUse(chain, proofId, issued.plus(proofWindow).plus(clockSkew));
  }

  private Reasons.Denial stale(Chain chain, Instant made, Instant now) {
    return deny(
        chain,
        Decision.Code.PROOF_STALE,
        chain.links.size() - 1,
        Decision.Check.HOLDER,
        "the proof was made at "
            + made
            + ", outside the accepted window of "
            + proofWindow.toSeconds()
            + " s (plus "
            + clockSkew.toSeconds()
            + " s skew) around "
            + now);
  }

  /** Records the proof as used, or denies it as replayed (or the guard as unavailable). */
  private void firstUse(Chain chain, String proofId, Instant expires) {
    int last = chain.links.size() - 1;
    boolean first;
    try {
      first = replayGuard.firstUse(proofId, expires);
    } catch (RuntimeException e) {
      throw unavailable(
          chain,
          last,
          Decision.Check.HOLDER,
          "the proof cannot be checked for replay",
          "replay guard");
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

  /**
   * Checks that the call the proof must sign was given, is the request's (the same audience and
   * service: the gateway derived the request from it), and has a signed form.
   */
  private void checkCall(Chain chain, Request request, Call call) {
    if (call == null) {
      throw deny(
          chain,
          Decision.Code.PROOF_INVALID,
          chain.links.size() - 1,
          Decision.Check.HOLDER,
          "the proof cannot be checked: the call it must sign was not given with it");
    }
    String callAudience = call.audience() == null ? "" : call.audience();
    String requestAudience = request.audience() == null ? "" : request.audience();
    if (!callAudience.equals(requestAudience) || !call.service().equals(request.service())) {
      throw deny(
          chain,
          Decision.Code.INVALID_REQUEST,
          -1,
          Decision.Check.REQUEST,
          "the call was sent to service '"
              + printable(call.service())
              + "' at '"
              + printable(callAudience)
              + "' but the request decided is for service '"
              + printable(request.service())
              + "' at '"
              + printable(requestAudience)
              + "'");
    }
    requestCheck.call(chain, call);
  }
}
