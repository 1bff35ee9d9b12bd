package dev.mandate.cli;

import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Capability;
import dev.mandate.token.Restrictions;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code mandate attenuate}: appends a narrowing block to the token on stdin, offline. */
@Command(
    name = "attenuate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Read a token on stdin, append a block that narrows it, and print the new token.",
      "A block can only restrict: what the token allows is the intersection of all blocks,",
      "so --allow here can narrow the grants but never widen them.",
      "A holder-bound token must be signed by its holder: give --holder-key."
    },
    footer = {
      "",
      "Delegate to a sub-agent (bind its key and narrow):",
      "  mandate attenuate --holder-key agent.key --bind sub.pub \\",
      "    --allow 'fs:read_text_file:/data/invoices/2024/q1/**' --ttl 5m < token"
    })
final class AttenuateCommand extends CliCommand {

  @Option(
      names = "--bind",
      paramLabel = "CHILD.pub",
      description = "Bind the token to this new holder public key (delegation to a sub-agent).")
  Path bind;

  @Option(
      names = "--holder-key",
      paramLabel = "CURRENT.key",
      description = "The current holder's private key; required if the token is holder-bound.")
  Path holderKey;

  @Mixin BlockOptions block;

  @Override
  public Integer call() {
    Restrictions.Builder asked = block.restrictions();
    if (bind != null) {
      asked.bindTo(KeyFiles.readVerifyingKey(bind, "--bind"));
    }
    Restrictions restrictions = asked.build();
    if (restrictions.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "nothing to add: give at least one restriction (--allow, --ttl, --arg, --where, ...),"
              + " --bind or --seal");
    }
    Terminal t = terminal();
    SigningKey signer =
        holderKey == null ? null : KeyFiles.readSigningKey(holderKey, "--holder-key");
    Capability parentToken = Capability.decode(Stdin.requireToken(t.stdin(), "attenuate"));
    if (parentToken.sealed()) {
      throw new BadInputException("the token is sealed; it cannot be attenuated further");
    }
    Optional<String> holder = parentToken.holderKeyId();
    if (holder.isPresent() && signer == null) {
      throw new BadInputException(
          "the token is bound to holder "
              + holder.get()
              + "; sign the new block with that holder's private key: --holder-key FILE.key");
    }
    if (holder.isPresent() && !signer.verifyingKey().keyId().equals(holder.get())) {
      throw new BadInputException(
          "--holder-key "
              + holderKey
              + " is key "
              + signer.verifyingKey().keyId()
              + ", but the token is bound to holder "
              + holder.get());
    }
    if (holder.isEmpty() && signer != null) {
      throw new BadInputException(
          "the token is not holder-bound, so --holder-key is not needed; drop it (to bind the"
              + " token to a key, use --bind FILE.pub)");
    }
    Capability.Attenuator attenuator =
        parentToken.attenuate().clock(t.clock()).random(t.random()).restrict(restrictions);
    t.out().println(attenuator.sign(signer).toText());
    return Mandate.OK;
  }
}
