package dev.mandate.authority;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.html.HtmlEscapers;
import dev.mandate.caveat.Caveat;
import dev.mandate.caveat.Constraint;
import dev.mandate.config.Durations;
import dev.mandate.token.Grant;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Grants and caveats in words a person reads at a glance, for the consent page and the console.
 * Each {@link Phrase} is a list of parts (plain words, emphasised names, literal values) so that a
 * page renders them with its own markup and escapes every part: grant patterns, argument values and
 * conditions can come from an agent.
 */
final class PlainLanguage {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private PlainLanguage() {}

  /** How a part is shown. */
  enum Style {
    /** Ordinary words. */
    TEXT,
    /** A name to notice: a tool, a service, a group. */
    NAME,
    /** A literal value: a pattern, a path, an expression. */
    CODE
  }

  /** One run of text in one style. */
  record Part(String text, Style style) {
    boolean name() {
      return style == Style.NAME;
    }

    boolean code() {
      return style == Style.CODE;
    }
  }

  /** A sentence (without its full stop) as parts. */
  record Phrase(List<Part> parts) {
    Phrase {
      parts = List.copyOf(parts);
    }

    /** The words alone, for a title or a test. */
    String plain() {
      return parts.stream().map(Part::text).collect(Collectors.joining());
    }

    /** As HTML: names in {@code strong}, values in {@code code}, every part escaped. */
    String html() {
      StringBuilder b = new StringBuilder();
      for (Part p : parts) {
        String text = HtmlEscapers.htmlEscaper().escape(p.text());
        switch (p.style()) {
          case NAME -> b.append("<strong>").append(text).append("</strong>");
          case CODE -> b.append("<code>").append(text).append("</code>");
          default -> b.append(text);
        }
      }
      return b.toString();
    }
  }

  /** Builds a phrase part by part. */
  private static final class Words {
    private final List<Part> parts = new ArrayList<>();

    Words text(String s) {
      if (!parts.isEmpty() && parts.get(parts.size() - 1).style() == Style.TEXT) {
        Part last = parts.remove(parts.size() - 1);
        parts.add(new Part(last.text() + s, Style.TEXT));
      } else {
        parts.add(new Part(s, Style.TEXT));
      }
      return this;
    }

    Words name(String s) {
      parts.add(new Part(s, Style.NAME));
      return this;
    }

    Words code(String s) {
      parts.add(new Part(s, Style.CODE));
      return this;
    }

    Words list(List<String> values, Style style, String last) {
      for (int i = 0; i < values.size(); i++) {
        if (i > 0) {
          text(i == values.size() - 1 ? " " + last + " " : ", ");
        }
        parts.add(new Part(values.get(i), style));
      }
      return this;
    }

    Words append(Phrase p) {
      p.parts().forEach(part -> parts.add(part));
      return this;
    }

    Phrase phrase() {
      return new Phrase(parts);
    }
  }

  /** "use read_text_file of fs on /data/**, only when ...": a grant with its own caveats. */
  static Phrase grant(Grant g) {
    Words w = new Words().text("use ");
    if (g.action().equals("*")) {
      w.text("any tool");
    } else {
      w.name(g.action());
    }
    w.text(" of ").name(g.service());
    if (g.resource().equals("*") || g.resource().equals("**") || g.resource().equals("/**")) {
      w.text(" on anything");
    } else {
      w.text(" on ").code(g.resource());
    }
    for (Caveat c : g.caveats()) {
      w.text(", ").append(caveat(c));
    }
    return w.phrase();
  }

  /** One caveat as a restriction: "only until ...", "at most 3 calls in all", ... */
  static Phrase caveat(Caveat c) {
    Words w = new Words();
    if (c instanceof Caveat.Expiry e) {
      w.text("only until ").code(TIME.format(e.notAfter()));
    } else if (c instanceof Caveat.NotBefore n) {
      w.text("not before ").code(TIME.format(n.notBefore()));
    } else if (c instanceof Caveat.Audience a) {
      w.text("only at ").list(a.audiences(), Style.NAME, "or");
    } else if (c instanceof Caveat.Argument a) {
      w.text("only when argument ").code(a.pointer()).text(" ");
      constraint(w, a.constraint());
    } else if (c instanceof Caveat.Condition k) {
      w.text("only when ").code(k.expression());
    } else if (c instanceof Caveat.MaxDepth d) {
      if (d.blocks() == 0) {
        w.text("may not be attenuated or delegated further");
      } else {
        w.text("at most " + d.blocks() + " further attenuation" + (d.blocks() == 1 ? "" : "s"));
      }
    } else if (c instanceof Caveat.MaxUses u) {
      w.text("at most " + u.uses() + " call" + (u.uses() == 1 ? "" : "s") + " in all");
    } else if (c instanceof Caveat.ApprovalRequired a) {
      w.text("every call needs a person's approval from ").list(a.groups(), Style.NAME, "or");
    } else if (c instanceof Caveat.Budget b) {
      w.text("the values of ")
          .code(b.pointer())
          .text(" add up to at most ")
          .code(b.limit().toPlainString())
          .text(" over its life");
    } else if (c instanceof Caveat.Rate r) {
      if (r.pointer() == null) {
        w.text("at most ").code(r.limit().toPlainString()).text(" calls");
      } else {
        w.text("the values of ")
            .code(r.pointer())
            .text(" add up to at most ")
            .code(r.limit().toPlainString());
      }
      w.text(" in any ").code(Durations.format(r.window()));
    } else {
      w.text(c.kind());
    }
    return w.phrase();
  }

  /** "only the holder of key K, proving it on every call". */
  static Phrase holder(String keyId) {
    return new Words()
        .text("only the holder of key ")
        .code(keyId)
        .text(", proving it on every call")
        .phrase();
  }

  /** A caveat recorded in a form this version cannot read back: shown as recorded. */
  static Phrase recorded(String text) {
    return new Words().text("as recorded: ").code(text).phrase();
  }

  /** A time as the console shows it. */
  static String time(Instant t) {
    return t == null ? "" : TIME.format(t);
  }

  private static void constraint(Words w, Constraint c) {
    if (c instanceof Constraint.Exact e) {
      w.text("equals ").code(scalar(e.value()));
    } else if (c instanceof Constraint.OneOf o) {
      w.text("is one of ")
          .list(o.values().stream().map(PlainLanguage::scalar).toList(), Style.CODE, "or");
    } else if (c instanceof Constraint.Prefix p) {
      w.text("starts with ").code(p.prefix());
    } else if (c instanceof Constraint.Glob g) {
      w.text("matches ").code(g.pattern());
    } else if (c instanceof Constraint.Regex r) {
      w.text("wholly matches the pattern ").code(r.expression());
    } else if (c instanceof Constraint.Range r) {
      if (r.min() != null && r.max() != null) {
        w.text("is a number from ")
            .code(r.min().toPlainString())
            .text(" to ")
            .code(r.max().toPlainString());
      } else if (r.min() != null) {
        w.text("is a number of at least ").code(r.min().toPlainString());
      } else {
        w.text("is a number of at most ").code(r.max() == null ? "" : r.max().toPlainString());
      }
    } else if (c instanceof Constraint.CidrSet s) {
      w.text("is an IP address in ").list(s.blocks(), Style.CODE, "or");
    } else if (c instanceof Constraint.PathWithin p) {
      w.text("is a path within ").code(p.base());
    } else if (c instanceof Constraint.Url u) {
      w.text("is a ")
          .list(u.schemes(), Style.CODE, "or")
          .text(" URL on ")
          .list(u.hosts(), Style.CODE, "or");
    } else if (c instanceof Constraint.Shell s) {
      w.text("is a plain command line running ").list(s.programs(), Style.CODE, "or");
    } else if (c instanceof Constraint.Not n) {
      w.text("is present and NOT: ");
      constraint(w, n.inner());
    } else if (c instanceof Constraint.AllOf a) {
      joined(w, a.all(), " and ");
    } else if (c instanceof Constraint.AnyOf a) {
      w.text("either ");
      joined(w, a.any(), " or ");
    } else {
      w.code(c.toString());
    }
  }

  private static void joined(Words w, List<Constraint> parts, String separator) {
    for (int i = 0; i < parts.size(); i++) {
      if (i > 0) {
        w.text(separator);
      }
      constraint(w, parts.get(i));
    }
  }

  private static String scalar(JsonNode v) {
    return v.toString();
  }
}
