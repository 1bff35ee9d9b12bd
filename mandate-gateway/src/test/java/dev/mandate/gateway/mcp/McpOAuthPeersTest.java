package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.client.ClientInformationResponse;
import com.nimbusds.oauth2.sdk.client.ClientMetadata;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationRequest;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationResponse;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.mandate.authority.OAuthSettings;
import dev.mandate.caveat.Caveat;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.ProxySetup;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.ConsentBrowser;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.McpUpstream;
import dev.mandate.testkit.NpmPeers;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Capability;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * MCP clients nobody here wrote, each running its own OAuth flow against the authority and then
 * calling a real npm MCP server through the gateway: the TypeScript MCP SDK 1.32.2 (a client ID
 * metadata document), the Python MCP SDK 2.3.0 (dynamic registration), and a DPoP client built with
 * Nimbus's proof factory. The test is the person: it signs in on the consent page and approves over
 * HTTP, then follows the redirect to the client's loopback callback.
 *
 * <p>Neither MCP SDK implements DPoP (RFC 9449), so their capabilities are bearer ones: audience
 * bound to this gateway and short-lived ({@code accessTokenTtl} 5 minutes here, refreshed through
 * rotating refresh tokens); person {@code bob}'s policy client requires holder binding, and a
 * bearer client's code exchange is refused for him while the DPoP client gets a key-bound one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpOAuthPeersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AUDIENCE = "gw-oauth-peers";
  private static final String PASSWORD = "correct horse battery staple";
  private static final String SCOPE = "everything:echo:*";
  private static final Duration ACCESS_TOKEN_TTL = Duration.ofMinutes(5);
  private static final Path PYTHON_DIR = Path.of("src/test/python").toAbsolutePath();
  private static final Path PYTHON = Path.of("target/python-venv/bin/python").toAbsolutePath();
  private static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants: ["everything:*:*"]
          maxTtl: 1h
        bound-agent:
          grants: ["everything:*:*"]
          require: [holder]
          maxTtl: 1h
        gateway:
          role: gateway
      """;
  private static final String OPERATIONS =
      "[{\"op\":\"listTools\"},"
          + "{\"op\":\"callTool\",\"name\":\"echo\",\"arguments\":{\"message\":\"first\"}},"
          + "{\"op\":\"expireAccessToken\"},{\"op\":\"reconnect\"},"
          + "{\"op\":\"callTool\",\"name\":\"echo\",\"arguments\":{\"message\":\"refreshed\"}},"
          + "{\"op\":\"callTool\",\"name\":\"get-env\",\"arguments\":{}}]";

  @TempDir static Path tmp;
  private Stack stack;
  private GatewayServer gateway;
  private String endpoint;
  private HttpsServer documents;
  private final AtomicInteger documentFetches = new AtomicInteger();
  private final Map<String, String> trustBefore = new LinkedHashMap<>();

  @BeforeAll
  void start() throws Exception {
    startDocuments();
    int port = Await.freePort();
    endpoint = "http://127.0.0.1:" + port + "/mcp/everything";
    String hash = OAuthSettings.hashPassword(PASSWORD);
    OAuthSettings settings =
        OAuthSettings.builder()
            .resource("http://127.0.0.1:" + port + "/mcp", AUDIENCE)
            .person(new OAuthSettings.Person("alice", hash, "agent"))
            .person(new OAuthSettings.Person("bob", hash, "bound-agent"))
            .accessTokenTtl(ACCESS_TOKEN_TTL)
            .allowHttpLoopbackClientMetadata(true)
            .build();
    stack =
        Stack.builder(tmp.resolve("authority"))
            .policy(POLICY)
            .clients("gateway", "agent", "bound-agent")
            .authority(b -> b.oauth(settings))
            .start();
    gateway =
        stack.startGateway(
            stack
                .gatewayYaml(AUDIENCE)
                .port(port)
                .section("oauth: {scopes: [\"" + SCOPE + "\"]}")
                .mcp(
                    List.of("callTimeout: 20s"),
                    McpUpstream.node("everything", NpmPeers.server("server-everything"), "stdio")
                        .tool("echo")
                        .tool("get-env")),
            ProxySetup.LAUNCH);
  }

  @AfterAll
  void stop() {
    if (stack != null) {
      stack.close();
    }
    if (documents != null) {
      documents.stop(0);
    }
    trustBefore.forEach(
        (name, value) -> {
          if (value == null) {
            System.clearProperty(name);
          } else {
            System.setProperty(name, value);
          }
        });
  }

  // ---- the TypeScript MCP SDK ----

  @Test
  void typescriptSdk_clientIdMetadataDocument_consent_callsAndRefresh() throws Exception {
    int redirectPort = Await.freePort();
    String documentUrl =
        "https://127.0.0.1:" + documents.getAddress().getPort() + "/ts-client-" + redirectPort;
    documents.createContext(
        URI.create(documentUrl).getPath(),
        x -> {
          documentFetches.incrementAndGet();
          byte[] doc =
              ("{\"client_id\":\""
                      + documentUrl
                      + "\",\"client_name\":\"TypeScript SDK test client\",\"redirect_uris\":"
                      + "[\"http://127.0.0.1:"
                      + redirectPort
                      + "/callback\"],\"grant_types\":[\"authorization_code\",\"refresh_token\"],"
                      + "\"response_types\":[\"code\"],\"token_endpoint_auth_method\":\"none\"}")
                  .getBytes(StandardCharsets.UTF_8);
          x.getResponseHeaders().add("Content-Type", "application/json");
          x.sendResponseHeaders(200, doc.length);
          try (OutputStream out = x.getResponseBody()) {
            out.write(doc);
          }
        });
    Peer peer =
        peer(
            new ProcessBuilder(
                    "node",
                    NpmPeers.dir().resolve("mcp-client.mjs").toString(),
                    "--oauth",
                    "{\"redirectPort\":"
                        + redirectPort
                        + ",\"clientMetadataUrl\":\""
                        + documentUrl
                        + "\"}",
                    endpoint,
                    OPERATIONS)
                .directory(NpmPeers.dir().toFile()),
            tmp.resolve("ts-oauth.log"));
    Map<String, String> asked = consent(peer, "alice", Map.of());
    assertThat(asked)
        .containsEntry("client_id", documentUrl)
        .containsEntry("code_challenge_method", "S256")
        .containsEntry("resource", endpoint)
        .containsEntry("scope", SCOPE)
        .containsKey("state");
    JsonNode report = peer.report();
    assertThat(report.get("connected").asBoolean()).as(report.toString()).isTrue();
    JsonNode results = report.get("results");
    List<Boolean> ok = new ArrayList<>();
    results.forEach(r -> ok.add(r.get("ok").asBoolean()));
    assertThat(ok).as(report.toString()).containsExactly(true, true, true, true, true, false);
    List<String> tools = new ArrayList<>();
    results.get(0).get("value").get("tools").forEach(t -> tools.add(t.get("name").asText()));
    assertThat(tools).containsExactly("echo");
    assertThat(results.get(1).get("value").toString()).contains("Echo: first");
    assertThat(results.get(4).get("value").toString()).contains("Echo: refreshed");
    assertThat(results.get(5).get("ok").asBoolean()).as(results.toString()).isFalse();
    JsonNode oauth = report.get("oauth");
    assertThat(oauth.get("clientId").asText()).isEqualTo(documentUrl);
    assertThat(documentFetches.get()).isPositive();
    // One token set from the code, one from the refresh the spoiled token caused.
    assertThat(oauth.get("tokenSets").asInt()).isEqualTo(2);
    assertBearerShortLivedAndAudienceBound(oauth);
  }

  // ---- the Python MCP SDK ----

  @Test
  void pythonSdk_dynamicRegistration_consent_callsAndRefresh() throws Exception {
    Peer peer =
        python(
            "py-oauth",
            "[{\"op\":\"tools\"},"
                + "{\"op\":\"call\",\"tool\":\"echo\",\"args\":{\"message\":\"first\"}},"
                + "{\"op\":\"expire\"},{\"op\":\"reconnect\"},"
                + "{\"op\":\"call\",\"tool\":\"echo\",\"args\":{\"message\":\"refreshed\"}},"
                + "{\"op\":\"call\",\"tool\":\"get-env\",\"args\":{}}]");
    Map<String, String> asked = consent(peer, "alice", Map.of());
    assertThat(asked.get("client_id")).startsWith("mndoc_");
    assertThat(asked)
        .containsEntry("code_challenge_method", "S256")
        .containsEntry("resource", endpoint)
        .containsEntry("scope", SCOPE);
    JsonNode report = peer.report();
    assertThat(report.has("connectError")).as(report.toString()).isFalse();
    JsonNode results = report.get("results");
    assertThat(results.findValues("error")).as(report.toString()).hasSize(1);
    assertThat(results.get(0).get("tools").toString()).isEqualTo("[\"echo\"]");
    assertThat(results.get(1).get("text").asText()).isEqualTo("Echo: first");
    assertThat(results.get(4).get("text").asText()).isEqualTo("Echo: refreshed");
    assertThat(results.get(5).has("error") || results.get(5).path("isError").asBoolean())
        .as(results.toString())
        .isTrue();
    JsonNode oauth = report.get("oauth");
    assertThat(oauth.get("tokenSets").asInt()).isEqualTo(2);
    assertBearerShortLivedAndAudienceBound(oauth);
  }

  @Test
  void pythonSdk_refusesAnAuthorizationResponseFromAnotherIssuer() throws Exception {
    Peer peer = python("py-mixup", "[{\"op\":\"tools\"}]");
    URI back = approve(peer, "alice");
    // A mix-up attack (RFC 9207): the response reaches the client as if another server sent it.
    String forged =
        back.toString().replaceAll("iss=[^&]*", "iss=" + enc("https://other-authority.example"));
    assertThat(forged).isNotEqualTo(back.toString());
    peer.browser.get(URI.create(forged));
    JsonNode report = peer.report();
    assertThat(report.get("connectError").get("message").asText())
        .contains("iss mismatch")
        .contains("https://other-authority.example");
    assertThat(report.get("oauth").get("accessToken").isNull()).isTrue();
  }

  @Test
  void pythonSdk_bearerClient_isRefusedWhereThePolicyRequiresHolderBinding() throws Exception {
    Peer peer = python("py-holder", "[{\"op\":\"tools\"}]");
    consent(peer, "bob", Map.of());
    JsonNode report = peer.report();
    assertThat(report.get("connectError").get("message").asText())
        .contains("invalid_grant")
        .contains("DPoP");
    assertThat(report.get("oauth").get("accessToken").isNull()).isTrue();
  }

  // ---- a DPoP client built with Nimbus ----

  @Test
  void nimbusDPoPClient_getsAKeyBoundCapabilityByConsent_replayAndKeylessUseRefused()
      throws Exception {
    URI issuer = URI.create(stack.url());
    AuthorizationServerMetadata as =
        AuthorizationServerMetadata.parse(
            Http.get(stack.url() + "/.well-known/oauth-authorization-server", null).body());
    String redirect = "http://127.0.0.1:" + Await.freePort() + "/callback";
    ClientMetadata metadata = new ClientMetadata();
    metadata.setRedirectionURI(URI.create(redirect));
    metadata.setName("Nimbus DPoP client");
    ClientID client =
        ((ClientInformationResponse)
                ClientRegistrationResponse.parse(
                    new ClientRegistrationRequest(as.getRegistrationEndpointURI(), metadata, null)
                        .toHTTPRequest()
                        .send()))
            .getClientInformation()
            .getID();
    CodeVerifier verifier = new CodeVerifier();
    State state = new State();
    URI authorize =
        new AuthorizationRequest.Builder(ResponseType.CODE, client)
            .endpointURI(as.getAuthorizationEndpointURI())
            .redirectionURI(URI.create(redirect))
            .scope(Scope.parse(SCOPE))
            .state(state)
            .codeChallenge(verifier, CodeChallengeMethod.S256)
            .resource(URI.create(endpoint))
            .build()
            .toURI();
    ConsentBrowser browser = new ConsentBrowser(stack.url());
    AuthorizationSuccessResponse code =
        AuthorizationResponse.parse(browser.consent(authorize, "bob", PASSWORD, Map.of()))
            .toSuccessResponse();
    assertThat(code.getState()).isEqualTo(state);
    assertThat(code.getIssuer().getValue()).isEqualTo(issuer.toString());

    ECKey key = new ECKeyGenerator(Curve.P_256).generate();
    DefaultDPoPProofFactory proofs = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
    HTTPRequest tokenRequest =
        new TokenRequest.Builder(
                as.getTokenEndpointURI(),
                client,
                new AuthorizationCodeGrant(
                    code.getAuthorizationCode(), URI.create(redirect), verifier))
            .resources(URI.create(endpoint))
            .build()
            .toHTTPRequest();
    tokenRequest.setDPoP(proofs.createDPoPJWT("POST", as.getTokenEndpointURI()));
    TokenResponse tokens = TokenResponse.parse(tokenRequest.send());
    assertThat(tokens.indicatesSuccess()).as(String.valueOf(tokens)).isTrue();
    AccessTokenResponse ok = tokens.toSuccessResponse();
    assertThat(ok.getTokens().getAccessToken()).isInstanceOf(DPoPAccessToken.class);
    String token = ok.getTokens().getAccessToken().getValue();
    assertThat(Capability.decode(token).holderKeyId()).contains("jkt:" + key.computeThumbprint());

    HttpResponse<String> init = mcp(token, proofs, null, INITIALIZE, "DPoP");
    assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    assertThat(mcp(token, proofs, session, INITIALIZED, "DPoP").statusCode()).isEqualTo(202);
    String echo =
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
            + "\"arguments\":{\"message\":\"bound\"}}}";
    String proof =
        proofs.createDPoPJWT("POST", URI.create(endpoint), new DPoPAccessToken(token)).serialize();
    HttpResponse<String> allowed = send(token, proof, session, echo, "DPoP");
    assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
    assertThat(allowed.body()).contains("Echo: bound");

    HttpResponse<String> replayed = send(token, proof, session, echo, "DPoP");
    assertThat(replayed.statusCode()).isEqualTo(403);
    assertThat(replayed.body()).contains("PROOF_REPLAYED").doesNotContain("Echo: bound");

    HttpResponse<String> keyless = send(token, null, session, echo, "Bearer");
    assertThat(keyless.body()).contains("PROOF_REQUIRED").doesNotContain("Echo: bound");

    DefaultDPoPProofFactory thief =
        new DefaultDPoPProofFactory(new ECKeyGenerator(Curve.P_256).generate(), JWSAlgorithm.ES256);
    HttpResponse<String> stolen = mcp(token, thief, null, INITIALIZE, "DPoP");
    assertThat(stolen.statusCode()).isEqualTo(401);
    assertThat(stolen.headers().allValues("WWW-Authenticate"))
        .anySatisfy(c -> assertThat(c).startsWith("DPoP ").contains("invalid_token"));
  }

  // ---- helpers ----

  private static final String INITIALIZE =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
          + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
          + "\"clientInfo\":{\"name\":\"nimbus-dpop\",\"version\":\"1\"}}}";
  private static final String INITIALIZED =
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

  private HttpResponse<String> mcp(
      String token, DefaultDPoPProofFactory proofs, String session, String body, String scheme)
      throws Exception {
    String proof =
        proofs.createDPoPJWT("POST", URI.create(endpoint), new DPoPAccessToken(token)).serialize();
    return send(token, proof, session, body, scheme);
  }

  private HttpResponse<String> send(
      String token, String proof, String session, String body, String scheme) throws Exception {
    HttpRequest.Builder b =
        Http.request(endpoint, scheme + " " + token)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (proof != null) {
      b.header("DPoP", proof);
    }
    if (session != null) {
      b.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25");
    }
    return java.net.http.HttpClient.newHttpClient()
        .send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A bearer capability for this gateway only, living no longer than the access token TTL. */
  private static void assertBearerShortLivedAndAudienceBound(JsonNode oauth) throws Exception {
    assertThat(oauth.get("tokenType").asText()).isEqualToIgnoringCase("Bearer");
    assertThat(oauth.get("expiresIn").asLong()).isBetween(1L, ACCESS_TOKEN_TTL.toSeconds());
    Capability capability = Capability.decode(oauth.get("accessToken").asText());
    assertThat(capability.holderKeyId()).isEmpty();
    assertThat(capability.blocks().get(0).caveats())
        .contains(new Caveat.Audience(List.of(AUDIENCE)))
        .anySatisfy(
            c ->
                assertThat(c)
                    .isInstanceOfSatisfying(
                        Caveat.Expiry.class,
                        e ->
                            assertThat(e.notAfter())
                                .isBefore(Instant.now().plus(ACCESS_TOKEN_TTL).plusSeconds(5))));
    assertThat(oauth.get("refreshToken").asText()).startsWith("mndrt1_");
  }

  private Peer python(String name, String operations) throws IOException {
    int redirectPort = Await.freePort();
    return peer(
        new ProcessBuilder(
                PYTHON.toString(),
                PYTHON_DIR.resolve("mcp_oauth_client.py").toString(),
                endpoint,
                String.valueOf(redirectPort),
                operations)
            .directory(PYTHON_DIR.toFile()),
        tmp.resolve(name + ".log"));
  }

  /** Signs in as {@code person} and approves; returns the redirect to the client, unfollowed. */
  private URI approve(Peer peer, String person) throws Exception {
    URI authorize = peer.authorizationUri();
    peer.asked = query(authorize);
    return peer.browser.consent(authorize, person, PASSWORD, Map.of());
  }

  /**
   * The person's part: opens the authorization URL the client printed, signs in, approves, and the
   * browser follows the redirect to the client's loopback callback.
   *
   * @return the authorization request's parameters
   */
  private Map<String, String> consent(Peer peer, String person, Map<String, String> narrowing)
      throws Exception {
    URI authorize = peer.authorizationUri();
    URI back = peer.browser.consent(authorize, person, PASSWORD, narrowing);
    assertThat(back.getQuery()).contains("code=").contains("iss=");
    HttpResponse<String> delivered = peer.browser.get(back);
    assertThat(delivered.statusCode()).isEqualTo(200);
    return query(authorize);
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      out.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private Peer peer(ProcessBuilder pb, Path log) throws IOException {
    Process p = pb.redirectError(log.toFile()).start();
    p.getOutputStream().close();
    return new Peer(p, log);
  }

  /** An MCP client process that prints an authorization URL, then its report, one JSON a line. */
  private final class Peer {
    final Process process;
    final Path log;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final ConsentBrowser browser = new ConsentBrowser(stack.url());
    Map<String, String> asked;

    private Peer(Process process, Path log) {
      this.process = process;
      this.log = log;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // The process ended; report() says what is missing.
                }
              },
              "oauth-peer-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    URI authorizationUri() throws Exception {
      JsonNode first = JSON.readTree(next());
      assertThat(first.has("authorize")).as("%s (log: %s)", first, read(log)).isTrue();
      return URI.create(first.get("authorize").asText());
    }

    JsonNode report() throws Exception {
      assertThat(process.waitFor(90, TimeUnit.SECONDS)).as(read(log)).isTrue();
      String last = null;
      String line;
      while ((line = lines.poll(5, TimeUnit.SECONDS)) != null) {
        last = line;
      }
      assertThat(last).as("the client's report (log: %s)", read(log)).isNotNull();
      return JSON.readTree(last);
    }

    private String next() throws InterruptedException {
      String line = lines.poll(60, TimeUnit.SECONDS);
      if (line == null) {
        process.destroyForcibly();
      }
      assertThat(line).as("a line from the client (log: %s)", read(log)).isNotNull();
      return line;
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Serves client ID metadata documents over https on 127.0.0.1 (the SDKs take only https URLs for
   * them), with a certificate made here by the JDK's keytool, which this JVM's default trust (the
   * authority's fetcher's) is pointed at for the class's run. The authority allows the loopback
   * address only under {@code allowHttpLoopbackClientMetadata}, a test setting.
   */
  private void startDocuments() throws Exception {
    Path store = tmp.resolve("documents.p12");
    char[] password = "test-only".toCharArray();
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "documents",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "san=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                new String(password))
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("keytool.log").toFile())
            .start();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0)
        .as(read(tmp.resolve("keytool.log")))
        .isTrue();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, password);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, password);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    documents = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    documents.setHttpsConfigurator(new HttpsConfigurator(tls));
    documents.start();
    for (String name :
        List.of(
            "javax.net.ssl.trustStore",
            "javax.net.ssl.trustStoreType",
            "javax.net.ssl.trustStorePassword")) {
      trustBefore.put(name, System.getProperty(name));
    }
    System.setProperty("javax.net.ssl.trustStore", store.toString());
    System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
    System.setProperty("javax.net.ssl.trustStorePassword", new String(password));
  }
}
