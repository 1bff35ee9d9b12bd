package dev.mandate.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.mcp.McpFrontEnd;
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
 * the caller's, a policy, the clients it registers at start) and, once started, a gateway with the
 * MCP front end reporting to it as client {@code gateway}.
 *
 * <pre>{@code
 * try (Stack stack = Stack.builder(tmp).policy(POLICY).clients("agent", "gateway").start()) {
 *   stack.startGateway(GatewayYaml.of("gw", stack.url(), tmp.resolve("spool")).mcp(...));
 *   Minted m = stack.api().mint(stack.auth("agent"), "10m", "gw", null, "fs:read_text_file:/**");
 * }
 * }</pre>
 */
public final class Stack implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final AuthorityServer authority;
  private final AuthorityApi api;
  private final String admin;
  private final Map<String, String> secrets;
  private GatewayServer gateway;

  private Stack(
      Path dir,
      AuthorityServer authority,
      AuthorityApi api,
      String admin,
      Map<String, String> secrets) {
    this.dir = dir;
    this.authority = authority;
    this.api = api;
    this.admin = admin;
    this.secrets = secrets;
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
        String admin = Http.basic("admin", adminSecret);
        AuthorityApi api = new AuthorityApi(authority.url());
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("admin", adminSecret);
        for (String c : clients) {
          secrets.put(c, api.createClient(admin, c));
        }
        return new Stack(dir, authority, api, admin, secrets);
      } catch (RuntimeException e) {
        authority.close();
        throw e;
      }
    }
  }

  /**
   * Starts the gateway with the MCP front end, as client {@code gateway} (which must be one of the
   * registered clients); its configuration file is written to the stack's directory.
   */
  public GatewayServer startGateway(GatewayYaml yaml) throws IOException {
    String text = yaml.text();
    Path file = dir.resolve("gateway.yaml");
    Files.writeString(file, text);
    gateway =
        GatewayServer.start(
            GatewayConfig.parse(text, file, Map.of(GatewayYaml.SECRET_ENV, secret("gateway"))),
            Clock.systemUTC(),
            List.of(new McpFrontEnd.Factory()));
    return gateway;
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
    return admin;
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

  /** The gateway, or null before {@link #startGateway}. */
  public GatewayServer gateway() {
    return gateway;
  }

  /** Stops the gateway (and its MCP server processes), then the authority. */
  @Override
  public void close() {
    try {
      if (gateway != null) {
        gateway.close();
      }
    } finally {
      authority.close();
    }
  }
}
