package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.policy.ClientPolicy;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/**
 * A group of the authority's routes (docs/design.md §3). Every group works over the same parts of
 * the running authority, which {@link AuthorityServer} builds once and hands to each.
 */
abstract class Endpoints {

  /** The parts of a running authority that its groups of routes share. */
  record Parts(
      AuthorityStore store,
      RootKeys keys,
      PolicyReloader policy,
      RevocationFeed feed,
      AuditTrail audit,
      Metrics metrics,
      Clock clock,
      SecureRandom random) {}

  final AuthorityStore store;
  final RootKeys keys;
  final PolicyReloader policy;
  final RevocationFeed feed;
  final AuditTrail audit;
  final Metrics metrics;
  final Clock clock;
  final SecureRandom random;

  Endpoints(Parts parts) {
    this.store = parts.store();
    this.keys = parts.keys();
    this.policy = parts.policy();
    this.feed = parts.feed();
    this.audit = parts.audit();
    this.metrics = parts.metrics();
    this.clock = parts.clock();
    this.random = parts.random();
  }

  /** The routes of this group. */
  abstract List<Route> routes();

  /**
   * The calling client's id, if the policy gives it {@code role: gateway}.
   *
   * @param what what only a gateway may do, for the message
   * @throws ApiException 403 {@code not_a_gateway} otherwise
   */
  final String requireGateway(Call call, String what) {
    String client = call.client().clientId();
    if (!policy.current().client(client).map(ClientPolicy::ingestsAudit).orElse(false)) {
      throw ApiException.forbidden(
          "not_a_gateway",
          "only a client with 'role: gateway' in the policy may "
              + what
              + "; '"
              + client
              + "' has no such role");
    }
    return client;
  }
}
