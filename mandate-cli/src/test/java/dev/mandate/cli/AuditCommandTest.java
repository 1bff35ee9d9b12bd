package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.token.Capability;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class AuditCommandTest {
  private final CliRun cli = new CliRun();
  @TempDir Path tmp;
  @RegisterExtension final CliAuthority authority = new CliAuthority();
  private Capability minted;

  @BeforeEach
  void start() throws Exception {
    minted =
        authority.minted(
            cli, "--allow", "fs:read_text_file:/data/invoices/2024/**", "--ttl", "15m");
    CliRun.Result revoked =
        cli.run(
            CliAuthority.args(
                new String[] {"revoke"},
                authority.asAgent(),
                new String[] {"--token-id", minted.tokenId(), "--reason", "done"}));
    assertThat(revoked.exit()).as(revoked.err()).isZero();
  }

  private CliRun.Result audit(String... rest) {
    return cli.run(
        CliAuthority.args(
            new String[] {"audit"},
            new String[] {rest[0]},
            authority.asAdmin(),
            java.util.Arrays.copyOfRange(rest, 1, rest.length)));
  }

  @Test
  void verifyThroughTheAuthority_intactChain_exitsZero() {
    CliRun.Result r = audit("verify");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.value()).startsWith("OK: the audit chain is intact (");
  }

  @Test
  void queryByToken_printsItsMintAndRevocation_inOrder() {
    CliRun.Result r = audit("query", "--token-id", minted.tokenId());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().lines()).hasSize(2);
    assertThat(r.out().lines().toList().get(0))
        .contains(" mint actor=agent token=" + minted.tokenId());
    assertThat(r.out().lines().toList().get(1))
        .contains(" revoke actor=agent")
        .contains("\"reason\":\"done\"");
  }

  @Test
  void queryAsJson_printsOneObjectPerLine_andRespectsTheLimit() throws Exception {
    CliRun.Result r = audit("query", "--json", "--limit", "1");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().lines())
        .singleElement()
        .satisfies(
            line ->
                assertThat(CliAuthority.JSON.readTree(line).get("sequence").asLong()).isEqualTo(1));
  }

  @Test
  void queryWithAClientThatIsNotAdmin_isRefused() {
    CliRun.Result r =
        cli.run(CliAuthority.args(new String[] {"audit", "query"}, authority.asAgent()));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines()).singleElement().asString().contains("admin_required");
  }

  @Test
  void tail_printsTheRecordsFromTheStart_andFollows() {
    CliRun.Result r =
        audit(
            "tail",
            "--from",
            "2000-01-01T00:00:00Z",
            "--interval",
            "1s",
            "--max-polls",
            "2",
            "--client-filter",
            "agent");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains(" mint actor=agent").contains(" revoke actor=agent");
  }

  @Test
  void editedAuditRecord_behindTheServersBack_isCaughtWithExitOne_namingTheRecord()
      throws Exception {
    try (Connection c = DriverManager.getConnection(authority.jdbcUrl());
        Statement s = c.createStatement()) {
      int changed =
          s.executeUpdate("UPDATE audit_log SET actor = 'someone-else' WHERE type = 'revoke'");
      assertThat(changed).isEqualTo(1);
    }
    long edited;
    try (Connection c = DriverManager.getConnection(authority.jdbcUrl());
        Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT sequence FROM audit_log WHERE type = 'revoke'")) {
      rs.next();
      edited = rs.getLong(1);
    }

    CliRun.Result viaAuthority = audit("verify");
    authority.close();
    CliRun.Result direct = cli.run("audit", "verify", "--db", authority.jdbcUrl());

    for (CliRun.Result r : new CliRun.Result[] {viaAuthority, direct}) {
      assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
      assertThat(r.value()).startsWith("BROKEN at record " + edited + ": ");
    }
  }

  @Test
  void verifyDirectly_withoutADatabaseFile_isBadInput_andCreatesNothing() {
    Path missing = tmp.resolve("nothing.db");

    CliRun.Result r = cli.run("audit", "verify", "--db", "jdbc:sqlite:" + missing);

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("no SQLite database file");
    assertThat(missing).doesNotExist();
  }
}
