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
 * @param actor how the audit trail names the approver: the client id, or the person's name (as the
 *     console's own records do)
 * @param groups the approver groups they may answer for
 * @param clientId the policy client the approver acts as, which may not answer for capabilities it
 *     minted (self-approval): an approver client itself, or the client whose rights a person's
 *     account grants on the consent page; null for a person linked to no client
 */
record Approver(String id, String actor, Set<String> groups, String clientId) {
  Approver {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(actor, "actor");
    groups = Set.copyOf(groups);
  }

  /** An approver client, which may answer for the groups its policy lists in {@code approves}. */
  static Approver client(String clientId, Set<String> approves) {
    return new Approver("client:" + clientId, clientId, approves, clientId);
  }

  /**
   * A person signed in to the console, with their account's approver groups and the client it is
   * linked to (or null).
   */
  static Approver person(String name, Set<String> groups, String clientId) {
    return new Approver("person:" + name, name, groups, clientId);
  }

  /** Whether the capability is the approver's own: it may not approve its calls. */
  boolean minted(TokenRecord token) {
    return token.clientId().equals(clientId);
  }
}
