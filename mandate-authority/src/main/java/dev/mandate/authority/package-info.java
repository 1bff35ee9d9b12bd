/**
 * The authority's HTTP API ({@link dev.mandate.authority.AuthorityServer}): JSON over HTTP, clients
 * authenticated with HTTP Basic credentials from the headers before any body is read (a body sent
 * without valid credentials is never read: 401 and the connection closes), errors as RFC 9457
 * {@code application/problem+json} ({@link dev.mandate.wire.Problem}: {@code type}, {@code title},
 * {@code status}, {@code detail} and a stable {@code code} such as {@code invalid_field}) with a
 * 4xx status for bad input and never a stack trace, request bodies bounded and read strictly
 * (unknown fields, wrong types and duplicate keys are refused with the field named). Connections,
 * header and body times and threads are bounded by {@link dev.mandate.server.HardenedServer}; the
 * feed, the keys and the health check are answered however busy the rest is.
 *
 * <ul>
 *   <li>{@code GET /v1/health}, {@code GET /metrics} (public).
 *   <li>{@code GET /v1/keys} (public); {@code POST /v1/keys/rotate}, {@code POST
 *       /v1/keys/{keyId}/retire} (admin; the retirement is also published in the feed).
 *   <li>{@code POST /v1/capabilities} (client): mints under the policy, with an approval caveat
 *       when the request's {@code requireApproval} or the client's policy ({@code approval}) asks.
 *   <li>{@code POST /v1/approvals} (a client whose policy {@code approves} the group): a person's
 *       approval of exactly one call of one capability (spec §7.1), audited as {@code approve}.
 *   <li>{@code POST /v1/revocations} (minting client or admin), {@code GET /v1/revocations} (public
 *       feed, long-poll or server-sent events); {@code POST /v1/indirect/{tokenId}/suspend} and
 *       {@code .../resume}.
 *   <li>{@code POST /v1/audit/batches} (clients with {@code role: gateway}, rate-limited, events
 *       dated near the authority's clock); {@code GET /v1/audit}, {@code GET /v1/audit/verify}
 *       (admin).
 *   <li>{@code POST /v1/clients}, {@code POST /v1/clients/{clientId}/secret} (admin).
 * </ul>
 *
 * <p>Each endpoint class documents its contract: {@code HealthEndpoints}, {@code KeyEndpoints},
 * {@code CapabilityEndpoints}, {@code ApprovalEndpoints}, {@code RevocationEndpoints}, {@code
 * AuditEndpoints}, {@code ClientEndpoints}.
 */
package dev.mandate.authority;
