package dev.mandate.authority;

import dev.mandate.authority.store.FeedEntry;
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
 *   <li>{@code POST /v1/keys/{keyId}/retire} (admin): capabilities it signed stop verifying. The
 *       retirement is published in the revocation feed as the revocation of {@link
 *       #revocationIdOf(String) key:KEYID} before the key is marked retired, so every gateway
 *       following the feed stops trusting it within its staleness bound (a gateway whose view is
 *       older denies every call anyway), not at its next key refresh. Retiring a retired key
 *       publishes again if needed (idempotent), which also repairs a retirement whose feed entry
 *       was lost.
 * </ul>
 */
final class KeyEndpoints extends Endpoints {
  /** The prefix of a retired root key's entry in the revocation feed. */
  static final String KEY_PREFIX = "key:";

  /** A root key as the API shows it. */
  record KeyView(
      String keyId, String publicKey, KeyState state, Instant createdAt, Instant retiredAt) {
    static KeyView of(RootKeyRecord r) {
      return new KeyView(r.keyId(), r.publicKey(), r.state(), r.createdAt(), r.retiredAt());
    }
  }

  KeyEndpoints(Parts parts) {
    super(parts);
  }

  /**
   * The revocation id under which a retired root key appears in the feed. It cannot be a block's
   * revocation id (those are lowercase hex), and a follower that does not know the form just holds
   * one more denied id that no token carries.
   */
  static String revocationIdOf(String keyId) {
    return KEY_PREFIX + keyId;
  }

  @Override
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
    if (key.state() == KeyState.ACTIVE) {
      throw ApiException.conflict(
          "key_active",
          "root key " + keyId + " is the active signing key; rotate first, then retire it");
    }
    String actor = call.client().clientId();
    // Feed first: if marking the key fails after this, gateways already distrust it and a retry
    // finishes the job; the other order could leave a retired key trusted until a key refresh.
    FeedEntry entry =
        store.publish(
            FeedEntry.Kind.REVOKE,
            revocationIdOf(keyId),
            null,
            "root key " + keyId + " retired",
            actor,
            clock.instant());
    feed.published(entry.sequence());
    if (key.state() == KeyState.RETIRED) {
      return Reply.now(200, KeyView.of(key));
    }
    metrics.feedEntry(entry.kind().name());
    RootKeyRecord retired = keys.retire(keyId);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("keyId", keyId);
    detail.put("sequence", entry.sequence());
    audit.record("key.retire", actor, null, actor, detail);
    return Reply.now(200, KeyView.of(retired));
  }
}
