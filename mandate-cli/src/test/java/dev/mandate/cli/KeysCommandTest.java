package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class KeysCommandTest {
  private final CliRun cli = new CliRun();
  @TempDir Path tmp;
  @RegisterExtension final CliAuthority authority = new CliAuthority();

  private List<String> list(String... extra) {
    CliRun.Result r =
        cli.run(
            CliAuthority.args(
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
        cli.run(CliAuthority.args(new String[] {"keys", "rotate"}, authority.asAdmin()));

    assertThat(rotated.exit()).as(rotated.err()).isZero();
    String second = rotated.value();
    assertThat(second).isNotEqualTo(first);
    assertThat(list())
        .hasSize(2)
        .anySatisfy(l -> assertThat(l).startsWith(first + " VERIFY_ONLY"))
        .anySatisfy(l -> assertThat(l).startsWith(second + " ACTIVE"));

    CliRun.Result retired =
        cli.run(CliAuthority.args(new String[] {"keys", "retire", first}, authority.asAdmin()));

    assertThat(retired.exit()).as(retired.err()).isZero();
    assertThat(retired.value()).startsWith(first + " RETIRED");
    assertThat(list()).singleElement().asString().startsWith(second + " ACTIVE");
    assertThat(list("--all")).hasSize(2);
  }

  @Test
  void retire_theActiveKey_isRefused_withTheFix() {
    String active = idOf(list().get(0));

    CliRun.Result r =
        cli.run(CliAuthority.args(new String[] {"keys", "retire", active}, authority.asAdmin()));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines()).singleElement().asString().contains("rotate first");
  }

  @Test
  void rotate_byANonAdminClient_isRefused() {
    CliRun.Result r =
        cli.run(CliAuthority.args(new String[] {"keys", "rotate"}, authority.asAgent()));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("admin_required");
  }

  @Test
  void list_json_isOneArray_withFingerprints() throws Exception {
    CliRun.Result r = cli.run("keys", "list", "--json", "--authority", authority.url());

    assertThat(r.exit()).as(r.err()).isZero();
    var keys = CliAuthority.JSON.readTree(r.out());
    assertThat(keys).hasSize(1);
    assertThat(keys.get(0).get("state").asText()).isEqualTo("ACTIVE");
    assertThat(keys.get(0).get("fingerprint").asText()).matches("SHA256:[A-Za-z0-9+/]{43}");
    assertThat(list().get(0)).contains(keys.get(0).get("fingerprint").asText());
  }

  @Test
  void export_writesTheVerifyingKeys_forCheck_andPrintsTheirFingerprints() throws Exception {
    cli.run(CliAuthority.args(new String[] {"keys", "rotate"}, authority.asAdmin()));
    Path out = tmp.resolve("authority.pub");

    CliRun.Result r =
        cli.env(java.util.Map.of("MANDATE_AUTHORITY", authority.url()))
            .run("keys", "export", "--out", out.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().lines())
        .hasSize(2)
        .allSatisfy(l -> assertThat(l).matches("mk_\\S+ (ACTIVE|VERIFY_ONLY) SHA256:\\S{43}"));
    assertThat(java.nio.file.Files.readAllLines(out))
        .filteredOn(l -> l.startsWith("mndpk1_"))
        .hasSize(2);
    String token = mintByAuthority();
    // The authority mints on the system clock; decide at that time too.
    CliRun.Result checked =
        cli.at(java.time.Instant.now())
            .pipe(
                token,
                "check",
                "--pub",
                out.toString(),
                "--request",
                CliRun.readFile("/data/invoices/2024/jan.pdf"));
    assertThat(checked.exit()).as(checked.out() + checked.err()).isZero();
  }

  @Test
  void bootstrap_keepsOnlyThePinnedKey_andAWrongFingerprintWritesNothing() throws Exception {
    String pinned = list("--json").get(0);
    String fingerprint = CliAuthority.JSON.readTree(pinned).get(0).get("fingerprint").asText();
    cli.run(CliAuthority.args(new String[] {"keys", "rotate"}, authority.asAdmin()));
    Path trust = tmp.resolve("authority.trust");

    CliRun.Result r =
        cli.run(
            "bootstrap",
            "--authority",
            authority.url(),
            "--fingerprint",
            fingerprint,
            "--out",
            trust.toString());
    Path wrong = tmp.resolve("wrong.trust");
    CliRun.Result mismatch =
        cli.run(
            "bootstrap",
            "--authority",
            authority.url(),
            "--fingerprint",
            "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
            "--out",
            wrong.toString());
    CliRun.Result malformed =
        cli.run("bootstrap", "--authority", authority.url(), "--fingerprint", "abc");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().strip()).endsWith(" " + fingerprint);
    assertThat(r.err()).contains("not trusted: ").contains("wrote 1 pinned key(s)");
    assertThat(java.nio.file.Files.readAllLines(trust))
        .filteredOn(l -> l.startsWith("mndpk1_"))
        .singleElement()
        .satisfies(k -> assertThat(pinned).contains(k));
    assertThat(mismatch.exit()).isEqualTo(1);
    assertThat(mismatch.err())
        .contains("lists no key with fingerprint")
        .contains("nothing was written");
    assertThat(wrong).doesNotExist();
    assertThat(malformed.exit()).isEqualTo(2);
    assertThat(malformed.err()).contains("is not a key fingerprint");
  }

  /** A token the authority mints now (with its current active key). */
  private String mintByAuthority() {
    CliRun.Result r =
        cli.run(
            CliAuthority.args(
                new String[] {
                  "mint", "--allow", "fs:read_text_file:/data/invoices/2024/**", "--ttl", "15m"
                },
                authority.asAgent()));
    assertThat(r.exit()).as(r.err()).isZero();
    return r.value();
  }
}
