package dev.mandate.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.token.Approval;
import dev.mandate.token.Block;
import dev.mandate.token.Call;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.Request;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.UsageCounter;
import dev.mandate.token.Verifier;
import dev.mandate.wire.McpNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code mandate check}: decides, as a gateway would, whether the token on stdin allows a request.
 * Exit 0 allow, 1 deny (including a forged or expired token), 2 bad usage or unreadable input (no
 * token, or one that is not a token at all).
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Decide whether the token on stdin allows a request, as a gateway would.",
      "Verifies the signatures against the trusted root keys, then every caveat, and prints the"
          + " decision and the reason.",
      "Exit 0 allow; 1 deny (also a forged, expired or revoked token); 2 bad usage or unreadable"
          + " input (no token on stdin, or text that is not a token)."
    },
    footer = {
      "",
      "Example:",
      "  mandate check --pub keys/authority.pub --request \\",
      "    '{\"service\":\"fs\",\"action\":\"read_text_file\",\"resource\":\"/data/a.txt\",",
      "      \"args\":{\"path\":\"/data/a.txt\"}}' < token",
      "",
      "Max-uses caveats are reported but not counted: check keeps no state between",
      "runs."
    })
final class CheckCommand extends CliCommand {
  private static final int MAX_REVOKED_FILE_BYTES = 64 << 20;
  private static final int MAX_APPROVAL_FILE_BYTES = 4096;
  private static final Pattern REVOCATION_ID = Pattern.compile("[0-9a-f]{1,128}");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--pub",
      required = true,
      paramLabel = "FILE",
      description =
          "Trusted authority public keys: a file as 'mandate keygen', 'mandate keys export' or"
              + " 'mandate bootstrap' writes it (e.g. keys/authority.pub). Repeatable.")
  List<Path> publicKeys = new ArrayList<>();

  @Option(
      names = "--request",
      required = true,
      paramLabel = "JSON",
      description =
          "The call: {\"service\":..,\"action\":..,\"resource\":..,\"args\":{..}} with optional"
              + " \"audience\" and \"context\". @FILE reads it from a file. At most 1 MiB.")
  String request;

  @Option(
      names = "--audience",
      paramLabel = "ID",
      description = "Decide as this gateway or service (overrides the request's audience).")
  String audience;

  @Option(
      names = "--revoked",
      paramLabel = "FILE",
      description = "Revoked revocation ids, one per line; # comments and blank lines ignored.")
  Path revoked;

  @Option(
      names = "--holder-key",
      paramLabel = "FILE",
      description =
          "Sign the per-call proof with this holder private key, as an agent runtime would. A"
              + " proof signs the call as sent; here that is the MCP tools/call of the request's"
              + " action with its args, sent to its audience and service.")
  Path holderKey;

  @Option(
      names = "--proof",
      paramLabel = "PROOF",
      description =
          "A proof (mndp2_...) made by the holder over the MCP tools/call of the request's action"
              + " with its args, at its audience and service.")
  String proof;

  @Option(
      names = "--approval",
      paramLabel = "APPROVAL",
      description =
          "A person's approval (mnda1_...) of exactly this request, as 'mandate approve' printed"
              + " it; needed when a block requires approval. @FILE reads it from a file.")
  String approval;

  @Option(names = "--json", description = "Print the decision as one JSON object.")
  boolean json;

  @Override
  public Integer call() throws JsonProcessingException {
    if (holderKey != null && proof != null) {
      throw new ParameterException(
          spec.commandLine(), "give either --holder-key or --proof, not both");
    }
    Terminal t = terminal();
    List<VerifyingKey> keys = new ArrayList<>();
    for (Path p : publicKeys) {
      keys.addAll(KeyFiles.readVerifyingKeys(p, "--pub"));
    }
    Request call = RequestJson.parse(RequestJson.read("--request", request), audience);
    Set<String> revokedIds = revoked == null ? Set.of() : readRevoked(revoked);
    SigningKey holder =
        holderKey == null ? null : KeyFiles.readSigningKey(holderKey, "--holder-key");

    // No token, or one that does not decode, is unreadable input (exit 2), not a decision.
    String token = Stdin.requireToken(t.stdin(), "check");
    Capability.decode(token);
    Proof presentedProof = proof == null ? null : Proof.of(proof);
    // The call a gateway would have received for this request, which a proof signs.
    Call sent =
        Call.mcp(
            call.audience(),
            call.service(),
            McpNames.operation("POST", McpNames.TOOLS_CALL),
            call.action(),
            call.args());
    if (holder != null) {
      try {
        presentedProof = Proof.create(holder, token, sent, t.clock().instant(), t.random());
      } catch (RuntimeException e) {
        throw new BadInputException("cannot sign a proof for this request: " + e.getMessage());
      }
    }
    Verifier verifier =
        Verifier.builder()
            .trustedKeys(TrustedKeys.of(keys.toArray(VerifyingKey[]::new)))
            .clock(t.clock())
            .revoked(revokedIds::contains)
            .verificationCacheSize(0)
            // One call is checked once: max-uses caveats are reported below, not enforced.
            .usageCounter(UsageCounter.inMemory(t.clock()))
            .build();
    String approvalText = approvalText();
    Decision decision =
        verifier.authorize(
            Presentation.of(token)
                .withProof(presentedProof)
                .withCall(sent)
                .withApproval(approvalText == null ? null : Approval.of(approvalText)),
            call);
    t.out().println(json ? JSON.writeValueAsString(toJson(decision)) : describe(decision));
    return decision.allowed() ? Mandate.OK : Mandate.DENY;
  }

  /** The approval as given, or read from @FILE (one line); null when none was given. */
  private String approvalText() {
    if (approval == null || !approval.startsWith("@")) {
      return approval;
    }
    Path file = Path.of(approval.substring(1));
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_APPROVAL_FILE_BYTES + 1);
      if (bytes.length > MAX_APPROVAL_FILE_BYTES) {
        throw new BadInputException("--approval " + approval + " is larger than an approval");
      }
      return new String(bytes, StandardCharsets.UTF_8).strip();
    } catch (NoSuchFileException e) {
      throw new BadInputException("--approval " + approval + ": the file does not exist");
    } catch (IOException e) {
      throw new BadInputException(
          "--approval " + approval + " cannot be read: " + Errors.describe(e));
    }
  }

  static Set<String> readRevoked(Path file) {
    List<String> lines;
    try {
      if (Files.size(file) > MAX_REVOKED_FILE_BYTES) {
        throw new BadInputException("--revoked " + file + " is larger than 64 MiB");
      }
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new BadInputException("--revoked " + file + " does not exist");
    } catch (IOException e) {
      throw new BadInputException("--revoked " + file + " cannot be read: " + Errors.describe(e));
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String id = line.toLowerCase(Locale.ROOT);
      if (!REVOCATION_ID.matcher(id).matches()) {
        throw new BadInputException(
            "--revoked "
                + file
                + " line "
                + (i + 1)
                + " is not a revocation id (hex, as shown by mandate inspect)");
      }
      ids.add(id);
    }
    return ids;
  }

  /** A max-uses caveat of an allowed call's capability. */
  private record UseLimit(String revocationId, long maxUses) {}

  private static List<UseLimit> useLimits(Decision d) {
    List<UseLimit> limits = new ArrayList<>();
    if (d instanceof Decision.Allow allow) {
      for (Block b : allow.capability().blocks()) {
        for (Caveat c : b.caveats()) {
          if (c instanceof Caveat.MaxUses u) {
            limits.add(new UseLimit(b.revocationId(), u.uses()));
          }
        }
      }
    }
    return limits;
  }

  static String describe(Decision d) {
    StringBuilder b = new StringBuilder(d.allowed() ? "allow" : "deny " + d.code());
    if (d instanceof Decision.Deny deny) {
      if (deny.block() >= 0) {
        b.append(" (block ").append(deny.block()).append(", ").append(deny.check().label());
      } else {
        b.append(" (").append(deny.check().label());
      }
      b.append("): ").append(d.reason());
    }
    if (d.tokenId() != null) {
      b.append(d.allowed() ? ": token " : "; token ").append(d.tokenId());
    }
    for (UseLimit limit : useLimits(d)) {
      b.append("; max ")
          .append(limit.maxUses())
          .append(" uses of block ")
          .append(limit.revocationId())
          .append(" (not counted by check)");
    }
    return Mandate.oneLine(b.toString());
  }

  static ObjectNode toJson(Decision d) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("decision", d.allowed() ? "allow" : "deny");
    o.put("code", d.code().name());
    if (d instanceof Decision.Deny deny) {
      if (deny.block() >= 0) {
        o.put("block", deny.block());
      } else {
        o.putNull("block");
      }
      o.put("caveat", deny.check().label());
    } else {
      o.putNull("block");
      o.putNull("caveat");
    }
    o.put("reason", d.reason());
    o.put("tokenId", d.tokenId());
    List<String> revocationIds =
        d instanceof Decision.Allow allow
            ? allow.capability().revocationIds()
            : ((Decision.Deny) d).revocationIds();
    revocationIds.forEach(o.putArray("revocationIds")::add);
    List<UseLimit> useLimits = useLimits(d);
    if (!useLimits.isEmpty()) {
      var limits = o.putArray("useLimits");
      for (UseLimit limit : useLimits) {
        limits
            .addObject()
            .put("revocationId", limit.revocationId())
            .put("maxUses", limit.maxUses());
      }
    }
    return o;
  }
}
