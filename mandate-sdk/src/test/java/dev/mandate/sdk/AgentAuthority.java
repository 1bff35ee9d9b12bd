package dev.mandate.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Presentation;
import dev.mandate.token.Restrictions;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.UsageCounter;
import dev.mandate.token.Verifier;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The authority an agent fetches capabilities from: a {@link Stack} whose policy lets client {@code
 * agent} mint holder-bound capabilities for gateway {@value #AUDIENCE}, on the test's {@link
 * MutableClock}, with what the SDK's tests build on it (capability sources, a verifier).
 */
final class AgentAuthority implements AutoCloseable {
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
  final Stack stack;
  final String agentSecret;
  final SecureRandom random = new SecureRandom();

  private AgentAuthority(MutableClock clock, Stack stack) {
    this.clock = clock;
    this.stack = stack;
    this.agentSecret = stack.secret(CLIENT);
  }

  static AgentAuthority start(Path tmp) throws IOException {
    MutableClock clock = new MutableClock(START);
    Stack stack =
        Stack.builder(tmp)
            .policy(POLICY)
            .clients(CLIENT)
            .clock(clock)
            .shutdownTimeout(Duration.ofSeconds(5))
            .start();
    return new AgentAuthority(clock, stack);
  }

  URI url() {
    return URI.create(stack.url());
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
  Verifier verifier() {
    List<VerifyingKey> trusted = new ArrayList<>();
    for (JsonNode k : stack.api().keys()) {
      trusted.add(VerifyingKey.parse(k.get("publicKey").asText()));
    }
    return Verifier.builder()
        .trustedKeys(TrustedKeys.of(trusted.toArray(VerifyingKey[]::new)))
        .clock(clock)
        .usageCounter(UsageCounter.inMemory(clock))
        .build();
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
    stack.close();
  }
}
