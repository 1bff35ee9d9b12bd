/**
 * The HTTP server pieces the authority and the gateway share: Jetty connector hardening against
 * unauthenticated exhaustion, the one error body both servers write (RFC 9457 {@code
 * application/problem+json} with a stable {@code code} member), and request limits.
 */
package dev.mandate.server;
