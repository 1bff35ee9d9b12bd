package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.AuthorityApi.Minted;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Symbolic links inside a granted directory, through the real npm filesystem server (which follows
 * links that stay inside its allowed directory). The same server is mounted twice: {@code /mcp/fs}
 * as configured by default (links resolved on the gateway's host), and {@code /mcp/fs-unresolved}
 * with {@code hostRoot: none}, which shows what each call does when the gateway decides on the
 * named path only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpSymlinkTest {
  private static final String UNRESOLVED =
      """
          - service: fs-unresolved
            path: /mcp/fs-unresolved
            stdio: {command: node, args: [FS_SERVER, FILES]}
            tools:
              read_text_file: {resource: {fromArg: path, root: FILES, hostRoot: none}}
              write_file: {resource: {fromArg: path, root: FILES, hostRoot: none}}
              read_multiple_files: {resource: {fromArray: paths, root: FILES, hostRoot: none}}
      """;

  @TempDir static Path tmp;
  private McpStack bed;
  private Path granted;
  private Path hidden;
  private final List<McpSyncClient> clients = new ArrayList<>();

  /** One session per mount for the whole class: each session starts a filesystem server. */
  private Minted minted;

  private McpSyncClient fs;
  private McpSyncClient unresolved;

  @BeforeAll
  void start() throws Exception {
    bed = McpStack.start(tmp, UNRESOLVED);
    granted = Files.createDirectories(bed.files.resolve("data/links/granted"));
    hidden = Files.createDirectories(bed.files.resolve("data/links/hidden"));
    Files.writeString(granted.resolve("report.txt"), "granted report");
    Files.writeString(hidden.resolve("secret.txt"), "hidden: confidential");
    Files.writeString(hidden.resolve("victim.txt"), "hidden: intact");
    // A file link (relative target) and a directory link (absolute target) in the granted dir.
    Files.createSymbolicLink(granted.resolve("report-link.txt"), Path.of("../hidden/secret.txt"));
    Files.createSymbolicLink(granted.resolve("victim-link.txt"), Path.of("../hidden/victim.txt"));
    Files.createSymbolicLink(granted.resolve("shared"), hidden);
    minted = bed.mint(grants("fs"));
    fs = connect("/mcp/fs", minted.token());
    unresolved = connect("/mcp/fs-unresolved", bed.mint(grants("fs-unresolved")).token());
  }

  @AfterAll
  void stop() {
    clients.forEach(McpSyncClient::closeGracefully);
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void readThroughAFileLink_reachesTheHiddenFileWithoutResolution_andIsDeniedWithIt() {
    assertThat(text(unresolved.callTool(read("data/links/granted/report-link.txt"))))
        .contains("hidden: confidential");
    assertDenied(
        () -> fs.callTool(read("data/links/granted/report-link.txt")),
        "fs:read_text_file:/data/links/hidden/secret.txt is not covered");
    assertThat(text(fs.callTool(read("data/links/granted/report.txt")))).contains("granted report");
  }

  @Test
  void readThroughADirectoryLink_andABatchWithOneLink_areDenied() {
    assertThat(text(unresolved.callTool(read("data/links/granted/shared/secret.txt"))))
        .contains("hidden: confidential");
    assertDenied(
        () -> fs.callTool(read("data/links/granted/shared/secret.txt")),
        "/data/links/hidden/secret.txt is not covered");
    assertDenied(
        () ->
            fs.callTool(
                new CallToolRequest(
                    "read_multiple_files",
                    Map.of(
                        "paths",
                        List.of(
                            path("data/links/granted/report.txt"),
                            path("data/links/granted/shared/secret.txt"))))),
        "/data/links/hidden/secret.txt is not covered");
  }

  @Test
  void createThroughADirectoryLink_plantsAFileOutsideTheGrantWithoutResolution_notWithIt() {
    assertDenied(
        () -> fs.callTool(write("data/links/granted/shared/planted-1.txt", "x")),
        "fs:write_file:/data/links/hidden/planted-1.txt is not covered");
    assertThat(hidden.resolve("planted-1.txt")).doesNotExist();

    CallToolResult r = unresolved.callTool(write("data/links/granted/shared/planted-2.txt", "x"));
    assertThat(r.isError()).as(text(r)).isNotEqualTo(Boolean.TRUE);
    assertThat(hidden.resolve("planted-2.txt")).hasContent("x");
  }

  @Test
  void overwriteThroughAFileLink_changesTheHiddenFileWithoutResolution_notWithIt()
      throws Exception {
    assertDenied(() -> fs.callTool(write("data/links/granted/victim-link.txt", "overwritten")));
    assertThat(hidden.resolve("victim.txt")).hasContent("hidden: intact");
    // The audit record names where the link leads, as a resource relative to the root.
    JsonNode denial =
        bed.awaitDecision(
            minted.tokenId(),
            d ->
                d.at("/detail/decision").asText().equals("deny")
                    && d.at("/detail/resource")
                        .asText()
                        .equals("/data/links/granted/victim-link.txt"));
    assertThat(denial.at("/detail/action").asText()).isEqualTo("write_file");
    assertThat(denial.at("/detail/moreResources"))
        .extracting(JsonNode::asText)
        .containsExactly("/data/links/hidden/victim.txt");
    assertThat(denial.toString()).doesNotContain(bed.files.toString());

    unresolved.callTool(write("data/links/granted/victim-link.txt", "overwritten"));
    assertThat(hidden.resolve("victim.txt")).hasContent("overwritten");
  }

  @Test
  void aLinkThatLeavesTheRoot_isRefusedWithAGrantRelativeReason() throws Exception {
    Files.writeString(tmp.resolve("outside.txt"), "outside the root");
    Files.createSymbolicLink(granted.resolve("escape.txt"), tmp.resolve("outside.txt"));
    Throwable denied =
        catchDenied(
            () -> fs.callTool(read("data/links/granted/escape.txt")),
            "the path /data/links/granted/escape.txt leads through a symbolic link out of the"
                + " upstream's root");
    assertThat(denied.getMessage()).doesNotContain(bed.files.toString());
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static String[] grants(String service) {
    return new String[] {
      service + ":read_text_file:/data/links/granted/**",
      service + ":write_file:/data/links/granted/**",
      service + ":read_multiple_files:/data/links/granted/**"
    };
  }

  private McpSyncClient connect(String path, String token) {
    HttpClientStreamableHttpTransport transport =
        HttpClientStreamableHttpTransport.builder(bed.gateway.url())
            .endpoint(path)
            .httpRequestCustomizer(
                (builder, method, uri, body, context) ->
                    builder.header("Authorization", "Bearer " + token))
            .build();
    McpSyncClient client =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(20))
            .initializationTimeout(Duration.ofSeconds(20))
            .build();
    clients.add(client);
    client.initialize();
    return client;
  }

  private String path(String relative) {
    return bed.files + "/" + relative;
  }

  private CallToolRequest read(String relative) {
    return new CallToolRequest("read_text_file", Map.of("path", path(relative)));
  }

  private CallToolRequest write(String relative, String content) {
    return new CallToolRequest("write_file", Map.of("path", path(relative), "content", content));
  }

  private static String text(CallToolResult r) {
    StringBuilder out = new StringBuilder();
    r.content().forEach(c -> out.append(c instanceof TextContent t ? t.text() : ""));
    return out.toString();
  }

  private static void assertDenied(Runnable call) {
    catchDenied(call, "");
  }

  private static void assertDenied(Runnable call, String reasonContains) {
    catchDenied(call, reasonContains);
  }

  private static Throwable catchDenied(Runnable call, String reasonContains) {
    List<Throwable> caught = new ArrayList<>();
    assertThatThrownBy(call::run)
        .isInstanceOf(McpError.class)
        .hasMessageContaining("denied by Mandate")
        .hasMessageContaining(reasonContains)
        .satisfies(caught::add);
    return caught.get(0);
  }
}
