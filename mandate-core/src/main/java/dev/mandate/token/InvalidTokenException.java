package dev.mandate.token;

/**
 * Thrown by {@link Capability#decode(String)} for text that is not a well-formed Mandate token, and
 * by the checks that verify a token outside a call ({@link Verifier#verifySignatures}, {@link
 * Verifier#budgetsLeft}, {@link DelegatedRevocation}) for one that does not verify. The message
 * says what is wrong; it never contains secrets. (Deciding a call never throws this: {@link
 * Verifier#authorize} returns a denying {@link Decision} instead.)
 */
public final class InvalidTokenException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final Decision.Code code;
  private final int block;

  InvalidTokenException(Decision.Code code, int block, String message) {
    super(message, null, false, false);
    this.code = code;
    this.block = block;
  }

  /** Returns the decision code this problem maps to. */
  public Decision.Code code() {
    return code;
  }

  /** Returns the index of the block at fault, or -1 if not located in one block. */
  public int block() {
    return block;
  }
}
