package dev.mandate.authority;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 key that seals root private keys before they reach the database, so a copy of the
 * database alone does not give away the ability to mint. It comes from a {@link MasterKeySource}: a
 * 0600 file, an environment variable such as {@value #ENV}, or a command that unwraps it.
 *
 * <p>Sealed form: version byte {@code 1}, a 12-byte random nonce, then AES-GCM ciphertext with a
 * 128-bit tag; the key id is bound as associated data, so a sealed key cannot be swapped onto
 * another key's row.
 */
final class MasterKey {
  static final String ENV = "MANDATE_MASTER_KEY";
  static final String TEXT_PREFIX = "mndmk1_";
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final byte VERSION = 1;
  private static final byte[] AAD_PREFIX =
      "mandate/v1/root-key\0".getBytes(StandardCharsets.US_ASCII);

  private final byte[] key;
  private final String origin;

  private MasterKey(byte[] key, String origin) {
    this.key = key;
    this.origin = origin;
  }

  static MasterKey generate(SecureRandom random, String origin) {
    byte[] key = new byte[KEY_BYTES];
    random.nextBytes(key);
    return new MasterKey(key, origin);
  }

  /**
   * Parses the text form {@code mndmk1_<base64url of 32 bytes>}.
   *
   * @throws AuthorityStartupException naming {@code origin} if the text is not a master key
   */
  static MasterKey parse(String text, String origin) {
    String t = text == null ? "" : text.strip();
    byte[] key = null;
    if (t.startsWith(TEXT_PREFIX)) {
      try {
        key = Base64.getUrlDecoder().decode(t.substring(TEXT_PREFIX.length()));
      } catch (IllegalArgumentException e) {
        key = null;
      }
    }
    if (key == null || key.length != KEY_BYTES) {
      throw new AuthorityStartupException(
          origin
              + " does not hold a master key: expected '"
              + TEXT_PREFIX
              + "' followed by 32 base64url bytes, as written to master.key on first start");
    }
    return new MasterKey(key, origin);
  }

  /** The text form, {@code mndmk1_...} and a newline. */
  String toText() {
    return TEXT_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(key) + "\n";
  }

  /** Where the key came from, for messages ("the master key file ...", "MANDATE_MASTER_KEY"). */
  String origin() {
    return origin;
  }

  byte[] seal(byte[] plaintext, String keyId, SecureRandom random) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher gcm = cipher(Cipher.ENCRYPT_MODE, nonce, keyId);
      byte[] ct = gcm.doFinal(plaintext);
      byte[] out = new byte[1 + NONCE_BYTES + ct.length];
      out[0] = VERSION;
      System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
      System.arraycopy(ct, 0, out, 1 + NONCE_BYTES, ct.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is required by the Java platform", e);
    }
  }

  /**
   * Opens a sealed private key.
   *
   * @throws AuthorityStartupException if the bytes were not sealed by this master key for {@code
   *     keyId}
   */
  byte[] unseal(byte[] sealed, String keyId) {
    if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
      throw new AuthorityStartupException(
          "the sealed private key of root key " + keyId + " is not in a known format");
    }
    try {
      Cipher gcm =
          cipher(Cipher.DECRYPT_MODE, Arrays.copyOfRange(sealed, 1, 1 + NONCE_BYTES), keyId);
      return gcm.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new AuthorityStartupException(
          "the master key from "
              + origin
              + " cannot open root key "
              + keyId
              + ": it is not the master key this database was created with; restore this"
              + " database's own master key");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is required by the Java platform", e);
    }
  }

  private Cipher cipher(int mode, byte[] nonce, String keyId) throws GeneralSecurityException {
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
    gcm.updateAAD(AAD_PREFIX);
    gcm.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
    return gcm;
  }

  @Override
  public String toString() {
    return "MasterKey[" + origin + ", secret redacted]";
  }
}
