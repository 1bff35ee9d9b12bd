package dev.mandate.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import dev.mandate.authority.OAuthSettings;
import dev.mandate.testkit.Browser;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The OAuth consent pages in a real browser: a person signs in, narrows what an application asks
 * for, and is sent back to it with a code that mints exactly what was kept; every page passes axe;
 * and the attacks a browser allows (a form posted from another origin, the page framed by another
 * site, script in the application's name) fail.
 */
class ConsentPageBrowserTest {
  static final String PASSWORD = "correct horse battery staple";
  static final String RESOURCE = "http://127.0.0.1:9/mcp/fs";
  static final String READ = "fs:read_file:/docs/**";
  static final String WRITE = "fs:write_file:/docs/**";
  static final String POLICY =
      """
      version: 1
      clients:
        alice-agents:
          grants: ["%s", "%s"]
          maxTtl: 1h
      """
          .formatted(READ, WRITE);

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static Stack stack;
  @RegisterExtension static final SharedBrowser chromium = new SharedBrowser();
  private Browser browser;
  static Site app;
  static Site attacker;

  @BeforeAll
  static void start() throws Exception {
    OAuthSettings oauth =
        OAuthSettings.builder()
            .resource("http://127.0.0.1:9/mcp", "gw-1")
            .person(
                new OAuthSettings.Person(
                    "alice", OAuthSettings.hashPassword(PASSWORD), "alice-agents"))
            .build();
    stack =
        Stack.builder(tmp)
            .policy(POLICY)
            .clients("alice-agents")
            .throwawayMasterKey()
            .authority(b -> b.oauth(oauth))
            .start();
    app = Site.start(Site.SAME_SITE);
    app.page("/callback", "<!DOCTYPE html><html lang=\"en\"><title>Notes</title><h1>Back</h1>");
    attacker = Site.start(Site.CROSS_SITE);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {stack, app, attacker}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @BeforeEach
  void fresh() {
    browser = chromium.get();
  }

  @Test
  void aPerson_signsIn_dropsAPermission_andTheApplicationGetsACodeForWhatWasKept()
      throws Exception {
    ClientID client = register("Notes app");
    CodeVerifier verifier = new CodeVerifier();
    State state = new State();
    browser.open(authorize(client, state, verifier).toString());

    assertThat(browser.find(By.tagName("h1")).getText()).isEqualTo("Sign in to Mandate");
    assertThat(browser.text()).contains("Notes app asks for access to " + RESOURCE);
    assertThat(browser.axe()).isEmpty();
    browser.screenshot("consent-sign-in");

    signIn("alice", "not the password");
    assertThat(browser.find(By.cssSelector(".warn")).getText())
        .isEqualTo("The name or password is wrong.");
    signIn("alice", PASSWORD);

    assertThat(browser.find(By.tagName("h1")).getText()).isEqualTo("Allow access?");
    assertThat(browser.text())
        .contains("Signed in as alice.")
        .contains("use read_file of fs on /docs/**")
        .contains("use write_file of fs on /docs/**");
    assertThat(browser.axe()).isEmpty();
    browser.screenshot("consent");

    List<WebElement> boxes = browser.driver().findElements(By.name("grant"));
    assertThat(boxes).hasSize(2);
    assertThat(boxes).allMatch(WebElement::isSelected);
    boxes.get(1).click(); // keep read, drop write
    new Select(browser.find(By.name("lifetime"))).selectByVisibleText("1d");
    browser.find(By.name("maxUses")).sendKeys("5");
    browser.find(By.cssSelector("button[value=approve]")).click();

    browser.await(d -> d.getCurrentUrl().startsWith(app.url() + "/callback?"));
    assertThat(browser.find(By.tagName("h1")).getText()).isEqualTo("Back");
    AuthorizationResponse response = AuthorizationResponse.parse(URI.create(browser.url()));
    assertThat(response.getState()).isEqualTo(state);
    assertThat(response.indicatesSuccess()).isTrue();

    Capability minted =
        Capability.decode(
            exchange(
                client,
                ((AuthorizationSuccessResponse) response).getAuthorizationCode(),
                verifier));
    assertThat(minted.blocks().get(0).grants()).extracting(Grant::toString).containsExactly(READ);
  }

  @Test
  void refusing_sendsTheApplicationAccessDenied() throws Exception {
    ClientID client = register("Notes app");
    State state = new State();
    browser.open(authorize(client, state, new CodeVerifier()).toString());
    signIn("alice", PASSWORD);
    browser.find(By.cssSelector("button[value=deny]")).click();

    browser.await(d -> d.getCurrentUrl().startsWith(app.url() + "/callback?"));
    AuthorizationResponse response = AuthorizationResponse.parse(URI.create(browser.url()));
    assertThat(response.indicatesSuccess()).isFalse();
    assertThat(response.toErrorResponse().getErrorObject().getCode()).isEqualTo("access_denied");
  }

  @Test
  void scriptInTheApplicationsName_isShownAsText_andNeverRuns() throws Exception {
    String name = Attacks.BOTH;
    ClientID client = register(name);
    browser.open(authorize(client, new State(), new CodeVerifier()).toString());
    assertThat(browser.find(By.tagName("p")).getText()).startsWith(name + " asks for access");
    signIn("alice", PASSWORD);
    assertThat(browser.awaitText("Signed in as alice").text()).contains(name + " asks to act");
    Attacks.assertNoScriptRan(browser);
    assertThat(browser.driver().findElements(By.cssSelector("p img, p script"))).isEmpty();
  }

  @Test
  void aFormPostedFromAnotherOrigin_isRefusedAsCsrf() throws Exception {
    ClientID client = register("Notes app");
    browser.open(authorize(client, new State(), new CodeVerifier()).toString());
    browser.awaitText("Sign in to Mandate");
    String request = browser.driver().findElement(By.name("request")).getDomAttribute("value");
    signIn("alice", PASSWORD);
    browser.awaitText("Allow access?");

    // The attacker knows the pending request's id (say it leaked) but not the page's CSRF token;
    // it is served from another port of 127.0.0.1, so the browser sends the SameSite cookie along.
    try (Site sameSite = Site.start(Site.SAME_SITE)) {
      Attacks.postFrom(
          sameSite,
          browser,
          stack.url() + "/oauth/authorize",
          Map.of(
              "request",
              request,
              "csrf",
              "guess",
              "step",
              "consent",
              "decision",
              "approve",
              "grant",
              "0"));
      assertThat(browser.find(By.cssSelector(".warn")).getText())
          .contains("The form was not sent by the page this authority showed you (CSRF check).");
    }
    assertThat(app.requests())
        .noneMatch(u -> u.getQuery() != null && u.getQuery().contains("code="));
  }

  @Test
  void anotherSite_cannotFrameTheConsentPage() throws Exception {
    ClientID client = register("Notes app");
    Attacks.assertNotFramable(
        attacker,
        browser,
        authorize(client, new State(), new CodeVerifier()).toString(),
        By.name("username"));
  }

  private void signIn(String name, String password) {
    WebElement user = browser.find(By.name("username"));
    user.clear();
    user.sendKeys(name);
    browser.find(By.name("password")).sendKeys(password);
    browser.find(By.cssSelector("button[type=submit]")).click();
  }

  private static ClientID register(String name) {
    String body =
        JSON.createObjectNode()
            .put("client_name", name)
            .set("redirect_uris", JSON.createArrayNode().add(app.url() + "/callback"))
            .toString();
    return new ClientID(
        stack.api().post("/oauth/register", body, null).expect(201).get("client_id").asText());
  }

  private static URI authorize(ClientID client, State state, CodeVerifier verifier) {
    return new AuthorizationRequest.Builder(ResponseType.CODE, client)
        .endpointURI(URI.create(stack.url() + "/oauth/authorize"))
        .redirectionURI(URI.create(app.url() + "/callback"))
        .scope(Scope.parse(READ + " " + WRITE))
        .resource(URI.create(RESOURCE))
        .state(state)
        .codeChallenge(verifier, CodeChallengeMethod.S256)
        .build()
        .toURI();
  }

  private static String exchange(ClientID client, AuthorizationCode code, CodeVerifier verifier)
      throws Exception {
    TokenResponse r =
        TokenResponse.parse(
            new TokenRequest.Builder(
                    URI.create(stack.url() + "/oauth/token"),
                    client,
                    new AuthorizationCodeGrant(code, URI.create(app.url() + "/callback"), verifier))
                .build()
                .toHTTPRequest()
                .send());
    assertThat(r.indicatesSuccess()).isTrue();
    return r.toSuccessResponse().getTokens().getAccessToken().getValue();
  }
}
