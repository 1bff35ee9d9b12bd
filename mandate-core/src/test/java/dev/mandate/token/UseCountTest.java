package dev.mandate.token;

import static dev.mandate.token.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.crypto.SigningKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Max-uses caveats are counted by the verifier, so that an allow means allowed. */
class UseCountTest {
  private final SigningKey root = Fixtures.key(1);

  private Capability limited(int uses) {
    return Fixtures.mint(root, 7, "fs:*:**").maxUses(uses).sign();
  }

  private static Request read() {
    return Request.of("fs", "read_text_file", "/data/a");
  }

  @Test
  void maxUses_allowsExactlyThatManyCalls_thenDeniesNamingTheBlock() {
    Verifier verifier =
        Fixtures.verifier(root).usageCounter(UsageCounter.inMemory(Fixtures.clock())).build();
    Capability cap = limited(2);

    assertThat(verifier.authorize(Presentation.of(cap.toText()), read()).allowed()).isTrue();
    assertThat(verifier.authorize(Presentation.of(cap.toText()), read()).allowed()).isTrue();
    Decision third = verifier.authorize(Presentation.of(cap.toText()), read());

    assertThat(third.code()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
    Decision.Deny deny = (Decision.Deny) third;
    assertThat(deny.check()).isEqualTo(Decision.Check.MAX_USES);
    assertThat(deny.block()).isZero();
    assertThat(deny.reason()).isEqualTo("block 0 allows at most 2 uses, and all were used");
  }

  @Test
  void maxUses_withoutACounter_deniedUnavailable_neverAllowedUncounted() {
    Verifier verifier = Fixtures.verifier(root).build();

    Decision d = verifier.authorize(Presentation.of(limited(5).toText()), read());

    assertThat(d.allowed()).isFalse();
    assertThat(d.code()).isEqualTo(Decision.Code.UNAVAILABLE);
    assertThat(((Decision.Deny) d).check()).isEqualTo(Decision.Check.MAX_USES);
    assertThat(d.reason()).contains("no use counter");
  }

  @Test
  void aCapabilityWithoutMaxUses_needsNoCounter() {
    Verifier verifier = Fixtures.verifier(root).build();
    Capability plain = Fixtures.mint(root, 8, "fs:*:**").sign();

    assertThat(verifier.authorize(Presentation.of(plain.toText()), read()).allowed()).isTrue();
  }

  @Test
  void aFailingCounter_deniedUnavailable_withoutItsMessage() {
    Verifier verifier =
        Fixtures.verifier(root)
            .usageCounter(
                limits -> {
                  throw new IllegalStateException("redis://secret@host is down");
                })
            .build();

    Decision d = verifier.authorize(Presentation.of(limited(5).toText()), read());

    assertThat(d.code()).isEqualTo(Decision.Code.UNAVAILABLE);
    assertThat(((Decision.Deny) d).check()).isEqualTo(Decision.Check.MAX_USES);
    assertThat(d.reason()).doesNotContain("secret").contains("cannot be counted");
  }

  @Test
  void aCallDeniedByAnotherCheck_isNotCounted() {
    List<List<UsageCounter.Limit>> counted = new ArrayList<>();
    Verifier verifier =
        Fixtures.verifier(root)
            .usageCounter(
                limits -> {
                  counted.add(limits);
                  return -1;
                })
            .build();
    Capability cap = limited(5);

    verifier.authorize(Presentation.of(cap.toText()), Request.of("mail", "send", "x"));
    assertThat(counted).isEmpty();

    verifier.authorize(Presentation.of(cap.toText()), read());
    assertThat(counted)
        .singleElement()
        .satisfies(
            limits ->
                assertThat(limits)
                    .containsExactly(
                        new UsageCounter.Limit(
                            cap.revocationIds().get(0),
                            5,
                            NOW.plus(Duration.ofHours(1)).plusSeconds(30))));
  }

  @Test
  void everyBlocksLimit_isCounted_andTheExhaustedOneNamed() {
    Verifier verifier =
        Fixtures.verifier(root).usageCounter(UsageCounter.inMemory(Fixtures.clock())).build();
    Capability parent = limited(10);
    Capability child = parent.attenuate().maxUses(1).sign();

    assertThat(verifier.authorize(Presentation.of(child.toText()), read()).allowed()).isTrue();
    Decision d = verifier.authorize(Presentation.of(child.toText()), read());

    assertThat(d.code()).isEqualTo(Decision.Code.LIMIT_EXCEEDED);
    assertThat(((Decision.Deny) d).block()).isEqualTo(1);
    // The refused call took nothing from the parent's budget: 9 uses remain after the first.
    for (int i = 0; i < 9; i++) {
      assertThat(verifier.authorize(Presentation.of(parent.toText()), read()).allowed()).isTrue();
    }
    assertThat(verifier.authorize(Presentation.of(parent.toText()), read()).code())
        .isEqualTo(Decision.Code.LIMIT_EXCEEDED);
  }
}
