package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.VerifyingKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs docs/vectors/v1/vectors.json as dynamic tests. Set {@code -Dmandate.vectors.write=true} to
 * regenerate the file from {@link VectorSet} after a deliberate format change.
 */
class VectorsTest {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Path FILE = locate();

  private static Path locate() {
    Path p = Path.of("docs/vectors/v1/vectors.json");
    return Files.exists(Path.of("docs")) ? p : Path.of("..").resolve(p);
  }

  static Decision decide(JsonNode c, List<?> trustedKeys, List<String> revoked) {
    List<VerifyingKey> keys = new ArrayList<>();
    for (Object k : trustedKeys) {
      keys.add(
          k instanceof dev.mandate.crypto.SigningKey s
              ? s.verifyingKey()
              : VerifyingKey.parse((String) k));
    }
    Verifier v =
        Verifier.builder()
            .trustedKeys(TrustedKeys.of(keys.toArray(VerifyingKey[]::new)))
            .clock(Fixtures.clockAt(VectorSet.time(c)))
            .clockSkew(Duration.ofSeconds(c.get("clockSkewSeconds").asLong()))
            .proofWindow(Duration.ofSeconds(c.get("proofWindowSeconds").asLong()))
            .revoked(new HashSet<>(revoked)::contains)
            .usageCounter(UsageCounter.inMemory(Fixtures.clockAt(VectorSet.time(c))))
            .budgetLedger(BudgetLedger.inMemory(Fixtures.clockAt(VectorSet.time(c))))
            .build();
    JsonNode proof = c.get("proof");
    JsonNode approval = c.get("approval");
    JsonNode call = c.get("call");
    return v.authorize(
        Presentation.of(c.get("token").asText())
            .withProof(proof(proof, c.get("proofHttp")))
            .withApproval(
                approval == null || approval.isNull() ? null : Approval.of(approval.asText()))
            .withCall(call == null || call.isNull() ? null : VectorSet.toCall(call)),
        VectorSet.toRequest(c.get("request")));
  }

  private static Proof proof(JsonNode proof, JsonNode http) {
    if (proof == null || proof.isNull()) {
      return null;
    }
    if (http != null && !http.isNull()) {
      return Proof.dpop(proof.asText(), http.get("method").asText(), http.get("uri").asText());
    }
    return Proof.of(proof.asText());
  }

  @Test
  void committedVectors_equalGenerated() throws IOException {
    ObjectNode generated = VectorSet.generate();
    if (Boolean.getBoolean("mandate.vectors.write")) {
      Files.createDirectories(FILE.getParent());
      Files.writeString(FILE, JSON.writeValueAsString(generated) + "\n");
    }
    assertThat(Files.readString(FILE).strip())
        .as("docs/vectors/v1/vectors.json is stale; regenerate with -Dmandate.vectors.write=true")
        .isEqualTo(JSON.writeValueAsString(generated).strip());
    assertThat(generated.get("cases").size()).isGreaterThanOrEqualTo(40);
  }

  @TestFactory
  Stream<DynamicTest> vectors() throws IOException {
    JsonNode root = JSON.readTree(FILE.toFile());
    assertThat(root.get("format").asText()).isEqualTo("mandate-test-vectors");
    assertThat(root.get("version").asInt()).isEqualTo(1);
    JsonNode keys = root.get("keys");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : root.get("cases")) {
      tests.add(
          DynamicTest.dynamicTest(
              c.get("id").asText() + ": " + c.get("description").asText(),
              () -> {
                List<String> trusted = new ArrayList<>();
                c.get("trustedKeys")
                    .forEach(n -> trusted.add(keys.get(n.asText()).get("public").asText()));
                List<String> revoked = new ArrayList<>();
                c.get("revoked").forEach(n -> revoked.add(n.asText()));
                Decision d = decide(c, trusted, revoked);
                JsonNode e = c.get("expected");
                assertThat(d.allowed() ? "allow" : "deny")
                    .as(d.toString())
                    .isEqualTo(e.get("decision").asText());
                assertThat(d.code().name()).as(d.toString()).isEqualTo(e.get("code").asText());
                assertThat(d instanceof Decision.Deny deny ? deny.block() : -1)
                    .as(d.toString())
                    .isEqualTo(e.get("block").asInt());
                if (!c.get("revocationIds").isNull()) {
                  List<String> ids = new ArrayList<>();
                  c.get("revocationIds").forEach(n -> ids.add(n.asText()));
                  assertThat(Capability.decode(c.get("token").asText()).revocationIds())
                      .isEqualTo(ids);
                }
              }));
    }
    return tests.stream();
  }
}
