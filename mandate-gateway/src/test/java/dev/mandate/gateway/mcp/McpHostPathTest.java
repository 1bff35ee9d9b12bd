package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.testkit.AuthorityApi.Minted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Status honesty (issue 10, class 8): no refusal the gateway gives, and no error the real npm
 * filesystem server answers through it, names the upstream's root as it is on the host. The root
 * lies under a directory with a distinctive name, reached through a symbolic link, so both the path
 * the gateway was configured with and its real path are looked for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpHostPathTest {
  private static final String INITIALIZED =
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
  private static final String MARKER = "host-Root-q7Zx";

  @TempDir static Path tmp;
  private McpStack bed;
  private Path alias;
  private Minted minted;
  private RawMcp raw;
  private String session;
  private int id = 10;

  @BeforeAll
  void start() throws Exception {
    Path real = Files.createDirectories(tmp.resolve(MARKER));
    alias = Files.createSymbolicLink(tmp.resolve("alias"), real);
    bed = McpStack.start(alias);
    assertThat(bed.files.toString()).contains(MARKER);
    Files.writeString(tmp.resolve("outside.txt"), "outside the root");
    Files.createSymbolicLink(
        bed.files.resolve("data/inbox/escape.txt"), tmp.resolve("outside.txt"));
    Files.writeString(bed.files.resolve("data/inbox/note.txt"), "a note");
    minted =
        bed.mint(
            "fs:read_text_file:/data/**",
            "fs:list_directory:/data/**",
            "fs:read_multiple_files:/data/**",
            "fs:move_file:/data/inbox/**",
            "fs:write_file:/data/inbox/**");
    raw = new RawMcp(bed.gateway.url(), "/mcp/fs", "127.0.0.1");
    RawMcp.Answer init = raw.initialize(minted.token(), "{}");
    assertThat(init.session()).as(init.body()).isNotNull();
    session = init.session();
    assertThat(raw.post(minted.token(), session, INITIALIZED).status()).isEqualTo(202);
  }

  @AfterAll
  void stop() throws Exception {
    if (session != null) {
      raw.delete(minted.token(), session);
    }
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void noRefusalOrUpstreamError_namesTheHostRoot() throws Exception {
    String root = bed.files.toString();
    String longName = "a".repeat(5000);
    Map<String, ObjectNode> calls = new LinkedHashMap<>();
    calls.put("dot-dot out of the root", call("read_text_file", "path", root + "/data/../../x"));
    calls.put("dot-dot to the root's parent", call("read_text_file", "path", root + "/.."));
    calls.put(
        "encoded separator", call("read_text_file", "path", root + "/data/..%2f..%2foutside.txt"));
    calls.put(
        "a link out of the root", call("read_text_file", "path", root + "/data/inbox/escape.txt"));
    calls.put("outside the grant", call("read_text_file", "path", root + "/public/x.txt"));
    calls.put("outside the root", call("read_text_file", "path", tmp + "/outside.txt"));
    calls.put("a relative path", call("read_text_file", "path", "data/inbox/note.txt"));
    calls.put(
        "a write to a read-only grant",
        call("write_file", "path", root + "/data/invoices/x.txt", "content", "x"));
    calls.put("a missing argument", call("read_text_file", "other", "x"));
    calls.put("a too-long argument", call("read_text_file", "path", root + "/data/" + longName));
    calls.put(
        "a batch with one path outside the grant",
        batch(root + "/data/inbox/note.txt", root + "/public/x.txt"));
    calls.put(
        "an upstream error: a missing file",
        call("read_text_file", "path", root + "/data/inbox/missing.txt"));
    calls.put(
        "an upstream error: a missing directory",
        call("list_directory", "path", root + "/data/no-such-dir"));
    calls.put(
        "an upstream error: a write into a missing directory",
        call("write_file", "path", root + "/data/inbox/no-dir/x.txt", "content", "x"));
    calls.put(
        "an upstream error: moving a missing file",
        call(
            "move_file",
            "source",
            root + "/data/inbox/gone.txt",
            "destination",
            root + "/data/inbox/there.txt"));

    SoftAssertions softly = new SoftAssertions();
    for (Map.Entry<String, ObjectNode> c : calls.entrySet()) {
      RawMcp.Answer a = raw.post(minted.token(), session, message(c.getValue()));
      JsonNode reply = a.json();
      softly
          .assertThat(reply.has("error") || reply.at("/result/isError").asBoolean())
          .as("%s is refused: %s", c.getKey(), a.body())
          .isTrue();
      softly
          .assertThat(a.body())
          .as(c.getKey())
          .doesNotContain(MARKER)
          .doesNotContain(alias.toString())
          .doesNotContain(tmp.toRealPath().toString() + "/");
    }
    softly.assertAll();
    // The upstream's own words reach the agent, naming the file as the capability does.
    RawMcp.Answer missing =
        raw.post(
            minted.token(),
            session,
            message(call("read_text_file", "path", root + "/data/inbox/missing.txt")));
    assertThat(missing.json().at("/result/content/0/text").asText())
        .contains("ENOENT")
        .contains("'/data/inbox/missing.txt'");
  }

  /** A tools/call's params: the tool and its string arguments, given as name-value pairs. */
  private static ObjectNode call(String tool, String... namesAndValues) {
    ObjectNode params = McpStack.JSON.createObjectNode().put("name", tool);
    ObjectNode args = params.putObject("arguments");
    for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
      args.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return params;
  }

  private static ObjectNode batch(String... paths) {
    ObjectNode params = call("read_multiple_files");
    ((ObjectNode) params.get("arguments"))
        .putArray("paths")
        .addAll(
            java.util.Arrays.stream(paths).map(McpStack.JSON.getNodeFactory()::textNode).toList());
    return params;
  }

  private String message(ObjectNode params) {
    ObjectNode m = McpStack.JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id++);
    m.put("method", "tools/call").set("params", params);
    return m.toString();
  }
}
