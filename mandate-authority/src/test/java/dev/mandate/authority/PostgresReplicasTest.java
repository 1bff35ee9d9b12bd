package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.PostgresSchema;
import dev.mandate.testkit.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two authority replicas on one PostgreSQL schema. Skipped when PostgreSQL is unreachable, failed
 * instead when {@code MANDATE_REQUIRE_POSTGRES=1}.
 */
class PostgresReplicasTest {
  @TempDir Path tmp;

  @Test
  void aRevocationPostedToOneReplica_reachesTheOthersLongPollWithinASecond() throws Exception {
    try (PostgresSchema db = PostgresSchema.create()) {
      String masterKey =
          MasterKey.TEXT_PREFIX
              + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
      Files.writeString(tmp.resolve("policy.yaml"), AuthorityTests.POLICY);
      try (AuthorityServer a = AuthorityServer.start(replica(db, "a", masterKey));
          AuthorityServer b = AuthorityServer.start(replica(db, "b", masterKey))) {
        assertThat(AuthorityTests.adminSecret(a)).isNotNull();
        assertThat(AuthorityTests.adminSecret(b))
            .as("the second replica reuses the admin client")
            .isNull();
        AuthorityApi first = AuthorityTests.api(a);
        AuthorityApi second = AuthorityTests.api(b);
        String admin = first.admin();

        assertThat(second.get("/v1/keys").json().findValuesAsText("keyId"))
            .isEqualTo(first.get("/v1/keys").json().findValuesAsText("keyId"));

        JsonNode minted =
            first
                .post(
                    "/v1/capabilities",
                    "{\"grants\":[\"fs:read_text_file:/data/x/**\"],\"ttl\":\"15m\"}",
                    admin)
                .json();
        CompletableFuture<Reply> poll =
            CompletableFuture.supplyAsync(() -> second.get("/v1/revocations?since=0&wait=20000"));
        Thread.sleep(500);
        assertThat(poll).isNotDone();

        Reply revoked =
            first.post(
                "/v1/revocations",
                "{\"tokenId\":\"" + minted.get("tokenId").asText() + "\",\"reason\":\"test\"}",
                admin);
        long acknowledged = System.nanoTime();
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(201);

        Reply seen = poll.get(5, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - acknowledged) / 1_000_000;
        assertThat(seen.status()).isEqualTo(200);
        assertThat(seen.json().get("snapshot").get(0).asText())
            .isEqualTo(revoked.json().get("revocationId").asText());
        assertThat(millis).isLessThan(1000);

        // The replicas share clients and the audit chain.
        assertThat(second.get("/v1/audit/verify", admin).json().get("ok").asBoolean()).isTrue();
      }
    }
  }

  private AuthorityConfig replica(PostgresSchema db, String name, String masterKey)
      throws Exception {
    return AuthorityTests.config(tmp, name)
        .jdbcUrl(db.jdbcUrl())
        .environment(Map.of(MasterKey.ENV, masterKey))
        .shutdownTimeout(Duration.ofSeconds(5))
        .build();
  }
}
