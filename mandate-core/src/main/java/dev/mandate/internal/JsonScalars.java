package dev.mandate.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The canonical text form of the JSON scalars that exact and one-of constraints compare against
 * (spec section 6.1): the token encoding writes a scalar in this form and the decoder refuses any
 * other, so every scalar is put in this form before it can reach a block.
 */
public final class JsonScalars {
  // A number with a fraction or exponent reads as a decimal whose trailing zeros are stripped
  // (Jackson's default node factory), an integer as an integer.
  private static final ObjectMapper READER =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private JsonScalars() {}

  /**
   * Returns the canonical form of a JSON scalar. Strings and booleans are kept; a number is read
   * the way a decoder reads it until its text no longer changes, so {@code 4.0} becomes {@code 4}
   * and {@code 100.0} becomes {@code 1E+2} (equal by value, which is how constraints compare
   * numbers).
   *
   * @param value a string, number or boolean node
   * @return the canonical node, whose JSON text {@link #text} is what a block carries
   * @throws IllegalArgumentException if the value is not a string, number or boolean, is a number
   *     that is not finite or too long to read, or is a string with an unpaired surrogate
   */
  public static JsonNode canonical(JsonNode value) {
    if (value == null || !(value.isTextual() || value.isNumber() || value.isBoolean())) {
      throw new IllegalArgumentException(
          "exact and one-of compare against a string, number or boolean, got " + value);
    }
    if (value.isTextual()) {
      requireWellFormed(value.textValue());
      return value;
    }
    if (value.isBoolean()) {
      return value;
    }
    if ((value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
      throw new IllegalArgumentException(
          "exact and one-of compare against a finite number, got " + value.doubleValue());
    }
    // Integral nodes print as plain digits; any other number as its exact decimal.
    String text = value.isIntegralNumber() ? value.asText() : value.decimalValue().toString();
    try {
      for (int i = 0; i < 3; i++) {
        JsonNode read = READER.readTree(text);
        String again = text(read);
        if (again.equals(text)) {
          return read;
        }
        text = again;
      }
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "the number " + abbreviate(text) + " cannot be read back: " + e.getOriginalMessage());
    }
    // Two rounds reach the fixed point for every number Jackson reads; refuse rather than guess.
    throw new IllegalArgumentException("the number " + abbreviate(text) + " has no canonical form");
  }

  /**
   * Reads JSON text as the token decoder does.
   *
   * @throws JsonProcessingException if the text is not JSON
   */
  public static JsonNode read(String text) throws JsonProcessingException {
    return READER.readTree(text);
  }

  /**
   * The JSON text of a scalar, as written into a block.
   *
   * @throws IllegalStateException never for a scalar node
   */
  public static String text(JsonNode scalar) {
    try {
      return READER.writeValueAsString(scalar);
    } catch (JacksonException e) {
      throw new IllegalStateException("a JSON scalar always serialises", e);
    }
  }

  private static void requireWellFormed(String s) {
    int i = unpairedSurrogate(s);
    if (i >= 0) {
      throw new IllegalArgumentException(
          "a string value contains an unpaired surrogate at index " + i + ", which is not text");
    }
  }

  /** The index of the first unpaired surrogate in {@code s} (not text, not UTF-8), or -1. */
  public static int unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
