package dev.mandate.authority;

import java.util.regex.Pattern;

/** Checks the ids callers send (token ids, revocation ids): lowercase hex, bounded length. */
final class Ids {
  private static final Pattern HEX_ID = Pattern.compile("[0-9a-f]{16,128}");

  private Ids() {}

  static String require(String field, String value) {
    if (value == null) {
      throw ApiException.badRequest("missing_field", "the field '" + field + "' is required");
    }
    return check(field, value);
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
