package dev.mandate.token;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.caveat.Caveat;
import dev.mandate.caveat.Constraint;
import dev.mandate.internal.JsonScalars;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** The binary encoding of caveats and constraints (spec section "Caveats"). */
final class CaveatCodec {
  static final int EXPIRY = 1;
  static final int NOT_BEFORE = 2;
  static final int AUDIENCE = 3;
  static final int ARGUMENT = 4;
  static final int CONDITION = 5;
  static final int MAX_DEPTH = 6;
  static final int MAX_USES = 7;
  static final int APPROVAL = 8;
  static final int GRANT_CAVEAT = 9;
  static final int BUDGET = 10;
  static final int RATE = 11;

  static final int C_EXACT = 1;
  static final int C_ONE_OF = 2;
  static final int C_PREFIX = 3;
  static final int C_GLOB = 4;
  static final int C_REGEX = 5;
  static final int C_RANGE = 6;
  static final int C_CIDR = 7;
  static final int C_PATH_WITHIN = 8;
  static final int C_URL = 9;
  static final int C_SHELL = 10;
  static final int C_ALL_OF = 11;
  static final int C_ANY_OF = 12;
  static final int C_NOT = 13;

  private static final int MAX_LIST = 256;

  static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private CaveatCodec() {}

  static void write(ByteWriter out, Caveat caveat) {
    ByteWriter body = new ByteWriter(true);
    int kind;
    if (caveat instanceof Caveat.Expiry e) {
      kind = EXPIRY;
      body.i64(e.notAfter().getEpochSecond());
    } else if (caveat instanceof Caveat.NotBefore n) {
      kind = NOT_BEFORE;
      body.i64(n.notBefore().getEpochSecond());
    } else if (caveat instanceof Caveat.Audience a) {
      kind = AUDIENCE;
      body.strings(a.audiences());
    } else if (caveat instanceof Caveat.Argument a) {
      kind = ARGUMENT;
      body.str(a.pointer());
      writeConstraint(body, a.constraint());
    } else if (caveat instanceof Caveat.Condition c) {
      kind = CONDITION;
      body.str(c.expression());
    } else if (caveat instanceof Caveat.MaxDepth d) {
      kind = MAX_DEPTH;
      body.u8(d.blocks());
    } else if (caveat instanceof Caveat.MaxUses u) {
      kind = MAX_USES;
      body.u32(u.uses());
    } else if (caveat instanceof Caveat.ApprovalRequired a) {
      kind = APPROVAL;
      body.strings(a.groups());
    } else if (caveat instanceof Caveat.Budget b) {
      kind = BUDGET;
      body.str(b.pointer()).str(b.limit().toPlainString());
    } else if (caveat instanceof Caveat.Rate r) {
      kind = RATE;
      body.str(r.pointer() == null ? "" : r.pointer())
          .str(r.limit().toPlainString())
          .u32(r.window().getSeconds());
    } else {
      throw new IllegalArgumentException("no encoding for caveat " + caveat);
    }
    out.u8(kind).lengthPrefixed(body.toByteArray());
  }

  /**
   * Writes one caveat of a grant's own (kind 9): the grant's index in its block, then the caveat,
   * an argument constraint or a condition, in its usual encoding.
   */
  static void writeForGrant(ByteWriter out, int grantIndex, Caveat caveat) {
    ByteWriter body = new ByteWriter(true);
    body.u16(grantIndex);
    write(body, caveat);
    out.u8(GRANT_CAVEAT).lengthPrefixed(body.toByteArray());
  }

  /**
   * One caveat as read from a block: {@code grant} is the index of the grant it belongs to, or -1
   * for a caveat of the whole block.
   */
  record Entry(int grant, Caveat caveat) {}

  /** Reads a caveat of the block, or of one of its {@code grantCount} grants (kind 9). */
  static Entry readEntry(ByteReader in, int grantCount, Limits limits) {
    int kind = in.peekU8("caveat kind");
    if (kind != GRANT_CAVEAT) {
      return new Entry(-1, read(in, limits));
    }
    in.u8("caveat kind");
    ByteReader body = in.region("grant caveat");
    int grant = body.u16("grant index");
    if (grant >= grantCount) {
      throw new FormatException(
          "a grant caveat names grant " + grant + " of a block with " + grantCount + " grants");
    }
    int innerKind = body.peekU8("grant caveat kind");
    if (innerKind != ARGUMENT
        && innerKind != CONDITION
        && innerKind != BUDGET
        && innerKind != RATE) {
      throw new FormatException(
          "a grant caveat holds an argument constraint, a condition, a budget or a rate, not kind "
              + innerKind);
    }
    Caveat caveat = read(body, limits);
    body.expectEnd("grant caveat");
    return new Entry(grant, caveat);
  }

  static Caveat read(ByteReader in, Limits limits) {
    int kind = in.u8("caveat kind");
    ByteReader body = in.region("caveat");
    Caveat caveat =
        switch (kind) {
          case EXPIRY -> new Caveat.Expiry(body.epochSeconds("expiry"));
          case NOT_BEFORE -> new Caveat.NotBefore(body.epochSeconds("not-before"));
          case AUDIENCE -> valid(() -> new Caveat.Audience(body.strings("audience", MAX_LIST)));
          case ARGUMENT -> {
            String pointer = body.str("argument pointer");
            Constraint c = readConstraint(body, 1, limits);
            yield valid(() -> new Caveat.Argument(pointer, c));
          }
          case CONDITION -> {
            String expression = body.str("condition");
            if (expression.length() > limits.maxConditionLength()) {
              throw new FormatException(
                  Decision.Code.LIMIT_EXCEEDED,
                  "condition of "
                      + expression.length()
                      + " chars exceeds the limit of "
                      + limits.maxConditionLength());
            }
            yield valid(() -> new Caveat.Condition(expression));
          }
          case MAX_DEPTH -> new Caveat.MaxDepth(body.u8("max depth"));
          case MAX_USES -> {
            long uses = body.u32("max uses");
            yield valid(() -> new Caveat.MaxUses(uses));
          }
          case APPROVAL ->
              valid(() -> new Caveat.ApprovalRequired(body.strings("approval groups", 16)));
          case BUDGET -> {
            String pointer = body.str("budget pointer");
            String limit = body.str("budget limit");
            Caveat.Budget b = valid(() -> new Caveat.Budget(pointer, budgetLimit(limit)));
            canonicalLimit(limit, b.limit());
            yield b;
          }
          case RATE -> {
            String pointer = body.str("rate pointer");
            String limit = body.str("rate limit");
            long seconds = body.u32("rate window");
            Caveat.Rate r =
                valid(
                    () ->
                        new Caveat.Rate(
                            pointer.isEmpty() ? null : pointer,
                            budgetLimit(limit),
                            java.time.Duration.ofSeconds(seconds)));
            canonicalLimit(limit, r.limit());
            yield r;
          }
          default ->
              throw new FormatException(
                  Decision.Code.UNKNOWN_CAVEAT,
                  "unknown caveat kind " + kind + "; this verifier denies what it does not know");
        };
    body.expectEnd("caveat " + caveat.kind());
    return caveat;
  }

  static void writeConstraint(ByteWriter out, Constraint constraint) {
    if (constraint instanceof Constraint.Exact e) {
      out.u8(C_EXACT).str(jsonText(e.value()));
    } else if (constraint instanceof Constraint.OneOf o) {
      out.u8(C_ONE_OF).u16(o.values().size());
      o.values().forEach(v -> out.str(jsonText(v)));
    } else if (constraint instanceof Constraint.Prefix p) {
      out.u8(C_PREFIX).str(p.prefix());
    } else if (constraint instanceof Constraint.Glob g) {
      out.u8(C_GLOB).str(g.pattern());
    } else if (constraint instanceof Constraint.Regex r) {
      out.u8(C_REGEX).str(r.expression());
    } else if (constraint instanceof Constraint.Range r) {
      out.u8(C_RANGE).u8((r.min() != null ? 1 : 0) | (r.max() != null ? 2 : 0));
      if (r.min() != null) {
        out.str(r.min().toString());
      }
      if (r.max() != null) {
        out.str(r.max().toString());
      }
    } else if (constraint instanceof Constraint.CidrSet c) {
      out.u8(C_CIDR).strings(c.blocks());
    } else if (constraint instanceof Constraint.PathWithin p) {
      out.u8(C_PATH_WITHIN).str(p.base());
    } else if (constraint instanceof Constraint.Url u) {
      out.u8(C_URL).strings(u.schemes()).strings(u.hosts());
    } else if (constraint instanceof Constraint.Shell sh) {
      out.u8(C_SHELL).strings(sh.programs());
    } else if (constraint instanceof Constraint.AllOf a) {
      out.u8(C_ALL_OF).u8(a.all().size());
      a.all().forEach(c -> writeConstraint(out, c));
    } else if (constraint instanceof Constraint.AnyOf a) {
      out.u8(C_ANY_OF).u8(a.any().size());
      a.any().forEach(c -> writeConstraint(out, c));
    } else if (constraint instanceof Constraint.Not n) {
      out.u8(C_NOT);
      writeConstraint(out, n.inner());
    } else {
      throw new IllegalArgumentException("no encoding for constraint " + constraint);
    }
  }

  static Constraint readConstraint(ByteReader in, int depth, Limits limits) {
    if (depth > limits.maxConstraintDepth()) {
      throw new FormatException(
          Decision.Code.LIMIT_EXCEEDED,
          "argument constraints nest deeper than the limit of " + limits.maxConstraintDepth());
    }
    int type = in.u8("constraint type");
    return switch (type) {
      case C_EXACT -> {
        JsonNode v = scalar(in.str("exact value"));
        yield valid(() -> new Constraint.Exact(v));
      }
      case C_ONE_OF -> {
        int n = in.u16("one-of count");
        if (n > MAX_LIST) {
          throw new FormatException("one-of has more than " + MAX_LIST + " values");
        }
        List<JsonNode> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          values.add(scalar(in.str("one-of value")));
        }
        yield valid(() -> new Constraint.OneOf(values));
      }
      case C_PREFIX -> {
        String p = in.str("prefix");
        yield valid(() -> new Constraint.Prefix(p));
      }
      case C_GLOB -> {
        String p = in.str("glob");
        yield valid(() -> new Constraint.Glob(p));
      }
      case C_REGEX -> {
        String p = in.str("regex");
        yield valid(() -> new Constraint.Regex(p));
      }
      case C_RANGE -> {
        int flags = in.u8("range flags");
        if ((flags & ~3) != 0) {
          throw new FormatException("range has unknown flags " + flags);
        }
        BigDecimal min = (flags & 1) != 0 ? decimal(in.str("range minimum")) : null;
        BigDecimal max = (flags & 2) != 0 ? decimal(in.str("range maximum")) : null;
        yield valid(() -> new Constraint.Range(min, max));
      }
      case C_CIDR -> {
        List<String> blocks = in.strings("cidr", MAX_LIST);
        yield valid(() -> new Constraint.CidrSet(blocks));
      }
      case C_PATH_WITHIN -> {
        String base = in.str("path-within base");
        yield valid(() -> new Constraint.PathWithin(base));
      }
      case C_URL -> {
        List<String> schemes = in.strings("url schemes", MAX_LIST);
        List<String> hosts = in.strings("url hosts", MAX_LIST);
        yield valid(() -> new Constraint.Url(schemes, hosts));
      }
      case C_SHELL -> {
        List<String> programs = in.strings("shell programs", MAX_LIST);
        yield valid(() -> new Constraint.Shell(programs));
      }
      case C_ALL_OF, C_ANY_OF -> {
        int n = in.u8("constraint count");
        List<Constraint> inner = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          inner.add(readConstraint(in, depth + 1, limits));
        }
        yield valid(
            () -> type == C_ALL_OF ? new Constraint.AllOf(inner) : new Constraint.AnyOf(inner));
      }
      case C_NOT -> {
        Constraint inner = readConstraint(in, depth + 1, limits);
        yield new Constraint.Not(inner);
      }
      default ->
          throw new FormatException(
              Decision.Code.UNKNOWN_CAVEAT,
              "unknown argument constraint type " + type + "; this verifier denies it");
    };
  }

  static String jsonText(JsonNode scalar) {
    return JsonScalars.text(scalar);
  }

  private static JsonNode scalar(String text) {
    JsonNode node;
    try {
      node = JsonScalars.read(text);
    } catch (JsonProcessingException e) {
      throw new FormatException("constraint value is not JSON");
    }
    if (node == null || !(node.isTextual() || node.isNumber() || node.isBoolean())) {
      throw new FormatException("constraint value is not a JSON string, number or boolean");
    }
    if (!jsonText(node).equals(text)) {
      throw new FormatException("constraint value is not in canonical JSON form");
    }
    return node;
  }

  private static BigDecimal decimal(String text) {
    if (text.length() > 64) {
      throw new FormatException("range bound is longer than 64 chars");
    }
    BigDecimal d;
    try {
      d = new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new FormatException("range bound '" + text + "' is not a decimal number");
    }
    if (!d.toString().equals(text)) {
      throw new FormatException("range bound '" + text + "' is not in canonical form");
    }
    return d;
  }

  private static BigDecimal budgetLimit(String text) {
    if (text.length() > 32) {
      throw new FormatException("a budget limit is longer than 32 chars");
    }
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new FormatException("budget limit '" + text + "' is not a decimal number");
    }
  }

  /** A limit is written as plain digits, without trailing zeros after the point (spec 6.3). */
  private static void canonicalLimit(String text, BigDecimal limit) {
    if (!limit.toPlainString().equals(text)) {
      throw new FormatException("budget limit '" + text + "' is not in canonical form");
    }
  }

  private static <T> T valid(java.util.function.Supplier<T> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new FormatException(e.getMessage());
    }
  }
}
