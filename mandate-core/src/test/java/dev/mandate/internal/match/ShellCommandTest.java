package dev.mandate.internal.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShellCommandTest {

  private static final ShellCommand RULE =
      ShellCommand.compile(List.of("ls", "git", "/usr/bin/cat"));

  @Test
  void check_allowsSimpleCommand() {
    assertThat(RULE.check("ls -la /tmp")).isNull();
    assertThat(RULE.check("  git\tstatus  ")).isNull();
    assertThat(RULE.check("/usr/bin/cat /etc/hostname")).isNull();
  }

  @Test
  void check_allowsQuotedMetacharacters() {
    assertThat(RULE.check("ls 'a;b'")).isNull();
    assertThat(RULE.check("ls 'a $(id) `id` * > |'")).isNull();
    assertThat(RULE.check("ls \"a;b|c*d\"")).isNull();
    assertThat(RULE.check("ls a\\;b \\$HOME \\*")).isNull();
    assertThat(RULE.check("ls \"cost \\$5\"")).isNull();
  }

  @Test
  void check_deniesProgramsNotListed() {
    assertThat(RULE.check("rm -rf /")).isEqualTo("program \"rm\" is not allowed");
    assertThat(RULE.check("/bin/ls")).contains("not allowed");
    assertThat(RULE.check("cat /etc/passwd")).contains("not allowed");
    assertThat(RULE.check("/usr/bin/../bin/cat x")).contains("not allowed");
    assertThat(RULE.check("LS")).contains("not allowed");
    assertThat(RULE.check("'' ls")).contains("not allowed");
  }

  @Test
  void check_quoteRemovalAppliesToProgramName() {
    assertThat(RULE.check("'ls' -l")).isNull();
    assertThat(RULE.check("l\"s\"")).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ls; rm -rf /",
        "ls && rm -rf /",
        "ls & rm x",
        "ls | sh",
        "ls > f",
        "ls < f",
        "ls 2>&1",
        "ls $(id)",
        "ls `id`",
        "ls $HOME",
        "ls ${HOME}",
        "(ls)",
        "ls\nrm -rf /",
        "ls\rrm",
        "ls 'a\nb'",
        "ls;",
      })
  void check_deniesMetacharactersAndExpansions(String command) {
    assertThat(RULE.check(command)).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ls \"$(id)\"", "ls \"`id`\"", "ls \"$HOME\"", "ls \"a${x}b\""})
  void check_deniesExpansionInsideDoubleQuotes(String command) {
    assertThat(RULE.check(command)).contains("inside double quotes");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"ls *", "ls a?", "ls [ab]", "ls {a,b}", "ls ~", "ls ~root/x", "ls a~", "ls !x"})
  void check_deniesUnquotedGlobAndExpansionCharacters(String command) {
    assertThat(RULE.check(command)).contains("unquoted expansion character");
  }

  @Test
  void check_deniesCommentAtWordStart() {
    assertThat(RULE.check("ls #x")).contains("comment");
    assertThat(RULE.check("ls a#b")).isNull();
    assertThat(RULE.check("ls '#x'")).isNull();
  }

  @Test
  void check_deniesEnvironmentAssignment() {
    assertThat(RULE.check("FOO=1 ls")).contains("environment assignment");
    assertThat(RULE.check("PATH=/tmp ls")).contains("environment assignment");
    assertThat(RULE.check("ls FOO=1")).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ls 'abc", "ls \"abc", "ls \"abc\\\"", "ls abc\\"})
  void check_deniesUnterminatedQuotesAndTrailingBackslash(String command) {
    assertThat(RULE.check(command)).isNotNull();
  }

  @Test
  void check_deniesEmptyNulControlAndOverlong() {
    assertThat(RULE.check("")).isEqualTo("command is empty");
    assertThat(RULE.check("   \t ")).isEqualTo("command is empty");
    assertThat(RULE.check(null)).contains("missing");
    assertThat(RULE.check("ls a\u0000b")).contains("NUL");
    assertThat(RULE.check("ls 'a\u0000b'")).contains("NUL");
    assertThat(RULE.check("ls \\\u0000")).contains("NUL");
    assertThat(RULE.check("ls a\u001bb")).contains("control character");
    assertThat(RULE.check("ls " + "a".repeat(8189))).isNull();
    assertThat(RULE.check("ls " + "a".repeat(8190))).contains("longer");
  }

  @Test
  void parse_splitsWordsWithPosixQuoting() {
    assertThat(ShellCommand.parse("git commit -m 'fix: a b' --author=\"A \\\"B\\\" \\\\ \\x\""))
        .containsExactly("git", "commit", "-m", "fix: a b", "--author=A \"B\" \\ \\x");
    assertThat(ShellCommand.parse("a'b'\"c\"\\ d")).containsExactly("abc d");
    assertThat(ShellCommand.parse("ls '' \"\"")).containsExactly("ls", "", "");
    assertThat(ShellCommand.parse("ls 'a\\b'")).containsExactly("ls", "a\\b");
  }

  @Test
  void parse_throwsWithReason() {
    assertThatThrownBy(() -> ShellCommand.parse("ls; rm"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metacharacter (;)");
    assertThatThrownBy(() -> ShellCommand.parse("ls 'x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unterminated single quote");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "ls -l",
        "bin/ls",
        "/usr/../bin/ls",
        "-rf",
        ".hidden",
        "ls;",
        "a=b",
        "/",
        "ls/"
      })
  void compile_rejectsMalformedPrograms(String program) {
    assertThatThrownBy(() -> ShellCommand.compile(List.of(program)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"" + program + "\"");
  }

  @Test
  void compile_rejectsEmptyOrNullList() {
    assertThatThrownBy(() -> ShellCommand.compile(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ShellCommand.compile(null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
