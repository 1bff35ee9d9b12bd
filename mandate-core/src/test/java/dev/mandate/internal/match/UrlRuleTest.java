package dev.mandate.internal.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UrlRuleTest {

  private static final UrlRule RULE =
      UrlRule.compile(
          List.of("https", "http"),
          List.of("api.example.com", "*.example.org", "93.184.216.34", "[2606:2800:220:1::1]"));

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://api.example.com/v1/items?q=1#frag",
        "https://API.Example.COM/",
        "https://api.example.com./",
        "https://api.example.com:8443/x",
        "HTTPS://api.example.com/",
        "http://a.example.org/",
        "https://a.b.example.org/",
        "https://93.184.216.34/",
        "https://[2606:2800:220:1::1]/",
        "https://[2606:2800:220:1:0:0:0:1]:443/",
        "https://api.example.com/caf%C3%A9"
      })
  void check_allowsListedHosts(String url) {
    assertThat(RULE.check(url)).isNull();
  }

  @Test
  void check_wildcardMatchesSubdomainsOnly() {
    assertThat(RULE.check("https://example.org/")).contains("not allowed");
    assertThat(RULE.check("https://evilexample.org/")).contains("not allowed");
  }

  @Test
  void check_rejectsSuffixConfusion() {
    assertThat(RULE.check("https://api.example.com.attacker.net/")).contains("not allowed");
    assertThat(RULE.check("https://evil.example.org.attacker.net/")).contains("not allowed");
    assertThat(RULE.check("https://xapi.example.com/")).contains("not allowed");
  }

  @Test
  void check_rejectsMoreThanOneTrailingDot() {
    assertThat(RULE.check("https://api.example.com../")).isNotNull();
  }

  @Test
  void check_rejectsUserInfo() {
    assertThat(RULE.check("http://user@evil/")).contains("user info");
    assertThat(RULE.check("https://api.example.com@evil.net/")).contains("user info");
    assertThat(RULE.check("https://user:pw@api.example.com/")).contains("user info");
  }

  @Test
  void check_rejectsSchemesNotListed() {
    assertThat(RULE.check("ftp://api.example.com/")).contains("scheme ftp");
    assertThat(RULE.check("file:///etc/passwd")).contains("scheme file");
    assertThat(RULE.check("gopher://api.example.com/")).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "api.example.com",
        "//api.example.com/",
        "/relative",
        "https:api.example.com",
        "https:///path",
        "https://",
        "https://api.example.com\\@evil.net/",
        "https://api.example.com /",
        "https://api.example.com\t/",
        "https://api.example.com\n.evil/",
        "https://api.example.com%2f@evil.net/",
        "https://a%2eexample.org/",
        "https://api.example.com:80:80/",
        "https://exa_mple.example.org/"
      })
  void check_rejectsMalformedUrls(String url) {
    assertThat(RULE.check(url)).isNotNull();
  }

  @Test
  void check_rejectsNullAndOverlong() {
    assertThat(RULE.check(null)).contains("missing");
    assertThat(RULE.check("https://api.example.com/" + "a".repeat(9000))).contains("longer");
  }

  @Test
  void check_rejectsNonAsciiHosts() {
    assertThat(RULE.check("https://\u0430pi.example.com/")).isNotNull(); // Cyrillic a
    assertThat(RULE.check("https://api.ex\u0430mple.com/")).isNotNull();
    assertThat(RULE.check("https://a.example\uff0eorg/")).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1/",
        "http://127.255.0.1:8080/",
        "http://10.0.0.5/",
        "http://172.16.0.1/",
        "http://172.31.255.255/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://100.100.100.200/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://[::1]/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::127.0.0.1]/",
        "http://[fd00:ec2::254]/",
        "http://[fc00::1]/",
        "http://[fe80::1]/",
        "http://[fe80::1%25eth0]/",
        "http://[ff02::1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[2002:7f00:1::]/",
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
        "http://127.0.0.1./"
      })
  void check_alwaysDeniesInternalIpLiterals(String url) {
    assertThat(RULE.check(url)).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://0x7f000001/",
        "http://127.1/",
        "http://127.0.1/",
        "http://017700000001/",
        "http://1.2.3.4.5/",
        "http://foo.0x10/",
        "http://0x/"
      })
  void check_deniesNumericHostForms(String url) {
    assertThat(RULE.check(url)).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://localhost/",
        "http://LOCALHOST./",
        "http://app.localhost/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://metadata/",
        "http://instance-data/"
      })
  void check_alwaysDeniesLocalAndMetadataNames(String url) {
    assertThat(RULE.check(url)).isNotNull();
  }

  @Test
  void check_deniesLocalNamesEvenWhenCoveredByWildcard() {
    UrlRule rule = UrlRule.compile(List.of("http"), List.of("*.google.internal"));
    assertThat(rule.check("http://other.google.internal/")).isNull();
    assertThat(rule.check("http://metadata.google.internal/")).contains("always denied");
  }

  @Test
  void check_deniesUnlistedPublicIpLiteral() {
    assertThat(RULE.check("https://8.8.8.8/")).contains("not allowed");
    assertThat(RULE.check("https://[2001:4860:4860::8888]/")).contains("not allowed");
  }

  @Test
  void check_allowsHexLookingButAlphabeticHostNames() {
    UrlRule rule = UrlRule.compile(List.of("https"), List.of("cafe.be", "*.dead.beef"));
    assertThat(rule.check("https://cafe.be/")).isNull();
    assertThat(rule.check("https://x.dead.beef/")).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "localhost",
        "a.localhost",
        "*.localhost",
        "metadata.google.internal",
        "169.254.169.254",
        "10.0.0.1",
        "[::1]",
        "::ffff:127.0.0.1",
        "fd00:ec2::254",
        "2130706433",
        "0x7f.1",
        "127.1",
        "010.0.0.1",
        "*",
        "*.",
        "a.*.com",
        "*example.com",
        "ex ample.com",
        "b\u00fccher.de",
        "-a.com",
        "a-.com",
        "a..com",
        "a_b.com",
        "user@host",
        "host:80",
        "[2001:db8::1",
        ""
      })
  void compile_rejectsBadOrDeniedHostPatterns(String pattern) {
    assertThatThrownBy(() -> UrlRule.compile(List.of("https"), List.of(pattern)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(pattern.isEmpty() ? "empty" : pattern);
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTPS", "ht tp", "1http", "", "https:", "htt\u00e9"})
  void compile_rejectsBadSchemes(String scheme) {
    assertThatThrownBy(() -> UrlRule.compile(List.of(scheme), List.of("example.com")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"" + scheme + "\"");
  }

  @Test
  void compile_rejectsEmptyOrNullLists() {
    assertThatThrownBy(() -> UrlRule.compile(List.of(), List.of("example.com")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UrlRule.compile(List.of("https"), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UrlRule.compile(null, List.of("example.com")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UrlRule.compile(List.of("https"), null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void compile_foldsHostPatternCaseAndTrailingDot() {
    UrlRule rule = UrlRule.compile(List.of("https"), List.of("API.Example.com."));
    assertThat(rule.check("https://api.example.com/")).isNull();
  }
}
