package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

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
      "authority adds exactly the caveats its policy requires (with an approval",
      "caveat if it says approval: [GROUP]); narrow the token further with",
      "'mandate attenuate'. MANDATE_AUTHORITY, MANDATE_CLIENT and MANDATE_SECRET_FILE",
      "stand in for the three options.",
    })
final class MintCommand implements Callable<Integer> {
  @ParentCommand Mandate parent;
  @Spec CommandSpec spec;

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
    if (block.grants.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "a capability needs at least one --allow SERVICE:ACTION:RESOURCE (e.g. --allow"
              + " 'fs:read_text_file:/data/**')");
    }
    if (key == null) {
      return mintByAuthority();
    }
    if (indirect) {
      throw new ParameterException(
          spec.commandLine(),
          "--indirect needs --authority: only an authority can switch a capability off and on");
    }
    if (!block.hasExpiry()) {
      throw new ParameterException(
          spec.commandLine(), "an expiry is mandatory: give --ttl (e.g. --ttl 15m) or --expires");
    }
    Terminal t = parent.terminal();
    SigningKey rootKey = KeyFiles.readSigningKey(key, "--key");
    Capability.Minter minter = Capability.mint(rootKey);
    if (holder != null) {
      minter.bindTo(KeyFiles.readVerifyingKey(holder, "--holder"));
    }
    block.applyTo(minter, t.clock(), t.random());
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

  private int mintByAuthority() {
    refuseLocalOnly("--expires", block.expires != null, "give --ttl instead");
    refuseLocalOnly("--not-before", block.notBefore != null, null);
    refuseLocalOnly("--where", !block.conditions.isEmpty(), null);
    refuseLocalOnly("--arg", !block.arguments.isEmpty(), null);
    refuseLocalOnly("--seal", block.seal, null);
    if (block.audiences.size() > 1) {
      throw new ParameterException(
          spec.commandLine(), "with --authority give at most one --audience");
    }
    if (block.ttl == null) {
      throw new ParameterException(
          spec.commandLine(), "an expiry is mandatory: give --ttl (e.g. --ttl 15m)");
    }
    if (block.maxUses != null && (block.maxUses < 1 || block.maxUses > Integer.MAX_VALUE)) {
      throw new BadInputException(
          "--max-uses must be 1.." + Integer.MAX_VALUE + ", got " + block.maxUses);
    }
    AuthorityClient client = authority.authenticated(spec);
    List<String> grants = new ArrayList<>();
    for (Grant g : block.grants) {
      grants.add(g.toString());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("grants", grants);
    body.put("ttl", ttlText(block.ttl));
    body.put("audience", block.audiences.isEmpty() ? null : block.audiences.get(0));
    body.put(
        "holderKey",
        holder == null ? null : KeyFiles.readVerifyingKey(holder, "--holder").toText());
    body.put("maxUses", block.maxUses == null ? null : block.maxUses.intValue());
    body.put("maxDepth", block.maxDepth);
    body.put("indirect", indirect ? Boolean.TRUE : null);
    body.put("requireApproval", block.requireApproval.isEmpty() ? null : block.requireApproval);

    Terminal t = parent.terminal();
    JsonNode minted;
    try {
      minted = client.post("/v1/capabilities", body);
    } catch (AuthorityCallException e) {
      if (e.status() == 403 && e.code().filter("policy_denied"::equals).isPresent()) {
        t.err()
            .println(
                "mandate: "
                    + Mandate.oneLine("denied by policy: " + e.authorityMessage().orElse("")));
        return Mandate.DENY;
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

  private void refuseLocalOnly(String option, boolean given, String hint) {
    if (given) {
      throw new ParameterException(
          spec.commandLine(),
          option
              + " cannot be used with --authority: the authority adds exactly the caveats its"
              + " policy requires; "
              + (hint != null ? hint : "narrow the minted token with 'mandate attenuate'"));
    }
  }

  /** The authority's ttl format: one whole number and one unit (s, m, h or d). */
  static String ttlText(Duration ttl) {
    long s = ttl.toSeconds();
    if (s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s % 3_600 == 0) {
      return s / 3_600 + "h";
    }
    if (s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }
}
