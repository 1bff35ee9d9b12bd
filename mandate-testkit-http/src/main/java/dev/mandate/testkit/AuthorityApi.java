package dev.mandate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A running authority's HTTP API as a test or a demo calls it: every call names the {@code
 * Authorization} value it sends (see {@link Http#basic}), the helpers that expect one status throw
 * {@link IllegalStateException} with the authority's answer otherwise.
 */
public final class AuthorityApi {
  private final String url;
  private final String admin;

  /** The API of the authority at {@code url} (scheme, host and port, no trailing slash). */
  public AuthorityApi(String url) {
    this(url, null);
  }

  /**
   * As {@link #AuthorityApi(String)}, knowing the admin client's secret (the one the authority made
   * at its first start), for {@link #admin()} and {@link #clientAuth}.
   */
  public AuthorityApi(String url, String adminSecret) {
    this.url = url;
    this.admin = adminSecret == null ? null : Http.basic("admin", adminSecret);
  }

  /** A capability the authority minted. */
  public record Minted(String token, String tokenId, List<String> revocationIds) {}

  public String url() {
    return url;
  }

  /**
   * The admin client's {@code Authorization} value.
   *
   * @throws IllegalStateException if this API was made without the admin's secret
   */
  public String admin() {
    if (admin == null) {
      throw new IllegalStateException("no admin secret for the authority at " + url);
    }
    return admin;
  }

  /** A call without credentials. */
  public Reply get(String path) {
    return get(path, null);
  }

  public Reply get(String path, String authorization) {
    return Http.get(url + path, authorization);
  }

  public Reply post(String path, String json, String authorization) {
    return Http.post(url + path, json, authorization);
  }

  /** Any method with a JSON body. */
  public Reply send(String method, String path, byte[] body, String authorization) {
    return Http.send(
        Http.request(url + path, authorization)
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** Registers a client with {@code POST /v1/clients} as the admin; returns its secret. */
  public String createClient(String adminAuthorization, String clientId) {
    ObjectNode body = Http.JSON.createObjectNode().put("clientId", clientId);
    return post("/v1/clients", body.toString(), adminAuthorization)
        .expect(201)
        .get("secret")
        .asText();
  }

  /** Registers a client as the admin; returns the new client's {@code Authorization} value. */
  public String clientAuth(String clientId) {
    return Http.basic(clientId, createClient(admin(), clientId));
  }

  /**
   * Creates a console person with {@code POST /v1/people} as the admin.
   *
   * @param role approver, operator or admin
   * @param client the policy client the person may grant on the consent page, or null
   * @return the person as the authority lists them
   */
  public JsonNode createPerson(
      String name, String password, String role, List<String> groups, String client) {
    ObjectNode body =
        Http.JSON.createObjectNode().put("name", name).put("password", password).put("role", role);
    groups.forEach(body.withArray("groups")::add);
    if (client != null) {
      body.put("client", client);
    }
    return post("/v1/people", body.toString(), admin()).expect(201);
  }

  /** A request to {@code path} with these credentials (or none), for what the helpers lack. */
  public HttpRequest.Builder request(String path, String authorization) {
    return Http.request(url + path, authorization);
  }

  /**
   * Mints with {@code POST /v1/capabilities}.
   *
   * @param ttl the lifetime in the authority's duration grammar, such as {@code 10m}
   * @param audience the gateway the capability is for, or null for none
   * @param extraJson further JSON members such as {@code "maxUses":5}, or null
   */
  public Minted mint(
      String authorization, String ttl, String audience, String extraJson, String... grants) {
    ObjectNode body = Http.JSON.createObjectNode();
    for (String g : grants) {
      body.withArray("grants").add(g);
    }
    body.put("ttl", ttl);
    if (audience != null) {
      body.put("audience", audience);
    }
    String json = body.toString();
    if (extraJson != null && !extraJson.isEmpty()) {
      json = json.substring(0, json.length() - 1) + "," + extraJson + "}";
    }
    JsonNode r = post("/v1/capabilities", json, authorization).expect(201);
    List<String> revocationIds = new ArrayList<>();
    r.path("revocationIds").forEach(n -> revocationIds.add(n.asText()));
    return new Minted(r.get("token").asText(), r.get("tokenId").asText(), revocationIds);
  }

  /**
   * Approves one call with {@code POST /v1/approvals}, as a client whose policy lets it approve for
   * {@code group}; {@code request} is the call as an APPROVAL_REQUIRED denial names it ({@code
   * audience}, {@code service}, {@code action}, {@code resource}, {@code args}).
   *
   * @param ttl how long the approval holds, or null for the authority's default
   * @return the approval's text
   */
  public String approve(
      String authorization, String tokenId, String group, JsonNode request, String ttl) {
    ObjectNode body = Http.JSON.createObjectNode().put("tokenId", tokenId).put("group", group);
    body.set("request", request);
    if (ttl != null) {
      body.put("ttl", ttl);
    }
    return post("/v1/approvals", body.toString(), authorization)
        .expect(201)
        .get("approval")
        .asText();
  }

  /**
   * The agent's view of an approval request ({@code GET /v1/approval-requests/{id}/task}),
   * presenting the capability it is for.
   *
   * @param waitMs how long the authority may wait for a pending request to change (0: answer now)
   */
  public Reply approvalTask(String requestId, String capability, long waitMs) {
    return get(
        "/v1/approval-requests/" + requestId + "/task" + (waitMs > 0 ? "?wait=" + waitMs : ""),
        "Bearer " + capability);
  }

  /**
   * Answers an approval request as an approver client ({@code POST
   * /v1/approval-requests/{id}/approve} or {@code .../refuse}); returns the request as it stands.
   *
   * @param reason a refusal's reason, or null (and null for an approval)
   */
  public JsonNode answerApprovalRequest(
      String authorization, String requestId, boolean approve, String reason) {
    ObjectNode body = Http.JSON.createObjectNode();
    if (reason != null) {
      body.put("reason", reason);
    }
    return post(
            "/v1/approval-requests/" + requestId + (approve ? "/approve" : "/refuse"),
            body.toString(),
            authorization)
        .expect(200);
  }

  /**
   * Revokes with {@code POST /v1/revocations}.
   *
   * @param tokenId the token, or null when {@code revocationId} alone names the block
   * @param revocationId one block of it, or null for the token's first block
   * @return the revocation's sequence number in the feed, which a gateway has applied once its
   *     {@code mandate_gateway_revocation_sequence} reaches it
   */
  public long revoke(String authorization, String tokenId, String revocationId, String reason) {
    ObjectNode body = Http.JSON.createObjectNode();
    if (tokenId != null) {
      body.put("tokenId", tokenId);
    }
    if (revocationId != null) {
      body.put("revocationId", revocationId);
    }
    body.put("reason", reason);
    return post("/v1/revocations", body.toString(), authorization)
        .expect(201)
        .get("sequence")
        .asLong();
  }

  /** The decision records the audit trail holds for a token, oldest first. */
  public List<JsonNode> decisions(String adminAuthorization, String tokenId) {
    return decisionsWhere(adminAuthorization, "tokenId=" + tokenId);
  }

  /**
   * The decision records of the audit trail's first page (1000 records) that match {@code query}
   * ({@code GET /v1/audit} parameters such as {@code from=2025-06-01T12:00:00Z}), oldest first.
   */
  public List<JsonNode> decisionsWhere(String adminAuthorization, String query) {
    JsonNode page = get("/v1/audit?" + query + "&limit=1000", adminAuthorization).expect(200);
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode n : page.get("records")) {
      if (n.get("type").asText().equals("decision")) {
        out.add(n);
      }
    }
    return out;
  }

  /**
   * Waits, while a gateway's batch travels, for the first decision record of a token that {@code
   * match} accepts.
   *
   * @throws AssertionError if none arrives within {@code timeout}
   */
  public JsonNode awaitDecision(
      String adminAuthorization, String tokenId, Predicate<JsonNode> match, Duration timeout) {
    JsonNode[] found = new JsonNode[1];
    Await.until(
        timeout,
        () -> {
          found[0] =
              decisions(adminAuthorization, tokenId).stream()
                  .filter(match)
                  .findFirst()
                  .orElse(null);
          return found[0] != null;
        });
    return found[0];
  }

  /** The public keys the authority publishes ({@code GET /v1/keys}), as JSON. */
  public JsonNode keys() {
    return get("/v1/keys", null).expect(200);
  }
}
