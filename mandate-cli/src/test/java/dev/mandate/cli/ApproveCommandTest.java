package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.caveat.Caveat;
import dev.mandate.token.Approval;
import dev.mandate.token.Capability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mandate approve}, {@code --require-approval} on mint and attenuate, and {@code check
 * --approval}: a capability that requires approval is allowed only with an approval of that call.
 */
class ApproveCommandTest {
  private static final String INVOICES = "fs:read_text_file:/data/invoices/2024/**";
  private static final String JAN = CliRun.readFile("/data/invoices/2024/jan.pdf");
  private static final String FEB = CliRun.readFile("/data/invoices/2024/feb.pdf");

  // The authority runs on the system clock, so the commands here do too.
  private final CliRun cli = new CliRun().at(Instant.now());
  @TempDir Path tmp;
  @RegisterExtension final CliAuthority authority = new CliAuthority();
  private Path financeDesk;
  private Path authorityPub;

  @BeforeEach
  void start() throws Exception {
    financeDesk = authority.createClient("finance-desk");
    authorityPub = tmp.resolve("authority.pub");
    Files.writeString(
        authorityPub, authority.get("/v1/keys").get(0).get("publicKey").asText() + "\n");
  }

  @Test
  void requireApprovalOnALocalMint_withoutAnApproval_isDeniedApprovalRequired() {
    cli.keygen(tmp.resolve("keys"), "root");
    CliRun.Result minted =
        cli.run(
            "mint",
            "--key",
            tmp.resolve("keys/root.key").toString(),
            "--allow",
            INVOICES,
            "--ttl",
            "15m",
            "--require-approval",
            "finance",
            "--require-approval",
            "owners");
    assertThat(minted.exit()).as(minted.err()).isZero();
    assertThat(approvalGroups(minted.value()))
        .isEqualTo(new Caveat.ApprovalRequired(java.util.List.of("finance", "owners")));

    CliRun.Result r =
        cli.pipe(
            minted.value(),
            "check",
            "--pub",
            tmp.resolve("keys/root.pub").toString(),
            "--request",
            JAN);

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.value())
        .startsWith("deny APPROVAL_REQUIRED (block 0, approval): ")
        .contains("[finance, owners]", Capability.decode(minted.value()).tokenId());
  }

  @Test
  void approveAgainstALiveAuthority_thenCheckWithTheApproval_allowsThatCallOnly() {
    String token = mintRequiringFinance();
    String tokenId = Capability.decode(token).tokenId();

    CliRun.Result approved = approve("--token-id", tokenId, "--group", "finance", "--request", JAN);

    assertThat(approved.exit()).as(approved.err()).isZero();
    assertThat(approved.out().lines()).singleElement().asString().startsWith("mnda1_");
    Approval.Claims decoded = Approval.of(approved.value()).claims();
    assertThat(decoded.tokenId()).isEqualTo(tokenId);
    assertThat(decoded.group()).isEqualTo("finance");
    assertThat(approved.err())
        .contains("approval " + decoded.approvalId(), "of token " + tokenId)
        .doesNotContain(approved.value());

    CliRun.Result without = check(token, JAN);
    CliRun.Result with = check(token, JAN, "--approval", approved.value());
    CliRun.Result otherCall = check(token, FEB, "--approval", approved.value());

    assertThat(without.exit()).isEqualTo(1);
    assertThat(without.value()).startsWith("deny APPROVAL_REQUIRED");
    assertThat(with.exit()).as(with.out()).isZero();
    assertThat(with.value()).startsWith("allow");
    assertThat(otherCall.exit()).isEqualTo(1);
    assertThat(otherCall.value()).startsWith("deny APPROVAL_INVALID").contains("another call");
  }

  @Test
  void approve_readsTheCapabilityFromStdin_andCheckReadsTheApprovalFromAFile() throws Exception {
    String token = mintRequiringFinance();

    CliRun.Result approved =
        cli.pipe(
            token,
            CliAuthority.args(
                new String[] {"approve"},
                authority.as("finance-desk", financeDesk),
                new String[] {"--group", "finance", "--request", JAN, "--ttl", "1h"}));
    assertThat(approved.exit()).as(approved.err()).isZero();
    Path file = Files.writeString(tmp.resolve("approval"), approved.value() + "\n");

    CliRun.Result with = check(token, JAN, "--approval", "@" + file);

    assertThat(with.exit()).as(with.out()).isZero();
  }

  @Test
  void afterApprovals_theAuditChainStillVerifies() {
    String token = mintRequiringFinance();
    String tokenId = Capability.decode(token).tokenId();
    CliRun.Result approved = approve("--token-id", tokenId, "--group", "finance", "--request", JAN);
    assertThat(approved.exit()).as(approved.err()).isZero();

    CliRun.Result query =
        cli.run(
            CliAuthority.args(
                new String[] {"audit", "query"},
                authority.asAdmin(),
                new String[] {"--token-id", tokenId}));
    CliRun.Result verify =
        cli.run(CliAuthority.args(new String[] {"audit", "verify"}, authority.asAdmin()));

    assertThat(query.exit()).as(query.err()).isZero();
    assertThat(query.out()).contains("approve").doesNotContain(approved.value());
    assertThat(verify.exit()).as(verify.out() + verify.err()).isZero();
    assertThat(verify.value()).startsWith("OK: the audit chain is intact");
  }

  @Test
  void aClientThatMayNotApprove_isRefused_withOneLine_andExitOne() {
    String tokenId = Capability.decode(mintRequiringFinance()).tokenId();

    CliRun.Result r =
        cli.run(
            CliAuthority.args(
                new String[] {"approve"},
                authority.asAgent(),
                new String[] {"--token-id", tokenId, "--group", "finance", "--request", JAN}));

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines())
        .singleElement()
        .asString()
        .isEqualTo(
            "mandate: approval refused: client 'agent' may not approve for group 'finance': its"
                + " policy does not list it in approves");
  }

  @Test
  void badInput_isOneLine_exitTwo_andNothingOnStdout() {
    String tokenId = Capability.decode(mintRequiringFinance()).tokenId();
    String[][] cases = {
      {"--token-id", tokenId, "--request", JAN},
      {"--token-id", tokenId, "--group", "finance", "--request", "{\"service\":\"fs\"}"},
      {"--token-id", tokenId, "--group", "finance", "--request", "@" + tmp.resolve("missing")},
      {"--token-id", tokenId, "--group", "finance", "--request", JAN, "--ttl", "2h"},
      {"--token-id", tokenId, "--group", "finance", "--request", JAN, "--ttl", "soon"},
      {"--token-id", "nothex", "--group", "finance", "--request", JAN},
      {"--token-id", tokenId, "--group", "Finance", "--request", JAN},
    };
    for (String[] c : cases) {
      CliRun.Result r =
          cli.run(
              CliAuthority.args(
                  new String[] {"approve"}, authority.as("finance-desk", financeDesk), c));

      String what = String.join(" ", c);
      assertThat(r.exit()).as(what + " -> " + r.err()).isEqualTo(2);
      assertThat(r.out()).as(what).isEmpty();
      assertThat(r.err()).as(what).startsWith("mandate: ");
      assertThat(r.err().lines()).as(what).hasSize(1);
      assertThat(r.err()).as(what).doesNotContain("Exception", "\tat ");
    }
  }

  @Test
  void requireApprovalOnAttenuate_addsTheCaveatInTheNewBlock() {
    cli.keygen(tmp.resolve("keys"), "root");
    CliRun.Result minted =
        cli.run(
            "mint",
            "--key",
            tmp.resolve("keys/root.key").toString(),
            "--allow",
            INVOICES,
            "--ttl",
            "15m");
    CliRun.Result child = cli.pipe(minted.value(), "attenuate", "--require-approval", "owners");
    CliRun.Result bad = cli.pipe(minted.value(), "attenuate", "--require-approval", "Owners");
    String pub = tmp.resolve("keys/root.pub").toString();

    assertThat(child.exit()).as(child.err()).isZero();
    assertThat(Capability.decode(child.value()).blocks().get(1).caveats())
        .containsExactly(new Caveat.ApprovalRequired(java.util.List.of("owners")));
    assertThat(cli.pipe(minted.value(), "check", "--pub", pub, "--request", JAN).exit()).isZero();
    assertThat(cli.pipe(child.value(), "check", "--pub", pub, "--request", JAN).value())
        .startsWith("deny APPROVAL_REQUIRED (block 1, approval)");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).startsWith("mandate: --require-approval: ");
  }

  @Test
  void inspect_showsTheApprovalCaveat() {
    CliRun.Result r = cli.pipe(mintRequiringFinance(), "inspect");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("approval by finance");
  }

  private String mintRequiringFinance() {
    CliRun.Result r =
        authority.mint(cli, "--allow", INVOICES, "--ttl", "15m", "--require-approval", "finance");
    assertThat(r.exit()).as(r.err()).isZero();
    return r.value();
  }

  private CliRun.Result approve(String... options) {
    return cli.run(
        CliAuthority.args(
            new String[] {"approve"}, authority.as("finance-desk", financeDesk), options));
  }

  private CliRun.Result check(String token, String request, String... extra) {
    return cli.pipe(
        token,
        CliAuthority.args(
            new String[] {"check", "--pub", authorityPub.toString(), "--request", request}, extra));
  }

  private static Caveat approvalGroups(String token) {
    return Capability.decode(token).blocks().get(0).caveats().stream()
        .filter(Caveat.ApprovalRequired.class::isInstance)
        .findFirst()
        .orElseThrow();
  }
}
