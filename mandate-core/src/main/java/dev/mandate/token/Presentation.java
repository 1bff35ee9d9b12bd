package dev.mandate.token;

import java.util.Objects;
import java.util.Optional;

/**
 * What a caller presents with one call: the capability token as sent, and the holder {@link Proof}
 * and the {@link Approval} if the call carries them. None of it is trusted or checked here; the
 * {@link Verifier} decides. Immutable. {@link #toString()} never prints the token, which is a
 * bearer secret.
 */
public final class Presentation {
  private final String token;
  private final Proof proof;
  private final Approval approval;

  private Presentation(String token, Proof proof, Approval approval) {
    this.token = token;
    this.proof = proof;
    this.approval = approval;
  }

  /**
   * A presentation of this token, without proof or approval.
   *
   * @param token the capability's text form exactly as presented; may be null (nothing was
   *     presented) or garbage, which the verifier denies
   */
  public static Presentation of(String token) {
    return new Presentation(token, null, null);
  }

  /** Returns a copy with this proof ({@code null}: none). */
  public Presentation withProof(Proof newProof) {
    return new Presentation(token, newProof, approval);
  }

  /** Returns a copy with this approval ({@code null}: none). */
  public Presentation withApproval(Approval newApproval) {
    return new Presentation(token, proof, newApproval);
  }

  /** Returns the token as presented; may be null or garbage. */
  public String token() {
    return token;
  }

  /** Returns the holder proof, if one was presented. */
  public Optional<Proof> proof() {
    return Optional.ofNullable(proof);
  }

  /** Returns the approval, if one was presented. */
  public Optional<Approval> approval() {
    return Optional.ofNullable(approval);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Presentation p
        && Objects.equals(token, p.token)
        && Objects.equals(proof, p.proof)
        && Objects.equals(approval, p.approval);
  }

  @Override
  public int hashCode() {
    return Objects.hash(token, proof, approval);
  }

  @Override
  public String toString() {
    return "Presentation[token "
        + (token == null ? "none" : "redacted")
        + (proof != null ? ", with proof" : "")
        + (approval != null ? ", with approval" : "")
        + "]";
  }
}
