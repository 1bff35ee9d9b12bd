package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Console;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mandate people create|list|passwd|totp|unlock|disable}: the console's people. */
@Command(
    name = "people",
    mixinStandardHelpOptions = true,
    description = {
      "Create, list and manage the people who sign in to the console and the consent page",
      "(admin only): their password, second factor (TOTP), role and approver groups."
    },
    subcommands = {
      PeopleCommand.Create.class,
      PeopleCommand.ListPeople.class,
      PeopleCommand.Passwd.class,
      PeopleCommand.Totp.class,
      PeopleCommand.Unlock.class,
      PeopleCommand.Disable.class
    },
    footer = {
      "",
      "Examples (MANDATE_AUTHORITY, MANDATE_CLIENT=admin and MANDATE_SECRET_FILE set):",
      "  mandate people create alice --role approver --groups finance < alice.pw",
      "  mandate people list",
      "  mandate people totp alice          # shows the otpauth:// URI once",
      "  mandate people disable alice",
      "",
      "A password is read from --password-file FILE (mode 0600), else asked for",
      "at a terminal, else read from stdin (its first line); never from the",
      "command line."
    })
final class PeopleCommand extends CliCommand.Group {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._@-]{0,63}");
  private static final Pattern GROUP = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  static String checkName(String name) {
    return requireMatch(
        NAME, name, "a person's name: 1 to 64 of a-z 0-9 . _ - @, starting with a letter or digit");
  }

  /** A subcommand about one existing person, named by their sign-in name. */
  abstract static class OnePerson extends CliCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The person.")
    String name;

    @Mixin AuthorityOptions authority;

    /** The authority to ask, once the name is checked. */
    AuthorityClient client() {
      checkName(name);
      return authority.authenticated(spec);
    }

    /** {@code /v1/people/NAME<action>}. */
    String path(String action) {
      return "/v1/people/" + name + action;
    }
  }

  /** {@code NAME role groups=a,b [client=C] [totp] [locked=...] [disabled=...]}. */
  static String line(JsonNode p) {
    StringBuilder s =
        new StringBuilder()
            .append(p.path("name").asText())
            .append("  ")
            .append(p.path("role").asText())
            .append("  groups=");
    List<String> groups = new java.util.ArrayList<>();
    p.path("groups").forEach(g -> groups.add(g.asText()));
    s.append(groups.isEmpty() ? "-" : String.join(",", groups));
    if (p.hasNonNull("client")) {
      s.append("  client=").append(p.path("client").asText());
    }
    if (p.path("totp").asBoolean()) {
      s.append("  totp");
    }
    if (p.hasNonNull("lockedUntil")) {
      s.append("  locked-until=").append(p.path("lockedUntil").asText());
    }
    if (p.hasNonNull("disabledAt")) {
      s.append("  disabled=").append(p.path("disabledAt").asText());
    }
    return Printable.escape(s.toString());
  }

  /** A password from the file, else a prompt at a terminal, else stdin's first line. */
  static String readPassword(Terminal t, Path file) {
    String password;
    if (file != null) {
      password = SecretFiles.read(file, "--password-file", "");
    } else if (t.interactive() && System.console() != null) {
      Console console = System.console();
      char[] first = console.readPassword("Password: ");
      char[] again = console.readPassword("Again: ");
      try {
        if (first == null || again == null || !Arrays.equals(first, again)) {
          throw new BadInputException("the two passwords differ; nothing was changed");
        }
        password = new String(first);
      } finally {
        if (first != null) {
          Arrays.fill(first, ' ');
        }
        if (again != null) {
          Arrays.fill(again, ' ');
        }
      }
    } else {
      password = Stdin.readToken(t.stdin()).lines().findFirst().orElse("");
    }
    if (password.length() < 8 || password.length() > 1024) {
      throw new BadInputException(
          "a password must be 8 to 1024 characters (from --password-file, a terminal or stdin)");
    }
    return password;
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = "Create a person who may sign in to the console.")
  static final class Create extends CliCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The sign-in name.")
    String name;

    @Option(
        names = "--role",
        required = true,
        paramLabel = "ROLE",
        description = "approver (answers approvals), operator (also watches and revokes) or admin.")
    String role;

    @Option(
        names = "--groups",
        split = ",",
        paramLabel = "GROUP",
        description = "The approver groups the person answers for, comma-separated.")
    List<String> groups = List.of();

    @Option(
        names = "--policy-client",
        paramLabel = "CLIENT",
        description = "The policy client whose rights the person may grant on the consent page.")
    String policyClient;

    @Option(
        names = "--password-file",
        paramLabel = "FILE",
        description = "Read the password from FILE (mode 0600); else asked, or read from stdin.")
    Path passwordFile;

    @Option(names = "--json", description = "Print the new person as one JSON object.")
    boolean json;

    @Mixin AuthorityOptions authority;

    @Override
    public Integer call() {
      Terminal t = terminal();
      checkName(name);
      if (!List.of("approver", "operator", "admin").contains(role)) {
        throw new BadInputException(
            "--role must be approver, operator or admin; got '" + Printable.escape(role) + "'");
      }
      for (String g : groups) {
        requireMatch(
            GROUP, g, "a group name: 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit");
      }
      AuthorityClient client = authority.authenticated(spec);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      body.put("password", readPassword(t, passwordFile));
      body.put("role", role);
      body.put("groups", groups);
      body.put("client", policyClient);
      JsonNode created = client.post("/v1/people", body);
      t.out().println(json ? JsonOut.line(created) : line(created));
      return Mandate.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List every person, one line each: NAME ROLE groups=... [client=...] [totp]",
        "[locked-until=...] [disabled=...]. Passwords are never listed: only their hashes are kept."
      })
  static final class ListPeople extends CliCommand.Listing {
    @Override
    public Integer call() {
      return print(
          authority.authenticated(spec).get("/v1/people", null), PeopleCommand::line, p -> p);
    }
  }

  @Command(
      name = "passwd",
      mixinStandardHelpOptions = true,
      description = {
        "Set a person's password. Their console sessions end and a lock-out is lifted.",
        "The password is read from --password-file FILE, else asked for, else read from stdin."
      })
  static final class Passwd extends OnePerson {
    @Option(names = "--password-file", paramLabel = "FILE", description = "Read it from FILE.")
    Path passwordFile;

    @Override
    public Integer call() {
      Terminal t = terminal();
      AuthorityClient client = client();
      JsonNode p =
          client.post(path("/password"), Map.of("password", readPassword(t, passwordFile)));
      t.out().println(line(p));
      return Mandate.OK;
    }
  }

  @Command(
      name = "totp",
      mixinStandardHelpOptions = true,
      description = {
        "Give a person a new second factor (RFC 6238 TOTP), replacing any: the otpauth:// URI",
        "to load into an authenticator app is shown once, on the terminal or in --uri-out FILE."
      })
  static final class Totp extends OnePerson {
    @Option(
        names = "--uri-out",
        paramLabel = "FILE",
        description = "Write the URI to FILE (created with mode 0600; must not exist).")
    Path uriOut;

    @Override
    public Integer call() {
      Terminal t = terminal();
      checkName(name);
      OneTimeSecret.checkDestination(spec, t, uriOut, "--uri-out", false);
      String uri = client().post(path("/totp"), null).path("otpauthUri").asText("");
      if (!uri.startsWith("otpauth://")) {
        throw new BadInputException("the authority's answer holds no otpauth URI");
      }
      OneTimeSecret.deliver(
          t, uriOut, "--uri-out", false, "the authenticator URI of '" + name + "'", uri);
      return Mandate.OK;
    }
  }

  @Command(
      name = "unlock",
      mixinStandardHelpOptions = true,
      description = "Lift a lock-out after repeated failed sign-ins.")
  static final class Unlock extends OnePerson {
    @Override
    public Integer call() {
      terminal().out().println(line(client().post(path("/unlock"), null)));
      return Mandate.OK;
    }
  }

  @Command(
      name = "disable",
      mixinStandardHelpOptions = true,
      description = "Disable a person for good: they can no longer sign in; their sessions end.")
  static final class Disable extends OnePerson {
    @Option(names = "--json", description = "Print the person as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      JsonNode p = client().post(path("/disable"), null);
      terminal().out().println(json ? JsonOut.line(p) : line(p));
      return Mandate.OK;
    }
  }
}
