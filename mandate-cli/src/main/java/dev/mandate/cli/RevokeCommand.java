package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.token.Capability;
import dev.mandate.token.DelegatedRevocation;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mandate revoke}: asks the authority to revoke a token (and so everything delegated from
 * it) or one block by its revocation id. Prints the revocation's feed sequence number once the
 * authority has made it durable.
 */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Revoke a capability at the authority. Name it by --token-id, by --revocation-id (admins),"
          + " or pipe the token itself on stdin.",
      "Revoking a token denies it and every token attenuated or delegated from it.",
      "Prints the feed sequence number of the revocation on stdout."
    },
    footer = {
      "",
      "Examples:",
      "  mandate revoke --authority http://127.0.0.1:7700 --client admin \\",
      "    --secret-file admin.secret --token-id 3f2a... --reason 'agent compromised'",
      "  export MANDATE_AUTHORITY=http://127.0.0.1:7700 MANDATE_CLIENT=agent",
      "  export MANDATE_SECRET_FILE=agent.secret",
      "  mandate revoke --reason 'task finished' < agent.tok",
      "  mandate revoke --block 1 --holder-key agent.key --reason done < sub.tok",
    })
final class RevokeCommand extends CliCommand {

  @Mixin AuthorityOptions authority;

  @Option(
      names = "--token-id",
      paramLabel = "ID",
      description = "The id of a token the authority minted (as 'mandate mint' printed it).")
  String tokenId;

  @Option(
      names = "--revocation-id",
      paramLabel = "ID",
      description =
          "A block's revocation id. Alone, only an admin may use it; with --token-id it must be a"
              + " block of that token.")
  String revocationId;

  @Option(
      names = "--block",
      paramLabel = "N",
      description =
          "Revoke only block N (1 or more) of the token on stdin: what was delegated there and"
              + " everything derived from it, while the blocks before it (your own capability) stay"
              + " valid. Allowed with --holder-key (the key that signed block N, the delegator's),"
              + " or to the client that minted the token.")
  Integer block;

  @Option(
      names = "--holder-key",
      paramLabel = "FILE",
      description =
          "With --block: the delegator's private key, which signed block N; it signs a proof for"
              + " the authority (the key itself is never sent).")
  java.nio.file.Path holderKey;

  @Option(
      names = "--reason",
      required = true,
      paramLabel = "TEXT",
      description = "Why, for the audit trail.")
  String reason;

  @Option(
      names = "--json",
      description = "Print one JSON object: sequence, revocationId, tokenId (nothing on stderr).")
  boolean json;

  @Override
  public Integer call() {
    AuthorityClient client = authority.authenticated(spec);
    Terminal t = terminal();
    String token = tokenId;
    Capability delegated = null;
    if (block != null) {
      if (tokenId != null || revocationId != null) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(),
            "--block names a block of the token on stdin; leave out --token-id and --revocation-id");
      }
      delegated = Capability.decode(Stdin.requireToken(t.stdin(), "revoke"));
    } else if (holderKey != null) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--holder-key signs the revocation of a delegated --block N");
    } else if (token == null && revocationId == null) {
      // The token's id names its first block: revoking it cascades to everything derived from it.
      token = Capability.decode(Stdin.requireToken(t.stdin(), "revoke")).tokenId();
    }
    Map<String, Object> body = new LinkedHashMap<>();
    if (block != null) {
      body.put("token", delegated.toText());
      body.put("block", block);
      if (holderKey != null) {
        try {
          body.put(
              "proof",
              DelegatedRevocation.sign(
                  delegated,
                  block,
                  KeyFiles.readSigningKey(holderKey, "--holder-key"),
                  t.clock().instant()));
        } catch (IllegalArgumentException e) {
          throw new BadInputException("--block " + block + ": " + e.getMessage());
        }
      }
    } else {
      body.put("tokenId", token);
      body.put("revocationId", revocationId);
    }
    body.put("reason", reason);
    JsonNode published = client.post("/v1/revocations", body);
    long sequence = published.path("sequence").asLong();
    if (json) {
      ObjectNode o = JsonOut.object();
      o.put("sequence", sequence);
      o.put("revocationId", published.path("revocationId").asText());
      o.put("tokenId", published.hasNonNull("tokenId") ? published.path("tokenId").asText() : null);
      t.out().println(JsonOut.line(o));
      return Mandate.OK;
    }
    t.out().println(sequence);
    t.err()
        .println(
            "revoked "
                + Printable.escape(published.path("revocationId").asText())
                + (published.hasNonNull("tokenId")
                    ? " (token " + Printable.escape(published.path("tokenId").asText()) + ")"
                    : "")
                + " at feed sequence "
                + sequence);
    return Mandate.OK;
  }
}
