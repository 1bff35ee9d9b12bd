/**
 * How Mandate reads the values people write in its policy files, gateway configuration and command
 * line: one duration grammar ({@link dev.mandate.config.Durations}) and one {@code ${NAME}}
 * environment substitution ({@link dev.mandate.config.EnvReferences}).
 */
package dev.mandate.config;
