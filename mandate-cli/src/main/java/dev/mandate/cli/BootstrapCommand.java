package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.mandate.crypto.VerifyingKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mandate bootstrap}: fetches an authority's public keys and keeps only those whose
 * fingerprints the operator pinned, so that a machine can trust the authority without copying keys
 * by hand, and a man in the middle cannot slip in a key of its own.
 */
@Command(
    name = "bootstrap",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Fetch the authority's root public keys, keep those whose fingerprint you pinned, and write"
          + " them to a trust file for 'mandate check --pub FILE' and for gateways"
          + " (authority.trustedKeysFile).",
      "Take the fingerprint from the authority's host ('mandate keys list' or 'mandate keys"
          + " export' there), not from the network you are bootstrapping over.",
      "Exit 0: written; 1: a pinned fingerprint matches no key the authority lists (nothing is"
          + " written); 2: bad usage or an authority that cannot be reached."
    },
    footer = {
      "",
      "Example:",
      "  mandate bootstrap --authority https://authority.example:7700 \\",
      "    --fingerprint SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU \\",
      "    --out /etc/mandate/authority.trust",
      "",
      "After a key rotation, run it again with the new key's fingerprint (keep the",
      "old one pinned too until the tokens it signed have expired)."
    })
final class BootstrapCommand extends CliCommand {
  private static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");

  @Mixin AuthorityOptions authority;

  @Option(
      names = "--fingerprint",
      required = true,
      paramLabel = "SHA256:...",
      description = "The fingerprint of a root key to trust. Repeatable.")
  List<String> fingerprints = new ArrayList<>();

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "The trust file to write (mode 0644, replaced). Default: ${DEFAULT-VALUE}.")
  Path out = Path.of("authority.trust");

  @Option(names = "--json", description = "Print the pinned keys as one JSON array.")
  boolean json;

  @Override
  public Integer call() {
    Set<String> pinned = new LinkedHashSet<>();
    for (String f : fingerprints) {
      String fp = f.strip();
      if (fp.regionMatches(true, 0, "sha256:", 0, 7)) {
        fp = "SHA256:" + fp.substring(7);
      }
      if (!FINGERPRINT.matcher(fp).matches()) {
        throw new BadInputException(
            "--fingerprint '"
                + Printable.escape(f)
                + "' is not a key fingerprint; it looks like SHA256: and 43 base64 characters, as"
                + " 'mandate keys list' shows it");
      }
      pinned.add(fp);
    }
    AuthorityClient client = authority.publicOrAuthenticated(spec);
    JsonNode list = client.get("/v1/keys", null);
    List<VerifyingKey> offered = KeysCommand.trusted(list, "the authority at " + client.url());
    Terminal t = terminal();
    List<VerifyingKey> kept = new ArrayList<>();
    Set<String> matched = new LinkedHashSet<>();
    for (VerifyingKey key : offered) {
      String fp = KeyFiles.fingerprint(key);
      if (pinned.contains(fp)) {
        kept.add(key);
        matched.add(fp);
      }
    }
    Set<String> unmatched = new LinkedHashSet<>(pinned);
    unmatched.removeAll(matched);
    if (!unmatched.isEmpty()) {
      t.err()
          .println(
              "mandate: "
                  + Mandate.oneLine(
                      "the authority at "
                          + client.url()
                          + " lists no key with fingerprint "
                          + String.join(", ", unmatched)
                          + "; nothing was written. Check the fingerprint on the authority's host"
                          + " ('mandate keys list'): if it is right, the answer did not come from"
                          + " your authority"));
      return Mandate.DENY;
    }
    KeyFiles.writeVerifyingKeys(
        out,
        List.of(
            "Mandate root keys of " + client.url() + ", pinned " + t.clock().instant(),
            "by fingerprint " + String.join(", ", pinned) + " ('mandate bootstrap')."),
        kept);
    ArrayNode shown = JsonOut.object().arrayNode();
    for (VerifyingKey key : kept) {
      if (json) {
        shown.addObject().put("keyId", key.keyId()).put("fingerprint", KeyFiles.fingerprint(key));
      } else {
        t.out().println(key.keyId() + " " + KeyFiles.fingerprint(key));
      }
    }
    if (json) {
      t.out().println(JsonOut.line(shown));
    }
    for (VerifyingKey key : offered) {
      if (!kept.contains(key)) {
        t.err()
            .println(
                "not trusted: "
                    + key.keyId()
                    + " "
                    + KeyFiles.fingerprint(key)
                    + " (not pinned; pin it too if the authority's host lists it)");
      }
    }
    t.err().println("wrote " + kept.size() + " pinned key(s) to " + out);
    return Mandate.OK;
  }
}
