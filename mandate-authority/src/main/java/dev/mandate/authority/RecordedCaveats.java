package dev.mandate.authority;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.token.Grant;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The grants and caveats of a block as the audit trail records them (mint and token exchange
 * events), in text forms that read back to equal values, so the console can show a block it never
 * held the token of: each caveat is {@code {"kind", "text"}} (or {@code {"kind", "values"}} for an
 * audience or approval caveat), where the text of an argument is its {@code POINTER=KIND:VALUE}
 * form, of a condition its expression, of a budget or rate its {@code sum(...)<=...} form, of a
 * time ISO-8601 and of a count its digits.
 */
final class RecordedCaveats {
  private RecordedCaveats() {}

  /** Puts {@code grants}, {@code grantCaveats} (when any) and {@code caveats} into an event. */
  static void put(Map<String, Object> detail, List<Grant> grants, List<Caveat> caveats) {
    detail.put("grants", grants.stream().map(Grant::toString).toList());
    if (grants.stream().anyMatch(g -> !g.caveats().isEmpty()) || !caveats.isEmpty()) {
      detail.put(
          "grantCaveats",
          grants.stream()
              .map(g -> g.caveats().stream().map(RecordedCaveats::write).toList())
              .toList());
      detail.put("caveats", caveats.stream().map(RecordedCaveats::write).toList());
    }
  }

  static Map<String, Object> write(Caveat c) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", c.kind());
    if (c instanceof Caveat.Audience a) {
      out.put("values", a.audiences());
    } else if (c instanceof Caveat.ApprovalRequired a) {
      out.put("values", a.groups());
    } else {
      out.put("text", text(c));
    }
    return out;
  }

  private static String text(Caveat c) {
    if (c instanceof Caveat.Argument a) {
      return a.text();
    } else if (c instanceof Caveat.Condition k) {
      return k.expression();
    } else if (c instanceof Caveat.Budget b) {
      return b.text();
    } else if (c instanceof Caveat.Rate r) {
      return r.text();
    } else if (c instanceof Caveat.Expiry e) {
      return e.notAfter().toString();
    } else if (c instanceof Caveat.NotBefore n) {
      return n.notBefore().toString();
    } else if (c instanceof Caveat.MaxDepth d) {
      return Integer.toString(d.blocks());
    } else if (c instanceof Caveat.MaxUses u) {
      return Long.toString(u.uses());
    }
    return c.toString();
  }

  /** A recorded caveat, or null when it cannot be read back (an older record, say). */
  static Caveat read(JsonNode node) {
    if (node == null || !node.isObject()) {
      return null;
    }
    String kind = node.path("kind").asText("");
    String text = node.path("text").asText("");
    try {
      return switch (kind) {
        case "argument" -> Caveat.Argument.parse(text);
        case "condition" -> new Caveat.Condition(text);
        case "budget", "rate" -> Caveat.Budget.parse(text);
        case "expiry" -> new Caveat.Expiry(Instant.parse(text));
        case "not-before" -> new Caveat.NotBefore(Instant.parse(text));
        case "max-depth" -> new Caveat.MaxDepth(Integer.parseInt(text));
        case "max-uses" -> new Caveat.MaxUses(Long.parseLong(text));
        case "audience" -> new Caveat.Audience(values(node));
        case "approval" -> new Caveat.ApprovalRequired(values(node));
        default -> null;
      };
    } catch (IllegalArgumentException | DateTimeParseException e) {
      return null;
    }
  }

  private static List<String> values(JsonNode node) {
    List<String> out = new ArrayList<>();
    node.path("values").forEach(v -> out.add(v.asText()));
    return out;
  }

  /** The text of a recorded caveat, to show when it cannot be read back. */
  static String shown(JsonNode node) {
    if (node != null && node.isObject()) {
      return node.path("kind").asText("")
          + " "
          + (node.has("values") ? node.path("values").toString() : node.path("text").asText(""));
    }
    return node == null ? "" : node.isTextual() ? node.asText() : node.toString();
  }

  /** Reads a list of recorded caveats; those it cannot read are returned in {@code unread}. */
  static List<Caveat> readAll(JsonNode list, List<String> unread) {
    List<Caveat> out = new ArrayList<>();
    if (list != null && list.isArray()) {
      for (JsonNode n : list) {
        Caveat c = read(n);
        if (c == null) {
          unread.add(shown(n));
        } else {
          out.add(c);
        }
      }
    }
    return out;
  }
}
