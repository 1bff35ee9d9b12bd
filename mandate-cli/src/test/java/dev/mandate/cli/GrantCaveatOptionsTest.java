package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --grant-arg} and {@code --grant-where}: caveats of the grant given just before. */
class GrantCaveatOptionsTest {
  private final CliRun cli = new CliRun();
  @TempDir Path dir;
  private String key;
  private String pub;

  @BeforeEach
  void keys() {
    cli.keygen(dir, "authority");
    key = dir.resolve("authority.key").toString();
    pub = dir.resolve("authority.pub").toString();
  }

  private static String request(String action, String args) {
    return "{\"service\":\"bank\",\"action\":\""
        + action
        + "\",\"resource\":\"acct-1\",\"args\":"
        + args
        + "}";
  }

  private String bank() {
    CliRun.Result minted =
        cli.run(
            "mint",
            "--key",
            key,
            "--ttl",
            "5m",
            "--allow",
            "bank:send_money:*",
            "--grant-arg",
            "/amount=exact:4.0",
            "--grant-where",
            "args.recipient == 'alice'",
            "--allow",
            "bank:get_balance:*");
    assertThat(minted.exit()).as(minted.err()).isZero();
    return minted.value();
  }

  @Test
  void grantOptions_attachToTheGrantBeforeThem() {
    List<Grant> grants = Capability.decode(bank()).blocks().get(0).grants();

    assertThat(grants.get(0).caveats()).hasSize(2);
    assertThat(grants.get(1).caveats()).isEmpty();
  }

  @Test
  void theConstraintsApplyOnlyToTheirGrant() {
    String token = bank();
    String ok = request("send_money", "{\"amount\":4,\"recipient\":\"alice\"}");
    String tooMuch = request("send_money", "{\"amount\":9000,\"recipient\":\"alice\"}");
    String balance = request("get_balance", "{}");

    assertThat(cli.pipe(token, "check", "--pub", pub, "--request", ok).exit()).isZero();
    assertThat(cli.pipe(token, "check", "--pub", pub, "--request", balance).exit()).isZero();
    CliRun.Result denied = cli.pipe(token, "check", "--pub", pub, "--request", tooMuch);
    assertThat(denied.exit()).isEqualTo(1);
    assertThat(denied.out()).contains("ARGUMENT").contains("grant bank:send_money:*");
  }

  @Test
  void inspect_showsTheGrantsOwnCaveats() {
    CliRun.Result r = cli.pipe(bank(), "inspect");

    assertThat(r.out()).contains("allow bank:send_money:*").contains("when it matches:");
    CliRun.Result json = cli.pipe(bank(), "inspect", "--json");
    assertThat(json.out()).contains("\"grantCaveats\"");
  }

  @Test
  void budgets_ofTheBlockAndOfAGrant_areMinted_shownAndChecked() {
    CliRun.Result minted =
        cli.run(
            "mint",
            "--key",
            key,
            "--ttl",
            "5m",
            "--allow",
            "bank:send_money:*",
            "--grant-budget",
            "calls<=3/1h",
            "--allow",
            "bank:get_balance:*",
            "--budget",
            "sum(/amount)<=5000.00");
    assertThat(minted.exit()).as(minted.err()).isZero();
    List<Grant> grants = Capability.decode(minted.value()).blocks().get(0).grants();
    assertThat(grants.get(0).caveats()).hasSize(1);

    assertThat(cli.pipe(minted.value(), "inspect").out())
        .contains("budget sum(/amount)<=5000")
        .contains("rate calls<=3/1h");
    CliRun.Result bad =
        cli.run("mint", "--key", key, "--ttl", "5m", "--allow", "a:b:c", "--budget", "lots");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--budget 'lots'").doesNotContain("internal");
  }

  @Test
  void aGrantOptionWithoutAGrantBefore_isAUsageError() {
    CliRun.Result r =
        cli.run(
            "mint", "--key", key, "--ttl", "5m", "--grant-arg", "/a=exact:1", "--allow", "a:b:c");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--grant-arg applies to the --allow").doesNotContain("internal");
    CliRun.Result bad =
        cli.run("mint", "--key", key, "--ttl", "5m", "--allow", "a:b:c", "--grant-where", "1 +");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--grant-where").doesNotContain("internal");
  }
}
