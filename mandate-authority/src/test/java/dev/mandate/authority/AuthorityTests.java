package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.testkit.AuthorityApi;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * What the authority's own tests share: a configuration they vary (an ephemeral loopback port,
 * SQLite in a temp dir, a fixed clock, one policy), and the test kit's {@link AuthorityApi} of the
 * {@link AuthorityServer} they start. The other modules' tests use mandate-testkit's {@code Stack},
 * which the authority's tests cannot (it depends on the authority).
 */
final class AuthorityTests {
  static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final ObjectMapper JSON = new ObjectMapper();

  static final String POLICY =
      """
      version: 1
      clients:
        admin:
          grants:
            - "fs:read_text_file:/data/**"
          maxTtl: 1h
          indirect: true
        agent:
          grants:
            - "fs:read_text_file:/data/invoices/{year}/**"
          parameters:
            year: "20[0-9]{2}"
          maxTtl: 1h
          indirect: true
        gateway-1:
          role: gateway
      """;

  private AuthorityTests() {}

  /** The test configuration with its data in {@code tmp/data} and {@link #POLICY}. */
  static AuthorityConfig.Builder config(Path tmp) throws IOException {
    return config(tmp, "data");
  }

  /** As {@link #config(Path)}, the data in {@code tmp/dataDirName}. */
  static AuthorityConfig.Builder config(Path tmp, String dataDirName) throws IOException {
    Path policy = tmp.resolve("policy.yaml");
    if (!Files.exists(policy)) {
      Files.writeString(policy, POLICY);
    }
    return AuthorityConfig.builder(tmp.resolve(dataDirName))
        .port(0)
        .policyFile(policy)
        .clock(CLOCK)
        .policyReloadInterval(Duration.ZERO)
        .shutdownTimeout(Duration.ofSeconds(5))
        .environment(Map.of());
  }

  /** Starts an authority with the test configuration in {@code tmp}. */
  static AuthorityServer start(Path tmp) throws IOException {
    return AuthorityServer.start(config(tmp).build());
  }

  /** The admin secret the server made at its first start, or null on a later start. */
  static String adminSecret(AuthorityServer server) {
    return server.bootstrapReport().flatMap(BootstrapReport::adminSecretOnce).orElse(null);
  }

  /** The server's HTTP API, as its admin when this start made the admin client. */
  static AuthorityApi api(AuthorityServer server) {
    return new AuthorityApi(server.url(), adminSecret(server));
  }

  /** Counts the rows of a table in the SQLite database in {@code dataDir}, behind the server. */
  /**
   * Asserts what every server-sent event stream is sent with: its content type, never stored by a
   * cache, never buffered by a proxy.
   */
  static void assertEventStreamHeaders(HttpHeaders headers) {
    assertThat(headers.firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
    assertThat(headers.firstValue("Cache-Control")).hasValue("no-store");
    assertThat(headers.firstValue("X-Accel-Buffering")).hasValue("no");
  }

  static long count(Path dataDir, String table) {
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("mandate.db"));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }
}
