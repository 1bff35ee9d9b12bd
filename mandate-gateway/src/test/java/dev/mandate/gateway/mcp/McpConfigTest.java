package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.mandate.gateway.mcp.McpConfig.Fixed;
import dev.mandate.gateway.mcp.McpConfig.FromArguments;
import dev.mandate.gateway.mcp.McpConfig.Http;
import dev.mandate.gateway.mcp.McpConfig.Stdio;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class McpConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path BASE = Path.of("/etc/mandate");

  private static McpConfig parse(String yaml) throws Exception {
    return parse(yaml, Map.of());
  }

  private static McpConfig parse(String yaml, Map<String, String> env) throws Exception {
    JsonNode node = YAML.readTree(yaml);
    return McpConfig.parse(node.get("mcp"), BASE, env);
  }

  @Test
  void parse_readsStdioAndHttpUpstreams_withDefaults() throws Exception {
    McpConfig c =
        parse(
            """
            mcp:
              upstreams:
                - service: fs
                  path: /mcp/fs
                  stdio:
                    command: node
                    args: [server.js, /srv/files]
                    env: {TOKEN: "${FS_TOKEN}"}
                    workingDir: work
                  tools:
                    read_text_file: {resource: {fromArg: path, root: /srv/files/}}
                    move_file: {resource: {fromArg: [source, destination], root: /srv/files}}
                    read_multiple_files: {resource: {fromArray: paths}}
                    echo:
                    status: {resource: {value: server}}
                - service: mail
                  path: /mcp/mail
                  http: {url: "https://mail.internal/mcp", headers: {Authorization: "Bearer ${MAIL}"}}
                  tools: {send: {}}
                  resources: true
            """,
            Map.of("FS_TOKEN", "t0ken", "MAIL", "m4il"));

    assertThat(c.pathPrefix()).isEqualTo("/mcp");
    assertThat(c.callTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.maxRequestBytes()).isEqualTo(1024 * 1024);
    McpConfig.Upstream fs = c.upstreams().get(0);
    Stdio stdio = (Stdio) fs.transport();
    assertThat(stdio.args()).containsExactly("server.js", "/srv/files");
    assertThat(stdio.workingDir()).isEqualTo(Path.of("/etc/mandate/work"));
    assertThat(stdio.env().get("TOKEN").revealForUse()).isEqualTo("t0ken");
    assertThat(fs.tools())
        .containsEntry("read_text_file", new FromArguments(List.of("path"), false, "/srv/files"))
        .containsEntry(
            "move_file", new FromArguments(List.of("source", "destination"), false, "/srv/files"))
        .containsEntry("read_multiple_files", new FromArguments(List.of("paths"), true, null))
        .containsEntry("echo", new Fixed(""))
        .containsEntry("status", new Fixed("server"));
    assertThat(fs.resources()).isFalse();
    McpConfig.Upstream mail = c.upstreams().get(1);
    assertThat(((Http) mail.transport()).headers().get("Authorization").revealForUse())
        .isEqualTo("Bearer m4il");
    assertThat(mail.resources()).isTrue();
    assertThat(c.toString()).doesNotContain("m4il").doesNotContain("t0ken");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown key | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {}}, tool: {}}]} | mcp.upstreams[0].tool is not a known key",
        "no transport | {upstreams: [{service: fs, path: /mcp/fs, tools: {a: {}}}]} | needs exactly one of stdio: or http:",
        "no tools | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}}]} | mcp.upstreams[0].tools is required",
        "bad service | {upstreams: [{service: 'f:s', path: /mcp/fs, stdio: {command: node}, tools: {a: {}}}]} | mcp.upstreams[0].service must be",
        "path outside prefix | {upstreams: [{service: fs, path: /fs, stdio: {command: node}, tools: {a: {}}}]} | must be under mcp.pathPrefix",
        "relative root | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {resource: {fromArg: path, root: srv}}}}]} | root must be an absolute, normalised directory",
        "dotted root | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {resource: {fromArg: path, root: /srv/../etc}}}}]} | root must be an absolute, normalised directory",
        "no argument names | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {resource: {fromArg: []}}}}]} | fromArg must name between 1 and 8 arguments",
        "argument named twice | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {resource: {fromArg: [p, p]}}}}]} | fromArg names 'p' twice",
        "argument name not a string | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {resource: {fromArg: [p, {x: 1}]}}}}]} | fromArg[1] must be a string",
        "both kinds | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {resource: {fromArg: p, fromArray: q}}}}]} | takes fromArg: (string arguments) or fromArray: (arrays), not both",
        "reserved tool | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {resources.read: {}}}]} | is reserved for resources/read",
        "bad duration | {callTimeout: soon, upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {}}}]} | mcp.callTimeout must be a positive duration",
        "missing env | {upstreams: [{service: fs, path: /mcp/fs, http: {url: 'http://x/mcp', headers: {A: '${NOPE}'}}, tools: {a: {}}}]} | uses ${NOPE}, which is not set",
        "ftp url | {upstreams: [{service: fs, path: /mcp/fs, http: {url: 'ftp://x/mcp'}, tools: {a: {}}}]} | must be an http:// or https:// URL",
      })
  void parse_refusesInvalidSections_namingTheKey(String name, String section, String message) {
    assertThatThrownBy(() -> parse("mcp: " + section))
        .isInstanceOf(McpConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void parse_refusesTheSamePathOrServiceTwice() {
    String twice =
        """
        mcp:
          upstreams:
            - {service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {}}}
            - {service: fs, path: /mcp/fs2, stdio: {command: node}, tools: {a: {}}}
        """;
    assertThatThrownBy(() -> parse(twice)).hasMessageContaining("'fs' is used twice");
  }
}
