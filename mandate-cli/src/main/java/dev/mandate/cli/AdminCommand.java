package dev.mandate.cli;

import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityStartupException;
import dev.mandate.authority.HostAdmin;
import dev.mandate.authority.MasterKeySource;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mandate admin reset-secret|new-master-key}: what an operator does on the authority's host,
 * with the data directory, the database and the master key at hand instead of an API credential.
 */
@Command(
    name = "admin",
    mixinStandardHelpOptions = true,
    description =
        "On the authority's host: reset the admin secret, or make a master key to keep in a KMS.",
    subcommands = {AdminCommand.ResetSecret.class, AdminCommand.NewMasterKey.class})
final class AdminCommand extends CliCommand.Group {

  @Command(
      name = "reset-secret",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Give the admin client a new secret (creating or re-enabling it); the old one stops",
        "working at once, also on a running authority. Needs the data directory, the database",
        "and the master key: only someone on the authority's host can do it."
      },
      footer = {
        "",
        "Example:",
        "  mandate admin reset-secret --data /var/lib/mandate --secret-out admin.secret"
      })
  static final class ResetSecret extends CliCommand {

    @Option(
        names = "--data",
        paramLabel = "DIR",
        description = "The authority's data directory. Default: ${DEFAULT-VALUE}.")
    Path data = Path.of("mandate-data");

    @Mixin DatabaseOptions db;

    @Mixin MasterKeyOptions masterKey;

    @Option(
        names = "--secret-out",
        paramLabel = "FILE",
        description =
            "Write the new secret to FILE (mode 0600, replaced if it exists); needed when stdout"
                + " is not a terminal.")
    Path secretOut;

    @Override
    public Integer call() {
      Terminal t = terminal();
      OneTimeSecret.checkDestination(spec, t, secretOut, "--secret-out", true);
      AuthorityConfig config;
      try {
        AuthorityConfig.Builder b =
            AuthorityConfig.builder(data)
                .clock(t.clock())
                .random(t.random())
                .environment(t.environment())
                .masterKeySource(masterKey.source(spec, data));
        db.apply(spec, b);
        config = b.build();
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage());
      }
      String secret;
      try {
        secret = HostAdmin.resetAdminSecret(config);
      } catch (AuthorityStartupException e) {
        throw new BadInputException("cannot reset the admin secret: " + e.getMessage());
      }
      OneTimeSecret.deliver(t, secretOut, "--secret-out", true, "the new admin secret", secret);
      return Mandate.OK;
    }
  }

  @Command(
      name = "new-master-key",
      mixinStandardHelpOptions = true,
      description = {
        "Write a new random master key to a file (mode 0600), for a master key kept outside the",
        "authority: wrap it with your KMS or store it in a secret manager, delete the file, and",
        "start the authority with --master-key-command (or MANDATE_MASTER_KEY) to unwrap it.",
        "Only for a new authority: an existing database needs the master key it was made with."
      },
      footer = {
        "",
        "Example (AWS KMS; other KMSs alike):",
        "  mandate admin new-master-key --out master.key",
        "  aws kms encrypt --key-id alias/mandate --plaintext fileb://master.key \\",
        "    --query CiphertextBlob --output text | base64 -d > /etc/mandate/master.kms",
        "  shred -u master.key",
        "  mandate serve --master-key-command 'aws kms decrypt --query Plaintext \\",
        "    --ciphertext-blob fileb:///etc/mandate/master.kms --output text | base64 -d'"
      })
  static final class NewMasterKey extends CliCommand {

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description = "The file to write (created with mode 0600; must not exist).")
    Path out;

    @Override
    public Integer call() {
      Terminal t = terminal();
      SecretFiles.checkWritable(out, "--out", false);
      SecretFiles.write(out, MasterKeySource.newKey(t.random()), "--out", false);
      t.err().println("wrote a new master key to " + out + " (mode 0600)");
      return Mandate.OK;
    }
  }
}
