package dev.mandate.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * A minimal, bounded YAML reader for policy and policy-tests files. It builds its own small tree
 * from Jackson's YAML token stream so that every node keeps its line number, and refuses what a
 * policy never needs but an attacker or a typo could use: anchors and aliases, tags, duplicate
 * keys, several documents, deep nesting and files over {@value #MAX_BYTES} bytes.
 */
final class YamlTree {
  /** Largest accepted file, in bytes of UTF-8. */
  static final int MAX_BYTES = 1 << 20;

  /** Deepest accepted nesting of mappings and sequences. */
  static final int MAX_DEPTH = 16;

  private static final YAMLFactory FACTORY = factory();

  private YamlTree() {}

  /** A node with the line (1-based) where it starts. */
  sealed interface Node permits MapNode, ListNode, Scalar {
    int line();

    /** A short description of the node's type for error messages. */
    String describe();
  }

  /** A key of a mapping, with its line, and its value. */
  record Entry(String key, int line, Node value) {}

  /** A mapping, in file order. */
  record MapNode(Map<String, Entry> entries, int line) implements Node {
    @Override
    public String describe() {
      return "a mapping";
    }
  }

  /** A sequence. */
  record ListNode(List<Node> items, int line) implements Node {
    @Override
    public String describe() {
      return "a list";
    }
  }

  /** The YAML type Jackson resolved for a scalar. */
  enum Kind {
    STRING,
    INT,
    FLOAT,
    BOOLEAN,
    NULL
  }

  /** A scalar: its resolved kind and its text. */
  record Scalar(Kind kind, String text, int line) implements Node {
    @Override
    public String describe() {
      switch (kind) {
        case STRING:
          return "the string '" + text + "'";
        case INT:
          return "the number " + text;
        case FLOAT:
          return "the number " + text;
        case BOOLEAN:
          return "the boolean " + text + " (quote it if you meant a string)";
        default:
          return "nothing (null)";
      }
    }
  }

  /** Size in bytes of the text's UTF-8 encoding, counted without allocating it. */
  static long utf8Length(String text) {
    long n = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /**
   * Reads exactly one YAML document.
   *
   * @return the root node, or null if the text is unusable (the reason is added to problems)
   */
  static Node read(String text, Problems problems) {
    long bytes = utf8Length(text);
    if (bytes > MAX_BYTES) {
      problems.error(
          0, "", "the file is " + bytes + " bytes; the limit is " + MAX_BYTES + " bytes (1 MiB)");
      return null;
    }
    try (YAMLParser parser = FACTORY.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        problems.error(0, "", "the file is empty");
        return null;
      }
      Node root = readValue(parser, problems, "", 0);
      if (root == null) {
        return null;
      }
      if (parser.nextToken() != null) {
        problems.error(
            line(parser),
            "",
            "the file holds more than one YAML document ('---'); put everything in one");
        return null;
      }
      return root;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      problems.error(
          at == null ? 0 : at.getLineNr(),
          "",
          "not valid YAML: " + firstLine(e.getOriginalMessage()));
      return null;
    } catch (IOException | RuntimeException e) {
      // SnakeYAML reports some syntax errors (and its own limits) as unchecked exceptions.
      problems.error(0, "", "not valid YAML: " + firstLine(String.valueOf(e.getMessage())));
      return null;
    }
  }

  private static Node readValue(YAMLParser p, Problems problems, String path, int depth)
      throws IOException {
    int line = line(p);
    if (p.isCurrentAlias()) {
      problems.error(line, path, "YAML aliases (*name) are not allowed in a policy; write it out");
      return null;
    }
    if (p.getObjectId() != null) {
      problems.error(line, path, "YAML anchors (&name) are not allowed in a policy");
      return null;
    }
    if (p.getTypeId() != null) {
      problems.error(line, path, "YAML tags (" + p.getTypeId() + ") are not allowed in a policy");
      return null;
    }
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
      if (depth >= MAX_DEPTH) {
        problems.error(line, path, "nested more than " + MAX_DEPTH + " levels deep");
        return null;
      }
    }
    switch (t) {
      case START_OBJECT:
        {
          Map<String, Entry> entries = new LinkedHashMap<>();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            int keyLine = line(p);
            String childPath = path.isEmpty() ? key : path + "." + key;
            p.nextToken();
            Node value = readValue(p, problems, childPath, depth + 1);
            if (value == null) {
              return null;
            }
            if (entries.containsKey(key)) {
              problems.error(
                  keyLine,
                  childPath,
                  "duplicate key (first at line " + entries.get(key).line() + ")");
            } else {
              entries.put(key, new Entry(key, keyLine, value));
            }
          }
          return new MapNode(Collections.unmodifiableMap(entries), line);
        }
      case START_ARRAY:
        {
          List<Node> items = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            Node value = readValue(p, problems, path + "[" + items.size() + "]", depth + 1);
            if (value == null) {
              return null;
            }
            items.add(value);
          }
          return new ListNode(List.copyOf(items), line);
        }
      case VALUE_STRING:
        return new Scalar(Kind.STRING, p.getText(), line);
      case VALUE_NUMBER_INT:
        return new Scalar(Kind.INT, p.getText(), line);
      case VALUE_NUMBER_FLOAT:
        return new Scalar(Kind.FLOAT, p.getText(), line);
      case VALUE_TRUE:
        return new Scalar(Kind.BOOLEAN, "true", line);
      case VALUE_FALSE:
        return new Scalar(Kind.BOOLEAN, "false", line);
      case VALUE_NULL:
        return new Scalar(Kind.NULL, "", line);
      default:
        problems.error(line, path, "unexpected YAML content (" + t + ")");
        return null;
    }
  }

  private static int line(YAMLParser p) {
    JsonLocation at = p.currentTokenLocation();
    return at == null ? 0 : at.getLineNr();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no detail)";
    }
    int nl = message.indexOf('\n');
    return (nl < 0 ? message : message.substring(0, nl)).trim();
  }

  private static YAMLFactory factory() {
    LoaderOptions options = new LoaderOptions();
    // Duplicate keys are detected (with their path) while building the tree, not by the parser.
    options.setAllowDuplicateKeys(true);
    options.setMaxAliasesForCollections(0);
    options.setAllowRecursiveKeys(false);
    options.setNestingDepthLimit(MAX_DEPTH + 4);
    options.setCodePointLimit(MAX_BYTES);
    YAMLFactory factory = YAMLFactory.builder().loaderOptions(options).build();
    factory.setStreamReadConstraints(
        StreamReadConstraints.builder()
            .maxNestingDepth(MAX_DEPTH + 4)
            .maxStringLength(MAX_BYTES)
            .maxNumberLength(32)
            .build());
    return factory;
  }
}
