package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ForwardedHeadersTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-forwarded-prefix",
        "x-forwarded-uri",
        "x-real-ip",
        "true-client-ip",
        "cf-connecting-ip",
        "x-original-host"
      })
  void clientForwardingHeaders_areDropped(String name) {
    assertThat(ForwardedHeaders.dropped(name)).isTrue();
  }

  @Test
  void ordinaryHeaders_areKept() {
    assertThat(ForwardedHeaders.dropped("accept")).isFalse();
    assertThat(ForwardedHeaders.dropped("x-request-id")).isFalse();
  }

  @Test
  void set_statesTheClientAddressSchemeAndHost() {
    HttpFields.Mutable h = HttpFields.build();
    ForwardedHeaders.set(h, "192.0.2.7", "https", "api.example.com:8443");
    assertThat(h.get("Forwarded"))
        .isEqualTo("for=192.0.2.7;proto=https;host=\"api.example.com:8443\"");
    assertThat(h.get("X-Forwarded-For")).isEqualTo("192.0.2.7");
    assertThat(h.get("X-Forwarded-Proto")).isEqualTo("https");
    assertThat(h.get("X-Forwarded-Host")).isEqualTo("api.example.com:8443");
  }

  @Test
  void set_quotesIpv6_andLeavesOutAHostThatIsNotOne() {
    HttpFields.Mutable h = HttpFields.build();
    ForwardedHeaders.set(h, "[2001:db8::1]", "http", "evil.com\r\nX: y");
    assertThat(h.get("Forwarded")).isEqualTo("for=\"[2001:db8::1]\";proto=http");
    assertThat(h.get("X-Forwarded-For")).isEqualTo("2001:db8::1");
    assertThat(h.get("X-Forwarded-Host")).isNull();
  }

  /**
   * The checks are loops, not regular expressions (they run on every call): they accept exactly
   * what the expressions they replaced accepted, on edge cases and on random strings over the
   * characters that matter.
   */
  @Test
  void hostAndAddressChecks_acceptExactlyWhatTheExpressionsDid() {
    java.util.regex.Pattern host =
        java.util.regex.Pattern.compile(
            "(?:[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\])(?::[0-9]{1,5})?");
    java.util.regex.Pattern address = java.util.regex.Pattern.compile("[0-9A-Fa-f:.\\[\\]]{1,47}");
    java.util.List<String> cases =
        new java.util.ArrayList<>(
            java.util.List.of(
                "",
                "a",
                "a:",
                ":80",
                "a:1",
                "a:123456",
                "a:12345",
                "a:b",
                "api.example.com:8443",
                "[::1]",
                "[::1]:8080",
                "[:]",
                "[::]",
                "[::1",
                "::1]",
                "[::1]x",
                "[::1]:",
                "[" + "a".repeat(45) + "]",
                "[" + "a".repeat(46) + "]",
                "a".repeat(253),
                "a".repeat(254),
                "a".repeat(253) + ":1",
                "host name",
                "h\u00e9st",
                "192.0.2.7",
                "[2001:db8::1]",
                "1".repeat(47),
                "1".repeat(48),
                "g1"));
    java.util.Random random = new java.util.Random(7);
    String alphabet = "aZ9.-:[]g /x";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = random.nextInt(12);
      for (int j = 0; j < n; j++) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      cases.add(b.toString());
    }
    for (String c : cases) {
      assertThat(ForwardedHeaders.isHost(c)).as("host %s", c).isEqualTo(host.matcher(c).matches());
      assertThat(ForwardedHeaders.isAddress(c))
          .as("address %s", c)
          .isEqualTo(address.matcher(c).matches());
    }
  }
}
