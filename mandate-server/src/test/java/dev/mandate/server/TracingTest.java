package dev.mandate.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mandate.testkit.Await;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Tracing's switches: off does nothing, endpoints are checked, the SDK logs to the server's log.
 */
class TracingTest {
  @Test
  void off_makesNoSpan_andWritesNoHeader() {
    Tracing off = Tracing.off();
    Map<String, String> headers = new HashMap<>();
    Tracing.ClientSpan span = off.client("GET", URI.create("http://127.0.0.1/x"));
    span.inject(headers::put);
    span.end(200, null);

    assertThat(off.enabled()).isFalse();
    assertThat(headers).isEmpty();
  }

  @Test
  void endpoints_mustBeHttpUrlsWithAHostAndNoCredentials() {
    assertThatThrownBy(() -> Tracing.checkEndpoint(URI.create("ftp://collector/v1/traces")))
        .hasMessageContaining("http or https");
    assertThatThrownBy(() -> Tracing.checkEndpoint(URI.create("http:///v1/traces")))
        .hasMessageContaining("no host");
    assertThatThrownBy(
            () -> Tracing.checkEndpoint(URI.create("https://user:pw@collector/v1/traces")))
        .hasMessageContaining("credentials")
        .hasMessageNotContaining("pw");
    assertThatThrownBy(() -> Tracing.otlp(URI.create("http://collector/v1/traces"), " "))
        .hasMessageContaining("blank");
  }

  @Test
  void aSpanNamesItselfInTraceparent_andAnUnreachableCollectorIsLoggedThroughSlf4j() {
    Logger sdk = (Logger) LoggerFactory.getLogger("io.opentelemetry");
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    sdk.addAppender(captured);
    URI nowhere = URI.create("http://127.0.0.1:" + Await.freePort() + "/v1/traces");
    try (Tracing tracing = Tracing.otlp(nowhere, "tracing-test")) {
      Map<String, String> headers = new HashMap<>();
      Tracing.ClientSpan span = tracing.client("GET", URI.create("http://127.0.0.1/x"));
      span.inject(headers::put);
      span.end(200, null);
      tracing.flush(Duration.ofSeconds(10));

      assertThat(headers.get("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]");
    } finally {
      sdk.detachAppender(captured);
    }
    assertThat(captured.list)
        .as("the failed export, in the server's log")
        .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("Failed to export"));
    java.util.logging.Logger jul = java.util.logging.Logger.getLogger("io.opentelemetry");
    assertThat(jul.getUseParentHandlers()).as("nothing raw on standard error").isFalse();
  }
}
