package dev.mandate.authority.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JdbcUrlsTest {
  @Test
  void passwordParameters_areReplaced_theRestIsKept() {
    assertThat(
            JdbcUrls.redact(
                "jdbc:postgresql://db:5432/mandate?user=m&password=s3cret&sslpassword=k3y&ssl=true"))
        .isEqualTo(
            "jdbc:postgresql://db:5432/mandate?user=m&password=***&sslpassword=***&ssl=true");
  }

  @Test
  void userInfo_isReplaced() {
    assertThat(JdbcUrls.redact("jdbc:postgresql://m:s3cret@db:5432/mandate"))
        .isEqualTo("jdbc:postgresql://m:***@db:5432/mandate");
  }

  @Test
  void aMessageQuotingAUrl_losesThePasswordButKeepsTheWordsAfterIt() {
    assertThat(JdbcUrls.redact("cannot connect to jdbc:x://h/d?password=abc failed: refused"))
        .isEqualTo("cannot connect to jdbc:x://h/d?password=*** failed: refused")
        .doesNotContain("abc");
  }

  @Test
  void sqliteUrls_andNull_areUnchanged() {
    assertThat(JdbcUrls.redact("jdbc:sqlite:/var/lib/mandate/mandate.db"))
        .isEqualTo("jdbc:sqlite:/var/lib/mandate/mandate.db");
    assertThat(JdbcUrls.redact(null)).isNull();
  }
}
