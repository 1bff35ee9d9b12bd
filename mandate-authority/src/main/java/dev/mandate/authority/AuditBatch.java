package dev.mandate.authority;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * A gateway's batch of audit events ({@code POST /v1/audit/batches}) as read from the request body,
 * checked for shape only: what the fields mean is {@link AuditEndpoints}' to check.
 *
 * <p>The body is read in one pass of Jackson's streaming parser, with no tree and no data binding,
 * since the authority reads one of these per gateway decision. An event's {@code detail} is kept as
 * the exact text the gateway sent (validated as JSON, duplicate keys refused) rather than parsed
 * and written again; an event's {@code at} in the form gateways write ({@code
 * 2025-01-31T12:00:00.123Z}) is read without a {@link DateTimeFormatter}, any other ISO-8601
 * instant with {@link DateTimeFormatter#ISO_INSTANT}. The parser is {@link Json#MAPPER}'s, so its
 * limits (nesting, string and number length, duplicate keys) apply; errors are the 400s of {@link
 * Json#read}, with the same codes.
 *
 * @param batchId as sent, possibly null
 * @param events as sent (an element is null for a JSON null), or null when the field is missing
 */
record AuditBatch(String batchId, List<Event> events) {

  /**
   * One event as sent; every field may be null.
   *
   * @param detailJson the {@code detail} object's JSON text, exactly as sent
   */
  record Event(
      String type, String actor, String tokenId, String clientId, Instant at, String detailJson) {}

  private static final String BATCH_FIELDS = "batchId, events";
  private static final String EVENT_FIELDS = "actor, at, clientId, detail, tokenId, type";

  /**
   * Reads a batch.
   *
   * @throws ApiException 400 {@code malformed_json}, {@code unknown_field} or {@code wrong_type},
   *     naming the field
   */
  static AuditBatch read(byte[] body) {
    if (body.length == 0) {
      throw ApiException.badRequest(
          "malformed_json", "the request body is empty; send a JSON object");
    }
    try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw wrongType("", "the request body must be a JSON object");
      }
      String batchId = null;
      List<Event> events = null;
      String name;
      while ((name = p.nextFieldName()) != null) {
        JsonToken t = p.nextToken();
        switch (name) {
          case "batchId" -> batchId = string(p, t, "batchId");
          case "events" -> events = events(p, t, body);
          default -> throw unknown(name, "", BATCH_FIELDS);
        }
      }
      if (p.nextToken() != null) {
        throw ApiException.badRequest(
            "malformed_json",
            "the request body is not valid JSON: trailing content after the object");
      }
      return new AuditBatch(batchId, events);
    } catch (IOException e) {
      throw Json.malformed(e);
    }
  }

  private static List<Event> events(JsonParser p, JsonToken t, byte[] body) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.START_ARRAY) {
      throw wrongType("events", "an array");
    }
    List<Event> events = new ArrayList<>();
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e == JsonToken.VALUE_NULL) {
        events.add(null);
      } else if (e == JsonToken.START_OBJECT) {
        events.add(event(p, body, events.size()));
      } else {
        throw wrongType("events[" + events.size() + "]", "an object");
      }
    }
    return events;
  }

  private static Event event(JsonParser p, byte[] body, int index) throws IOException {
    String type = null;
    String actor = null;
    String tokenId = null;
    String clientId = null;
    Instant at = null;
    String detail = null;
    String name;
    while ((name = p.nextFieldName()) != null) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "type" -> type = string(p, t, index, name);
        case "actor" -> actor = string(p, t, index, name);
        case "tokenId" -> tokenId = string(p, t, index, name);
        case "clientId" -> clientId = string(p, t, index, name);
        case "at" -> at = instant(string(p, t, index, name), index);
        case "detail" -> detail = detail(p, t, body, index);
        default -> throw unknown(name, "events[" + index + "]", EVENT_FIELDS);
      }
    }
    return new Event(type, actor, tokenId, clientId, at, detail);
  }

  /**
   * The detail object's text as sent: the parser validates it while skipping it (syntax, escapes,
   * UTF-8, duplicate keys, nesting), so what is kept is well-formed JSON.
   */
  private static String detail(JsonParser p, JsonToken t, byte[] body, int index)
      throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.START_OBJECT) {
      throw ApiException.badRequest("wrong_type", "events[" + index + "].detail must be an object");
    }
    long start = p.currentTokenLocation().getByteOffset();
    p.skipChildren();
    long end = p.currentTokenLocation().getByteOffset() + 1;
    if (start < 0 || end > body.length || body[(int) start] != '{' || body[(int) end - 1] != '}') {
      // Not expected from a parser over a byte array; refuse rather than store something else.
      throw new IllegalStateException("the JSON parser reported no byte offsets");
    }
    return new String(body, (int) start, (int) (end - start), StandardCharsets.UTF_8);
  }

  private static String string(JsonParser p, JsonToken t, int index, String name)
      throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    throw wrongType("events[" + index + "]." + name, "a string");
  }

  private static String string(JsonParser p, JsonToken t, String name) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    throw wrongType(name, "a string");
  }

  private static Instant instant(String text, int index) {
    if (text == null) {
      return null;
    }
    Instant fast = utcInstant(text);
    if (fast != null) {
      return fast;
    }
    try {
      return DateTimeFormatter.ISO_INSTANT.parse(text, Instant::from);
    } catch (DateTimeException e) {
      throw ApiException.badRequest(
          "wrong_type",
          "field 'events["
              + index
              + "].at' has the wrong type; expected an ISO-8601 time such as"
              + " 2025-01-31T12:00:00Z");
    }
  }

  /**
   * {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z} with 1 to 9 fraction digits, the form {@link
   * Instant#toString()} writes, or null for anything else (including out-of-range fields), which
   * the caller leaves to {@link DateTimeFormatter#ISO_INSTANT}.
   */
  static Instant utcInstant(String s) {
    int n = s.length();
    if (n < 20
        || n > 30
        || n == 21
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':'
        || s.charAt(n - 1) != 'Z') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if ((year | month | day | hour | minute | second) < 0
        || hour > 23
        || minute > 59
        || second > 59) {
      return null;
    }
    int nanos = 0;
    if (n > 20) {
      if (s.charAt(19) != '.') {
        return null;
      }
      int fraction = digits(s, 20, n - 21);
      if (fraction < 0) {
        return null;
      }
      nanos = fraction;
      for (int i = n - 21; i < 9; i++) {
        nanos *= 10;
      }
    }
    long epochDay;
    try {
      epochDay = LocalDate.of(year, month, day).toEpochDay();
    } catch (DateTimeException e) {
      return null;
    }
    return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600 + minute * 60 + second, nanos);
  }

  /** The decimal number of {@code count} ASCII digits at {@code from}, or -1. */
  private static int digits(String s, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      int d = s.charAt(i) - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      v = v * 10 + d;
    }
    return v;
  }

  private static ApiException wrongType(String path, String expected) {
    return ApiException.badRequest(
        "wrong_type",
        path.isEmpty()
            ? expected
            : "field '" + path + "' has the wrong type; expected " + expected);
  }

  private static ApiException unknown(String name, String where, String allowed) {
    return ApiException.badRequest(
        "unknown_field",
        "unknown field '"
            + name
            + "'"
            + (where.isEmpty() ? "" : " in '" + where + "'")
            + "; allowed: "
            + allowed);
  }
}
