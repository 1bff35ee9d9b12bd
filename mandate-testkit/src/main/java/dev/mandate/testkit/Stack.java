package dev.mandate.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import dev.mandate.token.Request;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Mandate in one process, on loopback with ephemeral ports: an authority (SQLite in a directory of
 * the caller's, or another database; a policy; the clients it registers at start) and, once
 * started, a gateway reporting to it as client {@code gateway}.
 *
 * <pre>{@code
 * try (Stack stack = Stack.builder(tmp).policy(POLICY).clients("agent", "gateway").start()) {
 *   GatewayServer gw = stack.startGateway(stack.gatewayYaml("gw").mcp(...), GATEWAY);
 *   Minted m = stack.api().mint(stack.auth("agent"), "10m", "gw", null, "fs:read_text_file:/**");
 * }
 * }</pre>
 *
 * <p>The kit does not depend on the gateway, so that the gateway's own tests can use it: the caller
 * says how a gateway starts from its configuration ({@link GatewayLauncher}), e.g. {@code (yaml,
 * file, env) -> GatewayServer.start(GatewayConfig.parse(yaml, file, env))}.
 */
public final class Stack implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final AuthorityConfig.Builder config;
  private AuthorityServer authority;
  private final int port;
  private final AuthorityApi api;
  private final Map<String, String> secrets;
  private AutoCloseable gateway;

  private Stack(
      Path dir,
      AuthorityConfig.Builder config,
      AuthorityServer authority,
      Map<String, String> secrets) {
    this.dir = dir;
    this.config = config;
    this.authority = authority;
    this.port = authority.port();
    this.api = new AuthorityApi(authority.url(), secrets.get("admin"));
    this.secrets = secrets;
  }

  /**
   * Starts a gateway from its configuration: the YAML text, the file it was written to, and the
   * environment it reads secrets from ({@link GatewayYaml#SECRET_ENV}: the {@code gateway} client's
   * secret).
   */
  @FunctionalInterface
  public interface GatewayLauncher<G extends AutoCloseable> {
    G start(String yaml, Path file, Map<String, String> env) throws IOException;
  }

  /** A stack whose files (policy, data, gateway configuration, spool) go in {@code dir}. */
  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  /** Chooses the policy, the clients and the authority's settings. */
  public static final class Builder {
    private final Path dir;
    private String policy;
    private final List<String> clients = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private Map<String, String> environment = Map.of();
    private Duration shutdownTimeout = Duration.ofSeconds(2);
    private Consumer<AuthorityConfig.Builder> more = b -> {};

    private Builder(Path dir) {
      this.dir = dir;
    }

    /** The authority's policy file, as YAML. */
    public Builder policy(String yaml) {
      this.policy = yaml;
      return this;
    }

    /** Clients the admin registers at start; their secrets are then {@link #secret}. */
    public Builder clients(String... clientIds) {
      clients.addAll(List.of(clientIds));
      return this;
    }

    /** The authority's clock (default: the system's). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * A throwaway master key from memory rather than a key file: nothing in {@code dir} needs to
     * outlive the stack, and writing and syncing a key file costs start-up time.
     */
    public Builder throwawayMasterKey() {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      this.environment =
          Map.of(
              "MANDATE_MASTER_KEY",
              "mndmk1_" + Base64.getUrlEncoder().withoutPadding().encodeToString(key));
      return this;
    }

    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = timeout;
      return this;
    }

    /** Further settings of the authority (a database URL, limits). */
    public Builder authority(Consumer<AuthorityConfig.Builder> settings) {
      this.more = settings;
      return this;
    }

    /**
     * Starts the authority and registers the clients.
     *
     * @throws IllegalStateException if it does not start or refuses a client
     */
    public Stack start() throws IOException {
      if (policy == null) {
        throw new IllegalStateException("the stack needs a policy");
      }
      Files.createDirectories(dir);
      Path policyFile = dir.resolve("policy.yaml");
      Files.writeString(policyFile, policy);
      AuthorityConfig.Builder config =
          AuthorityConfig.builder(dir.resolve("data"))
              .host("127.0.0.1")
              .port(0)
              .policyFile(policyFile)
              .clock(clock)
              .policyReloadInterval(Duration.ZERO)
              .shutdownTimeout(shutdownTimeout)
              .environment(environment);
      more.accept(config);
      AuthorityServer authority = AuthorityServer.start(config.build());
      try {
        String adminSecret =
            authority
                .bootstrapReport()
                .flatMap(BootstrapReport::adminSecretOnce)
                .orElseThrow(() -> new IllegalStateException("the authority made no admin client"));
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("admin", adminSecret);
        Stack stack = new Stack(dir, config, authority, secrets);
        for (String c : clients) {
          secrets.put(c, stack.api.createClient(stack.api.admin(), c));
        }
        return stack;
      } catch (RuntimeException e) {
        authority.close();
        throw e;
      }
    }
  }

  /**
   * Starts the gateway, as client {@code gateway} (which must be one of the registered clients),
   * with {@code launcher}; its configuration file is written to the stack's directory. The stack
   * stops it when it closes.
   */
  public <G extends AutoCloseable> G startGateway(GatewayYaml yaml, GatewayLauncher<G> launcher)
      throws IOException {
    String text = yaml.text();
    Path file = dir.resolve("gateway.yaml");
    Files.writeString(file, text);
    G started = launcher.start(text, file, Map.of(GatewayYaml.SECRET_ENV, secret("gateway")));
    gateway = started;
    return started;
  }

  /** Stops the authority (the gateway, if any, keeps running and finds it gone). */
  public void stopAuthority() {
    authority.close();
  }

  /** Starts the authority again after {@link #stopAuthority}, on the same port and data. */
  public void restartAuthority() {
    authority = AuthorityServer.start(config.port(port).build());
  }

  /** A gateway configuration for this stack's authority, spooling in the stack's directory. */
  public GatewayYaml gatewayYaml(String audience) {
    return GatewayYaml.of(audience, url(), dir.resolve("spool"));
  }

  public AuthorityServer authority() {
    return authority;
  }

  /** The authority's URL. */
  public String url() {
    return authority.url();
  }

  /** The authority's HTTP API. */
  public AuthorityApi api() {
    return api;
  }

  /** The admin client's {@code Authorization} value. */
  public String admin() {
    return api.admin();
  }

  /** The secret of a client registered at start, or of {@code admin}. */
  public String secret(String clientId) {
    String s = secrets.get(clientId);
    if (s == null) {
      throw new IllegalArgumentException(clientId + " is not a client of this stack");
    }
    return s;
  }

  /** The {@code Authorization} value of a client registered at start, or of {@code admin}. */
  public String auth(String clientId) {
    return Http.basic(clientId, secret(clientId));
  }

  /**
   * Has {@code approver} (a client whose policy lets it approve for {@code group}) approve exactly
   * this call of the capability with {@code tokenId}; returns the approval's text.
   *
   * @param ttl how long the approval holds, or null for the authority's default
   */
  public String approve(
      String approver, String tokenId, String group, Request request, String ttl) {
    ObjectNode call = JSON.createObjectNode();
    call.put("audience", request.audience());
    call.put("service", request.service());
    call.put("action", request.action());
    call.put("resource", request.resource());
    call.set("args", request.args());
    return api.approve(auth(approver), tokenId, group, call, ttl);
  }

  /** Stops the gateway (and its MCP server processes), then the authority. */
  @Override
  public void close() {
    try {
      if (gateway != null) {
        gateway.close();
      }
    } catch (Exception e) {
      throw new IllegalStateException("the gateway did not stop", e);
    } finally {
      authority.close();
    }
  }
}
