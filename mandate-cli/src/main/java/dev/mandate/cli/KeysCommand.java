package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code mandate keys list|rotate|retire}: the authority's root keys. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "List, rotate or retire the authority's root keys.",
    subcommands = {KeysCommand.ListKeys.class, KeysCommand.Rotate.class, KeysCommand.Retire.class})
final class KeysCommand implements Callable<Integer> {
  @ParentCommand Mandate parent;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "give a subcommand: list, rotate or retire");
  }

  /** {@code KEYID STATE created=... [retired=...] PUBLICKEY}. */
  static String line(JsonNode k) {
    StringBuilder s = new StringBuilder();
    s.append(k.path("keyId").asText())
        .append(' ')
        .append(k.path("state").asText())
        .append(" created=")
        .append(k.path("createdAt").asText());
    if (k.hasNonNull("retiredAt")) {
      s.append(" retired=").append(k.path("retiredAt").asText());
    }
    s.append(' ').append(k.path("publicKey").asText());
    return Printable.escape(s.toString());
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List the root keys gateways should trust: the ACTIVE signing key and the VERIFY_ONLY ones.",
        "One line each: KEYID STATE created=... PUBLICKEY. No credentials needed."
      })
  static final class ListKeys implements Callable<Integer> {
    @ParentCommand KeysCommand keys;
    @Spec CommandSpec spec;
    @Mixin AuthorityOptions authority;

    @Option(names = "--all", description = "Also list RETIRED keys.")
    boolean all;

    @Override
    public Integer call() {
      JsonNode list =
          authority.publicOrAuthenticated(spec).get("/v1/keys", all ? Map.of("all", "true") : null);
      Terminal t = keys.parent.terminal();
      for (JsonNode k : list) {
        t.out().println(line(k));
      }
      return Mandate.OK;
    }
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      description = {
        "Create a new ACTIVE signing key (admin only). The previous key becomes VERIFY_ONLY: tokens"
            + " it signed keep verifying until it is retired.",
        "Prints the new key id on stdout."
      })
  static final class Rotate implements Callable<Integer> {
    @ParentCommand KeysCommand keys;
    @Spec CommandSpec spec;
    @Mixin AuthorityOptions authority;

    @Override
    public Integer call() {
      JsonNode created = authority.authenticated(spec).post("/v1/keys/rotate", null);
      Terminal t = keys.parent.terminal();
      t.out().println(Printable.escape(created.path("keyId").asText()));
      t.err()
          .println(
              "new signing key "
                  + Printable.escape(created.path("keyId").asText())
                  + "; the previous key now only verifies. Retire it with 'mandate keys retire"
                  + " KEYID' once the tokens it signed have expired.");
      return Mandate.OK;
    }
  }

  @Command(
      name = "retire",
      mixinStandardHelpOptions = true,
      description = {
        "Retire a VERIFY_ONLY root key (admin only): every token it signed stops verifying.",
        "The ACTIVE key cannot be retired; rotate first."
      })
  static final class Retire implements Callable<Integer> {
    @ParentCommand KeysCommand keys;
    @Spec CommandSpec spec;
    @Mixin AuthorityOptions authority;

    @Parameters(index = "0", paramLabel = "KEYID", description = "The key to retire.")
    String keyId;

    @Override
    public Integer call() {
      if (!keyId.matches("[A-Za-z0-9._:\\-]{1,256}")) {
        throw new BadInputException(
            "'" + Printable.escape(keyId) + "' is not a key id; see 'mandate keys list'");
      }
      JsonNode retired = authority.authenticated(spec).post("/v1/keys/" + keyId + "/retire", null);
      keys.parent.terminal().out().println(line(retired));
      return Mandate.OK;
    }
  }
}
