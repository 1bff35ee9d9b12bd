package dev.mandate.internal.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

  @ParameterizedTest(name = "{0} contains {1}: {2}")
  @CsvSource({
    "10.0.0.0/8, 10.0.0.0, true",
    "10.0.0.0/8, 10.255.255.255, true",
    "10.0.0.0/8, 11.0.0.0, false",
    "10.0.0.0/8, 9.255.255.255, false",
    "172.16.0.0/12, 172.16.0.1, true",
    "172.16.0.0/12, 172.31.255.255, true",
    "172.16.0.0/12, 172.32.0.0, false",
    "172.16.0.0/12, 172.15.255.255, false",
    "2001:db8::/32, 2001:db8::1, true",
    "2001:db8::/32, 2001:DB8:ffff::, true",
    "2001:db8::/32, 2001:db9::1, false",
    "2001:db8::/32, 10.0.0.1, false",
    "10.0.0.0/8, ::ffff:10.0.0.1, true",
    "10.0.0.0/8, ::ffff:a00:1, true",
    "10.0.0.0/8, ::ffff:11.0.0.1, false",
    "0.0.0.0/0, 203.0.113.9, true",
    "0.0.0.0/0, 2001:db8::1, false",
    "::/0, 2001:db8::1, true",
    "::/0, 1.2.3.4, false",
    "192.0.2.7/32, 192.0.2.7, true",
    "192.0.2.7/32, 192.0.2.6, false"
  })
  void contains(String cidr, String address, boolean expected) {
    assertThat(Cidr.parse(cidr).contains(address)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "10.1",
        "2130706433",
        "012.0.0.1",
        "0x0a.0.0.1",
        "10.0.0.1.",
        " 10.0.0.1",
        "10.0.0.1 ",
        "10.0.0.256",
        "fe80::1%eth0",
        "[::1]",
        "localhost",
        "10.0.0.1/32",
        "\uff11\uff10.0.0.1"
      })
  void contains_isFalseForNonStrictOrUnparseableAddresses(String address) {
    Cidr all = Cidr.parse("0.0.0.0/0");
    Cidr all6 = Cidr.parse("::/0");
    assertThat(all.contains(address)).isFalse();
    assertThat(all6.contains(address)).isFalse();
  }

  @Test
  void contains_isFalseForNull() {
    assertThat(Cidr.parse("10.0.0.0/8").contains(null)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.0.0.1/8",
        "10.0.0.0/33",
        "2001:db8::/129",
        "2001:db8::1/32",
        "10.0.0.0",
        "10.0.0.0/",
        "10.0.0.0/8/8",
        "10.0.0.0/08",
        "10.0.0.0/-1",
        "10.0.0.0/+8",
        "010.0.0.0/8",
        "10.0/8",
        "::ffff:10.0.0.0/104",
        "fe80::%eth0/64",
        "example.com/8",
        "/8"
      })
  void parse_rejectsMalformedOrNonCanonicalRanges(String cidr) {
    assertThatThrownBy(() -> Cidr.parse(cidr))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(cidr);
  }

  @Test
  void parse_rejectsNull() {
    assertThatThrownBy(() -> Cidr.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void toString_isTheSourceText() {
    assertThat(Cidr.parse("2001:db8::/32")).hasToString("2001:db8::/32");
  }
}
