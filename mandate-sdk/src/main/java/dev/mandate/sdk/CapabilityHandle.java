package dev.mandate.sdk;

/**
 * An opaque reference to a capability held by a {@link Wallet}: a random id such as {@code
 * cap_3f9a0c...} and a label. It is safe to show to a model or write to a log; it carries no
 * authority by itself (only the wallet that issued it can use it). Immutable; equal when the ids
 * are equal.
 */
public final class CapabilityHandle {
  private final String id;
  private final String label;

  CapabilityHandle(String id, String label) {
    this.id = id;
    this.label = label;
  }

  /** Returns the random id, {@code cap_} and 24 hex digits. */
  public String id() {
    return id;
  }

  /** Returns the label given when the capability was added. */
  public String label() {
    return label;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CapabilityHandle other && other.id.equals(id);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  /** Returns the id and the label, e.g. {@code cap_3f9a... (invoices)}. */
  @Override
  public String toString() {
    return id + " (" + label + ")";
  }
}
