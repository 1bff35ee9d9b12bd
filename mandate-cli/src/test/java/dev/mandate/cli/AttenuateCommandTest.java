package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AttenuateCommandTest extends AuthorityKeyTest {
  private static final String JAN = CliRun.readFile("/data/invoices/2024/q1/jan.pdf");
  private static final String JUL = CliRun.readFile("/data/invoices/2024/q3/jul.pdf");
  private static final String SECRETS = CliRun.readFile("/data/secrets/key.pem");

  private String parent;

  @BeforeEach
  void mintParent() {
    parent = mint();
  }

  private String mint(String... extra) {
    String[] base = {
      "mint",
      "--key",
      dir.resolve("authority.key").toString(),
      "--allow",
      "fs:read_text_file:/data/invoices/2024/**",
      "--ttl",
      "1h"
    };
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    CliRun.Result r = cli.run(args);
    assertThat(r.exit()).as(r.err()).isZero();
    return r.value();
  }

  private int check(String token, String request, String... extra) {
    String[] base = {"check", "--pub", pub, "--request", request};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return cli.pipe(token, args).exit();
  }

  private String attenuate(String token, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "attenuate";
    System.arraycopy(args, 0, all, 1, args.length);
    CliRun.Result r = cli.pipe(token, all);
    assertThat(r.exit()).as(r.err()).isZero();
    return r.value();
  }

  @Test
  void attenuate_narrows_soTheChildDeniesWhatTheParentAllowed() {
    String child = attenuate(parent, "--allow", "fs:read_text_file:/data/invoices/2024/q1/**");

    assertThat(check(parent, JUL)).isZero();
    assertThat(check(child, JAN)).isZero();
    assertThat(check(child, JUL)).isEqualTo(1);
  }

  @Test
  void attenuate_cannotWiden_anAllowOutsideTheParentIsStillDenied() {
    String child = attenuate(parent, "--allow", "fs:read_text_file:/data/**");

    assertThat(check(child, SECRETS)).isEqualTo(1);
    assertThat(cli.pipe(child, "check", "--pub", pub, "--request", SECRETS).out())
        .startsWith("deny GRANT (block 0");
  }

  @Test
  void attenuate_shorterTtl_expiresBeforeTheParent() {
    String child = attenuate(parent, "--ttl", "5m");
    cli.after(java.time.Duration.ofMinutes(10));

    assertThat(check(parent, JAN)).isZero();
    assertThat(check(child, JAN)).isEqualTo(1);
  }

  @Test
  void attenuate_bindsToAChild_thenOnlyTheChildKeyCanUseIt() {
    cli.keygen(dir, "agent");
    cli.keygen(dir, "sub");
    String agentKey = dir.resolve("agent.key").toString();
    String subKey = dir.resolve("sub.key").toString();
    String bound = mint("--holder", dir.resolve("agent.pub").toString());

    String delegated =
        attenuate(
            bound,
            "--bind",
            dir.resolve("sub.pub").toString(),
            "--holder-key",
            agentKey,
            "--allow",
            "fs:read_text_file:/data/invoices/2024/q1/**");

    assertThat(check(delegated, JAN, "--holder-key", subKey)).isZero();
    assertThat(check(delegated, JAN, "--holder-key", agentKey)).isEqualTo(1);
    assertThat(check(delegated, JUL, "--holder-key", subKey)).isEqualTo(1);
    assertThat(check(delegated, JAN)).isEqualTo(1);
  }

  @Test
  void attenuate_ofAHolderBoundToken_withoutTheHolderKey_isRefused() {
    cli.keygen(dir, "agent");
    String bound = mint("--holder", dir.resolve("agent.pub").toString());

    CliRun.Result r = cli.pipe(bound, "attenuate", "--ttl", "1m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("mandate: ").contains("--holder-key");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void attenuate_ofAHolderBoundToken_withAnotherKey_isRefused() {
    cli.keygen(dir, "agent");
    cli.keygen(dir, "thief");
    String bound = mint("--holder", dir.resolve("agent.pub").toString());

    CliRun.Result r =
        cli.pipe(
            bound,
            "attenuate",
            "--bind",
            dir.resolve("thief.pub").toString(),
            "--holder-key",
            dir.resolve("thief.key").toString());

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("bound to holder");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void sealedToken_cannotBeAttenuated() {
    String sealed = attenuate(parent, "--seal");

    CliRun.Result r = cli.pipe(sealed, "attenuate", "--ttl", "1m");

    assertThat(check(sealed, JAN)).isZero();
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("sealed");
  }

  @Test
  void maxDepth_limitsFurtherAttenuation() {
    String limited = attenuate(parent, "--max-depth", "0");

    CliRun.Result r = cli.pipe(limited, "attenuate", "--ttl", "1m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void attenuate_withNothingToAdd_isBadUsage() {
    CliRun.Result r = cli.pipe(parent, "attenuate");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("nothing to add");
  }

  @Test
  void attenuate_ofAMalformedToken_isOneLine() {
    CliRun.Result r = cli.pipe("mnd1_???", "attenuate", "--ttl", "1m");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("mandate: the token on stdin is malformed");
    assertThat(r.err().lines()).hasSize(1);
  }
}
