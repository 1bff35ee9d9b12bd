package dev.mandate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.token.Grant;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A requested grant is judged by what it matches: alternatives, {@code ?}, {@code *}, nested braces
 * and escapes are covered when everything they match is within the templates, and refused, with a
 * string the template does not match, when not.
 */
class CoverageByLanguageTest {
  private static final Policy POLICY =
      Policy.parse(
          """
          version: 1
          clients:
            banker:
              grants:
                - "banking:*:**"
                - "chat:read:{channel}"
                - "fs:read:/data/**"
                - "fs:list:/data/{team}/*"
              parameters:
                channel: "[a-z#*?]+"
                team: "[a-z]+"
              maxTtl: 1h
          """,
          "banker.yaml");

  private static PolicyDecision mint(String... grants) {
    return POLICY.evaluate(
        MintRequests.basic("banker", List.of(grants), Duration.ofMinutes(5), false, null));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "banking:send_money:{A,B}",
        "banking:send_*:acct-?",
        "banking:{send_money,get_balance}:{acct-{1,2},iban-?}",
        "banking:send_money:acct-\\*",
        "banking:s?nd:**",
        "chat:read:{general,random}",
        "chat:read:#general",
        "chat:read:gen\\*",
        "chat:read:{gen\\*,#x}",
        "fs:read:/data/a\\*b",
        "fs:read:/data/{a,b/c}/*.pdf",
        "fs:read:\\/data/x",
        "fs:list:/data/{ops,dev}/*",
        "fs:list:/data/ops/{a,b?}",
      })
  void narrowerGrantsInTheWholeGrammar_areCovered(String grant) {
    PolicyDecision d = mint(grant);

    assertThat(d.allowed()).as(d.reason()).isTrue();
    assertThat(d.grants()).containsExactly(Grant.parse(grant));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bank*:send:x",
        "{banking,bank}:send:x",
        "chat:read:{general,*}",
        "chat:read:gen*",
        "chat:{read,write}:general",
        "fs:read:/{data,etc}/x",
        "fs:read:/data/\\.\\./etc",
        "fs:read:/dat?/x",
        "fs:list:/data/ops/**",
        "fs:list:/data/{ops,dev/x}/*",
        "fs:list:/data/*/x",
      })
  void grantsThatMatchMore_areRefused(String grant) {
    PolicyDecision d = mint(grant);

    assertThat(d.allowed()).as(d.reason()).isFalse();
  }

  @Test
  void aRefusal_namesAStringTheTemplateDoesNotMatch() {
    assertThat(mint("bank*:send:x").reason())
        .contains("the service 'bank*' matches 'bank', which 'banking' does not");
    assertThat(mint("banking:send:x", "fs:read:/dat?/x").reason())
        .contains("the resource '/dat?/x' matches '/datX/x', which '/data/**' does not");
  }

  @Test
  void anAlternativeNoTemplateCovers_isNamed() {
    assertThat(mint("fs:read:/{data,etc}/x").reason())
        .contains("its alternative 'fs:read:/etc/x' is not covered");
  }

  @Test
  void alternativesCoveredByDifferentTemplates_sayWhichCoversEach() {
    PolicyDecision d = mint("{banking,chat}:read:general");

    assertThat(d.allowed()).as(d.reason()).isTrue();
    assertThat(d.reason())
        .contains("banking:read:general: template banking:*:**")
        .contains("chat:read:general: template chat:read:{channel} with channel=general");
  }

  @Test
  void tooManyAlternatives_areNotSpelledOut() {
    String many = "{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}"; // 128 alternatives
    assertThat(mint("chat:read:" + many).allowed()).isFalse();
    assertThat(mint("banking:read:" + many).allowed()).isTrue(); // one template covers them all
  }

  @Test
  void aLiteralGrant_isCoveredByWhatMatchesItsText() {
    assertThat(mint(Grant.literal("chat", "read", "#ops*").toString()).allowed()).isTrue();
    assertThat(mint(Grant.literal("fs", "read", "/data/{x}/?.txt").toString()).allowed()).isTrue();
    assertThat(mint(Grant.literal("chat", "read", "a/b").toString()).allowed()).isFalse();
  }
}
