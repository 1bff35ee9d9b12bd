package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final CliRun cli = new CliRun();

  @TempDir Path dir;
  private String token;

  @BeforeEach
  void mintAndAttenuateTwice() {
    cli.keygen(dir, "authority");
    String minted =
        cli.run(
                "mint",
                "--key",
                dir.resolve("authority.key").toString(),
                "--allow",
                "fs:read_text_file:/data/**",
                "--ttl",
                "1h",
                "--arg",
                "/path=within:/data",
                "--audience",
                "gw-1")
            .value();
    String once = cli.pipe(minted, "attenuate", "--where", "args.path.size() < 64").value();
    token = cli.pipe(once, "attenuate", "--max-uses", "3").value();
  }

  @Test
  void json_listsEveryBlockAndItsRevocationIdInOrder() throws Exception {
    CliRun.Result r = cli.pipe(token, "inspect", "--json");

    JsonNode out = JSON.readTree(r.out());
    assertThat(r.exit()).isZero();
    assertThat(out.get("verified").asBoolean()).isFalse();
    assertThat(out.get("tokenId").asText()).matches("[0-9a-f]+");
    assertThat(out.get("blocks")).hasSize(3);
    assertThat(out.get("revocationIds")).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonNode block = out.get("blocks").get(i);
      assertThat(block.get("index").asInt()).isEqualTo(i);
      assertThat(block.get("revocationId").asText())
          .isEqualTo(out.get("revocationIds").get(i).asText());
    }
    JsonNode authority = out.get("blocks").get(0);
    assertThat(authority.get("grants").get(0).asText()).isEqualTo("fs:read_text_file:/data/**");
    assertThat(authority.get("caveats").findValuesAsText("text"))
        .contains("arg /path=within:/data", "audience gw-1", "expires 2030-01-01T01:00:00Z");
    assertThat(out.get("blocks").get(1).get("caveats").get(0).get("expression").asText())
        .isEqualTo("args.path.size() < 64");
    assertThat(out.get("blocks").get(2).get("caveats").get(0).get("uses").asLong()).isEqualTo(3);
  }

  @Test
  void text_saysItIsNotVerified_andShowsBlocksAndCaveats() {
    CliRun.Result r = cli.pipe(token, "inspect");

    assertThat(r.exit()).isZero();
    assertThat(r.out().lines().findFirst().orElseThrow()).contains("not verified");
    assertThat(r.out())
        .contains("Block 0 (authority)", "Block 2 (attenuation)")
        .contains("allow fs:read_text_file:/data/**")
        .contains("where args.path.size() < 64")
        .contains("max uses 3")
        .doesNotContain(token);
  }

  @Test
  void inspect_withoutAToken_isBadUsage() {
    CliRun.Result r = cli.pipe("", "inspect");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("no token on stdin");
  }
}
