package dev.mandate.authority;

import dev.mandate.authority.store.PersonRecord.Role;
import java.util.List;

/**
 * An entry of the console's main navigation. A person sees an entry when their role may open the
 * page registered at its path; an entry with no page yet shows a placeholder.
 *
 * @param placeholderRole who may see the placeholder shown until the entry's page is built
 */
record ConsoleNav(String label, String path, Role placeholderRole) {
  static final ConsoleNav OVERVIEW = new ConsoleNav("Overview", Console.ROOT, Role.APPROVER);
  static final ConsoleNav APPROVALS =
      new ConsoleNav("Approvals", Console.ROOT + "/approvals", Role.APPROVER);
  static final ConsoleNav DECISIONS =
      new ConsoleNav("Decisions", Console.ROOT + "/decisions", Role.OPERATOR);
  static final ConsoleNav CAPABILITIES =
      new ConsoleNav("Capabilities", Console.ROOT + "/capabilities", Role.OPERATOR);
  static final ConsoleNav AUDIT = new ConsoleNav("Audit", Console.ROOT + "/audit", Role.OPERATOR);
  static final ConsoleNav CLIENTS =
      new ConsoleNav("Clients & policy", Console.ROOT + "/clients", Role.OPERATOR);

  /** The navigation, in order. */
  static final List<ConsoleNav> ALL =
      List.of(OVERVIEW, APPROVALS, DECISIONS, CAPABILITIES, AUDIT, CLIENTS);
}
