package dev.mandate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code mandate clients create|list|rotate|disable}: the authority's client credentials. */
@Command(
    name = "clients",
    mixinStandardHelpOptions = true,
    description = {
      "Create, list, rotate or disable the clients that may call the authority (admin only).",
      "What a client may mint is up to the policy; this manages only who can authenticate."
    },
    subcommands = {
      ClientsCommand.Create.class,
      ClientsCommand.ListClients.class,
      ClientsCommand.Rotate.class,
      ClientsCommand.Disable.class
    },
    footer = {
      "",
      "Examples (MANDATE_AUTHORITY, MANDATE_CLIENT=admin and MANDATE_SECRET_FILE set):",
      "  mandate clients create example-agent --secret-out agent.secret",
      "  mandate clients list",
      "  mandate clients rotate example-agent --secret-out agent.secret",
      "  mandate clients disable example-agent",
      "",
      "A new secret is written only to --secret-out FILE (mode 0600), or shown on a",
      "terminal; it is never printed to a pipe or a file you did not name."
    })
final class ClientsCommand extends CliCommand.Group {
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@\\-]{0,127}");

  static String checkId(String clientId) {
    return requireMatch(
        CLIENT_ID,
        clientId,
        "a client id: 1 to 128 of A-Z a-z 0-9 . _ @ -, starting with a letter or digit");
  }

  /** The new secret in the authority's answer. */
  static String secretIn(JsonNode answer) {
    String secret = answer.path("secret").asText("");
    if (secret.isEmpty()) {
      throw new BadInputException(
          "the authority's answer holds no secret; is it a Mandate authority?");
    }
    return secret;
  }

  /** A subcommand about one existing client, named by its id. */
  abstract static class OneClient extends CliCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The client id.")
    String clientId;

    @Mixin AuthorityOptions authority;

    /** POSTs to {@code /v1/clients/ID/<action>} and returns the answer. */
    JsonNode post(String action) {
      String path = "/v1/clients/" + checkId(clientId) + action;
      return authority.authenticated(spec).post(path, null);
    }
  }

  /** {@code ID admin|client created=... [disabled=...]}. */
  static String line(JsonNode c) {
    StringBuilder s =
        new StringBuilder()
            .append(c.path("clientId").asText())
            .append("  ")
            .append(c.path("admin").asBoolean() ? "admin " : "client")
            .append("  created=")
            .append(c.path("createdAt").asText());
    if (c.hasNonNull("disabledAt")) {
      s.append("  disabled=").append(c.path("disabledAt").asText());
    }
    return Printable.escape(s.toString());
  }

  /** The client as --json prints it: never a secret. */
  static ObjectNode view(JsonNode c) {
    ObjectNode o = JsonOut.texts(JsonOut.object(), c, "clientId");
    o.put("admin", c.path("admin").asBoolean());
    return JsonOut.texts(o, c, "createdAt", "disabledAt");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Create a client and its secret. The secret is shown once: it goes to --secret-out FILE",
        "(mode 0600) or, without it, to the terminal."
      })
  static final class Create extends CliCommand {

    @Parameters(
        index = "0",
        paramLabel = "ID",
        description = "The client id, as the policy names it.")
    String clientId;

    @Option(
        names = "--admin",
        description = "Let the client use the administrative endpoints (clients, keys, audit).")
    boolean admin;

    @Option(
        names = "--secret-out",
        paramLabel = "FILE",
        description = "Write the secret to FILE (created with mode 0600; must not exist).")
    Path secretOut;

    @Option(names = "--json", description = "Print the new client as one JSON object.")
    boolean json;

    @Mixin AuthorityOptions authority;

    @Override
    public Integer call() {
      Terminal t = terminal();
      checkId(clientId);
      if (json && secretOut == null) {
        throw new ParameterException(
            spec.commandLine(),
            "with --json give --secret-out FILE: the secret is not in the JSON");
      }
      OneTimeSecret.checkDestination(spec, t, secretOut, "--secret-out", false);
      AuthorityClient client = authority.authenticated(spec);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("clientId", clientId);
      body.put("admin", admin ? Boolean.TRUE : null);
      JsonNode created = client.post("/v1/clients", body);
      String secret = secretIn(created);
      if (json) {
        OneTimeSecret.deliver(t, secretOut, "--secret-out", false, "the secret", secret);
        t.out().println(JsonOut.line(view(created)));
      } else {
        t.out().println(line(created));
        OneTimeSecret.deliver(
            t, secretOut, "--secret-out", false, "the secret of '" + clientId + "'", secret);
      }
      return Mandate.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List every client, one line each: ID admin|client created=... [disabled=...].",
        "Secrets are never listed: the authority keeps only their hashes."
      })
  static final class ListClients extends CliCommand.Listing {
    @Override
    public Integer call() {
      return print(
          authority.authenticated(spec).get("/v1/clients", null),
          ClientsCommand::line,
          ClientsCommand::view);
    }
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      description = {
        "Give a client a new secret; the old one stops working at once. The new secret goes to",
        "--secret-out FILE (replaced atomically, mode 0600) or, without it, to the terminal."
      })
  static final class Rotate extends OneClient {

    @Option(
        names = "--secret-out",
        paramLabel = "FILE",
        description = "Write the new secret to FILE (mode 0600), replacing the file if it exists.")
    Path secretOut;

    @Override
    public Integer call() {
      Terminal t = terminal();
      checkId(clientId);
      OneTimeSecret.checkDestination(spec, t, secretOut, "--secret-out", true);
      String secret = secretIn(post("/secret"));
      OneTimeSecret.deliver(
          t, secretOut, "--secret-out", true, "the new secret of '" + clientId + "'", secret);
      return Mandate.OK;
    }
  }

  @Command(
      name = "disable",
      mixinStandardHelpOptions = true,
      description = {
        "Disable a client: it can no longer authenticate (mint, revoke, upload audit).",
        "Tokens it already holds stay valid until they expire; revoke them to stop them sooner."
      })
  static final class Disable extends OneClient {

    @Option(names = "--json", description = "Print the disabled client as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      JsonNode disabled = post("/disable");
      terminal().out().println(json ? JsonOut.line(view(disabled)) : line(disabled));
      return Mandate.OK;
    }
  }
}
