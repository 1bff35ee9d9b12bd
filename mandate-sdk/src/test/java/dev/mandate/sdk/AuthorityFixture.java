package dev.mandate.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.authority.AuthorityConfig;
import dev.mandate.authority.AuthorityServer;
import dev.mandate.authority.BootstrapReport;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.token.Presentation;
import dev.mandate.token.Restrictions;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.UsageCounter;
import dev.mandate.token.Verifier;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A real authority on an ephemeral loopback port, SQLite in a temp dir, a policy that lets client
 * {@code agent} mint holder-bound capabilities for gateway {@value #AUDIENCE}, and the agent's
 * secret. Its clock is the test's {@link MutableClock}.
 */
final class AuthorityFixture implements AutoCloseable {
  static final Instant START = Instant.parse("2025-06-01T12:00:00Z");
  static final String AUDIENCE = "gw-test";
  static final String CLIENT = "agent";
  static final ObjectMapper JSON = new ObjectMapper();

  static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants:
            - "fs:read_text_file:/data/**"
            - "fs:list_directory:/data/**"
          maxTtl: 1h
          require: [holder, audience]
          audiences: [gw-test]
      """;

  final MutableClock clock;
  final AuthorityServer server;
  final String agentSecret;
  final SecureRandom random = new SecureRandom();
  private final HttpClient http = HttpClient.newHttpClient();

  private AuthorityFixture(MutableClock clock, AuthorityServer server, String agentSecret) {
    this.clock = clock;
    this.server = server;
    this.agentSecret = agentSecret;
  }

  static AuthorityFixture start(Path tmp) throws Exception {
    MutableClock clock = new MutableClock(START);
    Path policy = tmp.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    AuthorityServer server =
        AuthorityServer.start(
            AuthorityConfig.builder(tmp.resolve("data"))
                .port(0)
                .policyFile(policy)
                .clock(clock)
                .policyReloadInterval(Duration.ZERO)
                .shutdownTimeout(Duration.ofSeconds(5))
                .environment(Map.of())
                .build());
    try {
      String admin =
          server.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElseThrow();
      HttpResponse<String> created =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(server.url() + "/v1/clients"))
                      .header("Authorization", basic("admin", admin))
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString("{\"clientId\":\"agent\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      if (created.statusCode() != 201) {
        throw new AssertionError("cannot create the agent client: " + created.body());
      }
      return new AuthorityFixture(
          clock, server, JSON.readTree(created.body()).get("secret").asText());
    } catch (Exception | AssertionError e) {
      server.close();
      throw e;
    }
  }

  URI url() {
    return URI.create(server.url());
  }

  /** A source for the agent client asking for these grants for the policy's maximum lifetime. */
  AuthorityCapabilitySource.Builder source(String... grants) {
    return source(null, grants);
  }

  /** A source for the agent client asking for these grants for {@code ttl} (null: the maximum). */
  AuthorityCapabilitySource.Builder source(Duration ttl, String... grants) {
    Restrictions.Builder asked = Restrictions.builder();
    for (String g : grants) {
      asked.allow(g);
    }
    if (ttl != null) {
      asked.ttl(ttl);
    }
    return client().restrictions(asked.build());
  }

  /** A source for the agent client, not yet told what to ask for. */
  AuthorityCapabilitySource.Builder client() {
    return AuthorityCapabilitySource.builder(url())
        .clientId(CLIENT)
        .clientSecret(agentSecret.toCharArray());
  }

  /** A verifier trusting the keys the authority publishes, on the test's clock. */
  Verifier verifier() throws IOException, InterruptedException {
    HttpResponse<String> keys =
        http.send(
            HttpRequest.newBuilder(URI.create(server.url() + "/v1/keys")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    List<VerifyingKey> trusted = new ArrayList<>();
    for (JsonNode k : JSON.readTree(keys.body())) {
      trusted.add(VerifyingKey.parse(k.get("publicKey").asText()));
    }
    return Verifier.builder()
        .trustedKeys(TrustedKeys.of(trusted.toArray(VerifyingKey[]::new)))
        .clock(clock)
        .usageCounter(UsageCounter.inMemory(clock))
        .build();
  }

  static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  static ObjectNode args(String... namesAndValues) {
    ObjectNode args = JSON.createObjectNode();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      args.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return args;
  }

  /** The token text in a presentation's Authorization value. */
  static String token(Presentation p) {
    return p.token();
  }

  @Override
  public void close() {
    server.close();
  }
}
