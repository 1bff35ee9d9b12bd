package dev.mandate.authority;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.authority.store.ApprovalAnswer;
import dev.mandate.authority.store.ApprovalRequestRecord;
import dev.mandate.authority.store.ApprovalRequestRecord.Status;
import dev.mandate.authority.store.PersonRecord;
import dev.mandate.authority.store.PersonRecord.Role;
import dev.mandate.token.Request;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The approvals inbox (docs/console.md, "Approvals"): the calls waiting for a person's approval
 * that the signed-in approver's groups may answer, each shown readably (the tool and service, the
 * resource as the grant names it, every argument, what the capability would otherwise allow, who
 * asked and when, when it expires, each group's progress towards its quorum), with forms to approve
 * or refuse; a page per request; and a stream of server-sent events that tells the page's script
 * ({@code approvals.js}) when the inbox changed. Without JavaScript the page is refreshed by hand.
 *
 * <p>Every text an agent controls (tool names, arguments, resources, reasons) reaches the page only
 * through the templates' escaping.
 */
final class ApprovalsPage {
  static final String PATH = Console.ROOT + "/approvals";
  static final String EVENTS = PATH + "/events";

  /** Longest argument value shown whole; the rest is cut, saying how much. */
  static final int MAX_VALUE_CHARS = 2000;

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private final ApprovalRequests requests;
  private final java.util.concurrent.Executor executor;

  /** The inbox. */
  record Inbox(List<Card> requests, List<String> groups, String notice) {}

  /** One request as the pages show it. */
  record Card(
      String id,
      String status,
      String statusLabel,
      String action,
      String service,
      String resource,
      List<Arg> args,
      List<Allowed> allows,
      String client,
      String holder,
      String gateway,
      String requestedAt,
      String requestedAtIso,
      String expiresAt,
      String expiresAtIso,
      String expiresIn,
      List<Progress> progress,
      List<Answer> answers,
      List<String> groups,
      boolean canAnswer,
      String tokenId,
      String requestDigest,
      String approvalId) {

    /** The badge class of its status. */
    String badge() {
      return switch (status) {
        case "pending" -> "badge-warn";
        case "approved" -> "badge-ok";
        case "refused" -> "badge-bad";
        default -> "badge-plain";
      };
    }
  }

  /** One argument: its name and its value (a string as it is, anything else as JSON). */
  record Arg(String name, String value, String cut) {}

  /** One block of the capability: what it allows, and its caveats in words. */
  record Allowed(int block, List<String> grants, List<String> caveats) {}

  /** A group's progress: approvals so far of those required. */
  record Progress(String group, int approvals, int required) {
    boolean done() {
      return approvals >= required;
    }
  }

  /** One approver's answer. */
  record Answer(String approver, String group, String answer, String reason, String at) {}

  ApprovalsPage(ApprovalRequests requests, java.util.concurrent.Executor executor) {
    this.requests = requests;
    this.executor = executor;
  }

  List<ConsolePage> pages() {
    return List.of(
        ConsolePage.get(PATH, Role.APPROVER, this::inbox),
        ConsolePage.get(EVENTS, Role.APPROVER, this::events),
        ConsolePage.get(PATH + "/{id}", Role.APPROVER, this::detail),
        ConsolePage.post(PATH + "/{id}/approve", Role.APPROVER, c -> answer(c, true)),
        ConsolePage.post(PATH + "/{id}/refuse", Role.APPROVER, c -> answer(c, false)));
  }

  static Approver approver(PersonRecord person) {
    return Approver.person(person.name(), Set.copyOf(person.groups()), person.clientId());
  }

  private Reply inbox(ConsoleCall call) {
    Approver approver = approver(call.person());
    List<Card> cards = new ArrayList<>();
    for (ApprovalRequestRecord r : requests.inbox(approver)) {
      cards.add(card(r, approver, call.now()));
    }
    return call.page(
        "approvals.jte",
        "Approvals",
        new Inbox(cards, call.person().groups(), notice(call.query("done"))),
        "approvals.js");
  }

  private Reply detail(ConsoleCall call) {
    Approver approver = approver(call.person());
    ApprovalRequestRecord r = requests.get(call.path("id"));
    boolean mayRead = call.person().role().includes(Role.OPERATOR);
    if (!mayRead && ApprovalRequests.eligible(approver, r).isEmpty()) {
      // As for an unknown id: a request shows an agent's call to its approvers only.
      throw ApiException.notFound(
          "There is no approval request " + Router.printable(r.requestId()) + " for you.");
    }
    Card card = card(r, approver, call.now());
    return call.page(
        "approval.jte",
        card.action() + " on " + card.service(),
        new Inbox(List.of(card), call.person().groups(), notice(call.query("done"))));
  }

  private Reply answer(ConsoleCall call, boolean approve) {
    String id = call.path("id");
    String reason = approve ? null : Ids.reason(call.form("reason"), false);
    requests.answer(
        approver(call.person()),
        id,
        approve ? ApprovalAnswer.Answer.APPROVE : ApprovalAnswer.Answer.REFUSE,
        null,
        reason,
        ApprovalEndpoints.DEFAULT_TTL);
    return call.redirect(
        PATH + "/" + requests.get(id).requestId() + "?done=" + (approve ? "approved" : "refused"));
  }

  /**
   * Server-sent events for the inbox: {@code event: inbox} with the number of pending requests
   * whenever what the person's inbox shows changes (a new request, an answer, a decision).
   */
  private Reply events(ConsoleCall call) {
    Approver approver = approver(call.person());
    String[] last = {null};
    return new EventStream(
            requests.changes(),
            executor,
            ApprovalRequestEndpoints.STREAM_LIFE,
            first -> {
              List<ApprovalRequestRecord> inbox = requests.inbox(approver);
              StringBuilder state = new StringBuilder();
              for (ApprovalRequestRecord r : inbox) {
                state.append(r.requestId()).append(':').append(r.answers().size()).append(';');
              }
              String now = state.toString();
              if (now.equals(last[0])) {
                return new EventStream.Frame("", false);
              }
              last[0] = now;
              return new EventStream.Frame(
                  EventStream.event("inbox", "{\"pending\":" + inbox.size() + "}"), false);
            })
        .consoleReply();
  }

  private static String notice(String done) {
    if ("approved".equals(done)) {
      return "Your approval was recorded.";
    }
    if ("refused".equals(done)) {
      return "Your refusal was recorded; the agent is told.";
    }
    return null;
  }

  /** A request as the pages show it to {@code approver}. */
  Card card(ApprovalRequestRecord r, Approver approver, Instant now) {
    Request call = ApprovalRequests.call(r);
    JsonNode display = r.displayJson() == null ? null : Json.tree(r.displayJson());
    JsonNode shownArgs =
        display != null && display.path("args").isObject() ? display.get("args") : call.args();
    List<Arg> args = new ArrayList<>();
    shownArgs
        .fields()
        .forEachRemaining(
            f -> {
              String value =
                  f.getValue().isTextual() ? f.getValue().textValue() : f.getValue().toString();
              String cut = null;
              if (value.length() > MAX_VALUE_CHARS) {
                cut = (value.length() - MAX_VALUE_CHARS) + " more characters not shown";
                value = value.substring(0, MAX_VALUE_CHARS);
              }
              args.add(new Arg(f.getKey(), value, cut));
            });
    List<Allowed> allows = new ArrayList<>();
    if (display != null && display.path("allows").isArray()) {
      int i = 0;
      for (JsonNode b : display.get("allows")) {
        allows.add(new Allowed(i++, texts(b.path("grants")), texts(b.path("caveats"))));
      }
    }
    Status status = r.statusAt(now);
    List<Progress> progress = new ArrayList<>();
    for (ApprovalRequests.GroupProgress p : requests.progress(r)) {
      progress.add(new Progress(p.group(), p.approvals(), p.required()));
    }
    List<Answer> answers = new ArrayList<>();
    boolean answered = false;
    for (ApprovalAnswer a : r.answers()) {
      answered |= a.approver().equals(approver.id());
      answers.add(
          new Answer(
              a.approver(),
              a.group(),
              a.answer() == ApprovalAnswer.Answer.APPROVE ? "approved" : "refused",
              a.reason(),
              TIME.format(a.at())));
    }
    boolean canAnswer =
        status == Status.PENDING && !answered && !ApprovalRequests.eligible(approver, r).isEmpty();
    return new Card(
        r.requestId(),
        status.name().toLowerCase(Locale.ROOT),
        switch (status) {
          case PENDING -> "Waiting";
          case APPROVED -> "Approved";
          case REFUSED -> "Refused";
          case EXPIRED -> "Expired";
        },
        call.action(),
        call.service(),
        call.resource(),
        args,
        allows,
        r.tokenClientId(),
        r.holder(),
        r.requestedBy(),
        TIME.format(r.requestedAt()),
        r.requestedAt().toString(),
        TIME.format(r.expiresAt()),
        r.expiresAt().toString(),
        in(now, r.expiresAt()),
        progress,
        answers,
        r.groups(),
        canAnswer,
        r.tokenId(),
        r.requestDigest(),
        r.approval() == null ? null : r.approval().approvalId());
  }

  private static List<String> texts(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.forEach(n -> out.add(n.isTextual() ? n.textValue() : n.toString()));
    return out;
  }

  /** "in 14 min", "in 40 s", or "passed". */
  static String in(Instant now, Instant then) {
    Duration d = Duration.between(now, then);
    if (d.isNegative() || d.isZero()) {
      return "passed";
    }
    if (d.toMinutes() >= 120) {
      return "in " + d.toHours() + " h";
    }
    if (d.toSeconds() >= 120) {
      return "in " + d.toMinutes() + " min";
    }
    return "in " + d.toSeconds() + " s";
  }
}
