package dev.mandate.authority;

import dev.mandate.authority.store.TokenRecord;
import java.util.Objects;
import java.util.Set;

/**
 * Someone who answers approval requests: an approver client (its policy's {@code approves}) or a
 * person signed in to the console (the approver groups of their account).
 *
 * @param id how answers name the approver: {@code client:ID} or {@code person:NAME}; one approver
 *     counts once towards a group's quorum
 * @param actor how the audit trail names the approver: the client id (as for every client action),
 *     or {@code person:NAME}
 * @param groups the approver groups they may answer for
 * @param clientId the client id an approver acts as, which may not answer for capabilities it
 *     minted (self-approval); for a person, the name, which is refused the same way for a
 *     capability minted by a client of that name
 */
record Approver(String id, String actor, Set<String> groups, String clientId) {
  Approver {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(actor, "actor");
    groups = Set.copyOf(groups);
    Objects.requireNonNull(clientId, "clientId");
  }

  /** An approver client, which may answer for the groups its policy lists in {@code approves}. */
  static Approver client(String clientId, Set<String> approves) {
    return new Approver("client:" + clientId, clientId, approves, clientId);
  }

  /** A person signed in to the console, with their account's approver groups. */
  static Approver person(String name, Set<String> groups) {
    return new Approver("person:" + name, "person:" + name, groups, name);
  }

  /** Whether the capability is the approver's own: it may not approve its calls. */
  boolean minted(TokenRecord token) {
    return token.clientId().equals(clientId);
  }
}
