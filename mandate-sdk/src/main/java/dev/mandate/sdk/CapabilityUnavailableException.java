package dev.mandate.sdk;

/**
 * Thrown when a wallet cannot produce a usable capability: the capability has expired and cannot be
 * refreshed, or the authority could not be reached or refused to mint. The message says which
 * capability and why, and never contains token text or credentials.
 */
public final class CapabilityUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CapabilityUnavailableException(String message) {
    super(message);
  }

  CapabilityUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
