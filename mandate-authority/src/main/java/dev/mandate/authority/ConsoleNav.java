package dev.mandate.authority;

import dev.mandate.authority.store.PersonRecord.Role;

/**
 * The console's main navigation, in order. A person sees an entry when their role may open the page
 * registered at its path; an entry with no page yet shows a placeholder.
 */
enum ConsoleNav {
  OVERVIEW("Overview", Console.ROOT, Role.APPROVER),
  APPROVALS("Approvals", Console.ROOT + "/approvals", Role.APPROVER),
  DECISIONS("Decisions", Console.ROOT + "/decisions", Role.OPERATOR),
  CAPABILITIES("Capabilities", Console.ROOT + "/capabilities", Role.OPERATOR),
  AUDIT("Audit", Console.ROOT + "/audit", Role.OPERATOR),
  CLIENTS("Clients & policy", Console.ROOT + "/clients", Role.OPERATOR);

  private final String label;
  private final String path;
  private final Role placeholderRole;

  ConsoleNav(String label, String path, Role placeholderRole) {
    this.label = label;
    this.path = path;
    this.placeholderRole = placeholderRole;
  }

  /** Who may see the placeholder shown until the entry's page is built. */
  Role placeholderRole() {
    return placeholderRole;
  }

  String label() {
    return label;
  }

  String path() {
    return path;
  }
}
