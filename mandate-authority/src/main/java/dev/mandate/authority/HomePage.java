package dev.mandate.authority;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.authority.store.ApprovalRequestRecord;
import dev.mandate.authority.store.AuditQuery;
import dev.mandate.authority.store.AuditRecord;
import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.PersonRecord.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The console's overview ({@code /console}): what needs attention (approvals waiting, calls denied
 * in the last day, to operators), and where to go.
 */
final class HomePage {
  static final Duration RECENT = Duration.ofHours(24);
  static final int MAX_COUNTED = 1000;
  static final int SHOWN_DENIALS = 5;

  private final AuthorityStore store;
  private final ApprovalRequests requests;

  /** A denied call, in words; every field came from a gateway's record. */
  record Denial(
      String at,
      String tool,
      String service,
      String resource,
      String reason,
      String client,
      String link) {}

  /**
   * What the overview shows.
   *
   * @param pendingApprovals pending approval requests of this person's groups that they have not
   *     answered yet
   * @param denials calls denied in the last day (operators only), or null
   * @param denialsCapped whether there are more than counted
   */
  record Overview(
      String person,
      List<String> groups,
      boolean operator,
      int pendingApprovals,
      Integer denials,
      boolean denialsCapped,
      List<Denial> recentDenials) {}

  HomePage(AuthorityStore store, ApprovalRequests requests) {
    this.store = store;
    this.requests = requests;
  }

  List<ConsolePage> pages() {
    return List.of(ConsolePage.get(Console.ROOT, Role.APPROVER, this::overview));
  }

  private Reply overview(ConsoleCall call) {
    boolean operator = call.person().role().includes(Role.OPERATOR);
    Integer denials = null;
    boolean capped = false;
    List<Denial> recent = new ArrayList<>();
    if (operator) {
      Instant now = call.now();
      List<AuditRecord> denied =
          store.audit(
              new AuditQuery(
                  null,
                  null,
                  now.minus(RECENT),
                  null,
                  0,
                  MAX_COUNTED,
                  "decision",
                  "\"decision\":\"deny\"",
                  0,
                  true));
      denials = denied.size();
      capped = denied.size() == MAX_COUNTED;
      for (AuditRecord r : denied.subList(0, Math.min(SHOWN_DENIALS, denied.size()))) {
        JsonNode d = Json.tree(r.event().detailJson());
        recent.add(
            new Denial(
                AuditPage.shown(r.event().at()),
                text(d, "action"),
                text(d, "service"),
                text(d, "resource"),
                text(d, "reason"),
                r.event().clientId(),
                AuditPage.PATH + "?type=decision&before=" + (r.sequence() + 1)));
      }
    }
    return call.page(
        "home.jte",
        "Overview",
        new Overview(
            call.person().name(),
            call.person().groups(),
            operator,
            waitingFor(ApprovalsPage.approver(call.person())),
            denials,
            capped,
            recent));
  }

  private int waitingFor(Approver approver) {
    int n = 0;
    for (ApprovalRequestRecord r : requests.inbox(approver)) {
      if (r.answers().stream().noneMatch(a -> a.approver().equals(approver.id()))) {
        n++;
      }
    }
    return n;
  }

  private static String text(JsonNode detail, String field) {
    return detail == null || !detail.path(field).isTextual() ? "" : detail.path(field).asText();
  }
}
