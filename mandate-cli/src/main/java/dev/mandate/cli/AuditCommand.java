package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.authority.store.AuditVerification;
import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.JdbcUrls;
import dev.mandate.authority.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code mandate audit tail|query|verify}: reads and checks the authority's audit trail. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "Read the authority's audit trail, or verify its hash chain.",
    subcommands = {AuditCommand.Tail.class, AuditCommand.Query.class, AuditCommand.Verify.class})
final class AuditCommand extends CliCommand.Group {
  /** The largest page the authority serves. */
  static final int PAGE = 1000;

  /** The filters {@code GET /v1/audit} understands. */
  static final class Filters {
    @Option(names = "--token-id", paramLabel = "ID", description = "Only records about this token.")
    String tokenId;

    @Option(
        names = "--client-filter",
        paramLabel = "ID",
        description = "Only records about this client (--client is who you authenticate as).")
    String client;

    @Option(
        names = "--to",
        paramLabel = "INSTANT",
        description = "Only records before this time (ISO-8601, exclusive).")
    Instant to;

    @Option(names = "--json", description = "Print each record as one JSON object per line.")
    boolean json;

    Map<String, Object> query(Instant from, long after, int limit) {
      Map<String, Object> q = new LinkedHashMap<>();
      q.put("tokenId", tokenId);
      q.put("client", client);
      q.put("from", from);
      q.put("to", to);
      q.put("after", after);
      q.put("limit", limit);
      return q;
    }
  }

  /** A subcommand that reads the records matching the filters from the authority. */
  abstract static class Reader extends CliCommand {
    @Mixin AuthorityOptions authority;
    @Mixin Filters filters;
  }

  /**
   * Prints the records of one page and returns the last sequence printed ({@code after} if none).
   */
  static long print(JsonNode page, boolean json, PrintWriter out, long after) {
    long last = after;
    for (JsonNode r : page.path("records")) {
      out.println(json ? r.toString() : line(r));
      last = Math.max(last, r.path("sequence").asLong());
    }
    out.flush();
    return last;
  }

  /** {@code 12 2025-06-01T12:00:00Z revoke actor=admin token=... client=... {detail}}. */
  static String line(JsonNode r) {
    StringBuilder s = new StringBuilder();
    s.append(r.path("sequence").asLong())
        .append(' ')
        .append(r.path("at").asText())
        .append(' ')
        .append(r.path("type").asText())
        .append(" actor=")
        .append(r.path("actor").asText());
    if (r.hasNonNull("tokenId")) {
      s.append(" token=").append(r.path("tokenId").asText());
    }
    if (r.hasNonNull("clientId")) {
      s.append(" client=").append(r.path("clientId").asText());
    }
    if (r.hasNonNull("detail")) {
      s.append(' ').append(r.path("detail").toString());
    }
    // Records hold text that gateways sent; it must not drive the terminal.
    return Printable.escape(s.toString());
  }

  @Command(
      name = "query",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = "Print the audit records that match the filters, oldest first (admin only).")
  static final class Query extends Reader {
    @Option(
        names = "--from",
        paramLabel = "INSTANT",
        description = "Only records at or after this time (ISO-8601).")
    Instant from;

    @Option(
        names = "--after",
        paramLabel = "SEQUENCE",
        description = "Only records after this sequence number (to continue a previous query).")
    long after;

    @Option(
        names = "--limit",
        paramLabel = "N",
        description = "Print at most N records, 1..1000000. Default: ${DEFAULT-VALUE}.")
    int limit = 100;

    @Override
    public Integer call() {
      if (limit < 1 || limit > 1_000_000) {
        throw new BadInputException("--limit must be 1..1000000, got " + limit);
      }
      if (after < 0) {
        throw new BadInputException("--after must be >= 0, got " + after);
      }
      AuthorityClient client = authority.authenticated(spec);
      PrintWriter out = terminal().out();
      long last = after;
      int remaining = limit;
      while (remaining > 0) {
        JsonNode page =
            client.get("/v1/audit", filters.query(from, last, Math.min(PAGE, remaining)));
        int n = page.path("records").size();
        last = print(page, filters.json, out, last);
        remaining -= n;
        if (page.path("nextAfter").isNull() || page.path("nextAfter").isMissingNode() || n == 0) {
          break;
        }
      }
      return Mandate.OK;
    }
  }

  @Command(
      name = "tail",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Print recent audit records, then follow new ones as they are appended (admin only).",
        "Stop with Ctrl-C. Records whose own time is before --from are not shown."
      })
  static final class Tail extends Reader {
    @Option(
        names = "--from",
        paramLabel = "INSTANT",
        description = "Start with the records at or after this time. Default: 10 minutes ago.")
    Instant from;

    @Option(
        names = "--interval",
        paramLabel = "DURATION",
        converter = Converters.IntervalConverter.class,
        description = "How often to ask for new records. Default: 1s.")
    Duration interval = Duration.ofSeconds(1);

    @Option(
        names = "--max-polls",
        hidden = true,
        description = "Stop after this many polls (for tests); default: follow forever.")
    long maxPolls = Long.MAX_VALUE;

    @Override
    public Integer call() throws InterruptedException {
      AuthorityClient client = authority.authenticated(spec);
      Terminal t = terminal();
      Instant start = from != null ? from : t.clock().instant().minus(Duration.ofMinutes(10));
      long last = 0;
      for (long poll = 0; poll < maxPolls; poll++) {
        if (poll > 0) {
          Thread.sleep(interval.toMillis());
        }
        while (true) {
          JsonNode page = client.get("/v1/audit", filters.query(start, last, PAGE));
          last = print(page, filters.json, t.out(), last);
          if (page.path("records").size() < PAGE) {
            break;
          }
        }
      }
      return Mandate.OK;
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Walk the audit hash chain and report the first edited, removed or reordered record.",
        "Ask the authority (admin only), or open the database directly with --db (for an"
            + " operator on the database host). Exit status 0: intact; 1: broken."
      },
      footer = {
        "",
        "Examples:",
        "  mandate audit verify --authority http://127.0.0.1:7700 --client admin \\",
        "    --secret-file admin.secret",
        "  mandate audit verify --db jdbc:sqlite:mandate-data/mandate.db"
      })
  static final class Verify extends CliCommand {
    @Mixin AuthorityOptions authority;

    @Mixin DatabaseOptions database;

    @Override
    public Integer call() {
      String db = database.url();
      if (db != null && authority.given()) {
        throw new ParameterException(
            spec.commandLine(),
            "give either --db (open the database directly) or --authority (ask the authority),"
                + " not both");
      }
      boolean ok;
      long checked;
      String firstBad;
      String problem;
      if (db != null) {
        AuditVerification v = verifyDirectly(db, database.password(spec));
        ok = v.ok();
        checked = v.recordsChecked();
        firstBad = v.firstBadSequence() == null ? null : v.firstBadSequence().toString();
        problem = v.problem();
      } else {
        JsonNode v = authority.authenticated(spec).get("/v1/audit/verify", null);
        ok = v.path("ok").asBoolean(false);
        checked = v.path("recordsChecked").asLong();
        firstBad = v.hasNonNull("firstBadSequence") ? v.path("firstBadSequence").asText() : null;
        problem = v.hasNonNull("problem") ? v.path("problem").asText() : "no detail given";
      }
      PrintWriter out = terminal().out();
      if (ok) {
        out.println("OK: the audit chain is intact (" + checked + " records checked)");
        return Mandate.OK;
      }
      out.println(
          Printable.escape(
              "BROKEN at record "
                  + firstBad
                  + ": "
                  + problem
                  + " ("
                  + checked
                  + " records checked)"));
      return Mandate.DENY;
    }

    private static AuditVerification verifyDirectly(String jdbcUrl, char[] password) {
      String shown = JdbcUrls.redact(jdbcUrl);
      if (jdbcUrl.startsWith("jdbc:sqlite:")) {
        String file = jdbcUrl.substring("jdbc:sqlite:".length());
        int q = file.indexOf('?');
        file = q >= 0 ? file.substring(0, q) : file;
        // Opening a missing SQLite file would create an empty database, which verifies trivially.
        if (file.isEmpty() || file.startsWith(":memory:") || !Files.isRegularFile(Path.of(file))) {
          throw new BadInputException(
              "--db "
                  + shown
                  + ": there is no SQLite database file there; give the authority's"
                  + " database, e.g. jdbc:sqlite:mandate-data/mandate.db");
        }
      }
      AuthorityStore store;
      try {
        store = AuthorityStore.open(jdbcUrl, password);
      } catch (IllegalArgumentException | StoreException e) {
        throw new BadInputException(
            "cannot open the database "
                + shown
                + ": "
                + JdbcUrls.redact(String.valueOf(e.getMessage())));
      }
      try (store) {
        return store.verifyAudit();
      } catch (StoreException e) {
        throw new BadInputException(
            "the database " + shown + " failed: " + JdbcUrls.redact(e.getMessage()));
      }
    }
  }
}
