/**
 * The Mandate gateway: the policy enforcement point in front of MCP servers and HTTP APIs
 * (docs/design.md §3). {@link dev.mandate.gateway.GatewayServer} runs it from a {@link
 * dev.mandate.gateway.GatewayConfig}; every front end decides each call through one {@link
 * dev.mandate.gateway.CallGuard}.
 *
 * <h2>What the guard does for each call</h2>
 *
 * <ol>
 *   <li><b>Revocation freshness.</b> The gateway follows the authority's revocation feed by
 *       long-polling. If the last successful poll is older than {@code authority.maxStaleness}
 *       (default 30 s), every call is denied with 503 and {@code Retry-After} (code {@code
 *       UNAVAILABLE}, caveat {@code revocation-view}, a reason giving the age and the bound: the
 *       gateway cannot decide, the token is not at fault), {@code /health} answers 503, and the
 *       gauge {@code mandate_gateway_revocation_view_age_seconds} shows the age.
 *   <li><b>Verification</b> by {@link dev.mandate.token.Verifier}: keys from the authority (cached,
 *       re-fetched at most every {@code keyRefetchInterval} when a token names an unknown key),
 *       revocation, expiry, audience (this gateway's {@code audience}), grants, arguments,
 *       conditions, the holder proof over the call as received (spec §7: HTTP method, path and
 *       query as sent, the body's arguments), whose replay is checked in memory or in Redis, and
 *       the approval (see below).
 *   <li><b>Max uses</b>: an allowed call counts one use per max-uses caveat, atomically and only if
 *       every limit has room (in memory, or one Lua script in Redis shared by all gateways). An
 *       exhausted limit denies with code {@code LIMIT_EXCEEDED}, caveat {@code max-uses}.
 *   <li><b>Audit</b>: the decision is appended to the local spool before the call proceeds; if it
 *       cannot be, the call is refused (503).
 * </ol>
 *
 * <h2>Approvals</h2>
 *
 * A capability with an approval caveat (spec §7.1) needs, with every call, a person's approval of
 * exactly that call in the {@code Mandate-Approval} header ({@link
 * dev.mandate.gateway.ApprovalHeader}), on the HTTP proxy and the MCP endpoint alike. More than one
 * such header, or one longer than 512 characters, is a 400 (MCP: a JSON-RPC {@code -32600} error)
 * and nothing is decided. A call without an approval is denied with code {@code APPROVAL_REQUIRED}
 * (403; MCP: JSON-RPC error {@code -32003}); the HTTP body and the JSON-RPC error's {@code data}
 * then add {@code tokenId}, {@code requestDigest}, {@code approverGroups} (the groups every
 * approval caveat accepts) and {@code request} ({@code audience}, {@code service}, {@code action},
 * {@code resource}, {@code args} as the gateway decided them), so that a client can ask the
 * authority ({@code POST /v1/approvals}) for exactly this call. An approval that is malformed, not
 * signed by a trusted authority key, for another token, call or group, expired, or already used is
 * denied with {@code APPROVAL_INVALID} (403). Approvals are single-use through the verifier's
 * replay guard, the one proofs use: in memory, or in Redis shared by every gateway (a gateway that
 * cannot reach Redis answers 503, caveat {@code approval}). The audit record of a decision names
 * the presented approval's {@code approvalId} (as the approval claims it; verified when the call
 * was allowed), never its text. A capability without an approval caveat ignores an approval.
 *
 * <h2>Budgets</h2>
 *
 * The verifier debits every allowed call from the budgets and rates of its capability (spec §6.3)
 * through the gateway's ledger: in memory, or in Redis shared by every gateway (one Lua script per
 * call; a gateway that cannot reach Redis answers 503, caveat {@code budget}). A call a budget
 * refuses is denied with {@code LIMIT_EXCEEDED} (403; MCP: JSON-RPC error {@code -32003}), and the
 * HTTP body and the JSON-RPC error's {@code data} add {@code budget} ({@code block}, {@code
 * budget}, {@code limit}, {@code remaining}). {@code GET /budgets} answers the holder of a
 * capability what is left of each. The debit stands when the upstream then fails.
 *
 * <h2>Audit spool guarantee</h2>
 *
 * With {@code spool.sync: always} (default) the event is fsynced (group commit: concurrent calls
 * share one fsync) before the gateway answers or forwards, so no decision the gateway acted on is
 * lost even if the machine crashes. With {@code batched} it is written to the OS before the answer
 * and fsynced within 50 ms: a killed process loses nothing, a machine crash at most the last 50 ms.
 * An uploader sends fsynced events in batches (after a partial batch it waits 100 ms for more) to
 * {@code POST /v1/audit/batches} (the gateway's client needs {@code role: gateway} in the
 * authority's policy), with batch ids derived from the spool id, segment and offset, so a retried
 * batch is recognised and recorded once; it advances only after a 2xx and resumes from its cursor
 * after a restart. A full spool ({@code spool.maxBytes}) refuses calls rather than lose their
 * record.
 *
 * <h2>HTTP routes</h2>
 *
 * A route {@code GET /repos/{owner}/{repo}/issues} with resource {@code /repos/{owner}/{repo}}
 * builds the request {@code service} (the upstream's, or the route's), {@code action}, {@code
 * resource} with path parameters substituted, and {@code args}: path parameters, then query
 * parameters (repeated ones as arrays), then the fields of a JSON body (a non-object body as {@code
 * body}) or of a form body ({@code application/x-www-form-urlencoded}, like query parameters); a
 * name given twice is a 400. A path parameter never holds a {@code /}, {@code \}, {@code ;}, and is
 * never {@code .} or {@code ..}.
 *
 * <p>What the upstream reads must be what the gateway checked. A request body must have one of the
 * route's {@code contentTypes} (default {@code application/json}; a request without a body needs
 * none), a strictly parsed media type with at most {@code charset=utf-8}, else 415; JSON and form
 * bodies must be UTF-8 and are not accepted compressed; a listed type the gateway does not read
 * passes unread, and no caveat sees its content. Method overrides ({@code X-HTTP-Method-Override}
 * and its family, a {@code _method} parameter) and URL overrides ({@code X-Original-URL}, {@code
 * X-Rewrite-URL} and their family) are a 400. So is a parameter or JSON key an upstream may read as
 * an argument a caveat or the route's mapping checks: another letter case, {@code to[]}, {@code
 * to[0]}, {@code to.x}, a percent-encoded or doubly encoded name, a repeat, a {@code ;} (see {@code
 * ArgumentAliasing}).
 *
 * <p>Forwarded calls lose {@code Authorization}, {@code Mandate-*}, hop-by-hop headers, {@code
 * Accept-Encoding}, and the client's {@code Forwarded}, {@code X-Forwarded-*} and client-address
 * headers ({@code X-Real-IP}, ...), and gain the gateway's own {@code Forwarded}, {@code
 * X-Forwarded-For}, {@code -Proto} and {@code -Host}, and the upstream's configured headers.
 * Answers: 401 with {@code WWW-Authenticate: Bearer realm="mandate"} for a missing or unverifiable
 * token, 403 for a denial, 404 for no route, 413 over {@code limits.maxRequestBody}, 415 for a body
 * the route does not take, 502/504 for a failing or slow upstream (504 when it stays silent for
 * {@code limits.upstreamTimeout}); never a stack trace. Every error is an RFC 9457 {@code
 * application/problem+json} body ({@link dev.mandate.wire.Problem}) whose {@code code} is the
 * decision's code for a denial ({@code GRANT}, {@code EXPIRED}, {@code APPROVAL_REQUIRED}, ...) and
 * otherwise names the refusal ({@code not_found}, {@code body_too_large}, {@code
 * unsupported_media_type}, {@code bad_gateway}, ...), with the reason in {@code detail}. The
 * upstream hop is asynchronous: no thread waits for an upstream. Answers compressed with gzip or
 * deflate are decoded before they are relayed; any other content encoding is a 502, since it could
 * hide a token. Mandate tokens, proofs and signing keys in upstream headers and bodies are replaced
 * by {@code [REDACTED:mandate-token]} ({@link dev.mandate.gateway.TokenRedaction}), and the
 * upstream's configured header values (its credentials, whole and after an auth scheme such as
 * {@code Bearer}, as they are and JSON- or percent-encoded, if at least 8 characters) by {@code
 * [REDACTED:upstream-credential]} ({@link dev.mandate.gateway.SecretRedaction}), even split across
 * chunks.
 *
 * <h2>The listening server</h2>
 *
 * The gateway listens through {@link dev.mandate.server.HardenedServer}, configured by the {@code
 * limits} keys {@code maxConnections}, {@code maxConnectionsPerAddress}, {@code headerTimeout},
 * {@code idleTimeout}, {@code minRequestRate} (bytes per second), {@code maxRequestHeaders}, {@code
 * maxThreads}, {@code protectedThreads} and {@code queueTimeout} (defaults in {@link
 * dev.mandate.server.ServerLimits}); {@code GET /health} skips the queue for threads.
 */
package dev.mandate.gateway;
