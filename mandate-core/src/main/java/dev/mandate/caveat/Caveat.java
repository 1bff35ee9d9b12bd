package dev.mandate.caveat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A restriction a block adds to a capability. Every caveat of every block must hold for a request
 * to be allowed; a verifier that meets a caveat kind it does not know denies.
 */
public sealed interface Caveat
    permits Caveat.Expiry,
        Caveat.NotBefore,
        Caveat.Audience,
        Caveat.Argument,
        Caveat.Condition,
        Caveat.MaxDepth,
        Caveat.MaxUses,
        Caveat.ApprovalRequired,
        Caveat.Budget,
        Caveat.Rate {

  /** A short name of the caveat kind, as used in decisions and the spec (e.g. {@code expiry}). */
  String kind();

  /**
   * The caveat in a few words for people, close to the option of {@code mandate mint} that adds it:
   * {@code expires 2030-01-01T00:00:00Z}, {@code arg /path=within:/data}, {@code where args.amount
   * <= 100}, {@code approval by finance, legal}, {@code budget sum(/amount)<=5000}. The text may
   * hold what a token's author wrote (argument values, conditions): escape it where it is shown.
   */
  default String describe() {
    if (this instanceof Expiry e) {
      return "expires " + e.notAfter();
    } else if (this instanceof NotBefore n) {
      return "not before " + n.notBefore();
    } else if (this instanceof Audience a) {
      return "audience " + String.join(", ", a.audiences());
    } else if (this instanceof Argument a) {
      return "arg " + a.text();
    } else if (this instanceof Condition c) {
      return "where " + c.expression();
    } else if (this instanceof MaxDepth d) {
      return "max depth " + d.blocks() + " further block" + (d.blocks() == 1 ? "" : "s");
    } else if (this instanceof MaxUses u) {
      return "max uses " + u.uses();
    } else if (this instanceof ApprovalRequired a) {
      return "approval by " + String.join(", ", a.groups());
    } else if (this instanceof Budget b) {
      return "budget " + b.text();
    } else if (this instanceof Rate r) {
      return "rate " + r.text();
    }
    return kind();
  }

  /** The capability is invalid after {@code notAfter} (whole seconds, UTC). */
  record Expiry(Instant notAfter) implements Caveat {
    /**
     * Truncates to whole seconds, the token's resolution.
     *
     * @throws IllegalArgumentException if outside 1970-01-01 to 9999-12-31
     */
    public Expiry {
      notAfter = inTokenRange(notAfter, "expiry");
    }

    @Override
    public String kind() {
      return "expiry";
    }
  }

  /** The capability is invalid before {@code notBefore} (whole seconds, UTC). */
  record NotBefore(Instant notBefore) implements Caveat {
    /**
     * Truncates to whole seconds, the token's resolution.
     *
     * @throws IllegalArgumentException if outside 1970-01-01 to 9999-12-31
     */
    public NotBefore {
      notBefore = inTokenRange(notBefore, "not-before");
    }

    @Override
    public String kind() {
      return "not-before";
    }
  }

  /** The request's audience (the gateway or service checking it) must be one of these. */
  record Audience(List<String> audiences) implements Caveat {
    /**
     * @throws IllegalArgumentException if the list is empty or holds an empty name
     */
    public Audience {
      audiences = List.copyOf(audiences);
      if (audiences.isEmpty() || audiences.stream().anyMatch(String::isEmpty)) {
        throw new IllegalArgumentException(
            "an audience caveat names at least one non-empty audience");
      }
    }

    @Override
    public String kind() {
      return "audience";
    }
  }

  /**
   * The argument at {@code pointer} (an RFC 6901 JSON Pointer into the request's {@code args}, such
   * as {@code /path}) must exist and satisfy {@code constraint}.
   */
  record Argument(String pointer, Constraint constraint) implements Caveat {
    /**
     * @throws IllegalArgumentException if the pointer is not a JSON Pointer
     */
    public Argument {
      Objects.requireNonNull(constraint, "constraint");
      if (pointer == null || !pointer.startsWith("/")) {
        throw new IllegalArgumentException(
            "an argument is named by a JSON Pointer such as /path, got '" + pointer + "'");
      }
      com.fasterxml.jackson.core.JsonPointer.compile(pointer);
    }

    /**
     * Parses the text form {@code POINTER=KIND:VALUE}, as in {@code /amount=range:0..5000} or
     * {@code /path=within:/data}: KIND is within, glob, prefix, regex, exact (a JSON scalar), oneof
     * (a JSON array of scalars), range (MIN..MAX, either may be empty), cidr, url (SCHEMES@HOSTS),
     * shell or not (not:KIND:VALUE).
     *
     * @throws IllegalArgumentException saying what is wrong and the expected form
     */
    public static Argument parse(String text) {
      return ArgumentSyntax.parse(text);
    }

    /**
     * Returns the text form {@code POINTER=KIND:VALUE}, which {@link #parse} reads back to an equal
     * caveat, except for all-of and any-of constraints, which have no text form and are shown
     * readably as {@code all(... and ...)} and {@code any(... or ...)}.
     */
    public String text() {
      return pointer + "=" + ArgumentSyntax.format(constraint);
    }

    @Override
    public String kind() {
      return "argument";
    }
  }

  /** A CEL expression over {@code args} and {@code context} that must evaluate to true. */
  record Condition(String expression) implements Caveat {
    /**
     * @throws IllegalArgumentException if the expression is blank
     */
    public Condition {
      if (expression == null || expression.isBlank()) {
        throw new IllegalArgumentException("a condition needs a CEL expression");
      }
    }

    @Override
    public String kind() {
      return "condition";
    }
  }

  /** At most {@code blocks} further blocks may follow the block that carries this caveat. */
  record MaxDepth(int blocks) implements Caveat {
    /**
     * @throws IllegalArgumentException if blocks is negative or above 255
     */
    public MaxDepth {
      if (blocks < 0 || blocks > 255) {
        throw new IllegalArgumentException("max depth is 0 to 255 blocks, got " + blocks);
      }
    }

    @Override
    public String kind() {
      return "max-depth";
    }
  }

  /**
   * The block may authorize at most {@code uses} calls in all. The token records it; the gateway
   * counts uses per block revocation id and enforces it.
   */
  record MaxUses(long uses) implements Caveat {
    /**
     * @throws IllegalArgumentException if uses is below 1 or above 2^32-1
     */
    public MaxUses {
      if (uses < 1 || uses > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("max uses is 1 to 4294967295, got " + uses);
      }
    }

    @Override
    public String kind() {
      return "max-uses";
    }
  }

  /**
   * Every call needs a person's approval: an approval issued by the authority for exactly this call
   * and this capability, by one of these approver groups (see {@code dev.mandate.token.Approval}).
   */
  record ApprovalRequired(List<String> groups) implements Caveat {
    /**
     * What an approver group name may look like: 1 to 64 of a-z 0-9 . _ - (letter or digit first).
     */
    public static final java.util.regex.Pattern GROUP =
        java.util.regex.Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    /**
     * @throws IllegalArgumentException if there are no groups, more than 16, or a name that is not
     *     1 to 64 of a-z 0-9 . _ - (starting with a letter or digit)
     */
    public ApprovalRequired {
      groups = List.copyOf(groups);
      if (groups.isEmpty() || groups.size() > 16) {
        throw new IllegalArgumentException("an approval caveat names 1 to 16 approver groups");
      }
      for (String g : groups) {
        if (!GROUP.matcher(g).matches()) {
          throw new IllegalArgumentException(
              "an approver group is 1 to 64 of a-z 0-9 . _ - starting with a letter or digit, got '"
                  + g
                  + "'");
        }
      }
    }

    @Override
    public String kind() {
      return "approval";
    }
  }

  /**
   * A cumulative budget: over the life of the capability, the numbers at {@code pointer} of every
   * call allowed under it add up to at most {@code limit} (spec section 6.3). The sum is kept per
   * block revocation id, so every token that contains the block, a delegated child too, spends from
   * it.
   */
  record Budget(String pointer, BigDecimal limit) implements Caveat {
    /**
     * Keeps the limit in its canonical form ({@code 5000.00} becomes {@code 5000}).
     *
     * @throws IllegalArgumentException if the pointer is not a JSON Pointer, or the limit is not
     *     above 0, is above 9 000 000 000, or has more than 6 digits after the point
     */
    public Budget {
      pointer = BudgetSyntax.pointer(pointer);
      limit = BudgetSyntax.limit(limit);
    }

    /**
     * Parses the text form of a budget or a rate, as the CLI's {@code --budget}, the mint API and
     * policies write it: {@code sum(/amount)<=5000} (a budget), {@code sum(/amount)<=9000/1h} or
     * {@code calls<=10/1m} (a rate over a rolling window).
     *
     * @return a {@link Budget} or a {@link Rate}
     * @throws IllegalArgumentException saying what is wrong and the expected form
     */
    public static Caveat parse(String text) {
      return BudgetSyntax.parse(text);
    }

    /**
     * Returns an amount in millionths, the unit budgets count in, or -1 if a budget cannot count
     * it: negative, above 9 000 000 000, or with more than 6 digits after the point. (A budget
     * denies such an amount; it never counts it as zero.)
     */
    public static long micros(BigDecimal amount) {
      BigDecimal canonical = BudgetSyntax.canonical(amount);
      return canonical == null ? -1 : canonical.movePointRight(BudgetSyntax.SCALE).longValueExact();
    }

    /** Returns the text form {@code sum(POINTER)<=LIMIT}, which {@link #parse} reads back. */
    public String text() {
      return "sum(" + pointer + ")<=" + limit.toPlainString();
    }

    @Override
    public String kind() {
      return "budget";
    }
  }

  /**
   * A rate: within any rolling {@code window}, the calls allowed under the capability (when {@code
   * pointer} is null) or the numbers at {@code pointer} of those calls add up to at most {@code
   * limit} (spec section 6.3). Kept per block revocation id, like a {@link Budget}.
   */
  record Rate(String pointer, BigDecimal limit, Duration window) implements Caveat {
    /**
     * Keeps the limit in its canonical form.
     *
     * @throws IllegalArgumentException if the pointer is given but not a JSON Pointer, the limit is
     *     out of range (a count of calls is a whole number), or the window is not whole seconds
     *     from 1 s to 366 days
     */
    public Rate {
      pointer = pointer == null ? null : BudgetSyntax.pointer(pointer);
      limit = BudgetSyntax.limit(limit);
      if (pointer == null && limit.scale() > 0) {
        throw new IllegalArgumentException(
            "a rate of calls is a whole number of calls, got " + limit.toPlainString());
      }
      window = BudgetSyntax.window(window);
    }

    /**
     * Returns the text form {@code sum(POINTER)<=LIMIT/WINDOW} or {@code calls<=LIMIT/WINDOW},
     * which {@link Budget#parse} reads back.
     */
    public String text() {
      return (pointer == null ? "calls" : "sum(" + pointer + ")")
          + "<="
          + limit.toPlainString()
          + "/"
          + dev.mandate.config.Durations.format(window);
    }

    @Override
    public String kind() {
      return "rate";
    }
  }

  /** Truncates to seconds and checks the range a token can carry (Unix 0 to 253402300799). */
  private static Instant inTokenRange(Instant t, String what) {
    Objects.requireNonNull(t, what);
    long seconds = t.getEpochSecond();
    if (seconds < 0 || seconds > 253_402_300_799L) {
      throw new IllegalArgumentException(what + " " + t + " is outside 1970-01-01 to 9999-12-31");
    }
    return Instant.ofEpochSecond(seconds);
  }
}
