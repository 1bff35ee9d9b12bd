/**
 * The one strict Ed25519 verification path and key-id derivation, shared by the key types and the
 * token package. Not API: the module exports it to no one.
 */
package dev.mandate.internal.crypto;
