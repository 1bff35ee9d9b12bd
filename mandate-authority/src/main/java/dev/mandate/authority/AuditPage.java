package dev.mandate.authority;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.authority.store.AuditEvent;
import dev.mandate.authority.store.AuditQuery;
import dev.mandate.authority.store.AuditRecord;
import dev.mandate.authority.store.AuditVerification;
import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.PersonRecord.Role;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The audit page ({@code /console/audit}): the trail searched by client, token, event type, time
 * range and free text, newest first and paged back; and {@code /console/audit/verify}, which walks
 * the hash chain and shows whether it holds or which record breaks it. Every field shown may have
 * come from an agent (tool names, arguments, reasons), so all of it is escaped by the templates.
 */
final class AuditPage {
  static final int PAGE = 50;
  static final String PATH = Console.ROOT + "/audit";
  private static final DateTimeFormatter SHOWN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private final AuthorityStore store;

  /** The search as the form holds it (as typed, to show it again). */
  record Filters(String client, String token, String type, String text, String from, String to) {
    boolean any() {
      return client != null
          || token != null
          || type != null
          || text != null
          || from != null
          || to != null;
    }

    /** The filters as query parameters, for the link to older records. */
    String query() {
      StringBuilder q = new StringBuilder();
      add(q, "client", client);
      add(q, "token", token);
      add(q, "type", type);
      add(q, "text", text);
      add(q, "from", from);
      add(q, "to", to);
      return q.toString();
    }

    private static void add(StringBuilder q, String name, String value) {
      if (value != null) {
        q.append('&').append(name).append('=').append(encode(value));
      }
    }
  }

  /** One record as a row. */
  record Row(
      long sequence,
      String at,
      String type,
      String actor,
      String client,
      String token,
      String detail,
      boolean broken) {
    /** The search for this record's client. */
    String clientLink() {
      return PATH + "?client=" + encode(client);
    }

    /** The search for this record's token. */
    String tokenLink() {
      return PATH + "?token=" + encode(token);
    }
  }

  static String encode(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The chain's check, in words. */
  record Check(boolean ok, long checked, Long badSequence, String problem) {}

  /**
   * What the page shows.
   *
   * @param olderLink the link to the next page of older records, or null
   * @param error why the search could not run, or null
   * @param check the chain's check when asked for, or null
   */
  record Model(
      Filters filters,
      List<Row> rows,
      String olderLink,
      String error,
      Check check,
      boolean paged) {}

  AuditPage(AuthorityStore store) {
    this.store = store;
  }

  List<ConsolePage> pages() {
    return List.of(
        ConsolePage.get(PATH, Role.OPERATOR, this::search),
        ConsolePage.get(PATH + "/verify", Role.OPERATOR, this::verify));
  }

  private Reply search(ConsoleCall call) {
    return show(call, null);
  }

  private Reply verify(ConsoleCall call) {
    AuditVerification v = store.verifyAudit();
    return show(call, new Check(v.ok(), v.recordsChecked(), v.firstBadSequence(), v.problem()));
  }

  private Reply show(ConsoleCall call, Check check) {
    Filters f =
        new Filters(
            param(call, "client"),
            param(call, "token"),
            param(call, "type"),
            param(call, "text"),
            param(call, "from"),
            param(call, "to"));
    String before = param(call, "before");
    AuditQuery query;
    try {
      long beforeSequence = before == null ? 0 : Long.parseLong(before);
      query =
          new AuditQuery(
              f.token(),
              f.client(),
              time("from", f.from()),
              time("to", f.to()),
              0,
              PAGE,
              f.type(),
              f.text(),
              beforeSequence,
              true);
    } catch (NumberFormatException e) {
      return call.page(
          400,
          "audit.jte",
          "Audit",
          new Model(f, List.of(), null, "The page number is not valid.", check, false));
    } catch (IllegalArgumentException e) {
      return call.page(
          400, "audit.jte", "Audit", new Model(f, List.of(), null, e.getMessage(), check, false));
    }
    List<AuditRecord> records = store.audit(query);
    Long bad = check == null ? null : check.badSequence();
    List<Row> rows = records.stream().map(r -> row(r, bad)).toList();
    String older =
        records.size() == PAGE
            ? PATH + "?before=" + records.get(records.size() - 1).sequence() + f.query()
            : null;
    return call.page("audit.jte", "Audit", new Model(f, rows, older, null, check, before != null));
  }

  /** A time as the console shows it, in UTC. */
  static String shown(Instant at) {
    return SHOWN.format(at);
  }

  private static Row row(AuditRecord r, Long bad) {
    AuditEvent e = r.event();
    String detail = null;
    if (e.detailJson() != null) {
      JsonNode tree = Json.tree(e.detailJson());
      detail = tree.isTextual() ? tree.asText() : tree.toPrettyString();
    }
    return new Row(
        r.sequence(),
        SHOWN.format(e.at()),
        e.type(),
        e.actor(),
        e.clientId(),
        e.tokenId(),
        detail,
        bad != null && bad == r.sequence());
  }

  /** A time as the form's {@code datetime-local} sends it (UTC), or an ISO-8601 instant. */
  private static Instant time(String name, String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException again) {
        throw new IllegalArgumentException(
            "'" + name + "' must be a time such as 2025-06-01T12:00 (UTC)");
      }
    }
  }

  private static String param(ConsoleCall call, String name) {
    String v = call.query(name);
    return v == null || v.isBlank() ? null : v.strip();
  }
}
