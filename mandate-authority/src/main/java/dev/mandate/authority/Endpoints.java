package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
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
}
