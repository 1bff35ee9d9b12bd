package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.ClientRecord;
import dev.mandate.authority.store.PersonRecord.Role;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Live decisions ({@code /console/decisions}): the newest gateway decisions, filtered by a GET form
 * (client, capability, service, decision), each linking to its capability; {@code decisions.js}
 * adds new ones as they arrive from the event stream ({@code /console/decisions/events}, {@link
 * DecisionEvents}). Without the script a reload shows the newest.
 */
final class DecisionsPage {
  static final int SHOWN = 100;
  static final String EVENTS = ConsoleNav.DECISIONS.path() + "/events";

  /** A stream ends after this long; the page reconnects, and its session is checked afresh. */
  static final Duration STREAM_LIFE = Duration.ofMinutes(10);

  private final DecisionStream decisions;
  private final AuthorityStore store;
  private final Executor executor;
  private final Clock clock;

  /**
   * What the page shows.
   *
   * @param filter the filter in force
   * @param decisions the newest matching decisions, newest first
   * @param stream the event stream's URL for these filters, continuing after what is shown
   * @param clients the known client ids, offered in the client field
   */
  record Model(
      DecisionFilter filter, List<LiveDecision> decisions, String stream, List<String> clients) {
    /** The filter's value for a field, or "" for none. */
    String value(String field) {
      String v =
          switch (field) {
            case "client" -> filter.clientId();
            case "capability" -> filter.tokenId();
            case "service" -> filter.service();
            case "decision" -> filter.decision();
            default -> null;
          };
      return v == null ? "" : v;
    }

    boolean filtered() {
      return !filter.equals(DecisionFilter.ALL);
    }
  }

  DecisionsPage(DecisionStream decisions, AuthorityStore store, Executor executor, Clock clock) {
    this.decisions = decisions;
    this.store = store;
    this.executor = executor;
    this.clock = clock;
  }

  List<ConsolePage> pages() {
    return List.of(
        ConsolePage.get(ConsoleNav.DECISIONS.path(), Role.OPERATOR, this::show),
        ConsolePage.get(EVENTS, Role.OPERATOR, this::events));
  }

  private Reply show(ConsoleCall call) {
    DecisionFilter filter = filter(call);
    DecisionStream.Recent recent = decisions.recent(filter, SHOWN);
    List<String> clients = store.clients().stream().map(ClientRecord::clientId).toList();
    return call.page(
        "decisions.jte",
        "Decisions",
        new Model(filter, recent.decisions(), streamUrl(filter, recent.position()), clients),
        "decisions.js");
  }

  private Reply events(ConsoleCall call) {
    DecisionFilter filter = filter(call);
    // A reconnecting EventSource says where it was; a new one, where the page it serves ends.
    String resume = call.call().header("Last-Event-ID");
    long after =
        resume != null
            ? sequence(resume, "Last-Event-ID")
            : call.query("after") == null ? -1 : sequence(call.query("after"), "after");
    DecisionStream.Subscription subscription = decisions.subscribe(filter, after);
    return new DecisionEvents(subscription, executor, call.sessionLive(), clock, STREAM_LIFE)
        .consoleReply();
  }

  private static DecisionFilter filter(ConsoleCall call) {
    return DecisionFilter.of(
        call.query("client"),
        call.query("capability"),
        call.query("service"),
        call.query("decision"));
  }

  private static String streamUrl(DecisionFilter f, long after) {
    StringBuilder url = new StringBuilder(EVENTS).append("?after=").append(after);
    param(url, "client", f.clientId());
    param(url, "capability", f.tokenId());
    param(url, "service", f.service());
    param(url, "decision", f.decision());
    return url.toString();
  }

  private static void param(StringBuilder url, String name, String value) {
    if (value != null) {
      url.append('&')
          .append(name)
          .append('=')
          .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }

  private static long sequence(String raw, String name) {
    try {
      long v = Long.parseLong(raw.strip());
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "invalid_parameter", name + " must be an audit sequence number (a whole number)");
    }
  }
}
