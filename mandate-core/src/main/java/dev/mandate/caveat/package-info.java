/**
 * What a block can restrict: {@link dev.mandate.caveat.Caveat}s (expiry, audience, argument
 * constraints, CEL conditions, depth, uses) and the typed argument {@link
 * dev.mandate.caveat.Constraint}s.
 */
package dev.mandate.caveat;
