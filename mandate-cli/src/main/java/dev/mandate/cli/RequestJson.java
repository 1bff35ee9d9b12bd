package dev.mandate.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.mandate.token.Request;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the {@code --request} JSON strictly: one object with known fields only, no duplicate keys,
 * nothing after it, no coercion of numbers to strings, bounded size and nesting.
 */
final class RequestJson {
  /** Larger requests are refused before parsing. */
  static final int MAX_BYTES = 1 << 20;

  static final int MAX_DEPTH = 64;

  private static final ObjectMapper STRICT =
      JsonMapper.builder(
              JsonFactory.builder()
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(MAX_DEPTH)
                          .maxStringLength(MAX_BYTES)
                          .maxNumberLength(100)
                          .build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .withCoercionConfig(
              LogicalType.Textual,
              c ->
                  c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
          .build();

  private RequestJson() {}

  /** The wire shape; {@code service}, {@code action} and {@code resource} are required. */
  record Body(
      @JsonProperty("audience") String audience,
      @JsonProperty(value = "service", required = true) String service,
      @JsonProperty(value = "action", required = true) String action,
      @JsonProperty(value = "resource", required = true) String resource,
      @JsonProperty("args") ObjectNode args,
      @JsonProperty("context") ObjectNode context,
      @JsonProperty("moreResources") List<String> moreResources) {
    Body {
      requireText("service", service);
      requireText("action", action);
      requireText("resource", resource);
      if (moreResources != null) {
        if (moreResources.size() > Request.MAX_MORE_RESOURCES) {
          throw new IllegalArgumentException(
              "\"moreResources\" holds at most " + Request.MAX_MORE_RESOURCES + " resources");
        }
        moreResources.forEach(r -> requireText("moreResources[]", r));
      }
    }

    private static void requireText(String name, String value) {
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException("\"" + name + "\" must be a non-empty string");
      }
    }
  }

  /**
   * The request text of an option value: the value itself, or the content of FILE for
   * {@code @FILE}.
   *
   * @param option the option's name, for messages
   * @throws BadInputException if the file is missing, unreadable or larger than 1 MiB
   */
  static String read(String option, String value) {
    if (!value.startsWith("@")) {
      return value;
    }
    Path file = Path.of(value.substring(1));
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new BadInputException(option + " " + value + " is larger than 1 MiB");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new BadInputException(option + " " + value + ": the file does not exist");
    } catch (IOException e) {
      throw new BadInputException(option + " " + value + " cannot be read: " + Errors.describe(e));
    }
  }

  /**
   * Parses a request.
   *
   * @param audienceOverride if not null, replaces the request's audience
   * @throws BadInputException saying what is wrong with the JSON
   */
  static Request parse(String json, String audienceOverride) {
    if (json.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new BadInputException("--request is larger than 1 MiB; send a smaller request");
    }
    Body body;
    try {
      body = STRICT.readValue(json, Body.class);
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause();
      throw bad(
          cause != null && cause.getMessage() != null
              ? cause.getMessage()
              : e.getOriginalMessage());
    } catch (UnrecognizedPropertyException e) {
      throw bad("unknown field \"" + e.getPropertyName() + "\"");
    } catch (MismatchedInputException e) {
      throw bad(mismatch(e));
    } catch (JsonProcessingException e) {
      throw bad(e.getOriginalMessage());
    }
    if (body == null) {
      throw bad("expected an object, got null");
    }
    Map<String, Object> context = new LinkedHashMap<>();
    if (body.context() != null) {
      for (Map.Entry<String, JsonNode> e : body.context().properties()) {
        context.put(e.getKey(), e.getValue());
      }
    }
    return new Request(
        audienceOverride != null ? audienceOverride : body.audience(),
        body.service(),
        body.action(),
        body.resource(),
        body.args(),
        context,
        body.moreResources());
  }

  private static String mismatch(MismatchedInputException e) {
    List<JsonMappingException.Reference> path = e.getPath();
    String field = path.isEmpty() ? null : path.get(path.size() - 1).getFieldName();
    String message = e.getOriginalMessage();
    if (message != null && message.startsWith("Missing required creator property")) {
      Matcher m = Pattern.compile("'([^']*)'").matcher(message);
      return "missing field " + (m.find() ? "\"" + m.group(1) + "\"" : "");
    }
    if (field == null) {
      return "expected a JSON object";
    }
    Class<?> type = e.getTargetType();
    if (type != null && ObjectNode.class.isAssignableFrom(type)) {
      return "\"" + field + "\" must be a JSON object";
    }
    if (type == String.class) {
      return "\"" + field + "\" must be a string";
    }
    return "\"" + field + "\" has the wrong type";
  }

  private static BadInputException bad(String why) {
    return new BadInputException(
        "--request is not a valid request: "
            + why
            + "; expected {\"service\":..,\"action\":..,\"resource\":..,\"args\":{..}} with"
            + " optional \"audience\", \"context\" and \"moreResources\":[..]");
  }
}
