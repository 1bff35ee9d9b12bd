package dev.mandate.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.token.Decision;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Parse and map of the HTTP front end (stage 4 of the {@link Pipeline}): a call's arguments are the
 * path parameters, then the query parameters (one value: a string; repeated: an array of strings),
 * then the body's fields: a JSON body's (a non-object body goes under {@code body}) or a form
 * body's (as query parameters). A name given twice, and a parameter that the upstream may read as a
 * checked argument ({@link ArgumentAliasing}), are refused.
 */
final class HttpArguments {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  static {
    JSON.getFactory()
        .setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
  }

  private HttpArguments() {}

  /**
   * A call's arguments.
   *
   * @param all what the request is decided with: path parameters, query parameters, body fields
   * @param body the body's fields alone, which a holder proof signs with the path and query (spec
   *     §7)
   */
  record Parsed(ObjectNode all, ObjectNode body) {}

  /**
   * The call's arguments.
   *
   * @param params the route's path parameters
   * @param query the raw query string, or null
   * @param kind the body's kind (its fields are read for JSON and FORM)
   * @param body the body read, or null when it was not read (streamed or absent)
   * @param checked the capability's checked argument names, computed only if needed
   * @throws Denial 400 naming what is malformed, given twice or ambiguous
   */
  static Parsed of(
      Map<String, String> params,
      String query,
      BodyType.Kind kind,
      byte[] body,
      Supplier<CheckedArguments> checked) {
    ObjectNode args = JSON.createObjectNode();
    params.forEach(args::put);
    List<UrlEncodedParameters.Parameter> queryParameters;
    List<UrlEncodedParameters.Parameter> formParameters = List.of();
    try {
      queryParameters = UrlEncodedParameters.parse(query);
    } catch (IllegalArgumentException e) {
      throw bad("the query string is " + e.getMessage());
    }
    addParameters(args, queryParameters);
    ObjectNode bodyArgs = JSON.createObjectNode();
    if (body != null && kind == BodyType.Kind.JSON) {
      if (body.length > 0) {
        addBody(bodyArgs, body);
      }
    } else if (body != null && kind == BodyType.Kind.FORM) {
      String text = utf8(body);
      try {
        formParameters = UrlEncodedParameters.parse(text);
      } catch (IllegalArgumentException e) {
        throw bad("the form body is " + e.getMessage());
      }
      if (text == null) {
        throw bad("the form body is not UTF-8");
      }
      addParameters(bodyArgs, formParameters);
    }
    for (Map.Entry<String, JsonNode> f : bodyArgs.properties()) {
      put(args, f.getKey(), f.getValue());
    }
    String aliasing =
        ArgumentAliasing.problem(params.keySet(), queryParameters, formParameters, args, checked);
    if (aliasing != null) {
      throw bad(aliasing);
    }
    return new Parsed(args, bodyArgs);
  }

  private static Denial bad(String reason) {
    return Denial.protocol(
        400, "bad_request", Denial.RPC_INVALID_REQUEST, Decision.Code.INVALID_REQUEST, reason);
  }

  private static void addBody(ObjectNode args, byte[] body) {
    // Decoded here, not by Jackson, which would guess UTF-16 or UTF-32 from the first bytes.
    String text = utf8(body);
    if (text == null) {
      throw bad("the JSON body is not UTF-8 (without a byte order mark)");
    }
    JsonNode parsed;
    try {
      parsed = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw bad("the JSON body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw bad("the JSON body could not be read");
    }
    if (parsed == null || parsed.isMissingNode()) {
      return;
    }
    if (!parsed.isObject()) {
      put(args, "body", parsed);
      return;
    }
    for (Map.Entry<String, JsonNode> f : parsed.properties()) {
      put(args, f.getKey(), f.getValue());
    }
  }

  /** Adds parameters as arguments: one value as a string, a repeated name as an array. */
  private static void addParameters(
      ObjectNode args, List<UrlEncodedParameters.Parameter> parameters) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (UrlEncodedParameters.Parameter p : parameters) {
      values.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(p.value());
    }
    for (Map.Entry<String, List<String>> e : values.entrySet()) {
      JsonNode node;
      if (e.getValue().size() == 1) {
        node = args.textNode(e.getValue().get(0));
      } else {
        ArrayNode array = args.arrayNode();
        e.getValue().forEach(array::add);
        node = array;
      }
      put(args, e.getKey(), node);
    }
  }

  private static void put(ObjectNode args, String name, JsonNode value) {
    if (args.has(name)) {
      throw bad(
          "the argument '"
              + HttpProxy.printable(name)
              + "' is given twice (path, query or body); give it once");
    }
    args.set(name, value);
  }

  /** The bytes as strict UTF-8 (no byte order mark), or null. */
  static String utf8(byte[] bytes) {
    if (bytes.length >= 3
        && (bytes[0] & 0xff) == 0xef
        && (bytes[1] & 0xff) == 0xbb
        && (bytes[2] & 0xff) == 0xbf) {
      return null;
    }
    return BodyRead.strictUtf8(bytes);
  }
}
