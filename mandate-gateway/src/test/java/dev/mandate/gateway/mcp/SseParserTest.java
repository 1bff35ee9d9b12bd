package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  private final List<String> events = new ArrayList<>();
  private final SseParser parser =
      new SseParser(64, data -> events.add(new String(data, StandardCharsets.UTF_8)));

  private void feed(String text) throws IOException {
    parser.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void event_isHandedOverAtTheBlankLine_withEventIdAndCommentsSkipped() throws IOException {
    feed(": keep-alive\n\nevent: message\nid: 7\ndata: {\"a\":1}\n");
    assertThat(events).isEmpty();
    feed("\n");
    assertThat(events).containsExactly("{\"a\":1}");
  }

  @Test
  void dataLines_areJoinedWithNewlines_andTheSpaceAfterTheColonIsOptional() throws IOException {
    feed("data: [1,\ndata:2]\n\n");
    assertThat(events).containsExactly("[1,\n2]");
  }

  @Test
  void crlfAndCr_endLinesLikeLf() throws IOException {
    feed("data: 1\r\n\r\ndata: 2\r\rdata: 3\n\n");
    assertThat(events).containsExactly("1", "2", "3");
  }

  @Test
  void chunksMaySplitLinesAnywhere_includingInsideAMultiByteCharacterAndBetweenCrAndLf()
      throws IOException {
    byte[] all = "data: \"héllo\"\r\n\r\n".getBytes(StandardCharsets.UTF_8);
    for (byte b : all) {
      parser.feed(ByteBuffer.wrap(new byte[] {b}));
    }
    assertThat(events).containsExactly("\"héllo\"");
  }

  @Test
  void eventWithoutData_isNotHandedOver() throws IOException {
    feed("event: message\n\ndata:\n\n");
    assertThat(events).isEmpty();
  }

  @Test
  void unfinishedEvent_atTheEndOfTheStream_isNotHandedOver() throws IOException {
    feed("data: {\"a\":1}\n");
    assertThat(events).isEmpty();
  }

  @Test
  void eventLargerThanTheBound_isRefused() throws IOException {
    feed("data: " + "x".repeat(40) + "\n");
    assertThatThrownBy(() -> feed("data: " + "y".repeat(40) + "\n"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("64 bytes");
  }

  @Test
  void lineLongerThanTheBound_isRefusedBeforeItEnds() {
    assertThatThrownBy(() -> feed(": " + "z".repeat(100)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("64 bytes");
    assertThat(events).isEmpty();
  }
}
