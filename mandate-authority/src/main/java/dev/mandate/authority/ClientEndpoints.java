package dev.mandate.authority;

import dev.mandate.authority.store.ClientRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * Client credentials, for admins. The secret is returned once, in the answer, and stored only as a
 * salted slow hash.
 *
 * <ul>
 *   <li>{@code GET /v1/clients}: every client, without secrets: {@code [{clientId, admin,
 *       createdAt, disabledAt}]}.
 *   <li>{@code POST /v1/clients} {@code {clientId, admin?}}: creates a client (409 if it exists).
 *   <li>{@code POST /v1/clients/{clientId}/secret}: replaces a client's secret (409 if disabled).
 *   <li>{@code POST /v1/clients/{clientId}/disable}: the client can no longer authenticate; its
 *       tokens stay valid until they expire or are revoked. An admin cannot disable itself.
 * </ul>
 *
 * What a client may mint is decided by the policy file, not here.
 */
final class ClientEndpoints extends Endpoints {
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@\\-]{0,127}");

  record CreateBody(String clientId, Boolean admin) {}

  record Credential(String clientId, boolean admin, String secret, Instant createdAt) {}

  /** A client as the API lists it: never its secret or hash. */
  record ClientView(String clientId, boolean admin, Instant createdAt, Instant disabledAt) {
    static ClientView of(ClientRecord r) {
      return new ClientView(r.clientId(), r.admin(), r.createdAt(), r.disabledAt());
    }
  }

  ClientEndpoints(Parts parts) {
    super(parts);
  }

  @Override
  List<Route> routes() {
    return List.of(
        new Route("GET", "/v1/clients", Route.Access.ADMIN, this::list),
        new Route("POST", "/v1/clients", Route.Access.ADMIN, this::create),
        new Route("POST", "/v1/clients/{clientId}/secret", Route.Access.ADMIN, this::rotate),
        new Route("POST", "/v1/clients/{clientId}/disable", Route.Access.ADMIN, this::disable));
  }

  private CompletionStage<Reply> list(Call call) {
    return Reply.now(200, store.clients().stream().map(ClientView::of).toList());
  }

  private CompletionStage<Reply> disable(Call call) {
    String clientId = checkId(call.path("clientId"));
    if (clientId.equals(call.client().clientId())) {
      throw ApiException.conflict(
          "client_self",
          "client '"
              + clientId
              + "' cannot disable itself; disable it as another admin (or reset the admin secret"
              + " on the authority's host with 'mandate admin reset-secret')");
    }
    ClientRecord before =
        store
            .client(clientId)
            .orElseThrow(() -> ApiException.notFound("there is no client '" + clientId + "'"));
    ClientRecord after =
        store
            .disableClient(clientId, clock.instant())
            .orElseThrow(() -> ApiException.notFound("there is no client '" + clientId + "'"));
    if (!before.disabled()) {
      audit.record("client.disable", call.client().clientId(), null, clientId, null);
    }
    return Reply.now(200, ClientView.of(after));
  }

  private CompletionStage<Reply> create(Call call) {
    CreateBody body = call.body(CreateBody.class);
    String clientId = checkId(body.clientId());
    boolean admin = Boolean.TRUE.equals(body.admin());
    if (store.client(clientId).isPresent()) {
      throw ApiException.conflict(
          "client_exists",
          "client '"
              + clientId
              + "' exists; to replace its secret POST /v1/clients/"
              + clientId
              + "/secret");
    }
    String secret = SecretHash.newSecret(random);
    Instant now = clock.instant();
    store.upsertClient(new ClientRecord(clientId, SecretHash.hash(secret, random), admin, now));
    audit.record("client.create", call.client().clientId(), null, clientId, Map.of("admin", admin));
    return Reply.now(201, new Credential(clientId, admin, secret, now));
  }

  private CompletionStage<Reply> rotate(Call call) {
    String clientId = checkId(call.path("clientId"));
    ClientRecord existing =
        store
            .client(clientId)
            .orElseThrow(() -> ApiException.notFound("there is no client '" + clientId + "'"));
    if (existing.disabled()) {
      throw ApiException.conflict(
          "client_disabled",
          "client '"
              + clientId
              + "' is disabled; create a client with another id instead of reviving this one");
    }
    String secret = SecretHash.newSecret(random);
    store.upsertClient(
        new ClientRecord(
            clientId, SecretHash.hash(secret, random), existing.admin(), existing.createdAt()));
    audit.record("client.secret.rotate", call.client().clientId(), null, clientId, null);
    return Reply.now(200, new Credential(clientId, existing.admin(), secret, existing.createdAt()));
  }

  private static String checkId(String clientId) {
    return Ids.required(
        "clientId",
        clientId,
        CLIENT_ID,
        "invalid_field",
        "clientId must be 1 to 128 of A-Z a-z 0-9 . _ @ -, starting with a letter or digit");
  }
}
