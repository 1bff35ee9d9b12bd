package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CheckCommandTest extends AuthorityKeyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private String mint(String... extra) {
    String[] args = new String[extra.length + 7];
    System.arraycopy(
        new String[] {
          "mint",
          "--key",
          key,
          "--allow",
          "fs:read_text_file:/data/invoices/2024/**",
          "--ttl",
          "15m"
        },
        0,
        args,
        0,
        7);
    System.arraycopy(extra, 0, args, 7, extra.length);
    CliRun.Result r = cli.run(args);
    assertThat(r.exit()).as(r.err()).isZero();
    return r.value();
  }

  private CliRun.Result check(String token, String request, String... extra) {
    String[] args = new String[extra.length + 5];
    System.arraycopy(new String[] {"check", "--pub", pub, "--request", request}, 0, args, 0, 5);
    System.arraycopy(extra, 0, args, 5, extra.length);
    return cli.pipe(token, args);
  }

  @Test
  void mintedToken_allowsARequestInScope() {
    CliRun.Result r = check(mint(), CliRun.readFile("/data/invoices/2024/jan.pdf"));

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("allow");
  }

  @Test
  void mintedToken_deniesAResourceOutOfScope_withTheReason() {
    CliRun.Result r = check(mint(), CliRun.readFile("/data/secrets/key.pem"));

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).startsWith("deny GRANT").contains("/data/secrets/key.pem");
    assertThat(r.out().lines()).hasSize(1);
  }

  @Test
  void pathTraversal_outOfTheGrantIsDenied() {
    CliRun.Result r = check(mint(), CliRun.readFile("/data/invoices/2024/../../secrets/x"));

    assertThat(r.exit()).isEqualTo(1);
  }

  @Test
  void json_reportsTheDecisionFields() throws Exception {
    String token = mint();
    CliRun.Result r = check(token, CliRun.readFile("/etc/passwd"), "--json");

    JsonNode decision = JSON.readTree(r.out());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(decision.get("decision").asText()).isEqualTo("deny");
    assertThat(decision.get("code").asText()).isEqualTo("GRANT");
    assertThat(decision.get("block").asInt()).isZero();
    assertThat(decision.get("caveat").asText()).isEqualTo("grant");
    assertThat(decision.get("reason").asText()).contains("/etc/passwd");
    assertThat(decision.get("tokenId").asText()).isNotBlank();
  }

  @Test
  void expiredToken_isDeniedOnceTheClockPassesTheTtl() {
    String token = mint();
    cli.after(Duration.ofMinutes(20));

    CliRun.Result r = check(token, CliRun.readFile("/data/invoices/2024/jan.pdf"));

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).startsWith("deny EXPIRED");
  }

  @Test
  void argumentConstraint_isEnforced() {
    String token = mint("--arg", "/path=within:/data/invoices/2024");
    String outside =
        "{\"service\":\"fs\",\"action\":\"read_text_file\",\"resource\":\"/data/invoices/2024/a\","
            + "\"args\":{\"path\":\"/etc/passwd\"}}";

    assertThat(check(token, CliRun.readFile("/data/invoices/2024/a")).exit()).isZero();
    CliRun.Result denied = check(token, outside);
    assertThat(denied.exit()).isEqualTo(1);
    assertThat(denied.out()).startsWith("deny ARGUMENT");
  }

  @Test
  void moreResources_eachMustBeGranted() {
    String token = mint();
    String request =
        "{\"service\":\"fs\",\"action\":\"read_text_file\",\"resource\":\"/data/invoices/2024/a\","
            + "\"moreResources\":[\"/data/invoices/2024/b\",%s]}";

    assertThat(check(token, String.format(request, "\"/data/invoices/2024/c\"")).exit()).isZero();
    CliRun.Result denied = check(token, String.format(request, "\"/data/hr/salaries\""));
    assertThat(denied.exit()).isEqualTo(1);
    assertThat(denied.out()).startsWith("deny GRANT").contains("/data/hr/salaries");
    CliRun.Result bad = check(token, String.format(request, "\"\""));
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("\"moreResources[]\" must be a non-empty string");
  }

  @Test
  void audience_mustMatchTheCheckingGateway() {
    String token = mint("--audience", "gw-eu");

    assertThat(check(token, CliRun.readFile("/data/invoices/2024/a"), "--audience", "gw-eu").exit())
        .isZero();
    assertThat(check(token, CliRun.readFile("/data/invoices/2024/a"), "--audience", "gw-us").exit())
        .isEqualTo(1);
  }

  @Test
  void unknownRootKey_isDenied() {
    String token = mint();
    Path other = dir.resolve("other");
    cli.keygen(other, "authority");

    CliRun.Result r =
        cli.pipe(
            token,
            "check",
            "--pub",
            other.resolve("authority.pub").toString(),
            "--request",
            CliRun.readFile("/data/invoices/2024/a"));

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).startsWith("deny UNKNOWN_KEY");
  }

  @Test
  void malformedToken_isUnreadableInput_exitTwo_oneLineOnStderr() {
    for (String text : new String[] {"mnd1_not-a-token", "garbage", "{\"json\":true}"}) {
      CliRun.Result r = check(text, CliRun.readFile("/data/invoices/2024/a"));

      assertThat(r.exit()).as(text).isEqualTo(2);
      assertThat(r.out()).isEmpty();
      assertThat(r.err().lines()).singleElement().asString().startsWith("mandate: ");
      assertThat(r.err()).contains("malformed").doesNotContainPattern("[A-Z][a-z]+Exception");
    }
  }

  @Test
  void noTokenOnStdin_isUnreadableInput_exitTwo() {
    CliRun.Result r = check("", CliRun.readFile("/data/invoices/2024/a"));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("mandate: no token on stdin");
  }

  @Test
  void malformedToken_withJson_stillExitsTwo_withNothingOnStdout() {
    CliRun.Result r = check("garbage", CliRun.readFile("/data/invoices/2024/a"), "--json");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
  }

  @Test
  void pub_acceptsAFileOfSeveralKeysWithComments_asKeysExportAndBootstrapWriteIt()
      throws Exception {
    Path other = cli.keygen(dir.resolve("other"), "authority");
    Path both = dir.resolve("trust");
    java.nio.file.Files.writeString(
        both,
        "# pinned by a test\n"
            + java.nio.file.Files.readString(other.resolve("authority.pub"))
            + "\n"
            + java.nio.file.Files.readString(dir.resolve("authority.pub")));

    CliRun.Result r =
        cli.pipe(
            mint(),
            "check",
            "--pub",
            both.toString(),
            "--request",
            CliRun.readFile("/data/invoices/2024/jan.pdf"));

    assertThat(r.exit()).as(r.err()).isZero();
  }

  @Test
  void tamperedToken_isDenied() {
    String token = mint();
    char last = token.charAt(token.length() - 10);
    String tampered =
        token.substring(0, token.length() - 10)
            + (last == 'A' ? 'B' : 'A')
            + token.substring(token.length() - 9);

    CliRun.Result r = check(tampered, CliRun.readFile("/data/invoices/2024/a"));

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).startsWith("deny");
  }

  @Test
  void missingPub_isBadUsage() {
    CliRun.Result r =
        cli.pipe(mint(), "check", "--request", CliRun.readFile("/data/invoices/2024/a"));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("mandate: ").contains("--pub");
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.out()).isEmpty();
  }

  @Test
  void request_withUnknownField_isBadUsage() {
    CliRun.Result r =
        check(mint(), "{\"service\":\"fs\",\"action\":\"a\",\"resource\":\"/x\",\"admin\":true}");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("unknown field \"admin\"");
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void request_withTrailingTokens_orDuplicateKeys_orCoercedTypes_isBadUsage() {
    String token = mint();
    String ok = CliRun.readFile("/data/invoices/2024/a");

    assertThat(check(token, ok + " {}").exit()).isEqualTo(2);
    assertThat(
            check(
                    token,
                    "{\"service\":\"fs\",\"service\":\"x\",\"action\":\"a\",\"resource\":\"/x\"}")
                .exit())
        .isEqualTo(2);
    assertThat(check(token, "{\"service\":1,\"action\":\"a\",\"resource\":\"/x\"}").exit())
        .isEqualTo(2);
    assertThat(
            check(token, "{\"service\":\"fs\",\"action\":\"a\",\"resource\":\"/x\",\"args\":[]}")
                .exit())
        .isEqualTo(2);
  }

  @Test
  void request_largerThanOneMebibyte_isRefusedBeforeParsing() {
    String big =
        "{\"service\":\"fs\",\"action\":\"a\",\"resource\":\"/x\",\"args\":{\"p\":\""
            + "a".repeat((1 << 20) + 1)
            + "\"}}";

    CliRun.Result r = check(mint(), big);

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("1 MiB");
  }

  @Test
  void request_canBeReadFromAFile() throws IOException {
    Path file = dir.resolve("request.json");
    Files.writeString(file, CliRun.readFile("/data/invoices/2024/a"));

    assertThat(check(mint(), "@" + file).exit()).isZero();
  }

  @Test
  void revokedFile_listingBlockOneRevocationId_deniesTheAttenuatedToken() throws Exception {
    String parent = mint();
    String child = cli.pipe(parent, "attenuate", "--ttl", "5m").value();
    JsonNode inspected = JSON.readTree(cli.pipe(child, "inspect", "--json").out());
    String blockOne = inspected.get("revocationIds").get(1).asText();
    Path revoked = dir.resolve("revoked.txt");
    Files.writeString(revoked, "# revoked by ops\n\n" + blockOne.toUpperCase() + "\n");

    CliRun.Result r =
        check(child, CliRun.readFile("/data/invoices/2024/a"), "--revoked", revoked.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).startsWith("deny REVOKED (block 1");
    assertThat(
            check(parent, CliRun.readFile("/data/invoices/2024/a"), "--revoked", revoked.toString())
                .exit())
        .as("the parent does not contain block 1")
        .isZero();
  }

  @Test
  void revokedFile_withAJunkLine_isBadUsageNamingTheLine() throws Exception {
    Path revoked = dir.resolve("revoked.txt");
    Files.writeString(revoked, "# ok\nnot hex!\n");

    CliRun.Result r =
        check(mint(), CliRun.readFile("/data/invoices/2024/a"), "--revoked", revoked.toString());

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("line 2");
  }

  @Test
  void holderBoundToken_needsAProofFromTheRightHolderKey() {
    cli.keygen(dir, "agent");
    cli.keygen(dir, "stranger");
    String token = mint("--holder", dir.resolve("agent.pub").toString());
    String request = CliRun.readFile("/data/invoices/2024/a");

    CliRun.Result noKey = check(token, request);
    CliRun.Result rightKey =
        check(token, request, "--holder-key", dir.resolve("agent.key").toString());
    CliRun.Result wrongKey =
        check(token, request, "--holder-key", dir.resolve("stranger.key").toString());

    assertThat(noKey.exit()).isEqualTo(1);
    assertThat(noKey.out()).startsWith("deny PROOF_REQUIRED");
    assertThat(rightKey.exit()).as(rightKey.out() + rightKey.err()).isZero();
    assertThat(wrongKey.exit()).isEqualTo(1);
    assertThat(wrongKey.out()).startsWith("deny PROOF_INVALID");
  }

  @Test
  void unreadableStdin_isOneLineWithoutStackTrace() {
    InputStream broken =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("device gone");
          }
        };

    CliRun.Result r =
        cli.pipe(
            broken, "check", "--pub", pub, "--request", CliRun.readFile("/data/invoices/2024/a"));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("mandate: cannot read the token from stdin");
    assertThat(r.err().lines()).hasSize(1);
  }
}
