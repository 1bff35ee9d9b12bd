package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class BodyReadTest {
  private static InputStream bytes(int n) {
    return new ByteArrayInputStream(new byte[n]);
  }

  @Test
  void aBodyWithinTheLimit_isReadWhole_declaredOrNot() {
    assertThat(BodyRead.read(bytes(10), 10, 10)).hasSize(10);
    assertThat(BodyRead.read(bytes(10), -1, 10)).hasSize(10);
    assertThat(BodyRead.read(bytes(0), -1, 10)).isEmpty();
  }

  @Test
  void aDeclaredLengthOverTheLimit_is413_beforeAnythingIsRead() {
    InputStream never =
        new InputStream() {
          @Override
          public int read() {
            throw new AssertionError("read");
          }
        };

    Denial d = catchThrowableOfType(() -> BodyRead.read(never, 11, 10), Denial.class);

    assertThat(d.status()).isEqualTo(413);
    assertThat(d.bodyState()).isEqualTo(Denial.Body.DISCARD);
    assertThat(d.reason()).contains("limit of 10 bytes");
  }

  @Test
  void anUndeclaredBodyOverTheLimit_is413() {
    assertThat(catchThrowableOfType(() -> BodyRead.read(bytes(11), -1, 10), Denial.class).status())
        .isEqualTo(413);
  }

  @Test
  void aBodyShorterThanDeclared_orFailing_is400() {
    InputStream failing =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("too slow");
          }
        };

    assertThat(catchThrowableOfType(() -> BodyRead.read(bytes(5), 10, 10), Denial.class).status())
        .isEqualTo(400);
    assertThat(catchThrowableOfType(() -> BodyRead.read(failing, -1, 10), Denial.class).reason())
        .isEqualTo("the request body could not be read");
  }
}
