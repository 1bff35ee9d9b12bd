package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Capability;
import dev.mandate.token.MintRequestBody;
import dev.mandate.token.Restrictions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code mandate mint}: signs a new capability with a root key held locally ({@code --key}), or
 * asks an authority to mint it under its policy ({@code --authority}).
 */
@Command(
    name = "mint",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Mint a capability and print it: signed locally with a root key (--key), or by an authority"
          + " under its policy (--authority, --client, --secret-file).",
      "At least one --allow and an expiry (--ttl, or --expires with --key) are required."
    },
    footer = {
      "",
      "Examples:",
      "  mandate mint --key keys/authority.key --ttl 15m \\",
      "    --allow 'fs:read_text_file:/data/invoices/2024/**' \\",
      "    --arg /path=within:/data/invoices/2024",
      "  mandate mint --authority http://127.0.0.1:7700 --client invoice-agent \\",
      "    --secret-file invoice-agent.secret --ttl 15m --holder agent.pub \\",
      "    --audience gateway-1 --allow 'fs:read_text_file:/data/invoices/2024/**'",
      "",
      "With --authority the token goes to stdout and its ids to stderr; a policy",
      "denial prints 'mandate: denied by policy: <reason>' and exits 1. The",
      "authority adds the caveats its policy requires (with an approval caveat if",
      "it says approval: [GROUP], and the constraints its templates carry, whose",
      "parameters --param NAME=VALUE gives); narrow the token further with",
      "'mandate attenuate'. MANDATE_AUTHORITY, MANDATE_CLIENT and MANDATE_SECRET_FILE",
      "stand in for the three options.",
    })
final class MintCommand extends CliCommand {

  @Option(
      names = "--key",
      paramLabel = "FILE",
      description =
          "Sign locally with this root private key (e.g. keys/authority.key). Not with"
              + " --authority.")
  Path key;

  @Mixin AuthorityOptions authority;

  @Option(
      names = "--holder",
      paramLabel = "FILE.pub",
      description =
          "Bind the token to this holder public key: every call then needs a proof signed by the"
              + " holder's private key.")
  Path holder;

  @Option(
      names = "--indirect",
      description =
          "With --authority: mint an indirect capability, which the authority can switch off and"
              + " on again.")
  boolean indirect;

  @Mixin BlockOptions block;

  @Option(
      names = "--param",
      paramLabel = "NAME=VALUE",
      description =
          "With --authority: the value of a parameter of a constraint the policy's template"
              + " carries (e.g. --param max=5000 for /amount=range:0..{max}). Repeatable.")
  java.util.Map<String, String> parameters = new java.util.LinkedHashMap<>();

  @Option(
      names = "--json",
      description =
          "Print one JSON object: token, tokenId, revocationIds, expiresAt (nothing on stderr).")
  boolean json;

  @Override
  public Integer call() {
    if (key != null && authority.given()) {
      throw new ParameterException(
          spec.commandLine(),
          "--key and --authority cannot be combined: --key signs locally with a root key you hold,"
              + " --authority asks the authority to mint under its policy; give one of them");
    }
    if (key == null && !authority.available(spec)) {
      throw new ParameterException(
          spec.commandLine(),
          "say who signs: --key FILE to sign with a local root key, or --authority URL --client ID"
              + " --secret-file FILE (or MANDATE_AUTHORITY and the like) to ask an authority");
    }
    if (!block.hasGrants()) {
      throw new ParameterException(
          spec.commandLine(),
          "a capability needs at least one --allow SERVICE:ACTION:RESOURCE (e.g. --allow"
              + " 'fs:read_text_file:/data/**') or --allow-literal");
    }
    Restrictions.Builder asked = block.restrictions();
    if (holder != null) {
      asked.bindTo(KeyFiles.readVerifyingKey(holder, "--holder"));
    }
    Restrictions restrictions = asked.build();
    if (key == null) {
      return mintByAuthority(restrictions);
    }
    if (indirect) {
      throw new ParameterException(
          spec.commandLine(),
          "--indirect needs --authority: only an authority can switch a capability off and on");
    }
    if (!parameters.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "--param needs --authority: it gives values for the constraints of the policy's"
              + " templates");
    }
    if (!restrictions.hasExpiry()) {
      throw new ParameterException(
          spec.commandLine(), "an expiry is mandatory: give --ttl (e.g. --ttl 15m) or --expires");
    }
    Terminal t = terminal();
    SigningKey rootKey = KeyFiles.readSigningKey(key, "--key");
    Capability.Minter minter =
        Capability.mint(rootKey).clock(t.clock()).random(t.random()).restrict(restrictions);
    Capability minted = minter.sign();
    if (json) {
      ObjectNode o = JsonOut.object();
      o.put("token", minted.toText());
      o.put("tokenId", minted.tokenId());
      minted.revocationIds().forEach(o.putArray("revocationIds")::add);
      o.put("expiresAt", minted.expiresAt().toString());
      t.out().println(JsonOut.line(o));
    } else {
      t.out().println(minted.toText());
    }
    return Mandate.OK;
  }

  private int mintByAuthority(Restrictions restrictions) {
    MintRequestBody body;
    try {
      body = MintRequestBody.of(restrictions, indirect).withParameters(parameters);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "with --authority, " + e.getMessage());
    }
    if (restrictions.ttl().isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), "an expiry is mandatory: give --ttl (e.g. --ttl 15m)");
    }
    AuthorityClient client = authority.authenticated(spec);
    Terminal t = terminal();
    JsonNode minted;
    try {
      minted = client.post("/v1/capabilities", body);
    } catch (AuthorityCallException e) {
      if (e.status() == 403 && e.code().filter("policy_denied"::equals).isPresent()) {
        return e.refusal(t, "denied by policy");
      }
      throw e;
    }
    String token = minted.path("token").asText("");
    if (token.isEmpty()) {
      throw new BadInputException(
          "the authority's answer holds no token; is it a Mandate authority?");
    }
    List<String> revocationIds = new ArrayList<>();
    minted.path("revocationIds").forEach(n -> revocationIds.add(n.asText()));
    if (json) {
      ObjectNode o = JsonOut.object();
      o.put("token", token);
      o.put("tokenId", minted.path("tokenId").asText());
      revocationIds.forEach(o.putArray("revocationIds")::add);
      o.put("expiresAt", minted.path("expiresAt").asText());
      t.out().println(JsonOut.line(o));
      return Mandate.OK;
    }
    t.out().println(token);
    t.err()
        .println(
            "token id "
                + Printable.escape(minted.path("tokenId").asText())
                + ", revocation ids "
                + Printable.escape(String.join(",", revocationIds))
                + ", expires "
                + Printable.escape(minted.path("expiresAt").asText()));
    return Mandate.OK;
  }
}
