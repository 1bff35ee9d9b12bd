package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.gateway.mcp.SessionAdmission.Admit;
import dev.mandate.gateway.mcp.SessionAdmission.Limits;
import dev.mandate.gateway.mcp.SessionAdmission.Refuse;
import dev.mandate.gateway.mcp.SessionAdmission.Verdict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionAdmissionTest {
  private static final McpSession.Owner ALICE = new McpSession.Owner("t-alice", "k-alice");
  private static final McpSession.Owner BOB = new McpSession.Owner("t-bob", null);
  private static final McpSession.Owner MALLORY = new McpSession.Owner("t-mallory", null);

  /** An open session as admission sees it. */
  record Open(McpSession.Owner owner, String client, boolean idle, long lastUsedNanos)
      implements SessionAdmission.Held {}

  private final List<Open> open = new ArrayList<>();
  private long clock;

  private Open open(McpSession.Owner owner, String client, boolean idle) {
    Open o = new Open(owner, client, idle, clock++);
    open.add(o);
    return o;
  }

  private Verdict<Open> admit(Limits limits, McpSession.Owner owner, String client) {
    return SessionAdmission.admit(limits, owner, client, open, "fs");
  }

  @Test
  void underEveryBound_admitsWithoutEvicting() {
    open(BOB, "10.0.0.2", true);

    assertThat(admit(new Limits(4, 2, 3), ALICE, "10.0.0.1")).isEqualTo(new Admit<Open>(List.of()));
  }

  @Test
  void oneNarrowToken_cannotTakeEverySlot() {
    Limits limits = new Limits(16, 4, 16);
    for (int i = 0; i < 4; i++) {
      open(MALLORY, "10.0.0.66", false);
    }

    Verdict<Open> fifth = admit(limits, MALLORY, "10.0.0.66");
    Verdict<Open> someoneElse = admit(limits, ALICE, "10.0.0.1");

    assertThat(fifth).isInstanceOf(Refuse.class);
    assertThat(((Refuse<Open>) fifth).status()).isEqualTo(429);
    assertThat(((Refuse<Open>) fifth).reason()).contains("already holds 4 active sessions on fs");
    assertThat(someoneElse).isInstanceOf(Admit.class);
  }

  @Test
  void anOwnerAtItsShare_evictsItsOwnLeastRecentlyUsedIdleSession() {
    Open oldIdle = open(ALICE, "10.0.0.1", true);
    open(ALICE, "10.0.0.1", false);
    open(ALICE, "10.0.0.1", true);

    Verdict<Open> v = admit(new Limits(16, 3, 16), ALICE, "10.0.0.1");

    assertThat(v).isEqualTo(new Admit<>(List.of(oldIdle)));
  }

  @Test
  void theHolderKeyIsTheSameOwner_asTheTokenId() {
    open(new McpSession.Owner("t-refreshed", "k-alice"), "10.0.0.1", false);

    assertThat(admit(new Limits(16, 1, 16), ALICE, "10.0.0.1")).isInstanceOf(Refuse.class);
  }

  @Test
  void manyTokensFromOneAddress_areBoundedByTheClientShare() {
    Limits limits = new Limits(16, 4, 8);
    for (int i = 0; i < 8; i++) {
      open(new McpSession.Owner("t-" + i, null), "10.0.0.66", false);
    }

    Verdict<Open> v = admit(limits, new McpSession.Owner("t-new", null), "10.0.0.66");

    assertThat(v).isInstanceOf(Refuse.class);
    assertThat(((Refuse<Open>) v).status()).isEqualTo(429);
    assertThat(((Refuse<Open>) v).reason()).contains("client address");
    assertThat(admit(limits, ALICE, "10.0.0.1")).isInstanceOf(Admit.class);
  }

  @Test
  void whenFull_theLeastRecentlyUsedIdleSessionOfAnyone_makesRoom() {
    open(BOB, "10.0.0.2", false);
    Open bobIdle = open(BOB, "10.0.0.2", true);
    open(MALLORY, "10.0.0.3", true);

    Verdict<Open> v = admit(new Limits(3, 3, 3), ALICE, "10.0.0.1");

    assertThat(v).isEqualTo(new Admit<>(List.of(bobIdle)));
  }

  @Test
  void whenFullOfActiveSessions_anotherOwnersActiveSession_isNeverEvicted() {
    open(BOB, "10.0.0.2", false);
    open(MALLORY, "10.0.0.3", false);

    Verdict<Open> v = admit(new Limits(2, 2, 2), ALICE, "10.0.0.1");

    assertThat(v).isInstanceOf(Refuse.class);
    assertThat(((Refuse<Open>) v).status()).isEqualTo(503);
  }

  @Test
  void anEvictionForTheOwnersShare_alsoMakesRoomInTheTotal() {
    Open aliceIdle = open(ALICE, "10.0.0.1", true);
    open(BOB, "10.0.0.2", false);

    Verdict<Open> v = admit(new Limits(2, 1, 2), ALICE, "10.0.0.1");

    assertThat(v).isEqualTo(new Admit<>(List.of(aliceIdle)));
  }
}
