package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.sun.net.httpserver.HttpServer;
import dev.mandate.testkit.AuthorityApi;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Client ID metadata documents: a client whose {@code client_id} is the URL of its metadata, and
 * the fetch's defences against a hostile document or URL (size, time, redirects, non-public
 * addresses, http without the development flag).
 */
class ClientMetadataDocumentTest {
  @TempDir Path tmp;
  private HttpServer documents;
  private final CountDownLatch release = new CountDownLatch(1);
  private AuthorityServer authority;
  private AuthorityApi api;
  private OAuthTestClient client;
  private String base;

  @BeforeEach
  void start() throws Exception {
    documents = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    base = "http://127.0.0.1:" + documents.getAddress().getPort();
    documents.createContext(
        "/good.json", x -> reply(x, 200, document(base + "/good.json", OAuthTestClient.REDIRECT)));
    documents.createContext(
        "/other-id.json",
        x -> reply(x, 200, document(base + "/good.json", OAuthTestClient.REDIRECT)));
    documents.createContext(
        "/huge.json",
        x ->
            reply(
                x,
                200,
                document(base + "/huge.json", OAuthTestClient.REDIRECT)
                    .replace("}", ",\"pad\":\"" + "x".repeat(100_000) + "\"}")));
    documents.createContext(
        "/redirect.json",
        x -> {
          x.getResponseHeaders().add("Location", base + "/good.json");
          reply(x, 302, "");
        });
    documents.createContext(
        "/slow.json",
        x -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          reply(x, 200, document(base + "/slow.json", OAuthTestClient.REDIRECT));
        });
    documents.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    documents.start();
    authority = OAuthFlowTest.start(tmp, "data", OAuthFlowTest.settings().build());
    api = AuthorityTests.api(authority);
    client = new OAuthTestClient(authority.url());
  }

  @AfterEach
  void stop() {
    release.countDown();
    authority.close();
    documents.stop(0);
  }

  @Test
  void documentClient_completesTheFlow() throws Exception {
    ClientID id = new ClientID(base + "/good.json");
    CodeVerifier verifier = new CodeVerifier();
    HttpResponse<String> page = client.get(client.authorize(id, "fs:read_file:/docs/**", verifier));
    assertThat(page.body()).contains("Document client &amp; co");
    AuthorizationResponse r =
        client.consent(
            client.authorize(id, "fs:read_file:/docs/**", verifier),
            "alice",
            OAuthFlowTest.PASSWORD,
            Map.of());
    TokenResponse t =
        client.exchange(
            id,
            r.toSuccessResponse().getAuthorizationCode(),
            OAuthTestClient.REDIRECT,
            verifier,
            null);
    assertThat(t.indicatesSuccess()).as(String.valueOf(t)).isTrue();
  }

  @Test
  void hugeDocument_isRefused() {
    assertRefused(base + "/huge.json", "larger than the limit");
  }

  @Test
  void slowDocument_isRefusedInTime() {
    assertRefused(base + "/slow.json", "in time");
  }

  @Test
  void redirectingDocument_isNotFollowed() {
    assertRefused(base + "/redirect.json", "redirects");
  }

  @Test
  void documentNamingAnotherClientId_isRefused() {
    assertRefused(base + "/other-id.json", "not its own URL");
  }

  @Test
  void httpsUrlResolvingToLoopback_isRefused() {
    assertRefused(
        "https://localhost:" + documents.getAddress().getPort() + "/good.json",
        "non-public address");
  }

  @Test
  void privateAndLinkLocalAddresses_areRefused() {
    assertRefused("https://10.0.0.1/client.json", "non-public address");
    assertRefused("https://169.254.169.254/latest/meta-data", "non-public address");
    assertRefused("https://[fd00::1]/client.json", "non-public address");
  }

  @Test
  void httpDocument_withoutTheDevelopmentFlag_isRefused() throws Exception {
    try (AuthorityServer strict =
        OAuthFlowTest.start(
            tmp,
            "strict",
            OAuthFlowTest.settings().allowHttpLoopbackClientMetadata(false).build())) {
      OAuthTestClient c = new OAuthTestClient(strict.url());
      HttpResponse<String> page = c.get(authorize(c, base + "/good.json"));
      assertThat(page.statusCode()).isEqualTo(400);
      assertThat(page.body()).contains("https URL");
    }
  }

  @ParameterizedTest
  @CsvSource({
    "8.8.8.8,true",
    "2606:4700:4700::1111,true",
    "127.0.0.1,false",
    "10.1.2.3,false",
    "172.16.0.1,false",
    "192.168.1.1,false",
    "100.64.0.1,false",
    "169.254.169.254,false",
    "0.0.0.0,false",
    "255.255.255.255,false",
    "::1,false",
    "fe80::1,false",
    "fc00::1,false",
    "::ffff:127.0.0.1,false",
    "2002:7f00:1::1,false",
    "64:ff9b::a00:1,false"
  })
  void publicAddresses(String address, boolean expected) throws Exception {
    assertThat(ClientMetadataFetcher.isPublic(InetAddress.getByName(address)))
        .as(address)
        .isEqualTo(expected);
  }

  private void assertRefused(String clientId, String reason) {
    HttpResponse<String> page = client.get(authorize(client, clientId));
    assertThat(page.statusCode()).as(clientId).isEqualTo(400);
    assertThat(page.headers().firstValue("Location")).isEmpty();
    assertThat(page.body()).as(clientId).contains(reason);
  }

  private static URI authorize(OAuthTestClient c, String clientId) {
    return c.authorizationUri(
        new ClientID(clientId),
        OAuthTestClient.REDIRECT,
        "fs:read_file:/docs/**",
        OAuthFlowTest.RESOURCE,
        new State(),
        new CodeVerifier());
  }

  private static String document(String clientId, String redirect) {
    return "{\"client_id\":\""
        + clientId
        + "\",\"client_name\":\"Document client & co\",\"redirect_uris\":[\""
        + redirect
        + "\"],\"token_endpoint_auth_method\":\"none\"}";
  }

  private static void reply(com.sun.net.httpserver.HttpExchange x, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/json");
    x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }
}
