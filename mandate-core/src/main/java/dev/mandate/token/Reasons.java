package dev.mandate.token;

import java.util.List;

/**
 * How the verifier's parts say no: a {@link Denial} carries a {@link Decision.Deny} out of a check,
 * and the helpers keep reasons printable and bounded (they end up in logs and answers).
 */
final class Reasons {
  private static final int MAX_GRANTS_IN_REASON = 8;
  private static final int MAX_REASON_PART = 256;

  private Reasons() {}

  /** Carries a denial out of a check; cheap (no stack trace). */
  static final class Denial extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Decision.Deny decision;

    Denial(Decision.Deny decision) {
      super(decision.reason(), null, false, false);
      this.decision = decision;
    }
  }

  /** A denial of a decoded token: names its token id and revocation ids. */
  static Denial deny(Chain chain, Decision.Code code, int block, Decision.Check check, String why) {
    return new Denial(
        new Decision.Deny(
            code, block, check, why, chain.tokenId, chain.revocationIds, List.of(), null));
  }

  /**
   * A denial because a store the check needs failed (fail closed): {@code what} cannot be checked
   * right now.
   */
  static Denial unavailable(
      Chain chain, int block, Decision.Check check, String what, String store) {
    return deny(
        chain,
        Decision.Code.UNAVAILABLE,
        block,
        check,
        what + " right now (the " + store + " failed); try again shortly");
  }

  /**
   * A denial because block {@code block} has a caveat ({@code caveat}) that needs a store this
   * verifier was built without, named with the builder method that sets one.
   */
  static Denial unconfigured(
      Chain chain, int block, Decision.Check check, String caveat, String store, String setter) {
    return deny(
        chain,
        Decision.Code.UNAVAILABLE,
        block,
        check,
        "block "
            + block
            + " has "
            + caveat
            + " and this verifier has no "
            + store
            + " (configure one with Verifier.Builder."
            + setter
            + ")");
  }

  /** A denial before the token could be decoded. */
  static Decision.Deny undecoded(Decision.Code code, int block, Decision.Check check, String why) {
    return new Decision.Deny(code, block, check, why, null, List.of(), List.of(), null);
  }

  /** The block's grants for a reason: at most 8, each printable, then how many more there are. */
  static String grantList(List<Grant> grants) {
    StringBuilder out = new StringBuilder("[");
    int shown = Math.min(grants.size(), MAX_GRANTS_IN_REASON);
    for (int i = 0; i < shown; i++) {
      out.append(i == 0 ? "" : ", ").append(printable(grants.get(i).toString()));
    }
    if (grants.size() > shown) {
      out.append(", and ").append(grants.size() - shown).append(" more");
    }
    return out.append(']').toString();
  }

  /** Escapes control characters so a hostile request cannot forge log lines through a reason. */
  static String printable(String s) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_REASON_PART));
    for (int i = 0; i < s.length() && out.length() < MAX_REASON_PART; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return s.length() > MAX_REASON_PART ? out + "..." : out.toString();
  }
}
