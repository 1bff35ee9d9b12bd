package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit of mints: callers enqueue their mint and wait; whichever caller finds no commit in
 * progress becomes the committer, takes everything queued (up to {@link #GROUP_MAX}) and writes it
 * in one transaction, so one fsync (SQLite) or one WAL flush (PostgreSQL) serves many mints. There
 * is no artificial delay: a lone caller commits its own mint at once. A call returns only after the
 * transaction holding its mint committed.
 */
final class MintBatcher {
  static final int GROUP_MAX = 256;

  private final Database db;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition done = lock.newCondition();
  private final ArrayDeque<PendingMint> queue = new ArrayDeque<>();
  private boolean committing; // guarded by lock
  private boolean closed; // guarded by lock

  MintBatcher(Database db) {
    this.db = db;
  }

  private static final class PendingMint {
    final TokenRecord token;
    final AuditEvent event;
    AuditRecord result;
    RuntimeException failure;
    boolean done; // guarded by lock

    PendingMint(TokenRecord token, AuditEvent event) {
      this.token = token;
      this.event = event;
    }

    void fail(RuntimeException e) {
      if (result == null && failure == null) {
        failure = e;
      }
    }

    String what() {
      return "record minted token " + token.tokenId();
    }
  }

  AuditRecord recordMint(TokenRecord token, AuditEvent mintEvent) {
    Limits.requireNonNull("token", token);
    Limits.requireNonNull("mintEvent", mintEvent);
    PendingMint mine = new PendingMint(token, mintEvent);
    lock.lock();
    try {
      if (closed) {
        throw new StoreException(
            "could not record minted token " + token.tokenId() + ": the store is closed");
      }
      queue.addLast(mine);
      while (!mine.done) {
        if (committing) {
          done.awaitUninterruptibly();
          continue;
        }
        List<PendingMint> batch = new ArrayList<>(Math.min(queue.size(), GROUP_MAX));
        while (batch.size() < GROUP_MAX && !queue.isEmpty()) {
          batch.add(queue.pollFirst());
        }
        committing = true;
        lock.unlock();
        try {
          commit(batch);
        } catch (Throwable t) {
          for (PendingMint p : batch) {
            if (!p.done) {
              p.fail(asStoreException(p.what(), t));
            }
          }
        } finally {
          lock.lock();
          for (PendingMint p : batch) {
            p.done = true; // published to waiters by lock
          }
          committing = false;
          done.signalAll();
        }
      }
    } finally {
      lock.unlock();
    }
    if (mine.failure != null) {
      throw mine.failure;
    }
    return mine.result;
  }

  /**
   * Fails the mints still queued and waits (bounded) for a commit in progress, so its callers get
   * its real outcome; later mints are refused. Call before closing the database.
   */
  void close() {
    lock.lock();
    try {
      closed = true;
      // Queued mints whose callers wait for a committer: none will be started now.
      PendingMint p;
      while ((p = queue.pollFirst()) != null) {
        p.fail(
            new StoreException(
                "could not record minted token " + p.token.tokenId() + ": the store is closed"));
        p.done = true;
      }
      done.signalAll();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (committing) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          done.awaitNanos(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** What one transaction did: mints written (with their records) and mints to try again. */
  private record Attempt(
      List<PendingMint> written, List<AuditRecord> records, List<PendingMint> retry) {}

  /**
   * Writes {@code batch} in one transaction. Items that fail the pre-checks (duplicate token id,
   * unknown client) fail alone with the single-mint messages. If writing the rows throws, nothing
   * of the attempt is kept and the items are retried in two halves, each in its own transaction,
   * until the offending item fails alone; a failure to connect, lock or commit fails the whole
   * batch.
   */
  private void commit(List<PendingMint> batch) {
    if (batch.isEmpty()) {
      return;
    }
    Attempt attempt;
    try {
      attempt = db.transaction(c -> attempt(c, batch));
    } catch (SQLException e) {
      for (PendingMint p : batch) {
        p.fail(Database.failure(p.what(), e));
      }
      return;
    }
    // Results are handed out only now that the transaction holding them committed.
    for (int i = 0; i < attempt.written().size(); i++) {
      attempt.written().get(i).result = attempt.records().get(i);
    }
    List<PendingMint> retry = attempt.retry();
    if (!retry.isEmpty()) {
      int half = retry.size() / 2;
      commit(new ArrayList<>(retry.subList(0, half)));
      commit(new ArrayList<>(retry.subList(half, retry.size())));
    }
  }

  private static Attempt attempt(Connection c, List<PendingMint> batch) throws SQLException {
    AuditTable.lockHead(c);
    List<StoreException> refusals =
        TokenTable.refusals(c, batch.stream().map(p -> p.token).toList());
    List<PendingMint> valid = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      if (refusals.get(i) == null) {
        valid.add(batch.get(i));
      } else {
        batch.get(i).fail(refusals.get(i));
      }
    }
    if (valid.isEmpty()) {
      return new Attempt(List.of(), List.of(), List.of());
    }
    try {
      TokenTable.insert(c, valid.stream().map(p -> p.token).toList());
      List<AuditRecord> records = AuditTable.append(c, valid.stream().map(p -> p.event).toList());
      return new Attempt(valid, records, List.of());
    } catch (SQLException | RuntimeException e) {
      Database.rollbackQuietly(c);
      if (valid.size() == 1) {
        valid.get(0).fail(asStoreException(valid.get(0).what(), e));
        return new Attempt(List.of(), List.of(), List.of());
      }
      return new Attempt(List.of(), List.of(), valid);
    }
  }

  private static StoreException asStoreException(String what, Throwable t) {
    if (t instanceof SQLException e) {
      return Database.failure(what, e);
    }
    if (t instanceof StoreException e) {
      return new StoreException(e.getMessage(), e);
    }
    return new StoreException("could not " + what + ": " + t, t);
  }
}
