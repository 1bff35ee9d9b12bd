package dev.mandate.authority;

import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.ConsoleBrowser;
import dev.mandate.testkit.Reply;
import java.nio.file.Path;
import java.util.List;

/**
 * What console tests share: an authority with the test configuration on a clock the test moves, its
 * API as the admin, and people made through the admin API who sign in with a {@link
 * ConsoleBrowser}.
 */
final class ConsoleTests implements AutoCloseable {
  static final String PASSWORD = "a long enough password";

  final ApprovalEndpointsContract.TestClock clock =
      new ApprovalEndpointsContract.TestClock(AuthorityTests.NOW);
  final AuthorityServer authority;
  final AuthorityApi api;

  ConsoleTests(Path tmp) throws Exception {
    this(tmp, "data", ConsoleSettings.defaults());
  }

  /** An authority with its data in {@code tmp/dir} and these console settings. */
  ConsoleTests(Path tmp, String dir, ConsoleSettings settings) throws Exception {
    this(tmp, dir, b -> b.console(settings));
  }

  ConsoleTests(Path tmp, ConsoleSettings settings) throws Exception {
    this(tmp, "data", settings);
  }

  /** With further settings of the authority (server limits, say). */
  ConsoleTests(Path tmp, java.util.function.Consumer<AuthorityConfig.Builder> settings)
      throws Exception {
    this(tmp, "data", settings);
  }

  private ConsoleTests(
      Path tmp, String dir, java.util.function.Consumer<AuthorityConfig.Builder> settings)
      throws Exception {
    AuthorityConfig.Builder b = AuthorityTests.config(tmp, dir).clock(clock);
    settings.accept(b);
    this.authority = AuthorityServer.start(b.build());
    this.api = AuthorityTests.api(authority);
  }

  /** Creates a person with {@link #PASSWORD}. */
  void person(String name, String role, String... groups) {
    api.createPerson(name, PASSWORD, role, List.of(groups), null);
  }

  /** A new browser, signed in as {@code name} with {@link #PASSWORD}. */
  ConsoleBrowser signedIn(String name) {
    ConsoleBrowser b = browser();
    Reply r = b.signIn(name, PASSWORD, null);
    if (r.status() != 303) {
      throw new IllegalStateException("sign-in of " + name + " answered " + r.status());
    }
    return b;
  }

  ConsoleBrowser browser() {
    return new ConsoleBrowser(authority.url());
  }

  /** Whether the audit trail holds a record of {@code type} by {@code actor}. */
  long audited(String type, String actor) {
    var records = api.get("/v1/audit?limit=1000", api.admin()).expect(200).get("records");
    long n = 0;
    for (var r : records) {
      if (r.get("type").asText().equals(type) && r.get("actor").asText().equals(actor)) {
        n++;
      }
    }
    return n;
  }

  @Override
  public void close() {
    authority.close();
  }
}
