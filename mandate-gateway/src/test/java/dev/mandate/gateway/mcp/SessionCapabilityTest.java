package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SessionCapabilityTest {
  private static final Instant EXPIRY = Instant.parse("2030-01-01T00:00:00Z");
  private final SessionCapability cap = new SessionCapability(List.of("r0", "r1"), EXPIRY);

  @Test
  void goesOn_whileNoBlockIsDenied_andBeforeExpiry() {
    assertThat(cap.ended(EXPIRY, Set.of("other")::contains)).isNull();
  }

  @Test
  void ends_whenAnyBlockIsDenied() {
    assertThat(cap.ended(EXPIRY.minusSeconds(60), Set.of("r1")::contains)).contains("revoked");
  }

  @Test
  void ends_afterExpiry() {
    assertThat(cap.ended(EXPIRY.plusMillis(1), id -> false)).contains("expired");
  }
}
