/**
 * Security-critical matchers that decide whether a request's resource or argument value is allowed
 * by a grant: {@link dev.mandate.internal.match.Glob}, {@link
 * dev.mandate.internal.match.ResourcePaths}, {@link dev.mandate.internal.match.UrlRule}, {@link
 * dev.mandate.internal.match.ShellCommand} and {@link dev.mandate.internal.match.Cidr}.
 *
 * <p>Conventions shared by every class here: patterns and rules come from a token and are
 * untrusted, so they are validated when compiled and rejected with {@link
 * java.lang.IllegalArgumentException}; request values are untrusted too, and checking them never
 * throws but fails closed, reporting a short human-readable problem (or {@code false}). All
 * matching runs in time linear in the input.
 */
package dev.mandate.internal.match;
