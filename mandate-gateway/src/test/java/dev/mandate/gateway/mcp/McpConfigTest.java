package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayConfigException;
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
  private static final Path SOURCE = Path.of("/etc/mandate/gateway.yaml");

  /** The gateway settings an {@code mcp:} section needs beside it. */
  private static final String GATEWAY =
      """
      audience: gw-1
      authority: {url: "http://127.0.0.1:7700", clientId: gateway-1, clientSecretEnv: GW_SECRET}
      spool: {dir: spool}
      """;

  private static McpConfig parse(String yaml) {
    return parse(yaml, Map.of());
  }

  private static McpConfig parse(String yaml, Map<String, String> env) {
    Map<String, String> withSecret = new java.util.HashMap<>(env);
    withSecret.put("GW_SECRET", "s3cret");
    return GatewayConfig.parse(GATEWAY + yaml, SOURCE, withSecret).mcp();
  }

  @Test
  void parse_readsStdioAndHttpUpstreams_withDefaults() {
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
    assertThat(c.startTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.maxRequestBytes()).isEqualTo(1024 * 1024);
    McpConfig.Upstream fs = c.upstreams().get(0);
    Stdio stdio = (Stdio) fs.transport();
    assertThat(stdio.args()).containsExactly("server.js", "/srv/files");
    assertThat(stdio.workingDir()).isEqualTo(Path.of("/etc/mandate/work"));
    assertThat(stdio.env().get("TOKEN").revealForUse()).isEqualTo("t0ken");
    assertThat(fs.tools())
        .containsEntry(
            "read_text_file", new FromArguments(List.of("path"), false, "/srv/files", "/srv/files"))
        .containsEntry(
            "move_file",
            new FromArguments(List.of("source", "destination"), false, "/srv/files", "/srv/files"))
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
        "unknown key | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {}}, tool: {}}]} | unknown key 'tool' in mcp.upstreams[0]",
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
        "bad duration | {callTimeout: soon, upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {}}}]} | mcp.callTimeout 'soon' is not a duration",
        "missing env | {upstreams: [{service: fs, path: /mcp/fs, http: {url: 'http://x/mcp', headers: {A: '${NOPE}'}}, tools: {a: {}}}]} | uses ${NOPE}, which is not set",
        "ftp url | {upstreams: [{service: fs, path: /mcp/fs, http: {url: 'ftp://x/mcp'}, tools: {a: {}}}]} | must be an http:// or https:// URL",
        "host root without root | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {resource: {fromArg: p, hostRoot: /x}}}}]} | hostRoot needs a root",
        "relative host root | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {resource: {fromArg: p, root: /srv, hostRoot: x}}}}]} | hostRoot must be none or an absolute, normalised directory",
        "host root with a value | {upstreams: [{service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {resource: {value: v, hostRoot: /x}}}}]} | takes either value:",
      })
  void parse_refusesInvalidSections_namingTheKey(String name, String section, String message) {
    assertThatThrownBy(() -> parse("mcp: " + section))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void hostRoot_defaultsToTheRootForStdio_toNoneForHttp_andCanBeSetOrTurnedOff() throws Exception {
    McpConfig c =
        parse(
            """
            mcp:
              upstreams:
                - service: fs
                  path: /mcp/fs
                  stdio: {command: node}
                  tools:
                    local: {resource: {fromArg: p, root: /srv/files}}
                    whole: {resource: {fromArg: p, root: /}}
                    volume: {resource: {fromArg: p, root: /data, hostRoot: /var/lib/fs/}}
                    remote: {resource: {fromArg: p, root: /srv/files, hostRoot: none}}
                - service: web
                  path: /mcp/web
                  http: {url: "http://127.0.0.1:1/mcp"}
                  tools:
                    unseen: {resource: {fromArg: p, root: /srv}}
                    shared: {resource: {fromArg: p, root: /srv, hostRoot: /mnt/srv}}
            """);
    Map<String, McpConfig.ResourceRule> fs = c.upstreams().get(0).tools();
    assertThat(((FromArguments) fs.get("local")).hostRoot()).isEqualTo("/srv/files");
    assertThat(((FromArguments) fs.get("whole")).hostRoot()).isEqualTo("/");
    assertThat(((FromArguments) fs.get("volume")).hostRoot()).isEqualTo("/var/lib/fs");
    assertThat(((FromArguments) fs.get("remote")).hostRoot()).isNull();
    Map<String, McpConfig.ResourceRule> web = c.upstreams().get(1).tools();
    assertThat(((FromArguments) web.get("unseen")).hostRoot()).isNull();
    assertThat(((FromArguments) web.get("shared")).hostRoot()).isEqualTo("/mnt/srv");
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

  @Test
  void parse_reportsEveryProblemInTheSection_together_withLines() {
    String section =
        """
        mcp:
          callTimeout: soon
          upstreams:
            - service: 'f:s'
              path: /mcp/fs
              stdio: [node]
              tools: {a: {resource: {fromArg: [p, p]}}}
            - service: mail
              path: /elsewhere/mail
              http: {url: 'ftp://x/mcp'}
              tools: {prompts.get: {}}
        """;
    assertThatThrownBy(() -> parse(section))
        .isInstanceOf(GatewayConfigException.class)
        .hasMessageStartingWith("/etc/mandate/gateway.yaml: 7 problems:\n")
        .hasMessageContaining("\n  - line 5, column 3: mcp.callTimeout 'soon' is not a duration")
        .hasMessageContaining("\n  - line 7, column 7: mcp.upstreams[0].service must be 1 to 64")
        .hasMessageContaining("\n  - line 9, column 7: mcp.upstreams[0].stdio must be a map")
        .hasMessageContaining(
            "\n  - line 10, column 30: mcp.upstreams[0].tools.a.resource.fromArg names 'p' twice")
        .hasMessageContaining(
            "\n  - line 12, column 7: mcp.upstreams[1].path must be under mcp.pathPrefix /mcp/")
        .hasMessageContaining(
            "\n  - line 13, column 14: mcp.upstreams[1].http.url must be an http:// or https://")
        .hasMessageContaining(
            "\n  - line 14, column 15: mcp.upstreams[1].tools.prompts.get is reserved for"
                + " prompts/get");
  }

  @Test
  void parse_takesNumbersAndBooleansAsText_whereTextIsExpected() {
    McpConfig c =
        parse(
            """
            mcp:
              upstreams:
                - service: fs
                  path: /mcp/fs
                  stdio: {command: node, args: [server.js, --port, 8080, --verbose, true]}
                  tools: {a: {resource: {value: 42}}}
            """);
    assertThat(((Stdio) c.upstreams().get(0).transport()).args())
        .containsExactly("server.js", "--port", "8080", "--verbose", "true");
    assertThat(c.upstreams().get(0).tools()).containsEntry("a", new Fixed("42"));
  }

  @Test
  void parse_refusesTextWhereANumberOrABooleanIsExpected() {
    assertThatThrownBy(
            () ->
                parse(
                    """
                    mcp:
                      upstreams:
                        - {service: fs, path: /mcp/fs, stdio: {command: node}, tools: {a: {}},
                           maxSessions: "16", prompts: "yes"}
                    """))
        .hasMessageContaining("mcp.upstreams[0].maxSessions must be a whole number")
        .hasMessageContaining("mcp.upstreams[0].prompts must be true or false");
  }

  @Test
  void parse_readsSessionSharesRootsAndAllowedMethods_withSafeDefaults() {
    McpConfig c =
        parse(
            """
            mcp:
              upstreams:
                - service: fs
                  path: /mcp/fs
                  stdio: {command: node}
                  tools: {a: {}}
                  maxSessions: 32
                  maxSessionsPerOwner: 2
                  maxSessionsPerClient: 6
                  roots: [{uri: "file:///srv/data", name: data}, {uri: "file:///srv/tmp"}]
                  allowMethods: [x/stats]
                - service: mail
                  path: /mcp/mail
                  stdio: {command: node}
                  tools: {send: {}}
            """);

    McpConfig.Upstream fs = c.upstreams().get(0);
    assertThat(fs.maxSessionsPerOwner()).isEqualTo(2);
    assertThat(fs.maxSessionsPerClient()).isEqualTo(6);
    assertThat(fs.roots())
        .containsExactly(
            new McpConfig.Root("file:///srv/data", "data"),
            new McpConfig.Root("file:///srv/tmp", null));
    assertThat(fs.allowMethods()).containsExactly("x/stats");
    McpConfig.Upstream mail = c.upstreams().get(1);
    assertThat(mail.maxSessions()).isEqualTo(16);
    assertThat(mail.maxSessionsPerOwner()).isEqualTo(4);
    assertThat(mail.maxSessionsPerClient()).isEqualTo(8);
    assertThat(mail.roots()).isEmpty();
    assertThat(mail.allowMethods()).isEmpty();
  }

  @Test
  void parse_refusesSharesAboveTheTotal_rootsWithoutScheme_andOddMethodNames() {
    assertThatThrownBy(
            () ->
                parse(
                    """
                    mcp:
                      upstreams:
                        - service: fs
                          path: /mcp/fs
                          stdio: {command: node}
                          tools: {a: {}}
                          maxSessions: 4
                          maxSessionsPerOwner: 5
                          maxSessionsPerClient: 0
                          roots: [{uri: /srv/data}, {name: nameless}]
                          allowMethods: ["x stats"]
                    """))
        .hasMessageContaining(
            "mcp.upstreams[0].maxSessionsPerOwner must be between 1 and maxSessions (4); got 5")
        .hasMessageContaining("mcp.upstreams[0].maxSessionsPerClient must be between 1")
        .hasMessageContaining("mcp.upstreams[0].roots[0].uri must be an absolute URI")
        .hasMessageContaining("mcp.upstreams[0].roots[1].uri is required")
        .hasMessageContaining("mcp.upstreams[0].allowMethods[0] must be a JSON-RPC method name");
  }

  @Test
  void parse_readsRevisionsAndToolDenials_defaultingToSessionsAndTheRevisionsForm() {
    McpConfig c =
        parse(
            """
            mcp:
              upstreams:
                - service: bank
                  path: /mcp/bank
                  http: {url: "http://127.0.0.1:9/mcp"}
                  tools: {a: {}}
                  revisions: [2025-11-25, 2026-07-28]
                  toolDenials: error
                - service: mail
                  path: /mcp/mail
                  stdio: {command: node}
                  tools: {send: {}}
            """);

    McpConfig.Upstream bank = c.upstreams().get(0);
    assertThat(bank.revisions()).containsExactlyInAnyOrder("2025-11-25", "2026-07-28");
    assertThat(bank.speaksStateless()).isTrue();
    assertThat(bank.toolDenials()).isEqualTo(McpConfig.ToolDenials.ERROR);
    assertThat(bank.toolDenials().asResult(true)).isFalse();
    McpConfig.Upstream mail = c.upstreams().get(1);
    assertThat(mail.revisions()).containsExactly("2025-11-25");
    assertThat(mail.speaksStateless()).isFalse();
    assertThat(mail.toolDenials().asResult(true)).isTrue();
    assertThat(mail.toolDenials().asResult(false)).isFalse();
  }

  @Test
  void parse_refusesUnknownRevisions_statelessStdio_andOtherToolDenials() {
    assertThatThrownBy(
            () ->
                parse(
                    """
                    mcp:
                      upstreams:
                        - service: fs
                          path: /mcp/fs
                          stdio: {command: node}
                          tools: {a: {}}
                          revisions: [2026-07-28, 2024-01-01]
                          toolDenials: silent
                        - service: mail
                          path: /mcp/mail
                          http: {url: "http://127.0.0.1:9/mcp"}
                          tools: {a: {}}
                          revisions: []
                    """))
        .hasMessageContaining("mcp.upstreams[0].revisions[0] needs an http upstream")
        .hasMessageContaining(
            "mcp.upstreams[0].revisions[1] must be 2025-11-25 or 2026-07-28; got '2024-01-01'")
        .hasMessageContaining("mcp.upstreams[0].toolDenials must be result or error")
        .hasMessageContaining("mcp.upstreams[1].revisions must name at least one revision");
  }
}
