package dev.mandate.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.token.Block;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mandate inspect}: decodes the token on stdin and shows its blocks. It checks structure
 * only, never signatures, and it never shows the chain secret a bearer token carries.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Decode the token on stdin and show its blocks, caveats and revocation ids.",
      "Signatures, expiry and revocation are NOT verified; use 'mandate check' for that."
    })
final class InspectCommand extends CliCommand {
  static final String NOT_VERIFIED =
      "not verified: decoded only; signatures, expiry and revocation are not checked, use"
          + " mandate check for that";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Option(names = "--json", description = "Print a JSON object instead of text.")
  boolean json;

  @Override
  public Integer call() throws JsonProcessingException {
    Terminal t = terminal();
    Capability token = Capability.decode(Stdin.requireToken(t.stdin(), "inspect"));
    if (json) {
      t.out().println(JSON.writeValueAsString(toJson(token)));
    } else {
      printText(token, t.out());
    }
    return Mandate.OK;
  }

  static ObjectNode toJson(Capability token) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("verified", false);
    root.put("note", NOT_VERIFIED);
    root.put("tokenId", token.tokenId());
    root.put("rootKeyId", token.rootKeyId());
    root.put("expiresAt", token.expiresAt().toString());
    root.put("holderKeyId", token.holderKeyId().orElse(null));
    root.put("sealed", token.sealed());
    ArrayNode blocks = root.putArray("blocks");
    for (Block b : token.blocks()) {
      ObjectNode o = blocks.addObject();
      o.put("index", b.index());
      if (b.index() == 0) {
        o.put("tokenId", b.tokenId());
        o.put("rootKeyId", b.rootKeyId());
        o.put("issuedAt", b.issuedAt() == null ? null : b.issuedAt().toString());
      }
      ArrayNode grants = o.putArray("grants");
      b.grants().forEach(g -> grants.add(g.toString()));
      if (b.grants().stream().anyMatch(g -> !g.caveats().isEmpty())) {
        // Aligned with grants: the caveats of each grant's own, [] for none.
        ArrayNode grantCaveats = o.putArray("grantCaveats");
        for (Grant g : b.grants()) {
          ArrayNode own = grantCaveats.addArray();
          g.caveats().forEach(c -> own.add(CaveatText.toJson(c)));
        }
      }
      ArrayNode caveats = o.putArray("caveats");
      b.caveats().forEach(c -> caveats.add(CaveatText.toJson(c)));
      o.put("holderKeyId", b.holderKeyId());
      o.put("sealed", b.sealed());
      o.put("revocationId", b.revocationId());
    }
    ArrayNode ids = root.putArray("revocationIds");
    token.revocationIds().forEach(ids::add);
    return root;
  }

  private static void printText(Capability token, PrintWriter out) {
    out.println("Token " + token.tokenId() + " (" + NOT_VERIFIED + ")");
    out.println("  root key:   " + token.rootKeyId());
    out.println("  expires:    " + token.expiresAt());
    out.println("  holder:     " + token.holderKeyId().orElse("none (bearer token)"));
    out.println("  sealed:     " + (token.sealed() ? "yes" : "no"));
    for (Block b : token.blocks()) {
      out.println();
      out.println("Block " + b.index() + (b.index() == 0 ? " (authority)" : " (attenuation)"));
      if (b.index() == 0) {
        out.println("  token id:   " + b.tokenId());
        out.println("  root key:   " + b.rootKeyId());
        out.println("  issued at:  " + b.issuedAt());
      }
      if (b.grants().isEmpty()) {
        out.println("  grants:     (none; does not restrict grants)");
      } else {
        out.println("  grants:");
        for (Grant g : b.grants()) {
          out.println("    allow " + Printable.escape(g.toString()));
          for (Caveat c : g.caveats()) {
            out.println("      when it matches: " + Printable.escape(CaveatText.describe(c)));
          }
        }
      }
      if (b.caveats().isEmpty()) {
        out.println("  caveats:    (none)");
      } else {
        out.println("  caveats:");
        for (Caveat c : b.caveats()) {
          out.println("    " + Printable.escape(CaveatText.describe(c)));
        }
      }
      out.println("  holder:     " + (b.holderKeyId() == null ? "none (bearer)" : b.holderKeyId()));
      out.println("  sealed:     " + (b.sealed() ? "yes" : "no"));
      out.println("  revocation: " + b.revocationId());
    }
    out.println();
    out.println("Revocation ids (revoking one denies that block and every token derived from it):");
    for (int i = 0; i < token.revocationIds().size(); i++) {
      out.println("  " + i + " " + token.revocationIds().get(i));
    }
  }
}
