package dev.mandate.gateway;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a value is in the configuration file, such as {@code mcp.upstreams[0].tools.read}: keys and
 * list indexes from the top. Printed in messages; turned into a JSON pointer to find its line.
 *
 * @param segments each a {@link String} key or an {@link Integer} list index
 */
record ConfigPath(List<Object> segments) {
  static final ConfigPath ROOT = new ConfigPath(List.of());

  ConfigPath key(String key) {
    return append(key);
  }

  ConfigPath index(int index) {
    return append(index);
  }

  private ConfigPath append(Object segment) {
    List<Object> more = new ArrayList<>(segments.size() + 1);
    more.addAll(segments);
    more.add(segment);
    return new ConfigPath(List.copyOf(more));
  }

  boolean isRoot() {
    return segments.isEmpty();
  }

  /** The path one level up; the root's parent is the root. */
  ConfigPath parent() {
    return isRoot() ? this : new ConfigPath(segments.subList(0, segments.size() - 1));
  }

  /** Whether this is {@code other} or lies inside it. */
  boolean within(ConfigPath other) {
    return segments.size() >= other.segments.size()
        && segments.subList(0, other.segments.size()).equals(other.segments);
  }

  /** The RFC 6901 JSON pointer of this path, such as {@code /mcp/upstreams/0/tools/read}. */
  String pointer() {
    StringBuilder s = new StringBuilder();
    for (Object segment : segments) {
      s.append('/');
      s.append(segment instanceof String key ? key.replace("~", "~0").replace("/", "~1") : segment);
    }
    return s.toString();
  }

  /** As written in messages: {@code http.routes[2].match}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (Object segment : segments) {
      if (segment instanceof Integer index) {
        s.append('[').append(index).append(']');
      } else {
        if (s.length() > 0) {
          s.append('.');
        }
        s.append(segment);
      }
    }
    return s.toString();
  }
}
