package dev.mandate.cli;

import dev.mandate.caveat.Caveat;
import dev.mandate.token.Grant;
import dev.mandate.token.Restrictions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * The restrictions of a new block as command-line options, shared by {@code mint} and {@code
 * attenuate}; each option maps to one setter of {@link Restrictions.Builder}.
 */
final class BlockOptions {
  /** The grants in command-line order, each with the --grant-arg and --grant-where after it. */
  private final List<GrantEntry> grants = new ArrayList<>();

  /** An option that needs a grant before it and had none, or null. */
  private String misplaced;

  /** One grant and its own caveats, in the order given. */
  private static final class GrantEntry {
    final Grant grant;
    final List<Caveat.Argument> arguments = new ArrayList<>();
    final List<String> conditions = new ArrayList<>();
    final List<String> budgets = new ArrayList<>();

    GrantEntry(Grant grant) {
      this.grant = grant;
    }
  }

  // Picocli calls an option method with every value so far, in command-line order, so the last
  // value is the one just given; that is how --grant-arg finds the --allow before it. It calls each
  // once with no value before parsing, to reset it.

  @Option(
      names = "--allow",
      paramLabel = "SERVICE:ACTION:RESOURCE",
      converter = Converters.GrantConverter.class,
      description =
          "A grant, globs in each part, e.g. fs:read_text_file:/data/invoices/2024/** or"
              + " 'fs:{read_text_file,list_directory}:/data/**'. Repeatable; a request must match"
              + " one grant of every block that lists grants.")
  void allow(List<Grant> given) {
    addGrant(given);
  }

  @Option(
      names = "--allow-literal",
      paramLabel = "SERVICE:ACTION:RESOURCE",
      converter = Converters.LiteralGrantConverter.class,
      description =
          "A grant of exactly this service, action and resource: * ? { } , and \\ in them are"
              + " plain characters, so a value read from untrusted data (a channel or file name)"
              + " needs no escaping and can never become a wildcard. The resource is everything"
              + " after the second ':'. Repeatable.")
  void allowLiteral(List<Grant> given) {
    addGrant(given);
  }

  @Option(
      names = "--grant-arg",
      paramLabel = "POINTER=KIND:VALUE",
      converter = Converters.ArgumentConverter.class,
      description =
          "An argument constraint of the --allow or --allow-literal just before it only: it"
              + " applies when that grant is the one that matches a call (--arg applies to every"
              + " call). Repeatable.")
  void grantArgument(List<Caveat.Argument> given) {
    addToLastGrant("--grant-arg", given, g -> g.arguments);
  }

  @Option(
      names = "--grant-where",
      paramLabel = "CEL",
      description =
          "A CEL condition of the --allow or --allow-literal just before it only (--where"
              + " applies to every call). Repeatable.")
  void grantCondition(List<String> given) {
    addToLastGrant("--grant-where", given, g -> g.conditions);
  }

  @Option(
      names = "--grant-budget",
      paramLabel = "BUDGET",
      description =
          "A budget or rate of the --allow or --allow-literal just before it only (as --budget):"
              + " the calls that grant covers spend from it. Repeatable.")
  void grantBudget(List<String> given) {
    addToLastGrant("--grant-budget", given, g -> g.budgets);
  }

  private void addGrant(List<Grant> given) {
    if (!given.isEmpty()) {
      grants.add(new GrantEntry(given.get(given.size() - 1)));
    }
  }

  /** Adds the value just given to the grant before it; without one, notes the misplaced option. */
  private <T> void addToLastGrant(
      String option, List<T> given, Function<GrantEntry, List<T>> caveats) {
    if (given.isEmpty()) {
      return;
    }
    if (grants.isEmpty()) {
      misplaced = misplaced != null ? misplaced : option;
      return;
    }
    caveats.apply(grants.get(grants.size() - 1)).add(given.get(given.size() - 1));
  }

  @Option(
      names = "--ttl",
      paramLabel = "DURATION",
      description = "Lifetime from now: 30s, 15m, 2h, 7d, 1h30m.")
  Duration ttl;

  @Option(
      names = "--expires",
      paramLabel = "INSTANT",
      description = "Absolute expiry (ISO-8601, e.g. 2030-01-01T00:00:00Z).")
  Instant expires;

  @Option(
      names = "--not-before",
      paramLabel = "INSTANT",
      description = "Not valid before this instant (ISO-8601).")
  Instant notBefore;

  @Option(
      names = "--audience",
      paramLabel = "ID",
      description = "Only this gateway or service may accept it. Repeat to allow several.")
  List<String> audiences = new ArrayList<>();

  @Option(
      names = "--where",
      paramLabel = "CEL",
      description = "A CEL condition over args and context that must be true. Repeatable.")
  List<String> conditions = new ArrayList<>();

  @Option(
      names = "--arg",
      paramLabel = "POINTER=KIND:VALUE",
      converter = Converters.ArgumentConverter.class,
      description = "An argument constraint, e.g. /path=within:/data (kinds below). Repeatable.")
  List<Caveat.Argument> arguments = new ArrayList<>();

  @Option(
      names = "--budget",
      paramLabel = "BUDGET",
      description =
          "A budget every call spends from, kept per block by the gateway and shared with every"
              + " capability delegated from this one: 'sum(/amount)<=5000' (the sum of an argument"
              + " over the capability's life), 'sum(/amount)<=9000/1h' or 'calls<=10/1m' (per"
              + " rolling window). A missing or non-numeric amount is denied. Repeatable.")
  List<String> budgets = new ArrayList<>();

  @Option(
      names = "--max-uses",
      paramLabel = "N",
      description = "At most N calls in all (counted by the gateway).")
  Long maxUses;

  @Option(
      names = "--max-depth",
      paramLabel = "N",
      description = "At most N further attenuation blocks.")
  Integer maxDepth;

  @Option(
      names = "--require-approval",
      paramLabel = "GROUP",
      description =
          "Every call needs a person's approval of exactly that call by this approver group (see"
              + " mandate approve). Repeat for several groups: an approval by any one of them"
              + " suffices.")
  List<String> requireApproval = new ArrayList<>();

  @Option(names = "--seal", description = "Forbid any further attenuation.")
  boolean seal;

  /** Whether any grant was given, with --allow or --allow-literal. */
  boolean hasGrants() {
    return !grants.isEmpty();
  }

  /**
   * Returns a builder holding the restrictions given, for the command to add its own (such as a
   * holder key) before building.
   *
   * @throws BadInputException naming the option whose value the core library refused
   */
  Restrictions.Builder restrictions() {
    if (misplaced != null) {
      throw new BadInputException(
          misplaced + " applies to the --allow or --allow-literal just before it; give that first");
    }
    Restrictions.Builder spec = Restrictions.builder();
    for (GrantEntry entry : grants) {
      Grant grant = entry.grant;
      for (Caveat.Argument argument : entry.arguments) {
        grant = grant.with(argument);
      }
      for (String condition : entry.conditions) {
        try {
          grant = grant.where(condition);
        } catch (IllegalArgumentException e) {
          throw new BadInputException("--grant-where '" + condition + "': " + e.getMessage());
        }
      }
      for (String budget : entry.budgets) {
        try {
          grant = grant.budget(budget);
        } catch (IllegalArgumentException e) {
          throw new BadInputException("--grant-budget '" + budget + "': " + e.getMessage());
        }
      }
      spec.allow(grant);
    }
    apply("--ttl", () -> spec.ttl(ttl), ttl != null);
    apply("--expires", () -> spec.expiresAt(expires), expires != null);
    apply("--not-before", () -> spec.notBefore(notBefore), notBefore != null);
    apply(
        "--audience", () -> spec.audience(audiences.toArray(String[]::new)), !audiences.isEmpty());
    for (String condition : conditions) {
      apply("--where '" + condition + "'", () -> spec.where(condition), true);
    }
    arguments.forEach(spec::caveat);
    for (String budget : budgets) {
      apply("--budget '" + budget + "'", () -> spec.budget(budget), true);
    }
    apply("--max-uses", () -> spec.maxUses(maxUses), maxUses != null);
    apply("--max-depth", () -> spec.maxDepth(maxDepth), maxDepth != null);
    apply(
        "--require-approval",
        () -> spec.requireApproval(requireApproval.toArray(String[]::new)),
        !requireApproval.isEmpty());
    if (seal) {
      spec.seal();
    }
    return spec;
  }

  private static void apply(String option, Runnable step, boolean given) {
    if (!given) {
      return;
    }
    try {
      step.run();
    } catch (IllegalArgumentException e) {
      throw new BadInputException(option + ": " + e.getMessage());
    }
  }
}
