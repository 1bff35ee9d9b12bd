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
}
