package dev.mandate.authority;

import dev.mandate.testkit.AuthorityApi;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests of one authority with the test configuration, started before each test, stopped after. */
abstract class RunningAuthorityTest {
  @TempDir Path tmp;
  AuthorityServer server;

  /** The server's API, as its admin. */
  AuthorityApi authority;

  @BeforeEach
  void startAuthority() throws Exception {
    server = AuthorityTests.start(tmp);
    authority = AuthorityTests.api(server);
  }

  @AfterEach
  void stopAuthority() {
    if (server != null) {
      server.close();
    }
  }
}
