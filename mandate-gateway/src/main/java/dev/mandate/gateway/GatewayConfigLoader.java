package dev.mandate.gateway;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Reads a gateway configuration file: YAML into {@link RawConfig} with Jackson (strict: an unknown
 * key or a value of the wrong type is a problem), then {@link GatewayConfigValidator} for defaults
 * and every other rule. All problems are reported together, each with its line and column where the
 * file has one, in one {@link GatewayConfigException}.
 */
final class GatewayConfigLoader {
  /** Beyond this many, a file is more likely the wrong file than a draft; reporting stops. */
  private static final int MAX_PROBLEMS = 100;

  private static final ObjectMapper MAPPER =
      YAMLMapper.builder(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          // Where text is expected, a number or true/false is that text (args: [--port, 8080]);
          // the reverse ("8080" for a number) stays an error.
          .withCoercionConfig(
              LogicalType.Textual,
              c ->
                  c.setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert)
                      .setCoercion(CoercionInputShape.Float, CoercionAction.TryConvert)
                      .setCoercion(CoercionInputShape.Boolean, CoercionAction.TryConvert))
          .build();

  private GatewayConfigLoader() {}

  static GatewayConfig load(Path file, Map<String, String> env) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new GatewayConfigException("cannot read the gateway configuration " + file + ": " + e);
    }
    return parse(text, file.toAbsolutePath(), env);
  }

  static GatewayConfig parse(String yaml, Path source, Map<String, String> env) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(env, "env");
    JsonNode tree;
    try {
      tree = MAPPER.readTree(yaml);
    } catch (JsonProcessingException e) {
      // A syntax error or a duplicate key: nothing after it can be trusted.
      JsonLocation loc = e.getLocation();
      throw new GatewayConfigException(
          source + at(loc) + ": not valid YAML: " + e.getOriginalMessage(), null);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      throw new GatewayConfigException(source + ": the configuration is empty");
    }
    ConfigProblems problems = new ConfigProblems();
    RawConfig raw = bind(tree, problems);
    GatewayConfig config =
        raw == null ? null : new GatewayConfigValidator(source, env, problems).validate(raw);
    if (!problems.isEmpty()) {
      throw new GatewayConfigException(report(source, yaml, problems.all()), null);
    }
    return config;
  }

  /**
   * Binds {@code tree}; each value Jackson cannot bind is reported and taken out of the tree, and
   * binding starts again, so that every unknown key and wrong type is reported, not just the first.
   * Returns null if the document as a whole cannot be bound.
   */
  private static RawConfig bind(JsonNode tree, ConfigProblems problems) {
    for (int attempt = 0; attempt < MAX_PROBLEMS; attempt++) {
      try {
        return MAPPER.treeToValue(tree, RawConfig.class);
      } catch (JsonMappingException e) {
        ConfigPath path = pathOf(e.getPath());
        if (path == null || path.isRoot()) {
          problems.addUnreadable(
              ConfigPath.ROOT,
              path == null
                  ? e.getOriginalMessage()
                  : "the configuration must be a map of settings");
          return null;
        }
        ConfigPath replaced = replace(tree, e.getPath(), emptyOfTargetType(e));
        problems.addUnreadable(replaced != null ? replaced : path, describe(path, e));
        if (replaced == null) {
          return null;
        }
      } catch (JsonProcessingException e) {
        problems.addUnreadable(ConfigPath.ROOT, e.getOriginalMessage());
        return null;
      }
    }
    return null;
  }

  /**
   * What takes the place of a value that could not be bound: an empty map or list where one
   * belongs, so that the rules around it see it as given (not as missing, which would be reported
   * again); null (the key taken out) otherwise.
   */
  private static JsonNode emptyOfTargetType(JsonMappingException e) {
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      Class<?> type = m.getTargetType();
      if (Collection.class.isAssignableFrom(type)) {
        return MAPPER.createArrayNode();
      }
      if (Map.class.isAssignableFrom(type) || type.isRecord()) {
        return MAPPER.createObjectNode();
      }
    }
    return null;
  }

  /**
   * Puts {@code replacement} where {@code refs} points in the tree; null takes a key out, or makes
   * a list element null. Where the value is not there as Jackson saw it (a single value read as a
   * one-element list), the value holding it is taken out instead. Returns the path of what was
   * replaced, or null if nothing changed (binding would then fail the same way again).
   */
  private static ConfigPath replace(
      JsonNode tree, List<JsonMappingException.Reference> refs, JsonNode replacement) {
    if (refs.isEmpty()) {
      return null;
    }
    JsonNode parent = tree;
    for (int i = 0; i < refs.size() - 1 && parent != null; i++) {
      JsonMappingException.Reference r = refs.get(i);
      parent = r.getFieldName() != null ? parent.get(r.getFieldName()) : parent.get(r.getIndex());
    }
    JsonMappingException.Reference last = refs.get(refs.size() - 1);
    boolean changed = false;
    if (parent instanceof ObjectNode o && last.getFieldName() != null) {
      changed =
          replacement == null
              ? o.remove(last.getFieldName()) != null
              : !replacement.equals(o.replace(last.getFieldName(), replacement));
    } else if (parent instanceof ArrayNode a
        && last.getIndex() >= 0
        && last.getIndex() < a.size()) {
      JsonNode element = replacement == null ? NullNode.getInstance() : replacement;
      changed = !element.equals(a.set(last.getIndex(), element));
    } else if (refs.size() > 1) {
      return replace(tree, refs.subList(0, refs.size() - 1), null);
    }
    return changed ? pathOf(refs) : null;
  }

  private static ConfigPath pathOf(List<JsonMappingException.Reference> refs) {
    ConfigPath path = ConfigPath.ROOT;
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        path = path.key(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        path = path.index(r.getIndex());
      } else {
        return null;
      }
    }
    return path;
  }

  /** What is wrong with the value at {@code path}, in the words of the configuration. */
  private static String describe(ConfigPath path, JsonMappingException e) {
    if (e instanceof UnrecognizedPropertyException u) {
      TreeSet<String> known = new TreeSet<>();
      if (u.getKnownPropertyIds() != null) {
        u.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      }
      ConfigPath parent = path.parent();
      return "unknown key '"
          + u.getPropertyName()
          + "'"
          + (parent.isRoot() ? " at the top level" : " in " + parent)
          + "; allowed: "
          + String.join(", ", known);
    }
    if (e.getCause() instanceof InputCoercionException) {
      return path + " is out of range";
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      Class<?> type = m.getTargetType();
      if (type == String.class) {
        return path + " must be a string";
      }
      if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
        return path + " must be a whole number";
      }
      if (type == Boolean.class || type == boolean.class) {
        return path + " must be true or false";
      }
      if (Collection.class.isAssignableFrom(type)) {
        return path + " must be a list";
      }
      if (Map.class.isAssignableFrom(type) || type.isRecord()) {
        return path + " must be a map";
      }
    }
    return path + ": " + e.getOriginalMessage().replaceAll("\\s*\\(for .*?\\)$", "");
  }

  private record Located(ConfigProblems.Problem problem, JsonLocation location) {}

  /** One message for all problems, in the order they stand in the file. */
  private static String report(Path source, String yaml, List<ConfigProblems.Problem> problems) {
    Map<String, JsonLocation> index = locations(yaml);
    List<Located> located = new ArrayList<>();
    for (ConfigProblems.Problem p : problems) {
      located.add(new Located(p, locate(index, p.path())));
    }
    // Problems without a line (a missing top-level key) first, then by line and column.
    located.sort(
        Comparator.comparingLong((Located l) -> l.location() == null ? 0 : l.location().getLineNr())
            .thenComparingLong(l -> l.location() == null ? 0 : l.location().getColumnNr()));
    if (located.size() == 1) {
      Located only = located.get(0);
      return source + at(only.location()) + ": " + only.problem().message();
    }
    StringBuilder s = new StringBuilder().append(source).append(": ");
    s.append(located.size()).append(" problems:");
    for (Located l : located) {
      String where = at(l.location());
      s.append("\n  - ")
          .append(where.isEmpty() ? "" : where.substring(1) + ": ")
          .append(l.problem().message());
    }
    if (problems.size() >= MAX_PROBLEMS) {
      s.append("\n  (stopped after ").append(MAX_PROBLEMS).append(" problems)");
    }
    return s.toString();
  }

  /** The line of the value at {@code path}, or of the nearest enclosing value that is written. */
  private static JsonLocation locate(Map<String, JsonLocation> index, ConfigPath path) {
    for (ConfigPath p = path; !p.isRoot(); p = p.parent()) {
      JsonLocation loc = index.get(p.pointer());
      if (loc != null) {
        return loc;
      }
    }
    return null;
  }

  /**
   * Where each key and list element starts in the text, by JSON pointer. Jackson's own locations
   * point at where it noticed a problem (often the end of the enclosing map), not at the key.
   */
  private static Map<String, JsonLocation> locations(String yaml) {
    Map<String, JsonLocation> index = new HashMap<>();
    try (JsonParser p = MAPPER.getFactory().createParser(yaml)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        JsonStreamContext ctx = p.getParsingContext();
        if (t.isStructStart()) {
          // The new map or list's own context starts here; it is named in its parent's.
          ctx = ctx.getParent();
        } else if (t.isStructEnd() || (ctx.inObject() && t != JsonToken.FIELD_NAME)) {
          continue;
        }
        if (ctx != null && !ctx.inRoot()) {
          index.putIfAbsent(ctx.pathAsPointer().toString(), p.currentTokenLocation());
        }
      }
    } catch (IOException | RuntimeException e) {
      // The text was parsed once already; a failure here only costs the line numbers.
    }
    return index;
  }

  /** {@code " line L, column C"}, or nothing when unknown. */
  private static String at(JsonLocation loc) {
    return loc != null && loc.getLineNr() > 0
        ? " line " + loc.getLineNr() + ", column " + loc.getColumnNr()
        : "";
  }
}
