package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.gateway.mcp.CallMapping.Mapped;
import dev.mandate.gateway.mcp.CallMapping.Outcome;
import dev.mandate.gateway.mcp.CallMapping.Refused;
import dev.mandate.gateway.mcp.McpConfig.FromArguments;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import dev.mandate.token.Call;
import dev.mandate.token.Request;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Link resolution over real symbolic links in a temporary directory. */
class ResolvedPathsTest {
  @TempDir Path tmp;
  private Path root;

  @BeforeEach
  void tree() throws IOException {
    root = tmp.toRealPath().resolve("root");
    Files.createDirectories(root.resolve("data/public"));
    Files.createDirectories(root.resolve("data/secret"));
    Files.writeString(root.resolve("data/public/ok.txt"), "ok");
    Files.writeString(root.resolve("data/secret/salaries.csv"), "secret");
    Files.writeString(tmp.resolve("outside.txt"), "outside");
  }

  private Upstream fs(String rootText, String hostRoot) {
    return TestUpstreams.stdio(
        "fs",
        "/mcp/fs",
        Map.of(
            "read_text_file",
            new FromArguments(List.of("path"), false, rootText, hostRoot),
            "read_multiple_files",
            new FromArguments(List.of("paths"), true, rootText, hostRoot)),
        false,
        false,
        4);
  }

  private static final Call CALL = Call.mcp(null, "fs", "POST tools/call", "read_text_file", null);

  private Upstream fs() {
    return fs(root.toString(), root.toString());
  }

  private static Outcome read(Upstream upstream, String resource, String... more) {
    return ResolvedPaths.resolve(
        upstream,
        new Mapped(
            CALL, new Request(null, "fs", "read_text_file", resource, null, null, List.of(more))));
  }

  private static List<String> more(Outcome outcome) {
    assertThat(outcome).isInstanceOf(Mapped.class);
    return ((Mapped) outcome).request().moreResources();
  }

  private String refusal(Outcome outcome) {
    assertThat(outcome).isInstanceOf(Refused.class);
    String reason = ((Refused) outcome).reason();
    assertThat(reason).doesNotContain(tmp.toString()).doesNotContain(root.toString());
    return reason;
  }

  @Test
  void withoutLinks_theRequestIsUnchanged() {
    Mapped mapped =
        new Mapped(
            CALL, new Request(null, "fs", "read_text_file", "/data/public/ok.txt", null, null));
    assertThat(ResolvedPaths.resolve(fs(), mapped)).isSameAs(mapped);
    assertThat(more(read(fs(), "/data/public/new.txt"))).isEmpty();
    assertThat(more(read(fs(), "/data/public/../public/./ok.txt"))).isEmpty();
  }

  @Test
  void aFileLink_addsTheFileItLeadsTo() throws IOException {
    Files.createSymbolicLink(
        root.resolve("data/public/report.txt"), Path.of("../secret/salaries.csv"));
    assertThat(more(read(fs(), "/data/public/report.txt")))
        .containsExactly("/data/secret/salaries.csv");
  }

  @Test
  void aDirectoryLink_addsThePlaceUnderIt_forFilesThatExistAndFilesBeingCreated()
      throws IOException {
    Files.createSymbolicLink(root.resolve("data/public/docs"), root.resolve("data/secret"));
    assertThat(more(read(fs(), "/data/public/docs/salaries.csv")))
        .containsExactly("/data/secret/salaries.csv");
    assertThat(more(read(fs(), "/data/public/docs/new/deeper.txt")))
        .containsExactly("/data/secret/new/deeper.txt");
  }

  @Test
  void aDanglingLink_isResolvedToWhereAWriteWouldCreateTheFile() throws IOException {
    Files.createSymbolicLink(root.resolve("data/public/drop.txt"), Path.of("../secret/planted"));
    assertThat(more(read(fs(), "/data/public/drop.txt"))).containsExactly("/data/secret/planted");
  }

  @Test
  void chainsOfLinks_andEveryPathOfABatch_areResolved() throws IOException {
    Files.createSymbolicLink(root.resolve("data/a"), Path.of("b"));
    Files.createSymbolicLink(root.resolve("data/b"), Path.of("secret"));
    Files.createSymbolicLink(root.resolve("data/public/s"), root.resolve("data/a"));
    assertThat(
            more(read(fs(), "/data/public/ok.txt", "/data/public/s/salaries.csv", "/data/a/x.txt")))
        .containsExactly(
            "/data/public/s/salaries.csv",
            "/data/a/x.txt",
            "/data/secret/salaries.csv",
            "/data/secret/x.txt");
  }

  @Test
  void aNameEqualInUnicodeNfcToALink_isResolvedAsTheFilesystemServerResolvesIt()
      throws IOException {
    // The link's name is "café" with a precomposed é; the call spells it e + combining accent.
    Files.createSymbolicLink(root.resolve("data/public/caf\u00e9"), Path.of("../secret"));
    assertThat(more(read(fs(), "/data/public/cafe\u0301/salaries.csv")))
        .containsExactly("/data/secret/salaries.csv");
    // Two entries equal in NFC to a third spelling: the upstream refuses to choose, so does this.
    Files.createDirectory(root.resolve("data/public/\u00c5"));
    Files.createDirectory(root.resolve("data/public/\u212b"));
    assertThat(refusal(read(fs(), "/data/public/A\u030a/x")))
        .contains("several entries that differ only in Unicode form");
  }

  @Test
  void linksOutOfTheRoot_loops_andDotDotAfterALink_areRefused_withoutHostPaths()
      throws IOException {
    Files.createSymbolicLink(root.resolve("data/public/out"), tmp.resolve("outside.txt"));
    Files.createSymbolicLink(root.resolve("data/public/up"), Path.of("../../../outside.txt"));
    Files.createSymbolicLink(root.resolve("data/public/loop1"), Path.of("loop2"));
    Files.createSymbolicLink(root.resolve("data/public/loop2"), Path.of("loop1"));
    Files.createSymbolicLink(root.resolve("data/public/deep"), root.resolve("data/secret"));

    assertThat(refusal(read(fs(), "/data/public/out")))
        .isEqualTo(
            "the path /data/public/out leads through a symbolic link out of the upstream's root");
    assertThat(refusal(read(fs(), "/data/public/up"))).contains("out of the upstream's root");
    assertThat(refusal(read(fs(), "/data/public/loop1/x"))).contains("more than 40 symbolic links");
    // On disk deep/.. is data/, lexically it is data/public: two different places.
    assertThat(refusal(read(fs(), "/data/public/deep/../ok.txt"))).contains("names two places");
  }

  @Test
  void absoluteTargets_areReadInTheUpstreamsNamespace_whenTheHostRootDiffers() throws IOException {
    // The upstream sees the host's root directory as /srv (a container's volume).
    Files.createSymbolicLink(root.resolve("data/public/inside"), Path.of("/srv/data/secret"));
    Files.createSymbolicLink(root.resolve("data/public/escape"), Path.of("/elsewhere/passwd"));
    Upstream container = fs("/srv", root.toString());
    assertThat(more(read(container, "/data/public/inside/salaries.csv")))
        .containsExactly("/data/secret/salaries.csv");
    assertThat(refusal(read(container, "/data/public/escape")))
        .contains("out of the upstream's root");
  }

  @Test
  void aRootThatIsNotADirectory_refusesEveryPath_andNoHostRootResolvesNothing() throws IOException {
    Files.createSymbolicLink(root.resolve("data/public/report.txt"), Path.of("../secret/x"));
    assertThat(refusal(read(fs("/srv", tmp.resolve("missing").toString()), "/data/public/ok.txt")))
        .contains("its root is not a directory");
    Mapped mapped =
        new Mapped(
            CALL, new Request(null, "fs", "read_text_file", "/data/public/report.txt", null, null));
    assertThat(ResolvedPaths.resolve(fs(root.toString(), null), mapped)).isSameAs(mapped);
  }

  @Test
  void aRefusalOfTheMapping_passesThrough() {
    Refused refused = new Refused("tool 'x' is not enabled on fs");
    assertThat(ResolvedPaths.resolve(fs(), refused)).isSameAs(refused);
  }
}
