package dev.mandate.sdk;

import dev.mandate.wire.MandateHeaders;

/**
 * What to send with one call to a Mandate gateway: the {@code Authorization} header value ({@code
 * Bearer <token>}), for a holder-bound capability the {@code Mandate-Proof} header value (a fresh
 * proof good for exactly this call), and, when the wallet holds one for exactly this call, the
 * {@code Mandate-Approval} header value (a person's approval, good for one call). Get one from
 * {@link Wallet#authorize}; attach it with {@link MandateHttp#attach} or let {@link
 * MandateMcpCustomizer} do it.
 *
 * <p>The header values are credentials: {@link #toString()} redacts them.
 *
 * @param authorizationHeader the value of {@value #AUTHORIZATION_HEADER}, {@code Bearer mnd1_...}
 * @param proofHeader the value of {@value MandateHeaders#PROOF}, {@code mndp1_...}, or null for a
 *     bearer capability or a message the gateway does not check per call
 * @param approvalHeader the value of {@value MandateHeaders#APPROVAL}, {@code mnda1_...}, or null
 *     when the wallet holds no approval of this call (see {@link Wallet#addApproval})
 */
public record Presentation(String authorizationHeader, String proofHeader, String approvalHeader) {
  /** The header that carries the capability. */
  public static final String AUTHORIZATION_HEADER = "Authorization";

  /**
   * @throws IllegalArgumentException if the authorization value is not {@code Bearer <token>}
   */
  public Presentation {
    if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
      throw new IllegalArgumentException("the Authorization value must be 'Bearer <token>'");
    }
  }

  /**
   * A presentation without an approval.
   *
   * @throws IllegalArgumentException if the authorization value is not {@code Bearer <token>}
   */
  public Presentation(String authorizationHeader, String proofHeader) {
    this(authorizationHeader, proofHeader, null);
  }

  /** Returns the header names and redacted values. */
  @Override
  public String toString() {
    return "Presentation["
        + AUTHORIZATION_HEADER
        + ": Bearer mnd1_…(redacted)"
        + (proofHeader == null ? "" : ", " + MandateHeaders.PROOF + ": mndp1_…(redacted)")
        + (approvalHeader == null ? "" : ", " + MandateHeaders.APPROVAL + ": mnda1_…(redacted)")
        + "]";
  }
}
