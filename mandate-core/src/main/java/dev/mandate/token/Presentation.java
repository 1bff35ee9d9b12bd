package dev.mandate.token;

import java.util.Objects;
import java.util.Optional;

/**
 * What a caller presents with one call: the capability token as sent, and the holder {@link Proof}
 * and the {@link Approval} if the call carries them, with the {@link Call} itself as received,
 * which the proof must sign. None of it is trusted or checked here; the {@link Verifier} decides.
 * Immutable. {@link #toString()} never prints the token, which is a bearer secret.
 */
public final class Presentation {
  private final String token;
  private final Proof proof;
  private final Approval approval;
  private final Call call;

  private Presentation(String token, Proof proof, Approval approval, Call call) {
    this.token = token;
    this.proof = proof;
    this.approval = approval;
    this.call = call;
  }

  /**
   * A presentation of this token, without proof or approval.
   *
   * @param token the capability's text form exactly as presented; may be null (nothing was
   *     presented) or garbage, which the verifier denies
   */
  public static Presentation of(String token) {
    return new Presentation(token, null, null, null);
  }

  /** Returns a copy with this proof ({@code null}: none). */
  public Presentation withProof(Proof newProof) {
    return new Presentation(token, newProof, approval, call);
  }

  /** Returns a copy with this approval ({@code null}: none). */
  public Presentation withApproval(Approval newApproval) {
    return new Presentation(token, proof, newApproval, call);
  }

  /**
   * Returns a copy with the call as received ({@code null}: none). A gateway builds it from exactly
   * what the client sent, before mapping it to a {@link Request}; the holder proof must sign it,
   * and it must be for the request's audience and service.
   */
  public Presentation withCall(Call newCall) {
    return new Presentation(token, proof, approval, newCall);
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

  /** Returns the call as received, if it was given. */
  public Optional<Call> call() {
    return Optional.ofNullable(call);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Presentation p
        && Objects.equals(token, p.token)
        && Objects.equals(proof, p.proof)
        && Objects.equals(approval, p.approval)
        && Objects.equals(call, p.call);
  }

  @Override
  public int hashCode() {
    return Objects.hash(token, proof, approval, call);
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
