package dev.mandate.wire;

/**
 * The HTTP headers a client sends a Mandate gateway besides {@code Authorization: Bearer <token>}.
 * The gateway never forwards a header whose name starts with {@link #PREFIX}.
 */
public final class MandateHeaders {
  /** A holder's proof of possession for this one call, {@code mndp2_...} (spec §7). */
  public static final String PROOF = "Mandate-Proof";

  /** A person's approval of this one call, {@code mnda1_...} (spec §7.1). */
  public static final String APPROVAL = "Mandate-Approval";

  /** The prefix of every Mandate header (compare case-insensitively, as HTTP does). */
  public static final String PREFIX = "Mandate-";

  private MandateHeaders() {}
}
