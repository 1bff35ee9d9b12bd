package dev.mandate.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.policy.LintReport;
import dev.mandate.policy.Policy;
import dev.mandate.policy.PolicyException;
import dev.mandate.policy.PolicyTestReport;
import dev.mandate.policy.PolicyTestRunner;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mandate policy check|test}: lints a policy file and runs its test cases, offline. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Check a policy file, or run test cases against it (no authority needed).",
    subcommands = {
      PolicyCommand.Check.class,
      PolicyCommand.Test.class,
      PolicyCommand.HashPassword.class
    })
final class PolicyCommand extends CliCommand.Group {

  @Command(
      name = "hash-password",
      mixinStandardHelpOptions = true,
      description = {
        "Read a person's password from stdin (its first line) and print its Argon2id hash, for"
            + " the passwordHash of a person in the OAuth settings file (mandate serve --oauth).",
        "Example: mandate policy hash-password < alice.password"
      })
  static final class HashPassword extends CliCommand {

    @Override
    public Integer call() {
      Terminal t = terminal();
      String password = Stdin.readToken(t.stdin()).lines().findFirst().orElse("");
      if (password.length() < 8 || password.length() > 1024) {
        throw new BadInputException("give a password of 8 to 1024 characters on stdin");
      }
      t.out().println(dev.mandate.authority.OAuthSettings.hashPassword(password));
      return Mandate.OK;
    }
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {
        "Lint a policy file: every error that makes it invalid, every warning about a risky choice.",
        "Exit status 0: valid (warnings allowed); 1: invalid."
      })
  static final class Check extends CliCommand {

    @Parameters(index = "0", paramLabel = "POLICY", description = "The policy file (YAML).")
    Path file;

    @Option(names = "--json", description = "Print one JSON object: file, ok, errors, warnings.")
    boolean json;

    @Override
    public Integer call() {
      LintReport report = Policy.lint(file);
      Terminal t = terminal();
      if (json) {
        ObjectNode o = JsonOut.object();
        o.put("file", file.toString());
        o.put("ok", report.ok());
        report.errors().forEach(o.putArray("errors")::add);
        report.warnings().forEach(o.putArray("warnings")::add);
        t.out().println(JsonOut.line(o));
      } else {
        t.out().print(Printable.escapeLines(report.render()));
      }
      return report.ok() ? Mandate.OK : Mandate.DENY;
    }
  }

  @Command(
      name = "test",
      mixinStandardHelpOptions = true,
      description = {
        "Run test cases (mint requests with the expected allow or deny, and reason) against a"
            + " policy, the way 'opa test' does. Prints PASS or FAIL per case, then the grant"
            + " templates no allowed test exercised (coverage).",
        "Exit status 0: all passed; 1: a case failed; 2: a file is unreadable or invalid."
      },
      footer = {
        "",
        "A tests file:",
        "  tests:",
        "    - name: invoice agent may read 2024 invoices",
        "      request:",
        "        client: invoice-agent",
        "        grants: [\"fs:read_text_file:/data/invoices/2024/**\"]",
        "        ttl: 15m",
        "        holder: true",
        "      expect: allow",
        "    - name: no other years",
        "      request:",
        "        client: invoice-agent",
        "        grants: [\"fs:read_text_file:/data/invoices/**\"]",
        "      expect: deny",
        "      reason: not allowed",
      })
  static final class Test extends CliCommand {

    @Parameters(index = "0", paramLabel = "POLICY", description = "The policy file (YAML).")
    Path file;

    @Parameters(index = "1", paramLabel = "TESTS", description = "The test cases file (YAML).")
    Path tests;

    @Option(
        names = "--json",
        description =
            "Print one JSON object: the counts, each result, and the coverage of grant templates.")
    boolean json;

    @Override
    public Integer call() {
      Policy loaded;
      try {
        loaded = Policy.load(file);
      } catch (PolicyException e) {
        throw new BadInputException(
            "the policy "
                + file
                + " is invalid, so no test ran (details: 'mandate policy check "
                + file
                + "'): "
                + e.getMessage());
      }
      PolicyTestReport report;
      try {
        report = PolicyTestRunner.run(loaded, tests);
      } catch (PolicyException e) {
        throw new BadInputException("the tests file " + tests + " is invalid: " + e.getMessage());
      }
      Terminal t = terminal();
      if (json) {
        t.out().println(JsonOut.line(toJson(report)));
      } else {
        t.out().print(Printable.escapeLines(report.render()));
      }
      return report.allPassed() ? Mandate.OK : Mandate.DENY;
    }

    private ObjectNode toJson(PolicyTestReport report) {
      ObjectNode o = JsonOut.object();
      o.put("policy", file.toString());
      o.put("tests", tests.toString());
      o.put("total", report.results().size());
      o.put("passed", report.passed());
      o.put("failed", report.results().size() - report.passed());
      ArrayNode results = o.putArray("results");
      for (PolicyTestReport.Result r : report.results()) {
        ObjectNode item = results.addObject();
        item.put("name", r.name());
        item.put("passed", r.passed());
        item.put("message", r.message().isEmpty() ? null : r.message());
        item.putObject("decision")
            .put("allowed", r.decision().allowed())
            .put("reason", r.decision().reason());
      }
      ObjectNode coverage = o.putObject("coverage");
      List<PolicyTestReport.TemplateCoverage> missed = report.notExercised();
      coverage.put("templates", report.coverage().size());
      coverage.put("exercised", report.coverage().size() - missed.size());
      ArrayNode byTemplate = coverage.putArray("byTemplate");
      for (PolicyTestReport.TemplateCoverage c : report.coverage()) {
        byTemplate
            .addObject()
            .put("client", c.clientId())
            .put("template", c.template())
            .put("exercisedBy", c.exercisedBy());
      }
      ArrayNode notExercised = coverage.putArray("notExercised");
      for (PolicyTestReport.TemplateCoverage c : missed) {
        notExercised.addObject().put("client", c.clientId()).put("template", c.template());
      }
      return o;
    }
  }
}
