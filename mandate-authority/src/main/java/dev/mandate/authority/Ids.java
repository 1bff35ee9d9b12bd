package dev.mandate.authority;

import java.util.regex.Pattern;

/**
 * Checks the ids callers send (token ids, revocation ids: lowercase hex, bounded length) and the
 * other required fields of a request, each failure a 400 that names the field.
 */
final class Ids {
  private static final Pattern HEX_ID = Pattern.compile("[0-9a-f]{16,128}");

  private Ids() {}

  static String require(String field, String value) {
    return check(field, required(field, value));
  }

  /** {@code value}; a 400 {@code missing_field} if it is null. */
  static <T> T required(String field, T value) {
    if (value == null) {
      throw ApiException.badRequest("missing_field", "the field '" + field + "' is required");
    }
    return value;
  }

  /**
   * {@code value}, required and of the form {@code form}; else a 400 {@code missing_field}, or
   * {@code code} with the message {@code rule}.
   */
  static String required(String field, String value, Pattern form, String code, String rule) {
    if (!form.matcher(required(field, value)).matches()) {
      throw ApiException.badRequest(code, rule);
    }
    return value;
  }

  /** Whether {@code value} is an id as the authority issues them. */
  static boolean valid(String value) {
    return value != null && HEX_ID.matcher(value).matches();
  }

  static String check(String field, String value) {
    if (value != null && !HEX_ID.matcher(value).matches()) {
      throw ApiException.badRequest(
          "invalid_id",
          field + " must be 16 to 128 lowercase hex digits, as the authority issued it");
    }
    return value;
  }

  static String reason(String reason, boolean required) {
    if (reason == null || reason.isBlank()) {
      if (required) {
        throw ApiException.badRequest(
            "missing_field", "the field 'reason' is required: say why, for the audit trail");
      }
      return null;
    }
    if (reason.length() > 1000) {
      throw ApiException.badRequest(
          "invalid_field", "reason is " + reason.length() + " characters; at most 1000 allowed");
    }
    return reason.strip();
  }
}
