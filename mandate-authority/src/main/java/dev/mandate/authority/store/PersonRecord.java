package dev.mandate.authority.store;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A person who may sign in to the console (and to the OAuth consent page). {@link #toString()}
 * never prints the password hash or the TOTP secret.
 *
 * @param name the sign-in name: 1 to 64 of a-z 0-9 . _ - @, starting with a letter or digit
 * @param passwordHash the password's slow hash ({@code $argon2id$...} or {@code
 *     $pbkdf2-sha256$...})
 * @param role what the person may do in the console
 * @param groups the approver groups the person belongs to (each as a policy names a group)
 * @param clientId the policy client whose rights the person may grant on the consent page, or null
 * @param sealedTotpSecret the TOTP secret sealed with the master key, or null when the person has
 *     no second factor
 * @param createdAt when the person was created
 * @param disabledAt when the person was disabled (they can no longer sign in), or null
 * @param lockedUntil until when sign-in is locked after repeated failures, or null; kept by {@link
 *     AuthorityStore#recordSignInFailure} and ignored by {@link AuthorityStore#upsertPerson}
 */
public record PersonRecord(
    String name,
    String passwordHash,
    Role role,
    List<String> groups,
    String clientId,
    String sealedTotpSecret,
    Instant createdAt,
    Instant disabledAt,
    Instant lockedUntil) {

  /** A person's sign-in name. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._@-]{0,63}");

  /** An approver group's name, as the policy writes it. */
  public static final Pattern GROUP = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  /** The most groups a person may belong to. */
  public static final int MAX_GROUPS = 32;

  /** What a person may do in the console; each role may do what the ones before it may. */
  public enum Role {
    /** Sees the overview and answers approval requests for their groups. */
    APPROVER,
    /** Also watches decisions, reads the audit trail, clients and policy, and revokes. */
    OPERATOR,
    /** Also everything an admin client may do from the console. */
    ADMIN;

    /** Whether this role includes {@code other}. */
    public boolean includes(Role other) {
      return compareTo(other) >= 0;
    }

    /** The role in lower case, as the CLI and the pages write it. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Validates the fields; throws {@link IllegalArgumentException} naming a bad one. */
  public PersonRecord {
    Limits.requireNonNull("name", name);
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a person's name must be 1 to 64 of a-z 0-9 . _ - @, starting with a letter or digit");
    }
    Limits.requireText("passwordHash", passwordHash, Limits.TEXT_MAX);
    Limits.requireNonNull("role", role);
    Limits.requireNonNull("groups", groups);
    groups = List.copyOf(groups);
    if (groups.size() > MAX_GROUPS) {
      throw new IllegalArgumentException(
          "a person belongs to at most " + MAX_GROUPS + " groups; got " + groups.size());
    }
    for (String g : groups) {
      if (!GROUP.matcher(g).matches()) {
        throw new IllegalArgumentException(
            "a group name must be 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit");
      }
    }
    if (groups.stream().distinct().count() != groups.size()) {
      throw new IllegalArgumentException("a group is named twice");
    }
    Limits.requireOptionalText("clientId", clientId, Limits.ID_MAX);
    Limits.requireOptionalText("sealedTotpSecret", sealedTotpSecret, Limits.TEXT_MAX);
    Limits.requireNonNull("createdAt", createdAt);
  }

  /** Whether the person was disabled and can no longer sign in. */
  public boolean disabled() {
    return disabledAt != null;
  }

  /** Whether the person signs in with a TOTP code besides the password. */
  public boolean hasTotp() {
    return sealedTotpSecret != null;
  }

  /** Whether the person belongs to {@code group}. */
  public boolean inGroup(String group) {
    return groups.contains(group);
  }

  /** A copy with another password hash. */
  public PersonRecord withPasswordHash(String hash) {
    return new PersonRecord(
        name, hash, role, groups, clientId, sealedTotpSecret, createdAt, disabledAt, lockedUntil);
  }

  /** A copy with another sealed TOTP secret (null: none). */
  public PersonRecord withTotpSecret(String sealed) {
    return new PersonRecord(
        name, passwordHash, role, groups, clientId, sealed, createdAt, disabledAt, lockedUntil);
  }

  @Override
  public String toString() {
    return "PersonRecord[name="
        + name
        + ", passwordHash=<redacted>, role="
        + role
        + ", groups="
        + groups
        + ", clientId="
        + clientId
        + ", totp="
        + hasTotp()
        + ", createdAt="
        + createdAt
        + ", disabledAt="
        + disabledAt
        + ", lockedUntil="
        + lockedUntil
        + "]";
  }
}
