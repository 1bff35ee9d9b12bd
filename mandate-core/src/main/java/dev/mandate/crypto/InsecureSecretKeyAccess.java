package dev.mandate.crypto;

/**
 * The one deliberately named door to secret key bytes. Every call site that exports or imports raw
 * private key material must pass {@link #get()}, so a search for this class finds all of them.
 */
public final class InsecureSecretKeyAccess {
  private static final InsecureSecretKeyAccess INSTANCE = new InsecureSecretKeyAccess();

  private InsecureSecretKeyAccess() {}

  /** Returns the access token; use it only where raw key bytes must cross a trust boundary. */
  public static InsecureSecretKeyAccess get() {
    return INSTANCE;
  }
}
