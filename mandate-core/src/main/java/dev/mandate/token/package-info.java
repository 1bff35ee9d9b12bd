/**
 * The capability token: {@link dev.mandate.token.Capability} (mint, attenuate, decode), {@link
 * dev.mandate.token.Verifier} (decide a {@link dev.mandate.token.Presentation} against a {@link
 * dev.mandate.token.Request}), its {@link dev.mandate.token.Decision} and {@link
 * dev.mandate.token.VerifiedCapability}, the per-call {@link dev.mandate.token.Proof} and {@link
 * dev.mandate.token.Approval}, and the stores a verifier consults ({@link
 * dev.mandate.token.ReplayGuard}, {@link dev.mandate.token.UsageCounter}).
 */
package dev.mandate.token;
