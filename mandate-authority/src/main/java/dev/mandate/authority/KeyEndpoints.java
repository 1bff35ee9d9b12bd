package dev.mandate.authority;

import dev.mandate.authority.store.KeyState;
import dev.mandate.authority.store.RootKeyRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The public key endpoint gateways trust, and key rotation and retirement for admins.
 *
 * <ul>
 *   <li>{@code GET /v1/keys} (public): the ACTIVE and VERIFY_ONLY keys; {@code ?all=true} adds the
 *       RETIRED ones. Gateways trust every key this lists without {@code all}.
 *   <li>{@code POST /v1/keys/rotate} (admin): a new ACTIVE key; the old one becomes VERIFY_ONLY.
 *   <li>{@code POST /v1/keys/{keyId}/retire} (admin): capabilities it signed stop verifying.
 * </ul>
 */
final class KeyEndpoints {
  private final RootKeys keys;
  private final AuditTrail audit;

  /** A root key as the API shows it. */
  record KeyView(
      String keyId, String publicKey, KeyState state, Instant createdAt, Instant retiredAt) {
    static KeyView of(RootKeyRecord r) {
      return new KeyView(r.keyId(), r.publicKey(), r.state(), r.createdAt(), r.retiredAt());
    }
  }

  KeyEndpoints(RootKeys keys, AuditTrail audit) {
    this.keys = keys;
    this.audit = audit;
  }

  List<Route> routes() {
    return List.of(
        new Route("GET", "/v1/keys", Route.Access.PUBLIC, this::list),
        new Route("POST", "/v1/keys/rotate", Route.Access.ADMIN, this::rotate),
        new Route("POST", "/v1/keys/{keyId}/retire", Route.Access.ADMIN, this::retire));
  }

  private CompletionStage<Reply> list(Call call) {
    String all = call.query("all");
    if (all != null && !all.equals("true") && !all.equals("false")) {
      throw ApiException.badRequest("invalid_parameter", "all must be true or false, got " + all);
    }
    boolean includeRetired = "true".equals(all);
    List<KeyView> views =
        keys.all().stream()
            .filter(k -> includeRetired || k.state() != KeyState.RETIRED)
            .map(KeyView::of)
            .toList();
    return Reply.now(200, views);
  }

  private CompletionStage<Reply> rotate(Call call) {
    String previous =
        keys.all().stream()
            .filter(k -> k.state() == KeyState.ACTIVE)
            .map(RootKeyRecord::keyId)
            .findFirst()
            .orElse(null);
    RootKeyRecord created = keys.rotate();
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("keyId", created.keyId());
    detail.put("previousKeyId", previous);
    audit.record("key.rotate", call.client().clientId(), null, call.client().clientId(), detail);
    return Reply.now(201, KeyView.of(created));
  }

  private CompletionStage<Reply> retire(Call call) {
    String keyId = call.path("keyId");
    RootKeyRecord key =
        keys.find(keyId)
            .orElseThrow(
                () -> ApiException.notFound("there is no root key " + Router.printable(keyId)));
    if (key.state() == KeyState.RETIRED) {
      return Reply.now(200, KeyView.of(key));
    }
    if (key.state() == KeyState.ACTIVE) {
      throw ApiException.conflict(
          "key_active",
          "root key " + keyId + " is the active signing key; rotate first, then retire it");
    }
    RootKeyRecord retired = keys.retire(keyId);
    audit.record(
        "key.retire",
        call.client().clientId(),
        null,
        call.client().clientId(),
        Map.of("keyId", keyId));
    return Reply.now(200, KeyView.of(retired));
  }
}
