package dev.mandate.authority;

import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.PersonRecord.Role;
import java.time.Clock;
import java.util.List;

/** The console's overview ({@code /console}): what needs attention, and where to go. */
final class HomePage {
  private final AuthorityStore store;
  private final Clock clock;

  /** What the overview shows. */
  record Overview(String person, List<String> groups, boolean operator) {}

  HomePage(AuthorityStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  List<ConsolePage> pages() {
    return List.of(ConsolePage.get(Console.ROOT, Role.APPROVER, this::overview));
  }

  private Reply overview(ConsoleCall call) {
    return call.page(
        "home.jte",
        "Overview",
        new Overview(
            call.person().name(),
            call.person().groups(),
            call.person().role().includes(Role.OPERATOR)));
  }
}
