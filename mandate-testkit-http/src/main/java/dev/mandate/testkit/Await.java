package dev.mandate.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waiting for something another thread or process does, by polling: tests never assert on how long
 * a thing takes, only that it happens within a generous bound.
 */
public final class Await {
  private Await() {}

  /**
   * Polls {@code check} every 20 ms until it is true; returns how long that took.
   *
   * @throws AssertionError if it is still false after {@code timeout}
   */
  public static Duration until(Duration timeout, BooleanSupplier check) {
    long start = System.nanoTime();
    while (!check.getAsBoolean()) {
      if (System.nanoTime() - start > timeout.toNanos()) {
        throw new AssertionError("condition not met within " + timeout);
      }
      pause(20);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /**
   * Waits until something listens on {@code port} of 127.0.0.1, so no test races a server's start.
   *
   * @throws IllegalStateException if {@code process} ends first or nothing listens within {@code
   *     timeout}
   */
  public static void listening(int port, Process process, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              "nothing listens on port " + port + " (process alive: " + process.isAlive() + ")",
              notYet);
        }
        pause(50);
      }
    }
  }

  /** A TCP port of 127.0.0.1 that was free a moment ago, for a server that cannot take port 0. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }
}
