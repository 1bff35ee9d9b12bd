/**
 * The capability token: {@link dev.mandate.token.Capability} (mint, attenuate, decode), {@link
 * dev.mandate.token.Verifier} (decide), {@link dev.mandate.token.Decision}, {@link
 * dev.mandate.token.Request} and {@link dev.mandate.token.Proof}.
 */
package dev.mandate.token;
