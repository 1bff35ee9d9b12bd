package dev.mandate.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mandate.internal.match.Glob;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;
import org.apache.lucene.util.automaton.TooComplexToDeterminizeException;
import org.apache.lucene.util.automaton.Transition;

/**
 * The set of strings a grant glob matches (the syntax of {@link Glob}), as a finite automaton over
 * Unicode code points, and the question the coverage rule asks of two globs: does the first match
 * anything the second does not? The answer is exact (automaton inclusion), within work bounds;
 * beyond them the question counts as "yes, it may", so the caller refuses.
 *
 * <p>Also: the brace alternatives of a glob spelled out ({@link #alternatives}) and a shortest
 * string a glob matches ({@link #witness}), which the coverage rule uses to propose parameter
 * bindings.
 */
final class GlobLanguage {
  /** Determinization work allowed for the complement of one template glob. */
  static final int DETERMINIZE_WORK_LIMIT = 10_000;

  /** Largest product (requested states × complement states) explored for one question. */
  static final long MAX_PRODUCT_STATES = 200_000;

  private static final int MAX_CODE_POINT = Character.MAX_CODE_POINT;

  // Complements of template instantiations: few and asked about again on every mint.
  private static final Cache<String, Automaton> COMPLEMENTS =
      Caffeine.newBuilder().maximumSize(2_000).build();

  private GlobLanguage() {}

  /** The question could not be answered within the work bounds. */
  static final class TooComplex extends Exception {
    private static final long serialVersionUID = 1L;

    TooComplex(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Returns a shortest string that {@code requested} matches and {@code template} does not, or
   * empty when every string {@code requested} matches is matched by {@code template} too.
   *
   * @param requested a valid glob
   * @param template a valid glob
   * @throws TooComplex if the template's complement or the product would exceed the work bounds
   * @throws IllegalArgumentException if either is not a valid glob
   */
  static Optional<String> counterexample(String requested, String template) throws TooComplex {
    Automaton notTemplate = complement(template);
    Automaton asked = automaton(requested);
    if ((long) asked.getNumStates() * notTemplate.getNumStates() > MAX_PRODUCT_STATES) {
      throw new TooComplex(
          "'" + requested + "' is too complex to compare with '" + template + "'; ask for less");
    }
    return shortestAccepted(Operations.intersection(asked, notTemplate));
  }

  private static Automaton complement(String template) throws TooComplex {
    Automaton cached = COMPLEMENTS.getIfPresent(template);
    if (cached != null) {
      return cached;
    }
    Automaton complement;
    try {
      complement = Operations.complement(automaton(template), DETERMINIZE_WORK_LIMIT);
    } catch (TooComplexToDeterminizeException e) {
      throw new TooComplex("the template '" + template + "' is too complex to compare against");
    }
    COMPLEMENTS.put(template, complement);
    return complement;
  }

  /** The automaton of a glob (read as {@link Glob} reads it). */
  static Automaton automaton(String glob) {
    Glob.compile(glob); // the one judge of syntax; what follows may assume it is well formed
    Reader r = new Reader(glob);
    Automaton a = r.sequence(false);
    if (r.at != glob.length()) {
      throw new IllegalArgumentException("glob '" + glob + "' is not well formed");
    }
    return a;
  }

  /**
   * Returns the brace-free globs whose union matches exactly what {@code glob} matches, or empty
   * when there would be more than {@code limit}. Escapes are kept, so each is a valid glob.
   *
   * @throws IllegalArgumentException if the glob is not valid
   */
  static Optional<List<String>> alternatives(String glob, int limit) {
    Glob.compile(glob);
    Reader r = new Reader(glob);
    List<String> out = r.expand(false, limit);
    return out == null || r.at != glob.length() ? Optional.empty() : Optional.of(out);
  }

  /**
   * Returns a shortest string the glob matches: runs of {@code *} empty, {@code ?} one character,
   * the first alternative of each brace group.
   *
   * @throws IllegalArgumentException if the glob is not valid
   */
  static String witness(String glob) {
    Glob.compile(glob);
    StringBuilder out = new StringBuilder();
    Reader r = new Reader(glob);
    r.witness(out, false);
    return out.toString();
  }

  /** Breadth-first: the first accepting state reached gives a shortest string. */
  private static Optional<String> shortestAccepted(Automaton a) {
    int n = a.getNumStates();
    if (n == 0) {
      return Optional.empty();
    }
    int[] parent = new int[n];
    int[] label = new int[n];
    Arrays.fill(parent, -2);
    parent[0] = -1;
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    queue.add(0);
    Transition t = new Transition();
    while (!queue.isEmpty()) {
      int s = queue.poll();
      if (a.isAccept(s)) {
        StringBuilder reversed = new StringBuilder();
        for (int at = s; parent[at] >= 0; at = parent[at]) {
          reversed.insert(0, Character.toChars(label[at]));
        }
        return Optional.of(reversed.toString());
      }
      // Two passes, so a letter or digit labels a step when one can.
      for (boolean alphanumericPass : new boolean[] {true, false}) {
        int count = a.initTransition(s, t);
        for (int i = 0; i < count; i++) {
          a.getNextTransition(t);
          int c = readable(t.min, t.max);
          if (parent[t.dest] == -2 && (!alphanumericPass || Character.isLetterOrDigit(c))) {
            parent[t.dest] = s;
            label[t.dest] = c;
            queue.add(t.dest);
          }
        }
      }
    }
    return Optional.empty();
  }

  /** A character of [min, max] that reads well in a message. */
  private static int readable(int min, int max) {
    for (char c : "xXaA0-_.".toCharArray()) {
      if (c >= min && c <= max) {
        return c;
      }
    }
    return min;
  }

  /** A recursive-descent reader of glob syntax (already checked by {@link Glob#compile}). */
  private static final class Reader {
    private final String glob;
    int at;

    Reader(String glob) {
      this.glob = glob;
    }

    /** A sequence up to the end, or (in braces) up to the next ',' or '}'. */
    Automaton sequence(boolean inBraces) {
      List<Automaton> parts = new ArrayList<>();
      StringBuilder literal = new StringBuilder();
      while (at < glob.length()) {
        char c = glob.charAt(at);
        if (inBraces && (c == ',' || c == '}')) {
          break;
        }
        if (c == '*' || c == '?' || c == '{') {
          flush(literal, parts);
        }
        if (c == '*') {
          int run = 0;
          while (at < glob.length() && glob.charAt(at) == '*') {
            run++;
            at++;
          }
          parts.add(run >= 2 ? Automata.makeAnyString() : Operations.repeat(notSlash()));
        } else if (c == '?') {
          parts.add(notSlash());
          at++;
        } else if (c == '{') {
          at++;
          List<Automaton> options = new ArrayList<>();
          while (true) {
            options.add(sequence(true));
            char end = glob.charAt(at++);
            if (end == '}') {
              break;
            }
          }
          parts.add(Operations.union(options));
        } else {
          literal.appendCodePoint(literalAt());
        }
      }
      flush(literal, parts);
      return parts.isEmpty() ? Automata.makeEmptyString() : Operations.concatenate(parts);
    }

    /** The alternatives of a sequence as brace-free globs, or null past the limit. */
    List<String> expand(boolean inBraces, int limit) {
      List<String> out = new ArrayList<>(List.of(""));
      while (at < glob.length()) {
        char c = glob.charAt(at);
        if (inBraces && (c == ',' || c == '}')) {
          break;
        }
        List<String> piece;
        if (c == '{') {
          at++;
          piece = new ArrayList<>();
          while (true) {
            List<String> option = expand(true, limit);
            if (option == null) {
              return null;
            }
            piece.addAll(option);
            if (glob.charAt(at++) == '}') {
              break;
            }
          }
        } else {
          int start = at;
          if (c == '\\') {
            at++;
          }
          at += Character.charCount(glob.codePointAt(at));
          piece = List.of(glob.substring(start, at));
        }
        if ((long) out.size() * piece.size() > limit) {
          return null;
        }
        List<String> next = new ArrayList<>(out.size() * piece.size());
        for (String prefix : out) {
          for (String suffix : piece) {
            next.add(prefix + suffix);
          }
        }
        out = next;
      }
      return out;
    }

    void witness(StringBuilder out, boolean inBraces) {
      while (at < glob.length()) {
        char c = glob.charAt(at);
        if (inBraces && (c == ',' || c == '}')) {
          return;
        }
        if (c == '*') {
          at++;
        } else if (c == '?') {
          out.append('x');
          at++;
        } else if (c == '{') {
          at++;
          witness(out, true); // the first alternative
          int depth = 0;
          while (depth > 0 || glob.charAt(at) != '}') {
            char skip = glob.charAt(at);
            if (skip == '\\') {
              at++;
            } else if (skip == '{') {
              depth++;
            } else if (skip == '}') {
              depth--;
            }
            at++;
          }
          at++;
        } else {
          out.appendCodePoint(literalAt());
        }
      }
    }

    /** The literal code point at {@code at} (after a '\', the escaped one); advances past it. */
    private int literalAt() {
      if (glob.charAt(at) == '\\') {
        at++;
      }
      int cp = glob.codePointAt(at);
      at += Character.charCount(cp);
      return cp;
    }

    private static void flush(StringBuilder literal, List<Automaton> parts) {
      if (literal.length() > 0) {
        parts.add(Automata.makeString(literal.toString()));
        literal.setLength(0);
      }
    }

    /** Any one code point other than '/'. */
    private static Automaton notSlash() {
      Automaton a = new Automaton();
      int start = a.createState();
      int end = a.createState();
      a.setAccept(end, true);
      a.addTransition(start, end, 0, '/' - 1);
      a.addTransition(start, end, '/' + 1, MAX_CODE_POINT);
      a.finishState();
      return a;
    }
  }
}
