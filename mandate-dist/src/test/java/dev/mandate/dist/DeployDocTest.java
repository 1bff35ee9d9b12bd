package dev.mandate.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.crypto.SigningKey;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.policy.Policy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files docs/deploy.md tells a newcomer to write are ones the authority and the gateway accept,
 * so the guide cannot drift from the code.
 */
class DeployDocTest {
  private static final Path DOC = Path.of("../docs/deploy.md");

  @Test
  void policy_parses() throws IOException {
    Policy policy = Policy.parse(heredoc("/etc/mandate/policy.yaml"), "deploy.md");
    assertThat(policy).isNotNull();
  }

  @Test
  void gatewayConfiguration_parses(@TempDir Path dir) throws IOException {
    // The files the guide's earlier steps put in place, here in a temporary directory.
    Path secret = dir.resolve("client-secret");
    Files.writeString(secret, "a-secret-for-the-test\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    String rootKey = SigningKey.generate(new SecureRandom()).verifyingKey().toText();
    Path trust = Files.writeString(dir.resolve("authority.trust"), rootKey + "\n");
    String yaml =
        heredoc("/etc/mandate/gateway-a.yaml")
            .replace("/run/credentials/mandate-gateway@a.service/client-secret", secret.toString())
            .replace("/etc/mandate/authority.trust", trust.toString());
    assertThat(yaml).contains(secret.toString(), trust.toString());

    GatewayConfig config = GatewayConfig.parse(yaml, dir.resolve("gateway-a.yaml"), Map.of());

    assertThat(config.audience()).isEqualTo("tools.example.com");
    assertThat(config.redis()).isNotNull();
  }

  /** The text of {@code cat > FILE <<'EOF' ... EOF} in the guide, without its indentation. */
  private static String heredoc(String file) throws IOException {
    List<String> lines = Files.readAllLines(DOC);
    int start = lines.indexOf("    cat > " + file + " <<'EOF'");
    assertThat(start).as("deploy.md writes " + file).isNotNegative();
    StringBuilder text = new StringBuilder();
    for (String line : lines.subList(start + 1, lines.size())) {
      if (line.strip().equals("EOF")) {
        return text.toString();
      }
      text.append(line.startsWith("    ") ? line.substring(4) : line).append('\n');
    }
    throw new AssertionError("no EOF after " + file);
  }
}
