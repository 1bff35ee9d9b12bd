package dev.mandate.token;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * What a request must not hold because the canonical forms that proofs and approvals sign (UTF-8
 * strings, RFC 8785 JSON whose numbers are IEEE doubles) could not tell it apart from another
 * request (spec §8): an integer beyond ±(2^53−1), a non-finite number, a decimal that a double does
 * not carry exactly, or an unpaired surrogate in a string or key.
 */
final class CanonicalForm {
  private static final BigInteger MAX_EXACT = BigInteger.valueOf((1L << 53) - 1);

  /** The most UTF-8 bytes a signed string ({@code str}: a u16 length) holds. */
  static final int MAX_SIGNED_BYTES = 0xFFFF;

  private CanonicalForm() {}

  /** What is ambiguous in the request's audience, service, action or resources, or null. */
  static String stringProblem(Request request) {
    boolean bad =
        request.audience() != null && unpairedSurrogate(request.audience())
            || unpairedSurrogate(request.service())
            || unpairedSurrogate(request.action())
            || unpairedSurrogate(request.resource())
            || request.moreResources().stream().anyMatch(CanonicalForm::unpairedSurrogate);
    return bad
        ? "the request's audience, service, action or resource is not valid Unicode (an unpaired"
            + " surrogate)"
        : null;
  }

  /**
   * What is ambiguous in the strings of a call a proof signs, or null: an unpaired surrogate, or a
   * string longer than its signed form (a {@code u16} byte length) carries.
   */
  static String stringProblem(Call call) {
    for (String s :
        new String[] {
          call.audience() == null ? "" : call.audience(),
          call.service(),
          call.method(),
          call.target()
        }) {
      if (unpairedSurrogate(s)) {
        return "the call's audience, service, method or target is not valid Unicode (an unpaired"
            + " surrogate)";
      }
      if (s.length() > MAX_SIGNED_BYTES / 3
          && s.getBytes(StandardCharsets.UTF_8).length > MAX_SIGNED_BYTES) {
        return "the call's audience, service, method or target is longer than "
            + MAX_SIGNED_BYTES
            + " bytes of UTF-8";
      }
    }
    return null;
  }

  /** What in the arguments is ambiguous, or null. Recursion is bounded by the args limits. */
  static String argsProblem(JsonNode node) {
    if (!node.isContainerNode()) {
      return scalarProblem(node);
    }
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        String problem = keyProblem(f.getKey());
        if (problem == null) {
          problem = argsProblem(f.getValue());
        }
        if (problem != null) {
          return problem;
        }
      }
    } else {
      for (JsonNode element : node) {
        String problem = argsProblem(element);
        if (problem != null) {
          return problem;
        }
      }
    }
    return null;
  }

  /** What is ambiguous in one value that is not an object or array, or null. */
  static String scalarProblem(JsonNode node) {
    if (node.isIntegralNumber()) {
      BigInteger v = node.bigIntegerValue();
      return v.abs().compareTo(MAX_EXACT) > 0
          ? "the integer "
              + abbreviated(v.toString())
              + " in the arguments is beyond ±(2^53-1), which canonical JSON cannot carry exactly"
          : null;
    }
    if (node.isNumber()) {
      double d = node.doubleValue();
      if (!Double.isFinite(d)) {
        return "a number in the arguments is not finite";
      }
      if (node.isBigDecimal()
          && new BigDecimal(Double.toString(d)).compareTo(node.decimalValue()) != 0) {
        return "the number "
            + abbreviated(node.decimalValue().toString())
            + " in the arguments has more precision than canonical JSON carries";
      }
      return null;
    }
    if (node.isTextual() && unpairedSurrogate(node.textValue())) {
      return "a string in the arguments is not valid Unicode (an unpaired surrogate)";
    }
    return null;
  }

  /** What is ambiguous in an object key of the arguments, or null. */
  static String keyProblem(String key) {
    return unpairedSurrogate(key)
        ? "a key in the arguments is not valid Unicode (an unpaired surrogate)"
        : null;
  }

  /** What is ambiguous anywhere in the request, or null. */
  static String problem(Request request) {
    String problem = stringProblem(request);
    return problem != null ? problem : argsProblem(request.args());
  }

  /** Whether {@code s} holds a surrogate that is not part of a pair. */
  static boolean unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return true;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private static String abbreviated(String number) {
    return number.length() <= 40 ? number : number.substring(0, 40) + "...";
  }
}
