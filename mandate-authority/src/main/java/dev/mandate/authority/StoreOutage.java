package dev.mandate.authority;

import org.slf4j.Logger;

/**
 * A background reader's view of a database outage: it logs once when reads start failing and once
 * when they work again, not on every attempt in between.
 */
final class StoreOutage {
  private final Logger log;
  private final String reader;
  private final String source;
  private volatile boolean failing;

  /**
   * @param reader who reads, such as {@code the revocation feed}
   * @param source what it reads, such as {@code the database}
   */
  StoreOutage(Logger log, String reader, String source) {
    this.log = log;
    this.reader = reader;
    this.source = source;
  }

  /** A read worked. */
  void readOk() {
    if (failing) {
      failing = false;
      log.info("{} can read {} again", reader, source);
    }
  }

  /** A read failed. */
  void readFailed(RuntimeException e) {
    if (!failing) {
      failing = true;
      log.warn("{} cannot read {}: {}", reader, source, e.getMessage());
    }
  }
}
