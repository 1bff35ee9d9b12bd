package dev.mandate.authority;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.authority.store.AuditEvent;
import dev.mandate.authority.store.AuditRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One gateway decision as the console shows it, read from its audit record. Every text field came
 * from a gateway, and most of it from an agent (action, resource, reason): it is shown escaped.
 *
 * @param sequence the audit record's sequence (the stream's event id)
 * @param at when the gateway decided
 * @param gateway the gateway that reported it (the record's actor)
 * @param clientId the client that minted the capability, or null if unknown
 * @param tokenId the capability's token id, or null (no token, or one that did not decode)
 * @param service the service called
 * @param action the action (tool, route)
 * @param resource the resource, relative to the grant (gateways never report host paths)
 * @param allowed whether the call was allowed
 * @param code the decision code ({@code ALLOW}, {@code GRANT}, {@code REVOKED}, ...)
 * @param reason why, in the gateway's words
 * @param blocks the blocks the call came through: verified for an allowed call, as presented (not
 *     verified) for a denied one; empty when the gateway did not say
 */
record LiveDecision(
    long sequence,
    Instant at,
    String gateway,
    String clientId,
    String tokenId,
    String service,
    String action,
    String resource,
    boolean allowed,
    String code,
    String reason,
    List<ChainBlock> blocks) {

  /** The audit record type of a gateway's decision. */
  static final String TYPE = "decision";

  /** One block of the chain a call came through. */
  record ChainBlock(String revocationId, String holderKeyId) {}

  LiveDecision {
    blocks = List.copyOf(blocks);
  }

  /** {@code allow} or {@code deny}. */
  String decision() {
    return allowed ? "allow" : "deny";
  }

  /** Whether the token id is one the authority issues (so a link to its page is safe). */
  boolean linkable() {
    return Ids.valid(tokenId);
  }

  /** The token id's first 16 characters, for a table. */
  String shortTokenId() {
    if (tokenId == null) {
      return "";
    }
    return tokenId.length() <= 16 ? tokenId : tokenId.substring(0, 16) + "…";
  }

  /** The revocation id of the last block the call came through, or null when not known. */
  String leafRevocationId() {
    return blocks.isEmpty() ? null : blocks.get(blocks.size() - 1).revocationId();
  }

  /** The decision an audit record holds, or null if it is not a gateway decision. */
  static LiveDecision of(AuditRecord record) {
    AuditEvent e = record.event();
    if (!TYPE.equals(e.type()) || e.detailJson() == null) {
      return null;
    }
    JsonNode d;
    try {
      d = Json.tree(e.detailJson());
    } catch (RuntimeException malformed) {
      return null;
    }
    if (!d.isObject()) {
      return null;
    }
    return new LiveDecision(
        record.sequence(),
        e.at(),
        e.actor(),
        e.clientId(),
        e.tokenId(),
        text(d, "service"),
        text(d, "action"),
        text(d, "resource"),
        "allow".equals(text(d, "decision")),
        text(d, "code"),
        text(d, "reason"),
        blocks(d));
  }

  private static String text(JsonNode d, String field) {
    JsonNode v = d.get(field);
    return v != null && v.isTextual() ? v.asText() : "";
  }

  /** The chain as the gateway reported it; malformed entries are left out. */
  private static List<ChainBlock> blocks(JsonNode d) {
    List<ChainBlock> out = new ArrayList<>();
    JsonNode verified = d.get("blocks");
    if (verified != null && verified.isArray()) {
      for (JsonNode b : verified) {
        JsonNode id = b.get("revocationId");
        JsonNode holder = b.get("holderKeyId");
        if (id != null && id.isTextual()) {
          out.add(
              new ChainBlock(
                  id.asText(), holder != null && holder.isTextual() ? holder.asText() : null));
        }
      }
      return out;
    }
    JsonNode presented = d.get("revocationIds");
    if (presented != null && presented.isArray()) {
      for (JsonNode id : presented) {
        if (id.isTextual()) {
          out.add(new ChainBlock(id.asText(), null));
        }
      }
    }
    return out;
  }
}
