package dev.mandate.authority;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.token.Block;
import dev.mandate.token.Capability;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decisions as a gateway reports them ({@code POST /v1/audit/batches}), in the gateway's format
 * (its {@code Guard} writes them; the gateway's tests check that it does): for the authority's
 * tests of what is built from them, which cannot start a gateway.
 */
final class DecisionReports {
  private static final AtomicInteger BATCHES = new AtomicInteger();

  private DecisionReports() {}

  /** An allowed call through {@code through}: every block's revocation id and holder key id. */
  static ObjectNode allowed(Capability through, String service, String action, String resource) {
    ObjectNode e = event(through.tokenId(), "allow", "ALLOW", service, action, resource, "allowed");
    ArrayNode blocks = ((ObjectNode) e.get("detail")).putArray("blocks");
    for (Block b : through.blocks()) {
      ObjectNode o = blocks.addObject().put("revocationId", b.revocationId());
      if (b.holderKeyId() != null) {
        o.put("holderKeyId", b.holderKeyId());
      }
    }
    return e;
  }

  /** A denied call presenting {@code presented}: its revocation ids, as presented. */
  static ObjectNode denied(
      Capability presented, String service, String action, String resource, String reason) {
    ObjectNode e = event(presented.tokenId(), "deny", "GRANT", service, action, resource, reason);
    ArrayNode ids = ((ObjectNode) e.get("detail")).putArray("revocationIds");
    presented.revocationIds().forEach(ids::add);
    return e;
  }

  /** A decision event without a chain (as for a token that did not decode). */
  static ObjectNode event(
      String tokenId,
      String decision,
      String code,
      String service,
      String action,
      String resource,
      String reason) {
    ObjectNode e = AuthorityTests.JSON.createObjectNode();
    e.put("type", "decision").put("at", AuthorityTests.NOW.toString());
    if (tokenId != null) {
      e.put("tokenId", tokenId);
    }
    e.putObject("detail")
        .put("decision", decision)
        .put("code", code)
        .put("reason", reason)
        .put("service", service)
        .put("action", action)
        .put("resource", resource);
    return e;
  }

  /** Uploads one batch as the gateway whose {@code Authorization} is {@code gateway}. */
  static void report(AuthorityApi api, String gateway, ObjectNode... events) {
    ObjectNode batch = AuthorityTests.JSON.createObjectNode();
    batch.put("batchId", "b" + BATCHES.incrementAndGet());
    ArrayNode list = batch.putArray("events");
    for (ObjectNode e : events) {
      list.add(e);
    }
    api.post("/v1/audit/batches", batch.toString(), gateway).expect(201);
  }
}
