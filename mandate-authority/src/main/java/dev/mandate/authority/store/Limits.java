package dev.mandate.authority.store;

/** Input bounds shared by the store's value types; checked before anything touches the database. */
final class Limits {
  static final int ID_MAX = 256;
  static final int TEXT_MAX = 1024;
  static final int KEY_MAX = 8192;
  static final int DETAIL_MAX = 64 * 1024;
  static final int REVOCATION_IDS_MAX = 64;

  private Limits() {}

  static void requireNonNull(String name, Object value) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
  }

  static void requireText(String name, String value, int max) {
    requireNonNull(name, value);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    requireOptionalText(name, value, max);
  }

  static void requireOptionalText(String name, String value, int max) {
    if (value != null && value.length() > max) {
      throw new IllegalArgumentException(
          name + " is " + value.length() + " characters; at most " + max + " allowed");
    }
  }
}
