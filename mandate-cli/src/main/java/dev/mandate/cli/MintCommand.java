package dev.mandate.cli;

import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Capability;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code mandate mint}: signs a new capability with an authority root key. */
@Command(
    name = "mint",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Mint a capability signed by an authority root key and print it.",
      "At least one --allow and an expiry (--ttl or --expires) are required."
    },
    footer = {
      "",
      "Example:",
      "  mandate mint --key keys/authority.key --ttl 15m \\",
      "    --allow 'fs:read_text_file:/data/invoices/2024/**' \\",
      "    --arg /path=within:/data/invoices/2024",
    })
final class MintCommand implements Callable<Integer> {
  @ParentCommand Mandate parent;
  @Spec CommandSpec spec;

  @Option(
      names = "--key",
      required = true,
      paramLabel = "FILE",
      description = "The authority's private key (e.g. keys/authority.key).")
  Path key;

  @Option(
      names = "--holder",
      paramLabel = "FILE.pub",
      description =
          "Bind the token to this holder public key: every call then needs a proof signed by the"
              + " holder's private key.")
  Path holder;

  @Mixin BlockOptions block;

  @Override
  public Integer call() {
    if (block.grants.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "a capability needs at least one --allow SERVICE:ACTION:RESOURCE (e.g. --allow"
              + " 'fs:read_text_file:/data/**')");
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
    t.out().println(minter.sign().toText());
    return Mandate.OK;
  }
}
