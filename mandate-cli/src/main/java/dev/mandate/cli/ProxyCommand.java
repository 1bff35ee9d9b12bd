package dev.mandate.cli;

import dev.mandate.sdk.AuthorityCapabilitySource;
import dev.mandate.sdk.CapabilityHandle;
import dev.mandate.sdk.CapabilityUnavailableException;
import dev.mandate.sdk.RequestShape;
import dev.mandate.sdk.Wallet;
import dev.mandate.token.Restrictions;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code mandate proxy}: a local sidecar for MCP clients that speak neither Mandate's proofs nor
 * DPoP. It holds a key that is never printed and a capability bound to it, which it refreshes
 * before it expires, and exposes one of the gateway's MCP endpoints on stdio (default) or on
 * loopback Streamable HTTP, signing a proof over every message it relays ({@link McpRelay}). The
 * capability comes either from the authority with client credentials, bound to the agent's holder
 * key ({@link AuthorityCapabilitySource}, {@link Wallet#fromKeyFile}), or with {@code --oauth} by a
 * person's consent, bound to the proxy's DPoP key ({@link OAuthCapability}).
 */
@Command(
    name = "proxy",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Expose a gateway's MCP endpoint to a local MCP client with holder-bound security: the"
          + " proxy holds the key, fetches and refreshes the capability, and signs every call.",
      "Speaks MCP on stdio (for a client's 'command: mandate proxy ...') or, with --http, on"
          + " http://127.0.0.1:PORT/mcp. Nothing but MCP messages is written to stdout in stdio"
          + " mode; the key and the capability are never printed."
    },
    footer = {
      "",
      "Example (an MCP client such as Claude Desktop runs it as its server command):",
      "  mandate proxy --gateway http://127.0.0.1:7800/mcp/fs --audience gw-1 \\",
      "    --authority http://127.0.0.1:7700 --client invoice-agent \\",
      "    --secret-file invoice-agent.secret --key-file agent.key \\",
      "    --grant 'fs:read_text_file:/data/invoices/**' --ttl 15m",
      "",
      "With a person's consent instead of client credentials (the authority is found",
      "from the gateway's resource metadata; the first run opens the consent page):",
      "  mandate proxy --gateway http://127.0.0.1:7800/mcp/fs --oauth \\",
      "    --oauth-store ~/.config/mandate/fs-proxy.json"
    })
final class ProxyCommand implements Callable<Integer> {
  /** What to do once the HTTP endpoint listens; the default waits for the process to stop. */
  @FunctionalInterface
  interface Lifetime {
    void runUntilStopped(LocalEndpoint endpoint) throws InterruptedException;
  }

  @ParentCommand Mandate parent;
  @Spec CommandSpec spec;
  @Mixin AuthorityOptions authority;

  @Option(
      names = "--gateway",
      required = true,
      paramLabel = "URL",
      description = "The gateway's MCP endpoint, e.g. http://127.0.0.1:7800/mcp/fs.")
  URI gateway;

  @Option(
      names = "--audience",
      paramLabel = "ID",
      description =
          "The gateway's audience id (its configuration's 'audience'). Required without --oauth.")
  String audience;

  @Option(
      names = "--service",
      paramLabel = "ID",
      description = "The upstream's service id. Default: the last segment of the --gateway path.")
  String service;

  @Option(
      names = "--grant",
      paramLabel = "GRANT",
      description =
          "A grant to ask for, service:action:resource (repeatable). Required without --oauth.")
  List<String> grants;

  @Option(
      names = "--ttl",
      paramLabel = "DURATION",
      converter = Converters.DurationConverter.class,
      description = "The lifetime to ask for; refreshed before it ends. Default: 15m.")
  Duration ttl = Duration.ofMinutes(15);

  @Option(
      names = "--key-file",
      paramLabel = "FILE",
      description =
          "The holder key (mode 0600, as 'mandate keygen' writes it). Default: a new key, kept in"
              + " memory only.")
  Path keyFile;

  @Option(
      names = "--http",
      paramLabel = "PORT",
      description =
          "Serve Streamable HTTP on 127.0.0.1:PORT/mcp (0: any free port) instead of stdio.")
  Integer httpPort;

  @Option(
      names = "--oauth",
      description =
          "Obtain the capability by a person's consent (OAuth authorization code flow with PKCE),"
              + " bound to the proxy's own DPoP key, from the authorization server the gateway"
              + " names; instead of --authority, --client, --secret-file, --grant and --key-file.")
  boolean oauth;

  @Option(
      names = "--scope",
      paramLabel = "SCOPE",
      description =
          "With --oauth: a scope (a grant, service:action:resource) to ask for (repeatable)."
              + " Default: the scopes the gateway's resource metadata lists.")
  List<String> scopes = List.of();

  @Option(
      names = "--oauth-store",
      paramLabel = "FILE",
      description =
          "With --oauth: where to keep the proxy's DPoP key, its registration and the current"
              + " refresh token (mode 0600), so later runs refresh without asking the person."
              + " Default: memory only.")
  Path oauthStore;

  @Option(
      names = "--no-browser",
      description = "With --oauth: print the consent address only; do not open a browser.")
  boolean noBrowser;

  @Option(
      names = "--consent-timeout",
      paramLabel = "DURATION",
      converter = Converters.DurationConverter.class,
      description = "With --oauth: how long to wait for the person's consent. Default: 10m.")
  Duration consentTimeout = Duration.ofMinutes(10);

  /** Replaced by tests, which return once they have used the running endpoint. */
  Lifetime lifetime = ProxyCommand::untilShutdown;

  @Override
  public Integer call() throws Exception {
    Terminal t = parent.terminal();
    if (gateway.getScheme() == null
        || !(gateway.getScheme().equals("http") || gateway.getScheme().equals("https"))
        || gateway.getHost() == null) {
      throw new ParameterException(
          spec.commandLine(), "--gateway must be an http or https URL, got " + gateway);
    }
    if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
      throw new ParameterException(spec.commandLine(), "--http must be a port 0..65535");
    }
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    if (oauth) {
      return serve(t, oauthRelay(t, http));
    }
    if (audience == null || grants == null || grants.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "give --audience and --grant (the capability to ask the authority for), or --oauth");
    }
    String serviceId = service != null ? service : lastSegment(gateway);
    AuthorityOptions.Credentials credentials = authority.credentials(spec);
    Wallet wallet;
    if (keyFile != null) {
      try {
        wallet = Wallet.fromKeyFile(keyFile, t.random(), t.clock());
      } catch (NoSuchFileException e) {
        throw new BadInputException("--key-file: no such file: " + keyFile);
      } catch (IllegalArgumentException | IOException e) {
        throw new BadInputException("--key-file: " + e.getMessage());
      }
    } else {
      wallet = Wallet.create(t.random(), t.clock());
    }
    Restrictions.Builder asked = Restrictions.builder().ttl(ttl);
    try {
      grants.forEach(asked::allow);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--grant: " + e.getMessage());
    }
    AuthorityCapabilitySource source;
    CapabilityHandle handle;
    try {
      source =
          AuthorityCapabilitySource.builder(URI.create(credentials.url()))
              .clientId(credentials.clientId())
              .clientSecretFile(credentials.secretFile())
              .restrictions(asked.build())
              .httpClient(http)
              .build();
      handle = source.addTo(wallet, "mandate-proxy", RequestShape.of(audience, serviceId));
    } catch (CapabilityUnavailableException | IllegalArgumentException e) {
      throw new BadInputException("no capability from the authority: " + e.getMessage());
    }
    McpRelay relay = new McpRelay(gateway, wallet, handle, http);
    PrintWriter err = t.err();
    err.println(
        "mandate proxy: holder "
            + wallet.holderPublicKey().keyId()
            + ", capability for "
            + serviceId
            + " at "
            + audience
            + " from "
            + credentials.url());
    err.flush();
    return serve(t, relay);
  }

  /** The relay of an OAuth capability ({@code --oauth}), once a person has consented. */
  private McpRelay oauthRelay(Terminal t, HttpClient http) {
    if (authority.given() || keyFile != null || grants != null) {
      throw new ParameterException(
          spec.commandLine(),
          "--oauth obtains the capability by consent: drop --authority, --client, --secret-file,"
              + " --key-file and --grant (ask with --scope)");
    }
    if (consentTimeout.isNegative() || consentTimeout.isZero()) {
      throw new ParameterException(spec.commandLine(), "--consent-timeout must be positive");
    }
    OAuthCapability capability =
        OAuthCapability.obtain(
            new OAuthCapability.Options(
                gateway, List.copyOf(scopes), oauthStore, !noBrowser, consentTimeout, 0),
            t.err(),
            t.clock(),
            t.random());
    t.err()
        .println(
            "mandate proxy: holder "
                + capability.holder()
                + ", capability for "
                + gateway
                + " from "
                + capability.issuer());
    t.err().flush();
    return new McpRelay(gateway, capability, http);
  }

  /** Relays on stdio, or on loopback HTTP with {@code --http}, until stopped. */
  private int serve(Terminal t, McpRelay relay) throws Exception {
    if (httpPort == null) {
      new StdioBridge(relay, t.out()).run(new BufferedInputStream(t.stdin()));
      return Mandate.OK;
    }
    try (LocalEndpoint endpoint = LocalEndpoint.start(relay, httpPort)) {
      t.out().println("mandate proxy: MCP at " + endpoint.url() + " -> " + gateway);
      t.out().flush();
      lifetime.runUntilStopped(endpoint);
    }
    return Mandate.OK;
  }

  private static String lastSegment(URI url) {
    String path = url.getPath() == null ? "" : url.getPath().replaceAll("/+$", "");
    String last = path.substring(path.lastIndexOf('/') + 1);
    if (last.isEmpty()) {
      throw new BadInputException("--service is needed: the --gateway path names no service");
    }
    return last;
  }

  private static void untilShutdown(LocalEndpoint endpoint) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "mandate-proxy-stop"));
    stopped.await();
  }
}
