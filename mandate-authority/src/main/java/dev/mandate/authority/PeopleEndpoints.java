package dev.mandate.authority;

import dev.mandate.authority.store.PersonRecord;
import dev.mandate.authority.store.PersonRecord.Role;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The console's people, for admins ({@code mandate people}). Passwords arrive in the body, are
 * hashed with Argon2id and never returned; a TOTP secret is returned once, as an {@code otpauth://}
 * URI, and stored sealed with the master key.
 *
 * <ul>
 *   <li>{@code GET /v1/people}: every person: {@code [{name, role, groups, client, totp, createdAt,
 *       disabledAt, lockedUntil}]}.
 *   <li>{@code POST /v1/people} {@code {name, password, role, groups?, client?}}: creates a person
 *       (409 if the name is taken).
 *   <li>{@code POST /v1/people/{name}/password} {@code {password}}: replaces the password, ends the
 *       person's sessions and lifts a lock-out.
 *   <li>{@code POST /v1/people/{name}/totp}: gives the person a new TOTP secret (replacing any) and
 *       answers its {@code otpauthUri}, once.
 *   <li>{@code POST /v1/people/{name}/unlock}: lifts a lock-out after failed sign-ins.
 *   <li>{@code POST /v1/people/{name}/disable}: the person can no longer sign in; their sessions
 *       end.
 * </ul>
 */
final class PeopleEndpoints extends Endpoints {
  static final int MIN_PASSWORD = 8;
  static final int MAX_PASSWORD = 1024;
  static final String TOTP_ISSUER = "Mandate";

  record CreateBody(
      String name, String password, String role, List<String> groups, String client) {}

  record PasswordBody(String password) {}

  /** A person as the API lists them: never the hash or the TOTP secret. */
  record PersonView(
      String name,
      String role,
      List<String> groups,
      String client,
      boolean totp,
      Instant createdAt,
      Instant disabledAt,
      Instant lockedUntil) {
    static PersonView of(PersonRecord p) {
      return new PersonView(
          p.name(),
          p.role().label(),
          p.groups(),
          p.clientId(),
          p.hasTotp(),
          p.createdAt(),
          p.disabledAt(),
          p.lockedUntil());
    }
  }

  record TotpView(String name, String otpauthUri) {}

  PeopleEndpoints(Parts parts) {
    super(parts);
  }

  @Override
  List<Route> routes() {
    return List.of(
        new Route("GET", "/v1/people", Route.Access.ADMIN, this::list),
        new Route("POST", "/v1/people", Route.Access.ADMIN, this::create),
        new Route("POST", "/v1/people/{name}/password", Route.Access.ADMIN, this::password),
        new Route("POST", "/v1/people/{name}/totp", Route.Access.ADMIN, this::totp),
        new Route("POST", "/v1/people/{name}/unlock", Route.Access.ADMIN, this::unlock),
        new Route("POST", "/v1/people/{name}/disable", Route.Access.ADMIN, this::disable));
  }

  private CompletionStage<Reply> list(Call call) {
    return Reply.now(200, store.people().stream().map(PersonView::of).toList());
  }

  private CompletionStage<Reply> create(Call call) {
    CreateBody body = call.body(CreateBody.class);
    String name = checkName(body.name());
    String password = checkPassword(body.password());
    Role role = role(body.role());
    List<String> groups = body.groups() == null ? List.of() : body.groups();
    String client = body.client();
    if (client != null && (client.isBlank() || client.length() > 128)) {
      throw ApiException.badRequest("invalid_field", "client must be 1 to 128 characters");
    }
    if (store.person(name).isPresent()) {
      throw ApiException.conflict(
          "person_exists",
          "person '"
              + name
              + "' exists; to change the password POST /v1/people/"
              + name
              + "/password");
    }
    PersonRecord person;
    try {
      person =
          new PersonRecord(
              name,
              SecretHash.hashPassword(password, random),
              role,
              groups,
              client,
              null,
              clock.instant(),
              null,
              null);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("invalid_field", e.getMessage());
    }
    store.upsertPerson(person);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("role", role.label());
    detail.put("groups", groups);
    detail.put("client", client);
    audit.record("person.create", call.client().clientId(), null, null, withName(name, detail));
    return Reply.now(201, PersonView.of(person));
  }

  private CompletionStage<Reply> password(Call call) {
    PersonRecord person = existing(call.path("name"));
    String password = checkPassword(call.body(PasswordBody.class).password());
    PersonRecord changed = person.withPasswordHash(SecretHash.hashPassword(password, random));
    store.upsertPerson(changed);
    store.deleteSessions(person.name());
    store.clearSignInFailures(person.name());
    audit.record(
        "person.password", call.client().clientId(), null, null, withName(person.name(), null));
    return Reply.now(200, PersonView.of(store.person(person.name()).orElse(changed)));
  }

  private CompletionStage<Reply> totp(Call call) {
    PersonRecord person = existing(call.path("name"));
    byte[] secret = Totp.newSecret(random);
    try {
      store.upsertPerson(person.withTotpSecret(keys.sealPersonSecret(person.name(), secret)));
      audit.record(
          "person.totp", call.client().clientId(), null, null, withName(person.name(), null));
      return Reply.now(
          200, new TotpView(person.name(), Totp.uri(TOTP_ISSUER, person.name(), secret)));
    } finally {
      java.util.Arrays.fill(secret, (byte) 0);
    }
  }

  private CompletionStage<Reply> unlock(Call call) {
    PersonRecord person = existing(call.path("name"));
    store.clearSignInFailures(person.name());
    audit.record(
        "person.unlock", call.client().clientId(), null, null, withName(person.name(), null));
    return Reply.now(200, PersonView.of(existing(person.name())));
  }

  private CompletionStage<Reply> disable(Call call) {
    String name = checkName(call.path("name"));
    PersonRecord before =
        store
            .person(name)
            .orElseThrow(() -> ApiException.notFound("there is no person '" + name + "'"));
    PersonRecord after =
        store
            .disablePerson(before.name(), clock.instant())
            .orElseThrow(() -> ApiException.notFound("there is no person '" + before.name() + "'"));
    if (!before.disabled()) {
      audit.record(
          "person.disable", call.client().clientId(), null, null, withName(before.name(), null));
    }
    return Reply.now(200, PersonView.of(after));
  }

  private PersonRecord existing(String name) {
    String n = checkName(name);
    PersonRecord p =
        store.person(n).orElseThrow(() -> ApiException.notFound("there is no person '" + n + "'"));
    if (p.disabled()) {
      throw ApiException.conflict(
          "person_disabled",
          "person '" + n + "' is disabled; create a person with another name instead");
    }
    return p;
  }

  private static Map<String, Object> withName(String name, Map<String, Object> more) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("person", name);
    if (more != null) {
      d.putAll(more);
    }
    return d;
  }

  static String checkName(String name) {
    return Ids.required(
        "name",
        name,
        PersonRecord.NAME,
        "invalid_field",
        "a person's name must be 1 to 64 of a-z 0-9 . _ - @, starting with a letter or digit");
  }

  private static String checkPassword(String password) {
    Ids.required("password", password);
    if (password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
      throw ApiException.badRequest(
          "weak_password",
          "a password must be " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters");
    }
    return password;
  }

  private static Role role(String role) {
    if (role == null) {
      throw ApiException.badRequest(
          "missing_field", "the field 'role' is required: approver, operator or admin");
    }
    List<String> known = new ArrayList<>();
    for (Role r : Role.values()) {
      if (r.label().equals(role.toLowerCase(Locale.ROOT))) {
        return r;
      }
      known.add(r.label());
    }
    throw ApiException.badRequest(
        "invalid_field",
        "role must be one of " + String.join(", ", known) + "; got " + Router.printable(role));
  }
}
