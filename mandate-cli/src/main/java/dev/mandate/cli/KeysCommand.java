package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.VerifyingKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mandate keys list|export|rotate|retire}: the authority's root keys. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "List, export, rotate or retire the authority's root keys.",
    subcommands = {
      KeysCommand.ListKeys.class,
      KeysCommand.Export.class,
      KeysCommand.Rotate.class,
      KeysCommand.Retire.class
    })
final class KeysCommand extends CliCommand.Group {

  /** {@code KEYID STATE created=... [retired=...] FINGERPRINT PUBLICKEY}. */
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
    String fingerprint = fingerprintOf(k);
    if (fingerprint != null) {
      s.append(' ').append(fingerprint);
    }
    s.append(' ').append(k.path("publicKey").asText());
    return Printable.escape(s.toString());
  }

  /** The key as --json prints it, with its fingerprint. */
  static ObjectNode view(JsonNode k) {
    ObjectNode o = JsonOut.texts(JsonOut.object(), k, "keyId", "state", "createdAt", "retiredAt");
    o.put("fingerprint", fingerprintOf(k));
    return JsonOut.texts(o, k, "publicKey");
  }

  private static String fingerprintOf(JsonNode k) {
    VerifyingKey key = parse(k);
    return key == null ? null : KeyFiles.fingerprint(key);
  }

  /** The listed key, or null if it is not a valid public key under its own id. */
  static VerifyingKey parse(JsonNode k) {
    try {
      VerifyingKey key = VerifyingKey.parse(k.path("publicKey").asText(""));
      return key.keyId().equals(k.path("keyId").asText()) ? key : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The ACTIVE and VERIFY_ONLY keys of a {@code GET /v1/keys} answer, checked. */
  static List<VerifyingKey> trusted(JsonNode list, String from) {
    List<VerifyingKey> keys = new ArrayList<>();
    for (JsonNode k : list) {
      String state = k.path("state").asText("");
      if (!state.equals("ACTIVE") && !state.equals("VERIFY_ONLY")) {
        continue;
      }
      VerifyingKey key = parse(k);
      if (key == null) {
        throw new BadInputException(
            from
                + " lists an invalid public key for '"
                + Printable.escape(k.path("keyId").asText())
                + "'; is it a Mandate authority?");
      }
      keys.add(key);
    }
    if (keys.isEmpty()) {
      throw new BadInputException(from + " lists no key that verifies tokens");
    }
    return keys;
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List the root keys gateways should trust: the ACTIVE signing key and the VERIFY_ONLY ones.",
        "One line each: KEYID STATE created=... FINGERPRINT PUBLICKEY. No credentials needed."
      })
  static final class ListKeys extends CliCommand.Listing {
    @Option(names = "--all", description = "Also list RETIRED keys.")
    boolean all;

    @Override
    public Integer call() {
      return print(
          authority.publicOrAuthenticated(spec).get("/v1/keys", all ? Map.of("all", "true") : null),
          KeysCommand::line,
          KeysCommand::view);
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = {
        "Write the authority's ACTIVE and VERIFY_ONLY public keys to a file, one per line, for"
            + " 'mandate check --pub FILE'. Prints each key's fingerprint, which others pin with"
            + " 'mandate bootstrap --fingerprint'. No credentials needed.",
        "Run it where the authority is reached without a man in the middle (its own host); use"
            + " 'mandate bootstrap' everywhere else."
      },
      footer = {
        "",
        "Example (on the authority's host):",
        "  mandate keys export --authority http://127.0.0.1:7700 --out authority.pub"
      })
  static final class Export extends CliCommand {
    @Mixin AuthorityOptions authority;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description = "The file to write (mode 0644; replaced if it exists).")
    Path out;

    @Option(names = "--json", description = "Print the exported keys as one JSON array.")
    boolean json;

    @Override
    public Integer call() {
      AuthorityClient client = authority.publicOrAuthenticated(spec);
      JsonNode list = client.get("/v1/keys", null);
      List<VerifyingKey> trusted = trusted(list, "the authority at " + client.url());
      Terminal t = terminal();
      KeyFiles.writeVerifyingKeys(
          out,
          List.of(
              "Mandate root keys of " + client.url() + ", exported " + t.clock().instant(),
              "One key per line; 'mandate check --pub' and gateways trust every one."),
          trusted);
      ArrayNode exported = JsonOut.object().arrayNode();
      for (JsonNode k : list) {
        VerifyingKey key = parse(k);
        if (key != null && trusted.contains(key)) {
          if (json) {
            exported.add(view(k));
          } else {
            t.out()
                .println(
                    Printable.escape(
                        k.path("keyId").asText()
                            + " "
                            + k.path("state").asText()
                            + " "
                            + KeyFiles.fingerprint(key)));
          }
        }
      }
      if (json) {
        t.out().println(JsonOut.line(exported));
      }
      t.err().println("wrote " + trusted.size() + " key(s) to " + out);
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
  static final class Rotate extends CliCommand {
    @Mixin AuthorityOptions authority;

    @Override
    public Integer call() {
      JsonNode created = authority.authenticated(spec).post("/v1/keys/rotate", null);
      Terminal t = terminal();
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
  static final class Retire extends CliCommand {
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
      terminal().out().println(line(retired));
      return Mandate.OK;
    }
  }
}
