package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.config.Durations;
import dev.mandate.token.Approval;
import dev.mandate.token.Capability;
import dev.mandate.token.Request;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mandate approve}: asks the authority for a person's approval of exactly one call of one
 * capability (a capability with an approval caveat needs one with each call) and prints it.
 */
@Command(
    name = "approve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Approve exactly one call of a capability that requires approval, as an approver of --group,"
          + " and print the approval (mnda1_...) on stdout.",
      "The authority issues it only if its policy lists the group in this client's 'approves',"
          + " and never to the client that minted the capability.",
      "The approval is good for that one call, once, until it expires; the agent presents it with"
          + " the call (HTTP header Mandate-Approval, or 'mandate check --approval')."
    },
    footer = {
      "",
      "Example:",
      "  mandate approve --authority http://127.0.0.1:7700 --client finance-desk \\",
      "    --secret-file finance-desk.secret --token-id 3f2a... --group finance \\",
      "    --request @call.json",
      "",
      "call.json holds the call exactly as the gateway will build it, the same JSON as",
      "for 'mandate check', e.g. {\"audience\":\"gw-1\",\"service\":\"mail\",",
      "\"action\":\"send_email\",\"resource\":\"bob@example.com\",\"args\":{...}}; its",
      "context and moreResources are not part of what is approved. Without --token-id",
      "the capability is read from stdin. A refusal by the authority's policy prints",
      "'mandate: approval refused: <reason>' and exits 1."
    })
final class ApproveCommand extends CliCommand {

  @Mixin AuthorityOptions authority;

  @Option(
      names = "--token-id",
      paramLabel = "ID",
      description =
          "The id of the capability whose call is approved (as 'mandate mint' or 'mandate inspect'"
              + " printed it; a denial with APPROVAL_REQUIRED names it too). Without it, the"
              + " capability is read from stdin.")
  String tokenId;

  @Option(
      names = "--group",
      required = true,
      paramLabel = "GROUP",
      description =
          "The approver group you approve as, one the capability's approval caveat names.")
  String group;

  @Option(
      names = "--request",
      required = true,
      paramLabel = "JSON",
      description =
          "The call: {\"service\":..,\"action\":..,\"resource\":..,\"args\":{..}} with optional"
              + " \"audience\". @FILE reads it from a file. At most 1 MiB.")
  String request;

  @Option(
      names = "--ttl",
      paramLabel = "DURATION",
      description = "How long the approval stays usable: at most 1h (default 10m).")
  Duration ttl;

  @Override
  public Integer call() {
    Request call = RequestJson.parse(RequestJson.read("--request", request), null);
    AuthorityClient client = authority.authenticated(spec);
    Terminal t = terminal();
    String id = tokenId;
    if (id == null) {
      id = Capability.decode(Stdin.requireToken(t.stdin(), "approve")).tokenId();
    }
    Map<String, Object> approved = new LinkedHashMap<>();
    if (call.audience() != null) {
      approved.put("audience", call.audience());
    }
    approved.put("service", call.service());
    approved.put("action", call.action());
    approved.put("resource", call.resource());
    approved.put("args", call.args());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("tokenId", id);
    body.put("group", group);
    body.put("request", approved);
    body.put("ttl", ttl == null ? null : Durations.format(ttl));

    JsonNode answer;
    try {
      answer = client.post("/v1/approvals", body);
    } catch (AuthorityCallException e) {
      if (e.status() == 403 && e.code().isPresent()) {
        return e.refusal(t, "approval refused");
      }
      throw e;
    }
    String approval = answer.path("approval").asText("");
    if (!approval.startsWith(Approval.TEXT_PREFIX)) {
      throw new BadInputException(
          "the authority's answer holds no approval; is it a Mandate authority?");
    }
    t.out().println(approval);
    t.err()
        .println(
            "approval "
                + Printable.escape(answer.path("approvalId").asText())
                + " of request "
                + Printable.escape(answer.path("requestDigest").asText())
                + " of token "
                + Printable.escape(id)
                + ", expires "
                + Printable.escape(answer.path("expiresAt").asText()));
    return Mandate.OK;
  }
}
