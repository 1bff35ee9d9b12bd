package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Constraint;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Capability;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP request semantics an upstream reads differently from the gateway, against an upstream that
 * behaves as common web frameworks do ({@link FrameworkUpstream}). Each attack is sent to the
 * upstream directly first, to show that it would act on it, then through the gateway, which refuses
 * or neutralises it while it forwards the same request without the attack.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpRequestSemanticsTest {
  private static final String OK = "ok@example.com";
  private static final String EVIL = "evil@evil.com";

  @TempDir static Path tmp;
  private Stack authority;
  private FrameworkUpstream upstream;
  private GatewayServer gateway;

  @BeforeAll
  void start() throws Exception {
    authority = ProxySetup.sharedStack();
    upstream = new FrameworkUpstream();
    String yaml =
        """
        listen: {host: 127.0.0.1, port: 0}
        audience: %s
        authority: {url: %s, clientId: gateway, clientSecretEnv: GW_SECRET}
        spool: {dir: %s}
        limits: {upstreamTimeout: 5s}
        shutdownTimeout: 1s
        http:
          upstreams:
            app:
              url: %s
              service: api
              headers: {Authorization: "Bearer ${UPSTREAM_TOKEN}"}
          routes:
            - {match: "GET /notes/{id}", upstream: app, action: read_note, resource: "/notes/{id}"}
            - {match: "GET /public/{page}", upstream: app, action: read_public, resource: "/public/{page}"}
            - match: POST /mail
              upstream: app
              action: send_mail
              resource: /mail
              contentTypes: [application/json, application/x-www-form-urlencoded]
            - {match: "GET /echo", upstream: app, action: echo}
            - {match: "GET /echo-stream", upstream: app, action: echo, resource: /echo}
        """
            .formatted(ProxySetup.AUDIENCE, authority.url(), tmp.resolve("spool"), upstream.url());
    gateway = GatewayServer.start(ProxySetup.parse(yaml, authority), Clock.systemUTC(), List.of());
  }

  @AfterAll
  void stop() {
    gateway.close();
    upstream.close();
  }

  // ---- class 4: method and URL overrides ----------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"})
  void methodOverrideHeaders_turnAnAllowedGetIntoADelete_atTheUpstream_andAreRefused(
      String header) {
    String token = ProxySetup.mint(authority, "api:read_note:/notes/**", null);
    Map<String, String> override = Map.of(header, "DELETE");

    assertThat(direct("GET", "/notes/1", override, null, null).json().get("method").asText())
        .isEqualTo("DELETE");
    Reply plain = call("GET", "/notes/1", token, Map.of(), null, null);
    assertThat(plain.status()).as(plain.body()).isEqualTo(200);
    assertThat(plain.json().get("method").asText()).isEqualTo("GET");
    Reply attack = call("GET", "/notes/1", token, override, null, null);
    assertThat(attack.status()).isEqualTo(400);
    assertThat(attack.json().get("detail").asText())
        .contains(header, "overrides the request's method");
  }

  @Test
  void methodOverrideParameter_isRefused_inTheQueryAndInAFormBody() {
    String token = ProxySetup.mint(authority, "api:send_mail:/mail", null);
    String form = "application/x-www-form-urlencoded";

    assertThat(
            direct("POST", "/mail?_method=DELETE", Map.of(), null, null)
                .json()
                .get("method")
                .asText())
        .isEqualTo("DELETE");
    assertThat(
            direct("POST", "/mail", Map.of(), form, "_method=DELETE").json().get("method").asText())
        .isEqualTo("DELETE");
    assertThat(call("POST", "/mail", token, Map.of(), null, null).status()).isEqualTo(200);
    Reply query = call("POST", "/mail?_method=DELETE", token, Map.of(), null, null);
    assertThat(query.status()).isEqualTo(400);
    assertThat(query.json().get("detail").asText()).contains("'_method' overrides");
    assertThat(call("POST", "/mail", token, Map.of(), form, "_method=DELETE").status())
        .isEqualTo(400);
  }

  @ParameterizedTest
  @ValueSource(strings = {"X-Original-URL", "X-Rewrite-URL"})
  void urlOverrideHeaders_sendAnAllowedPathElsewhere_atTheUpstream_andAreRefused(String header) {
    String token = ProxySetup.mint(authority, "api:read_public:/public/**", null);
    Map<String, String> override = Map.of(header, "/admin/users");

    assertThat(direct("GET", "/public/home", override, null, null).json().get("path").asText())
        .isEqualTo("/admin/users");
    Reply plain = call("GET", "/public/home", token, Map.of(), null, null);
    assertThat(plain.json().get("path").asText()).isEqualTo("/public/home");
    Reply attack = call("GET", "/public/home", token, override, null, null);
    assertThat(attack.status()).isEqualTo(400);
    assertThat(attack.json().get("detail").asText())
        .contains(header, "overrides the request's URL");
  }

  @Test
  void pathParametersWithSemicolons_areNotRouted() {
    // Tomcat and Spring strip ";..." from a segment before routing: "..;" climbs like "..".
    String token = ProxySetup.mint(authority, "api:read_note:/notes/**", null);
    for (String path : List.of("/notes/..;", "/notes/1;x=2", "/notes/..%3B")) {
      Reply r = call("GET", path, token, Map.of(), null, null);
      assertThat(r.status()).as(path).isIn(400, 404);
      assertThat(r.body()).as(path).doesNotContain("\"method\"");
    }
  }

  // ---- class 4: arguments the upstream reads as a checked one -------------------------------

  /** A capability to send mail to example.com addresses only. */
  private String mailToExampleCom() {
    return Capability.decode(ProxySetup.mint(authority, "api:send_mail:/mail", null))
        .attenuate()
        .constrain("/to", new Constraint.Glob("*@example.com"))
        .sign()
        .toText();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "letter case | to=" + OK + "&To=" + EVIL + " | could be read as the checked argument 'to'",
        "array syntax | to=" + OK + "&to%5B%5D=" + EVIL + " | could be read as the checked",
        "repeated name | to=" + OK + "&to=" + EVIL + " | is checked and given more than once",
        "double encoding | to=" + OK + "&%2574o=" + EVIL + " | could be read as the checked",
        "semicolon | to=" + EVIL + ";x=@example.com | holds ';'",
      })
  void queryAliasesOfACheckedArgument_reachTheUpstream_andAreRefused(
      String name, String query, String reason) {
    String token = mailToExampleCom();

    assertThat(
            direct("POST", "/mail?" + query, Map.of(), null, null).json().at("/params/to").asText())
        .isEqualTo(EVIL);
    Reply plain = call("POST", "/mail?to=" + OK, token, Map.of(), null, null);
    assertThat(plain.status()).as(plain.body()).isEqualTo(200);
    assertThat(plain.json().at("/params/to").asText()).isEqualTo(OK);
    Reply attack = call("POST", "/mail?" + query, token, Map.of(), null, null);
    assertThat(attack.status()).as(attack.body()).isEqualTo(400);
    assertThat(attack.json().get("detail").asText()).contains(reason);
  }

  @Test
  void aJsonKeyInAnotherLetterCase_andAQueryValueTheBodyReplaces_areRefused() {
    String token = mailToExampleCom();
    String json = "application/json";
    String twoKeys = "{\"to\":\"" + OK + "\",\"TO\":\"" + EVIL + "\"}";

    assertThat(direct("POST", "/mail", Map.of(), json, twoKeys).json().at("/params/to").asText())
        .isEqualTo(EVIL);
    assertThat(call("POST", "/mail", token, Map.of(), json, "{\"to\":\"" + OK + "\"}").status())
        .isEqualTo(200);
    Reply attack = call("POST", "/mail", token, Map.of(), json, twoKeys);
    assertThat(attack.status()).isEqualTo(400);
    assertThat(attack.json().get("detail").asText()).contains("'TO' could be read");

    String form = "application/x-www-form-urlencoded";
    assertThat(
            direct("POST", "/mail?to=" + OK, Map.of(), form, "to=" + EVIL)
                .json()
                .at("/params/to")
                .asText())
        .isEqualTo(EVIL);
    Reply both = call("POST", "/mail?to=" + OK, token, Map.of(), form, "to=" + EVIL);
    assertThat(both.status()).isEqualTo(400);
    assertThat(both.json().get("detail").asText()).contains("given twice");
  }

  @Test
  void formBodyFields_areArguments_soTheCaveatAppliesToThem() {
    String token = mailToExampleCom();
    String form = "application/x-www-form-urlencoded";

    Reply ok = call("POST", "/mail", token, Map.of(), form, "to=" + OK + "&subject=hi");
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(ok.json().get("body").asText()).isEqualTo("to=" + OK + "&subject=hi");
    Reply evil = call("POST", "/mail", token, Map.of(), form, "to=" + EVIL);
    assertThat(evil.status()).isEqualTo(403);
    assertThat(evil.json().get("code").asText()).isEqualTo("ARGUMENT");
  }

  // ---- class 4: media types -----------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "text/plain | this route takes [application/json, application/x-www-form-urlencoded]",
        "application/jsonx | not application/jsonx",
        "application/json; charset=utf-16 | the charset must be utf-8",
        "application/json;x | not a well-formed media type",
      })
  void bodiesOfTypesTheGatewayDoesNotRead_reachTheUpstreamAsArguments_andAre415(
      String type, String reason) {
    String token = mailToExampleCom();
    String body = "{\"to\":\"" + EVIL + "\"}";

    assertThat(
            direct("POST", "/mail?to=" + OK, Map.of(), type, body).json().at("/params/to").asText())
        .isEqualTo(EVIL);
    Reply attack = call("POST", "/mail?to=" + OK, token, Map.of(), type, body);
    assertThat(attack.status()).as(attack.body()).isEqualTo(415);
    assertThat(attack.json().get("code").asText()).isEqualTo("unsupported_media_type");
    assertThat(attack.json().get("detail").asText()).contains(reason);
  }

  @Test
  void aBodyWithoutContentType_is415() {
    Reply r =
        Http.send(
            HttpRequest.newBuilder(URI.create(gateway.url() + "/mail?to=" + OK))
                .header("Authorization", "Bearer " + mailToExampleCom())
                .POST(HttpRequest.BodyPublishers.ofString("{\"to\":\"" + EVIL + "\"}")));
    assertThat(r.status()).isEqualTo(415);
    assertThat(r.json().get("detail").asText()).startsWith("a request body needs a Content-Type");
  }

  // ---- class 4: forwarding headers ----------------------------------------------------------

  @Test
  void clientForwardingHeaders_foolTheUpstream_andAreReplacedByTheGatewaysOwn() {
    String token = ProxySetup.mint(authority, "api:read_note:/notes/**", null);
    Map<String, String> spoofed =
        Map.of(
            "X-Forwarded-For", "10.9.9.9",
            "X-Forwarded-Host", "evil.example",
            "X-Forwarded-Proto", "https",
            "Forwarded", "for=10.9.9.9;host=evil.example",
            "X-Real-IP", "10.9.9.9");

    JsonNode fooled = direct("GET", "/notes/1", spoofed, null, null).json();
    assertThat(fooled.get("clientIp").asText()).isEqualTo("10.9.9.9");
    assertThat(fooled.get("host").asText()).isEqualTo("evil.example");

    Reply r = call("GET", "/notes/1", token, spoofed, null, null);
    assertThat(r.status()).isEqualTo(200);
    JsonNode echo = r.json();
    String gatewayHost = URI.create(gateway.url()).getAuthority();
    assertThat(echo.get("clientIp").asText()).isEqualTo("127.0.0.1");
    assertThat(echo.get("host").asText()).isEqualTo(gatewayHost);
    JsonNode headers = echo.get("headers");
    assertThat(headers.get("forwarded").asText())
        .isEqualTo("for=127.0.0.1;proto=http;host=\"" + gatewayHost + "\"");
    assertThat(headers.get("x-forwarded-for").asText()).isEqualTo("127.0.0.1");
    assertThat(headers.get("x-forwarded-proto").asText()).isEqualTo("http");
    assertThat(headers.has("x-real-ip")).isFalse();
  }

  // ---- class 5: the upstream's credentials in its answers -----------------------------------

  @Test
  void anUpstreamEchoingItsRequest_cannotHandTheAgentTheInjectedCredential() {
    String token = ProxySetup.mint(authority, "api:echo:/echo", null);
    String credential = "Bearer " + ProxySetup.UPSTREAM_SECRET;

    Reply r = call("GET", "/echo", token, Map.of(), null, null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("authorizationSha256").asText())
        .as("the upstream got the credential")
        .isEqualTo(ProxySetup.sha256(credential));
    assertThat(r.body()).doesNotContain(ProxySetup.UPSTREAM_SECRET);
    assertThat(r.json().at("/headers/authorization").asText())
        .isEqualTo(SecretRedaction.REPLACEMENT);
    assertThat(r.headers().firstValue("X-Echo-Authorization"))
        .hasValue(SecretRedaction.REPLACEMENT);

    Reply streamed = call("GET", "/echo-stream", token, Map.of(), null, null);
    assertThat(streamed.status()).isEqualTo(200);
    assertThat(streamed.body())
        .isEqualTo(
            "auth="
                + SecretRedaction.REPLACEMENT
                + "; bare="
                + SecretRedaction.REPLACEMENT
                + "; url="
                + SecretRedaction.REPLACEMENT
                + "; end");
  }

  // ---- helpers ------------------------------------------------------------------------------

  private Reply call(
      String method,
      String pathAndQuery,
      String token,
      Map<String, String> headers,
      String contentType,
      String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url() + pathAndQuery));
    b.header("Authorization", "Bearer " + token);
    return send(b, method, headers, contentType, body);
  }

  private Reply direct(
      String method,
      String pathAndQuery,
      Map<String, String> headers,
      String contentType,
      String body) {
    return send(
        HttpRequest.newBuilder(URI.create(upstream.url() + pathAndQuery)),
        method,
        headers,
        contentType,
        body);
  }

  private static Reply send(
      HttpRequest.Builder b,
      String method,
      Map<String, String> headers,
      String contentType,
      String body) {
    headers.forEach(b::header);
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return Http.send(b);
  }

  /**
   * An upstream that reads requests the way common web frameworks do, and echoes what it made of
   * them as JSON ({@code method}, {@code path}, {@code params}, {@code clientIp}, {@code host},
   * {@code headers}, {@code body}):
   *
   * <ul>
   *   <li>the method is replaced by {@code X-HTTP-Method-Override}, {@code X-HTTP-Method} or {@code
   *       X-Method-Override} (Express method-override, Symfony, OData), or on a POST by a {@code
   *       _method} parameter (Rails, Laravel);
   *   <li>the path is replaced by {@code X-Original-URL} or {@code X-Rewrite-URL} (Symfony, IIS);
   *   <li>parameters are the query's, then the body's, the body winning (Laravel's {@code input});
   *       names are percent-decoded twice, bound regardless of letter case (ASP.NET), {@code a[]}
   *       and {@code a[0]} bind to {@code a} (PHP, qs), pairs split on {@code &} and {@code ;}
   *       (older Rack), and the last of a repeated name wins (PHP);
   *   <li>a body is JSON if its type mentions json or it looks like JSON (lenient body parsers), a
   *       form if its type mentions form;
   *   <li>the client's address and host come from {@code X-Forwarded-For} and {@code
   *       X-Forwarded-Host} (a framework that trusts its proxy).
   * </ul>
   *
   * {@code /echo} also puts the {@code Authorization} it got in a response header; {@code
   * /echo-stream} writes it back in pieces that split it, bare and URL-encoded too.
   */
  static final class FrameworkUpstream implements AutoCloseable {
    private final LoopbackServer server;

    FrameworkUpstream() throws Exception {
      server =
          LoopbackServer.start(
              (request, response, callback) -> {
                String authorization = request.getHeaders().get("Authorization");
                if (request.getHttpURI().getPath().equals("/echo-stream")) {
                  stream(response, authorization);
                  callback.succeeded();
                  return true;
                }
                byte[] body = Content.Source.asInputStream(request).readAllBytes();
                byte[] out = ProxySetup.JSON.writeValueAsBytes(read(request, body));
                if (authorization != null) {
                  response.getHeaders().put("X-Echo-Authorization", authorization);
                }
                response.getHeaders().put("Content-Type", "application/json");
                response.write(true, ByteBuffer.wrap(out), callback);
                return true;
              });
    }

    private static void stream(Response response, String authorization) throws IOException {
      String bare = authorization == null ? "" : authorization.substring("Bearer ".length());
      String encoded = java.net.URLEncoder.encode(authorization, StandardCharsets.UTF_8);
      String text = "auth=" + authorization + "; bare=" + bare + "; url=" + encoded + "; end";
      response.getHeaders().put("Content-Type", "text/plain");
      try (OutputStream out = Content.Sink.asOutputStream(response)) {
        for (int i = 0; i < text.length(); i += 7) {
          out.write(
              text.substring(i, Math.min(text.length(), i + 7)).getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      }
    }

    private static ObjectNode read(Request request, byte[] body) throws IOException {
      var h = request.getHeaders();
      String method = request.getMethod();
      for (String name : List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")) {
        if (h.get(name) != null) {
          method = h.get(name);
        }
      }
      String path = request.getHttpURI().getPath();
      for (String name : List.of("X-Original-URL", "X-Rewrite-URL")) {
        if (h.get(name) != null) {
          path = h.get(name);
        }
      }
      Map<String, Object> params = new LinkedHashMap<>();
      bind(params, request.getHttpURI().getQuery());
      String type =
          h.get("Content-Type") == null ? "" : h.get("Content-Type").toLowerCase(Locale.ROOT);
      String text = new String(body, StandardCharsets.UTF_8);
      if (type.contains("json") || text.stripLeading().startsWith("{")) {
        JsonNode json = ProxySetup.JSON.readTree(text);
        json.properties()
            .forEach(e -> params.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
      } else if (type.contains("form")) {
        bind(params, text);
      }
      if (request.getMethod().equals("POST") && params.get("_method") != null) {
        method = String.valueOf(params.get("_method"));
      }
      ObjectNode echo = ProxySetup.JSON.createObjectNode();
      echo.put("method", method);
      echo.put("path", path);
      echo.set("params", ProxySetup.JSON.valueToTree(params));
      String forwardedFor = h.get("X-Forwarded-For");
      echo.put(
          "clientIp",
          forwardedFor != null
              ? forwardedFor.split(",")[0].strip()
              : Request.getRemoteAddr(request));
      String forwardedHost = h.get("X-Forwarded-Host");
      echo.put("host", forwardedHost != null ? forwardedHost : h.get("Host"));
      ObjectNode headers = echo.putObject("headers");
      for (HttpField f : h) {
        headers.put(f.getName().toLowerCase(Locale.ROOT), f.getValue());
      }
      String authorization = h.get("Authorization");
      if (authorization != null) {
        echo.put("authorizationSha256", ProxySetup.sha256(authorization));
      }
      echo.put("body", text);
      return echo;
    }

    /** Binds urlencoded pairs as the frameworks above do. */
    private static void bind(Map<String, Object> params, String text) {
      if (text == null) {
        return;
      }
      for (String pair : text.split("[&;]")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode(decode(eq < 0 ? pair : pair.substring(0, eq)));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        int bracket = name.indexOf('[');
        if (bracket > 0) {
          name = name.substring(0, bracket);
        }
        params.put(name.toLowerCase(Locale.ROOT), value);
      }
    }

    private static String decode(String s) {
      return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    String url() {
      return server.url();
    }

    @Override
    public void close() {
      server.close();
    }
  }
}
