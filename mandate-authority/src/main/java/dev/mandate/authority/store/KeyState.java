package dev.mandate.authority.store;

/** Life cycle of a root key. */
public enum KeyState {
  /** The single key that signs new capabilities; it also verifies. */
  ACTIVE,
  /** A former signing key: it no longer signs but capabilities it signed still verify. */
  VERIFY_ONLY,
  /** No longer trusted: capabilities signed by it stop verifying. */
  RETIRED
}
