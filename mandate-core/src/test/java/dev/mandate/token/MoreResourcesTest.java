package dev.mandate.token;

import static dev.mandate.token.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.crypto.SigningKey;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A call on several objects (spec §5): every resource must be covered by every block. */
class MoreResourcesTest {
  private final SigningKey root = Fixtures.key(1);
  private final Verifier verifier = Fixtures.verifier(root).build();

  private Capability.Minter mint() {
    return Capability.mint(root).clock(Fixtures.clock()).random(Fixtures.random(7));
  }

  private static Request move(String source, String destination) {
    ObjectNode args =
        JsonNodeFactory.instance.objectNode().put("source", source).put("destination", destination);
    return new Request(null, "fs", "move_file", source, args, null, List.of(destination));
  }

  private Capability inbox() {
    return mint()
        .allow("fs:move_file:/data/inbox/**")
        .allow("fs:move_file:/data/archive/**")
        .ttl(Duration.ofHours(1))
        .sign();
  }

  @Test
  void everyResourceCovered_allowed_evenThroughDifferentGrants() {
    Decision d =
        verifier.authorize(
            Presentation.of(inbox().toText()), move("/data/inbox/a", "/data/archive/a"));

    assertThat(d.allowed()).as(d.toString()).isTrue();
  }

  @Test
  void aFurtherResourceOutsideTheGrants_deniedNamingIt() {
    Decision d =
        verifier.authorize(
            Presentation.of(inbox().toText()), move("/data/inbox/a", "/tmp/exfil/a"));

    assertThat(d.code()).isEqualTo(Decision.Code.GRANT);
    assertThat(d.reason()).contains("fs:move_file:/tmp/exfil/a");
  }

  @Test
  void aGrantDenial_namesAtMostEightOfTheBlocksGrants() {
    Capability.Minter wide = mint().ttl(Duration.ofHours(1));
    for (int i = 0; i < 20; i++) {
      wide.allow("fs:move_file:/data/team-" + i + "/**");
    }

    Decision d =
        verifier.authorize(Presentation.of(wide.sign().toText()), move("/data/team-0/a", "/tmp/a"));

    assertThat(d.code()).isEqualTo(Decision.Code.GRANT);
    assertThat(d.reason())
        .contains("fs:move_file:/data/team-7/**, and 12 more]")
        .doesNotContain("team-8");
  }

  @Test
  void aFurtherResourceIsNormalised_traversalOutOfTheGrantDenied() {
    assertThat(
            verifier
                .authorize(
                    Presentation.of(inbox().toText()),
                    move("/data/inbox/a", "/data/archive/../secrets/a"))
                .code())
        .isEqualTo(Decision.Code.GRANT);
    assertThat(
            verifier
                .authorize(
                    Presentation.of(inbox().toText()),
                    move("/data/inbox/a", "/data/archive/%2e%2e/x"))
                .code())
        .isEqualTo(Decision.Code.INVALID_REQUEST);
  }

  @Test
  void anAttenuatedBlock_appliesToFurtherResourcesToo() {
    Capability narrowed = inbox().attenuate().allow("fs:move_file:/data/inbox/**").sign();

    Decision d =
        verifier.authorize(
            Presentation.of(narrowed.toText()), move("/data/inbox/a", "/data/archive/a"));

    assertThat(d.code()).isEqualTo(Decision.Code.GRANT);
    assertThat(((Decision.Deny) d).block()).isEqualTo(1);
  }

  @Test
  void holderProof_signsTheArgumentsTheFurtherResourcesComeFrom() {
    SigningKey agent = Fixtures.key(9);
    Capability bound =
        mint()
            .allow("fs:move_file:/data/**")
            .ttl(Duration.ofHours(1))
            .bindTo(agent.verifyingKey())
            .sign();
    Request signed = move("/data/inbox/a", "/data/archive/a");
    Proof proof =
        Proof.create(agent, bound.toText(), Fixtures.call(signed), NOW, Fixtures.random(3));

    assertThat(
            verifier
                .authorize(
                    Presentation.of(bound.toText())
                        .withProof(proof)
                        .withCall(Fixtures.call(signed)),
                    signed)
                .allowed())
        .isTrue();
    assertThat(
            verifier
                .authorize(
                    Presentation.of(bound.toText())
                        .withProof(proof)
                        .withCall(Fixtures.call(move("/data/inbox/a", "/data/other/a"))),
                    move("/data/inbox/a", "/data/other/a"))
                .code())
        .isEqualTo(Decision.Code.PROOF_INVALID);
  }

  @Test
  void tooManyFurtherResources_refusedWhenTheRequestIsBuilt() {
    List<String> many = Collections.nCopies(Request.MAX_MORE_RESOURCES + 1, "/data/x");

    assertThatThrownBy(() -> new Request(null, "fs", "read", "/data/x", null, null, many))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 64");
    assertThat(
            new Request(null, "fs", "read", "/data/x", null, null, many.subList(0, 64))
                .moreResources())
        .hasSize(64);
  }
}
