package dev.mandate.gateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mandate.caveat.Caveat;
import dev.mandate.token.Block;
import dev.mandate.token.Capability;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The arguments a capability's caveats check: the top-level names (and JSON Pointer paths) of its
 * argument caveats and the {@code args.name} / {@code args["name"]} its conditions read, in every
 * block. A condition that uses {@code args} any other way (as a whole, with an index it computes, a
 * macro such as {@code args.exists(...)}) and an approval caveat (a person approves the whole call)
 * make every argument checked ({@link #all()}).
 *
 * <p>Read from the token without verifying it: the verifier checks the same text, so a token that
 * claims other caveats than it carries is denied anyway.
 *
 * @param all whether every argument counts as checked
 * @param names the checked top-level argument names
 * @param pointers the checked paths, one list of keys each (from argument caveats)
 */
record CheckedArguments(boolean all, Set<String> names, List<List<String>> pointers) {
  /** Nothing is checked (no token, or one that cannot be decoded: the guard denies it). */
  static final CheckedArguments NONE = new CheckedArguments(false, Set.of(), List.of());

  private static final CheckedArguments ALL = new CheckedArguments(true, Set.of(), List.of());

  private static final Pattern ARGS = Pattern.compile("(?<![A-Za-z0-9_.])args(?![A-Za-z0-9_])");
  private static final Pattern FIELD =
      Pattern.compile("\\s*\\.\\s*([A-Za-z_][A-Za-z0-9_]*)(\\s*\\()?");
  private static final Pattern INDEX =
      Pattern.compile("\\s*\\[\\s*(?:\"([^\"\\\\]*)\"|'([^'\\\\]*)')\\s*\\]");

  /** Tokens decoded recently (agents present the same token call after call), by their text. */
  private static final Cache<String, CheckedArguments> BY_TOKEN =
      Caffeine.newBuilder()
          .maximumWeight(16L << 20)
          .weigher((String token, CheckedArguments c) -> 64 + 2 * token.length())
          .build();

  CheckedArguments {
    names = Set.copyOf(names);
    pointers = List.copyOf(pointers);
  }

  /** Whether the top-level argument {@code name} is checked. */
  boolean checks(String name) {
    return all || names.contains(name);
  }

  /** What the caveats of the capability in {@code bearer} check ({@link #NONE} if none given). */
  static CheckedArguments of(String bearer) {
    if (bearer == null) {
      return NONE;
    }
    return BY_TOKEN.get(bearer, CheckedArguments::decode);
  }

  private static CheckedArguments decode(String bearer) {
    Capability capability;
    try {
      capability = Capability.decode(bearer);
    } catch (RuntimeException e) {
      return NONE;
    }
    return of(capability);
  }

  /** What the caveats of {@code capability} check. */
  static CheckedArguments of(Capability capability) {
    Set<String> names = new LinkedHashSet<>();
    List<List<String>> pointers = new ArrayList<>();
    for (Block block : capability.blocks()) {
      for (Caveat caveat : block.caveats()) {
        if (caveat instanceof Caveat.Argument a) {
          List<String> path = pointer(a.pointer());
          if (!path.isEmpty()) {
            names.add(path.get(0));
            pointers.add(path);
          }
        } else if (caveat instanceof Caveat.Condition c) {
          if (!readsNamedArguments(c.expression(), names)) {
            return ALL;
          }
        } else if (caveat instanceof Caveat.ApprovalRequired) {
          return ALL;
        }
      }
    }
    return names.isEmpty() ? NONE : new CheckedArguments(false, names, pointers);
  }

  /**
   * Adds the argument names a CEL expression reads to {@code into}; false if it uses {@code args}
   * in a way that does not name one (every argument then counts).
   */
  static boolean readsNamedArguments(String expression, Set<String> into) {
    Matcher args = ARGS.matcher(expression);
    while (args.find()) {
      Matcher field = FIELD.matcher(expression).region(args.end(), expression.length());
      if (field.lookingAt()) {
        if (field.group(2) != null) {
          return false; // a method or macro on args itself, such as args.exists(k, ...)
        }
        into.add(field.group(1));
        continue;
      }
      Matcher index = INDEX.matcher(expression).region(args.end(), expression.length());
      if (index.lookingAt()) {
        into.add(index.group(1) != null ? index.group(1) : index.group(2));
        continue;
      }
      return false;
    }
    return true;
  }

  /** The keys of an RFC 6901 JSON Pointer. */
  private static List<String> pointer(String pointer) {
    List<String> keys = new ArrayList<>();
    for (String key : pointer.substring(1).split("/", -1)) {
      keys.add(key.replace("~1", "/").replace("~0", "~"));
    }
    return keys;
  }
}
