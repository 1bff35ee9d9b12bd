package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysCommandTest {
  private final CliRun cli = new CliRun();
  @TempDir Path tmp;
  private LocalAuthority authority;

  @BeforeEach
  void start() throws Exception {
    authority = LocalAuthority.start(tmp);
  }

  @AfterEach
  void stop() {
    authority.close();
  }

  private List<String> list(String... extra) {
    CliRun.Result r =
        cli.run(
            LocalAuthority.args(
                new String[] {"keys", "list", "--authority", authority.url()}, extra));
    assertThat(r.exit()).as(r.err()).isZero();
    return r.out().lines().toList();
  }

  private static String idOf(String line) {
    return line.split(" ")[0];
  }

  @Test
  void list_withoutCredentials_showsTheActiveKey() {
    assertThat(list()).singleElement().asString().contains(" ACTIVE created=").contains(" mndpk1_");
  }

  @Test
  void rotate_makesANewActiveKey_andTheOldOneVerifyOnly_thenRetireRemovesIt() {
    String first = idOf(list().get(0));

    CliRun.Result rotated =
        cli.run(LocalAuthority.args(new String[] {"keys", "rotate"}, authority.asAdmin()));

    assertThat(rotated.exit()).as(rotated.err()).isZero();
    String second = rotated.value();
    assertThat(second).isNotEqualTo(first);
    assertThat(list())
        .hasSize(2)
        .anySatisfy(l -> assertThat(l).startsWith(first + " VERIFY_ONLY"))
        .anySatisfy(l -> assertThat(l).startsWith(second + " ACTIVE"));

    CliRun.Result retired =
        cli.run(LocalAuthority.args(new String[] {"keys", "retire", first}, authority.asAdmin()));

    assertThat(retired.exit()).as(retired.err()).isZero();
    assertThat(retired.value()).startsWith(first + " RETIRED");
    assertThat(list()).singleElement().asString().startsWith(second + " ACTIVE");
    assertThat(list("--all")).hasSize(2);
  }

  @Test
  void retire_theActiveKey_isRefused_withTheFix() {
    String active = idOf(list().get(0));

    CliRun.Result r =
        cli.run(LocalAuthority.args(new String[] {"keys", "retire", active}, authority.asAdmin()));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines()).singleElement().asString().contains("rotate first");
  }

  @Test
  void rotate_byANonAdminClient_isRefused() {
    CliRun.Result r =
        cli.run(LocalAuthority.args(new String[] {"keys", "rotate"}, authority.asAgent()));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("admin_required");
  }
}
