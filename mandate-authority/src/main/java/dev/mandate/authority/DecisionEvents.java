package dev.mandate.authority;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A {@link DecisionStream.Subscription} as server-sent events for the console: one {@code event:
 * decision} per decision, its {@code id:} the audit sequence (so a reconnecting page resumes with
 * {@code Last-Event-ID}), a comment line every {@value #HEARTBEAT_SECONDS} seconds while nothing
 * happens (well inside the server's idle timeout), and {@code event: reset} when the page must
 * reload (it was dropped for reading too slowly, or it came back too far behind) before the stream
 * ends. The stream also ends when the watcher's session no longer allows it (checked before a
 * write, at most every {@link #RECHECK}), after {@code maxLife} (the page reconnects and is
 * authenticated again), and when the server stops. No thread is held while waiting.
 */
final class DecisionEvents extends ServerSentEvents {
  static final long HEARTBEAT_SECONDS = 15;
  private static final int BATCH = 100;
  private static final String RESET = event("reset", "{}");

  /** How often the watcher's session is checked again, at most. */
  static final Duration RECHECK = Duration.ofSeconds(2);

  private final DecisionStream.Subscription subscription;
  private final BooleanSupplier allowed;
  private final Clock clock;
  private final Instant end;
  private Instant checked;

  DecisionEvents(
      DecisionStream.Subscription subscription,
      Executor executor,
      BooleanSupplier allowed,
      Clock clock,
      Duration maxLife) {
    super(executor);
    this.subscription = subscription;
    this.allowed = allowed;
    this.clock = clock;
    this.checked = clock.instant();
    this.end = checked.plus(maxLife);
  }

  /** The subscription ends on its own: it is closed, dropped, or its stream closed. */
  @Override
  boolean closed() {
    return false;
  }

  /** What was delivered, or a reset when the page must reload, or the end. */
  @Override
  Frame render(boolean first) {
    if (first && subscription.reset()) {
      return new Frame(RESET, true);
    }
    if (!stillAllowed()) {
      return new Frame("", true);
    }
    List<LiveDecision> batch = subscription.take(BATCH);
    if (batch.isEmpty() && subscription.ended()) {
      return new Frame(subscription.dropped() ? RESET : "", true);
    }
    return new Frame(events(batch), false);
  }

  /** The stream's life is not over and, checked every {@link #RECHECK}, its session allows it. */
  private boolean stillAllowed() {
    Instant now = clock.instant();
    if (!now.isBefore(end)) {
      return false;
    }
    if (!now.isBefore(checked.plus(RECHECK))) {
      checked = now;
      try {
        return allowed.getAsBoolean();
      } catch (RuntimeException e) {
        // The session store did not answer: stop rather than stream unchecked.
        return false;
      }
    }
    return true;
  }

  @Override
  CompletionStage<Void> change() {
    return subscription.ready().completeOnTimeout(null, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  void ended() {
    subscription.close();
  }

  private static String events(List<LiveDecision> batch) {
    StringBuilder s = new StringBuilder();
    for (LiveDecision d : batch) {
      s.append("id: ").append(d.sequence()).append('\n');
      s.append(event("decision", Json.write(DecisionJson.of(d))));
    }
    return s.toString();
  }

  /** What the page's script reads; it sets each value as text, never as markup. */
  record DecisionJson(
      long sequence,
      String at,
      String gateway,
      String clientId,
      String tokenId,
      String service,
      String action,
      String resource,
      String decision,
      String code,
      String reason) {
    static DecisionJson of(LiveDecision d) {
      return new DecisionJson(
          d.sequence(),
          PlainLanguage.time(d.at()),
          d.gateway(),
          d.clientId(),
          d.tokenId(),
          d.service(),
          d.action(),
          d.resource(),
          d.decision(),
          d.code(),
          d.reason());
    }
  }
}
