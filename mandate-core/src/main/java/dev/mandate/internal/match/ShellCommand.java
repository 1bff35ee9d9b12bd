package dev.mandate.internal.match;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An allow-list of programs that a shell command line may run.
 *
 * <p>A command line is tokenised into words as a POSIX shell would, and refused outright if it
 * contains anything that would make a shell do more than run one simple command with literal
 * arguments: an unquoted metacharacter ({@code ; & | < > ( )} newline), an expansion ({@code $}, a
 * backquote, an unquoted glob character {@code * ? [}, brace {@code { }}, tilde {@code ~}, or
 * history {@code !}), a comment ({@code #} at the start of a word), or a control character. The
 * first word, after quote removal, must equal an allowed program exactly, and may not be an
 * environment assignment ({@code FOO=1 ls}).
 *
 * <p>Quoting follows POSIX: single quotes make everything up to the next single quote literal;
 * inside double quotes a backslash escapes only {@code $ ` " \}, while an unescaped {@code $} or
 * backquote is refused; outside quotes a backslash makes the next character literal.
 */
public final class ShellCommand {

  /** Maximum command line length, in UTF-16 chars. */
  public static final int MAX_COMMAND_LENGTH = 8192;

  private static final String PROGRAM_NAME = "[A-Za-z0-9_][A-Za-z0-9._+-]*";
  private static final String METACHARACTERS = ";&|<>()`$";
  private static final String EXPANSION_CHARACTERS = "*?[{}~!";

  private final Set<String> programs;

  private ShellCommand(Set<String> programs) {
    this.programs = programs;
  }

  /**
   * Compiles an allow-list of programs.
   *
   * @param programs non-empty list of bare program names ({@code git}, matched only by the bare
   *     name) or normalised absolute paths ({@code /usr/bin/git}, matched only by that path); names
   *     and path segments use letters, digits and {@code . _ + -} and do not start with {@code .}
   *     or {@code -}; at most 1024 chars each
   * @return the compiled allow-list
   * @throws IllegalArgumentException if the list is null or empty or a program is malformed; the
   *     message names the bad value
   */
  public static ShellCommand compile(List<String> programs) {
    if (programs == null || programs.isEmpty()) {
      throw new IllegalArgumentException("shell command rule needs at least one program");
    }
    for (String program : programs) {
      if (program == null
          || program.length() > 1024
          || !program.matches(PROGRAM_NAME + "|(/" + PROGRAM_NAME + ")+")) {
        throw new IllegalArgumentException(
            "program \""
                + program
                + "\" is neither a plain program name nor a normalised absolute path");
      }
    }
    return new ShellCommand(Set.copyOf(programs));
  }

  /**
   * Checks a command line against this allow-list.
   *
   * @param commandLine the untrusted command line
   * @return null if it is a single simple command running an allowed program with literal
   *     arguments, otherwise a short sentence saying why not; never throws
   */
  public String check(String commandLine) {
    List<String> words = new ArrayList<>();
    String problem = tokenise(commandLine, words);
    if (problem != null) {
      return problem;
    }
    String program = words.get(0);
    if (program.indexOf('=') >= 0) {
      return "command starts with an environment assignment, which is not allowed";
    }
    if (!programs.contains(program)) {
      return "program " + printable(program) + " is not allowed";
    }
    return null;
  }

  /**
   * Splits a command line into words after quote removal, applying the same restrictions as {@link
   * #check(String)} except the program allow-list.
   *
   * @param commandLine the command line, at most {@value #MAX_COMMAND_LENGTH} chars
   * @return the words, first the program; never empty
   * @throws IllegalArgumentException if the command line is null, empty, too long, has an
   *     unterminated quote or trailing backslash, or contains a refused character or expansion; the
   *     message gives the reason
   */
  public static List<String> parse(String commandLine) {
    List<String> words = new ArrayList<>();
    String problem = tokenise(commandLine, words);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return List.copyOf(words);
  }

  /** Fills {@code words} and returns null, or returns the problem. */
  private static String tokenise(String line, List<String> words) {
    if (line == null) {
      return "command is missing";
    }
    if (line.length() > MAX_COMMAND_LENGTH) {
      return "command is longer than " + MAX_COMMAND_LENGTH + " characters";
    }
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    int i = 0;
    int n = line.length();
    while (i < n) {
      char c = line.charAt(i);
      String controlProblem = controlProblem(c);
      if (controlProblem != null) {
        return controlProblem;
      }
      if (c == ' ' || c == '\t') {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
        i++;
      } else if (c == '\'') {
        int end = line.indexOf('\'', i + 1);
        if (end < 0) {
          return "command has an unterminated single quote";
        }
        for (int j = i + 1; j < end; j++) {
          String problem = controlProblem(line.charAt(j));
          if (problem != null) {
            return problem;
          }
        }
        word.append(line, i + 1, end);
        inWord = true;
        i = end + 1;
      } else if (c == '"') {
        i++;
        boolean closed = false;
        while (i < n) {
          char d = line.charAt(i);
          String problem = controlProblem(d);
          if (problem != null) {
            return problem;
          }
          if (d == '"') {
            closed = true;
            i++;
            break;
          }
          if (d == '$' || d == '`') {
            return "command contains an expansion (" + d + ") inside double quotes";
          }
          if (d == '\\' && i + 1 < n && "$`\"\\".indexOf(line.charAt(i + 1)) >= 0) {
            word.append(line.charAt(i + 1));
            i += 2;
          } else {
            word.append(d);
            i++;
          }
        }
        if (!closed) {
          return "command has an unterminated double quote";
        }
        inWord = true;
      } else if (c == '\\') {
        if (i + 1 >= n) {
          return "command ends with a backslash";
        }
        char next = line.charAt(i + 1);
        String problem = controlProblem(next);
        if (problem != null) {
          return problem;
        }
        word.append(next);
        inWord = true;
        i += 2;
      } else if (METACHARACTERS.indexOf(c) >= 0) {
        return "command contains an unquoted shell metacharacter (" + c + ")";
      } else if (EXPANSION_CHARACTERS.indexOf(c) >= 0) {
        return "command contains an unquoted expansion character (" + c + ")";
      } else if (c == '#' && !inWord) {
        return "command contains a comment (#)";
      } else {
        word.append(c);
        inWord = true;
        i++;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    if (words.isEmpty()) {
      return "command is empty";
    }
    return null;
  }

  /** Refuses NUL, newline and every other control character except tab. */
  private static String controlProblem(char c) {
    if (c == 0) {
      return "command contains a NUL character";
    }
    if (c == '\n' || c == '\r') {
      return "command contains a line break";
    }
    if ((c < 0x20 && c != '\t') || (c >= 0x7F && c <= 0x9F)) {
      return String.format(Locale.ROOT, "command contains a control character (U+%04X)", (int) c);
    }
    return null;
  }

  /** Quotes a word for a problem message, truncated to keep messages short. */
  private static String printable(String word) {
    String shown = word.length() > 64 ? word.substring(0, 64) + "..." : word;
    return "\"" + shown + "\"";
  }
}
