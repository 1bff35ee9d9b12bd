package dev.mandate.gateway;

import static dev.mandate.gateway.Denial.printable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.UrlEncodedParameters.Parameter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The stage that refuses (400) arguments an upstream may read as another argument than the one the
 * gateway checked. Caveats and the route's mapping check the arguments as the gateway parses them;
 * web stacks read the same request differently: PHP, Rails and {@code qs} turn {@code to[]} or
 * {@code to[0]} into {@code to}, Spring and {@code qs} read {@code to.x} as a field of {@code to},
 * PHP reads {@code t.o} as {@code t_o}, ASP.NET and Go's JSON bind names regardless of case, some
 * stacks decode names twice or split pairs on {@code ;}, and of a repeated name one stack takes the
 * first, another the last and a third all of them. So, for each argument a caveat or the mapping
 * checks (the route's path parameters, the names of the capability's argument caveats and those its
 * conditions read: {@link CheckedArguments}), a request is refused when:
 *
 * <ul>
 *   <li>another parameter or JSON key could be read as it ({@link #readings}: letter case, a
 *       bracket or dot suffix, PHP's name mangling, a second percent-decoding, a NUL);
 *   <li>it is given more than once (in the query, the body, or both);
 *   <li>its name is percent-encoded (or holds a {@code +});
 *   <li>its pair, or a pair that could be read as it, holds a {@code ;};
 *   <li>an object on the path of one of its pointers has a key that differs from the pointer's only
 *       in letter case.
 * </ul>
 *
 * When every argument counts as checked ({@link CheckedArguments#all()}), every argument is held to
 * that, and no name may have another reading at all. Override parameters such as {@code _method}
 * are refused whatever the capability ({@link RequestOverrides#parameterProblem}). Arguments no
 * caveat checks are passed as they are (a repeated one as an array): the capability does not
 * constrain them, whatever the upstream makes of them.
 */
final class ArgumentAliasing {
  private ArgumentAliasing() {}

  /**
   * Why the request's arguments are refused, or null.
   *
   * @param pathParameters the route's path parameters (always checked: they are the resource)
   * @param query the query's parameters
   * @param form the form body's parameters (empty for other bodies)
   * @param args every argument (path, query and body) as the guard will see them
   * @param checked what the capability's caveats check; asked for only if there is anything to
   *     check
   */
  static String problem(
      Set<String> pathParameters,
      List<Parameter> query,
      List<Parameter> form,
      ObjectNode args,
      Supplier<CheckedArguments> checked) {
    List<Parameter> sent = new ArrayList<>(query);
    sent.addAll(form);
    Set<String> seen = new LinkedHashSet<>(pathParameters);
    sent.forEach(p -> seen.add(p.name()));
    // JSON body keys are the arguments nothing else gave; they were sent as they are.
    for (Iterator<String> it = args.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!seen.contains(key)) {
        sent.add(new Parameter(key, key, null, null));
      }
    }
    if (sent.isEmpty()) {
      return null;
    }
    for (Parameter p : sent) {
      String override = RequestOverrides.parameterProblem(p.name());
      if (override != null) {
        return override;
      }
    }
    CheckedArguments caveats = checked.get();
    Set<String> guarded = new LinkedHashSet<>(pathParameters);
    if (caveats.all()) {
      sent.forEach(p -> guarded.add(p.name()));
    } else {
      guarded.addAll(caveats.names());
    }
    Map<String, Integer> counts = new HashMap<>();
    for (Parameter p : sent) {
      counts.merge(p.name(), 1, Integer::sum);
    }
    // Checked names by lower case, so each reading is one lookup however many arguments there are.
    Map<String, List<String>> byLowerCase = new HashMap<>();
    for (String g : guarded) {
      byLowerCase.computeIfAbsent(g.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(g);
    }
    for (Parameter p : sent) {
      String name = p.name();
      boolean isGuarded = guarded.contains(name);
      if (isGuarded && counts.get(name) > 1) {
        return "the argument '" + printable(name) + "' is checked and given more than once";
      }
      if (isGuarded && !p.rawName().equals(name)) {
        return "the argument '"
            + printable(name)
            + "' is checked and its name is percent-encoded or holds '+'; write it plainly";
      }
      Set<String> readings = readings(name);
      for (String reading : readings) {
        for (String g : byLowerCase.getOrDefault(reading.toLowerCase(Locale.ROOT), List.of())) {
          if (!g.equals(name)) {
            return "the argument '"
                + printable(name)
                + "' could be read as the checked argument '"
                + printable(g)
                + "' by the upstream; give each argument once, by its exact name";
          }
        }
      }
      if (caveats.all() && (readings.size() > 1 || !p.rawName().equals(name))) {
        return "the argument '"
            + printable(name)
            + "' could be read as another argument by the upstream, and the capability checks"
            + " every argument; name arguments plainly";
      }
      if (p.raw() != null && p.raw().indexOf(';') >= 0 && semicolonMatters(p, byLowerCase)) {
        return "the argument '"
            + printable(name)
            + "' holds ';', which some servers read as a separator between arguments, and an"
            + " argument it touches is checked; encode it as %3B";
      }
    }
    for (List<String> pointer : caveats.pointers()) {
      String problem = caseVariantOnPath(args, pointer);
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  /**
   * The names an upstream may read a parameter named {@code name} as, itself included (compare them
   * ignoring letter case): the part before a {@code [} (array and hash syntax) or a {@code .}
   * (nested fields), before a NUL, with surrounding whitespace trimmed, PHP's mangling ({@code .}
   * and spaces and an unclosed {@code [} become {@code _}), and the readings of the name
   * percent-decoded once more.
   */
  static Set<String> readings(String name) {
    Set<String> out = new LinkedHashSet<>();
    addReadings(name, out, 2);
    return out;
  }

  private static void addReadings(String name, Set<String> out, int decodings) {
    out.add(name);
    cut(name, '[', out);
    cut(name, '.', out);
    cut(name, '\0', out);
    out.add(name.strip());
    out.add(phpName(name));
    if (decodings > 0 && name.indexOf('%') >= 0) {
      String again = HttpProxy.percentDecode(name, true);
      if (again != null && !again.equals(name)) {
        addReadings(again, out, decodings - 1);
      }
    }
  }

  private static void cut(String name, char at, Set<String> out) {
    int i = name.indexOf(at);
    if (i >= 0) {
      out.add(name.substring(0, i));
    }
  }

  /** How PHP names a request variable: leading spaces dropped, {@code .}/space/lone {@code [}. */
  private static String phpName(String name) {
    String s = name.stripLeading();
    int open = s.indexOf('[');
    boolean closed = open >= 0 && s.indexOf(']', open) > 0;
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '.' || c == ' ' || (c == '[' && i == open && !closed)) {
        out.append('_');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Whether reading {@code p}'s pair as split on ';' touches a checked argument. */
  private static boolean semicolonMatters(Parameter p, Map<String, List<String>> byLowerCase) {
    if (byLowerCase.containsKey(p.name().toLowerCase(Locale.ROOT))) {
      return true;
    }
    for (String piece : p.raw().split(";", -1)) {
      int eq = piece.indexOf('=');
      String decoded = HttpProxy.percentDecode(eq < 0 ? piece : piece.substring(0, eq), true);
      if (decoded == null) {
        return true;
      }
      for (String reading : readings(decoded)) {
        if (byLowerCase.containsKey(reading.toLowerCase(Locale.ROOT))) {
          return true;
        }
      }
    }
    return false;
  }

  /** A key differing only in letter case from a pointer's key, on the pointer's path. */
  private static String caseVariantOnPath(ObjectNode args, List<String> pointer) {
    JsonNode node = args;
    for (String key : pointer) {
      if (!node.isObject()) {
        return null;
      }
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String other = it.next();
        if (!other.equals(key) && other.equalsIgnoreCase(key)) {
          return "the argument key '"
              + printable(other)
              + "' could be read as the checked key '"
              + printable(key)
              + "' by the upstream; give each key once, by its exact name";
        }
      }
      node = node.path(key);
    }
    return null;
  }
}
