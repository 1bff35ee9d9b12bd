package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading a gateway's audit batch in one streaming pass: what is kept, and what is refused. */
class AuditBatchTest {
  private static final String DETAIL =
      "{\"decision\":\"allow\",\"code\":\"ALLOWED\",\"blocks\":[{\"revocationId\":\"r1\","
          + "\"holderKeyId\":\"k1\"}],\"reason\":\"caf\\u00e9 \\\"q\\\" \u00e9\",\"status\":200,"
          + "\"ratio\":1.5e3,\"none\":null,\"ok\":true}";

  private static AuditBatch read(String json) {
    return AuditBatch.read(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String code(String json) {
    try {
      read(json);
    } catch (ApiException e) {
      assertThat(e.status()).isEqualTo(400);
      return e.code() + ": " + e.getMessage();
    }
    throw new AssertionError("read " + json);
  }

  @Test
  void aGatewaysBatch_isReadField_byField_withTheDetailAsSent() {
    AuditBatch batch =
        read(
            "{\"batchId\":\"spool-1:2:0\",\"events\":[{\"type\":\"decision\",\"actor\":\"gw-eu\","
                + "\"tokenId\":\"t1\",\"at\":\"2025-06-01T11:59:00.123Z\",\"detail\":"
                + DETAIL
                + "},null,{\"clientId\":\"agent\",\"at\":\"2025-06-01T11:59:01Z\"}]}");

    assertThat(batch.batchId()).isEqualTo("spool-1:2:0");
    assertThat(batch.events()).hasSize(3);
    assertThat(batch.events().get(0))
        .isEqualTo(
            new AuditBatch.Event(
                "decision",
                "gw-eu",
                "t1",
                null,
                Instant.parse("2025-06-01T11:59:00.123Z"),
                DETAIL));
    assertThat(batch.events().get(1)).isNull();
    assertThat(batch.events().get(2))
        .isEqualTo(
            new AuditBatch.Event(
                null, null, null, "agent", Instant.parse("2025-06-01T11:59:01Z"), null));
    // What is stored parses to what was sent.
    assertThat(Json.tree(batch.events().get(0).detailJson()).get("reason").asText())
        .isEqualTo("café \"q\" é");
  }

  @Test
  void missingFields_areNull() {
    assertThat(read("{}")).isEqualTo(new AuditBatch(null, null));
    assertThat(read("{\"batchId\":null,\"events\":null}")).isEqualTo(new AuditBatch(null, null));
    assertThat(read("{\"events\":[{\"detail\":null}]}").events())
        .containsExactly(new AuditBatch.Event(null, null, null, null, null, null));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2025-06-01T11:59:00Z",
        "2025-06-01T11:59:00.1Z",
        "2025-06-01T11:59:00.12Z",
        "2025-06-01T11:59:00.123Z",
        "2025-06-01T11:59:00.1234Z",
        "2025-06-01T11:59:00.123456Z",
        "2025-06-01T11:59:00.123456789Z",
        "2024-02-29T23:59:59.999Z",
        "1970-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z",
        // Not the gateway's form: left to ISO_INSTANT, which decides as before.
        "2025-06-01T11:59:00+02:00",
        "2025-06-01T24:00:00Z",
        "2025-06-01T11:59:00.Z",
        "2016-12-31T23:59:60Z",
        "+12025-06-01T11:59:00Z",
        "2025-06-01t11:59:00Z",
      })
  void times_areReadAsIsoInstantReadsThem(String at) {
    Instant expected = DateTimeFormatter.ISO_INSTANT.parse(at, Instant::from);

    Instant got = read("{\"events\":[{\"at\":\"" + at + "\"}]}").events().get(0).at();

    assertThat(got).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2025-02-29T00:00:00Z",
        "2025-04-31T00:00:00Z",
        "2025-13-01T00:00:00Z",
        "2025-00-10T00:00:00Z",
        "2025-06-01T11:60:00Z",
        "2025-06-01T25:00:00Z",
        "2025-06-01T11:59:00.1234567890Z",
        "2025-06-01T11:59:0aZ",
        "2025-06-01 11:59:00Z",
        "2025-06-01T11:59:00",
        "yesterday",
        "",
      })
  void impossibleTimes_areRefused_asIsoInstantRefusesThem(String at) {
    assertThatThrownBy(() -> DateTimeFormatter.ISO_INSTANT.parse(at, Instant::from))
        .isInstanceOf(DateTimeException.class);
    assertThat(AuditBatch.utcInstant(at)).isNull();

    assertThat(code("{\"events\":[{},{\"at\":\"" + at + "\"}]}"))
        .startsWith("wrong_type: field 'events[1].at' has the wrong type");
  }

  @Test
  void wrongShapes_areRefused_namingTheField() {
    assertThat(code("")).startsWith("malformed_json");
    assertThat(code("[]")).startsWith("wrong_type: the request body must be a JSON object");
    assertThat(code("{\"batchId\":7}"))
        .isEqualTo("wrong_type: field 'batchId' has the wrong type; expected a string");
    assertThat(code("{\"events\":{}}"))
        .isEqualTo("wrong_type: field 'events' has the wrong type; expected an array");
    assertThat(code("{\"events\":[{},\"x\"]}"))
        .isEqualTo("wrong_type: field 'events[1]' has the wrong type; expected an object");
    assertThat(code("{\"events\":[{\"type\":true}]}"))
        .isEqualTo("wrong_type: field 'events[0].type' has the wrong type; expected a string");
    assertThat(code("{\"events\":[{\"at\":1748779140}]}"))
        .isEqualTo("wrong_type: field 'events[0].at' has the wrong type; expected a string");
    assertThat(code("{\"events\":[{},{\"detail\":[1]}]}"))
        .isEqualTo("wrong_type: events[1].detail must be an object");
    assertThat(code("{\"events\":[{\"detail\":\"{}\"}]}"))
        .isEqualTo("wrong_type: events[0].detail must be an object");
  }

  @Test
  void unknownFields_areRefused_listingTheAllowedOnes() {
    assertThat(code("{\"batchId\":\"b\",\"more\":1}"))
        .isEqualTo("unknown_field: unknown field 'more'; allowed: batchId, events");
    assertThat(code("{\"events\":[{},{\"type\":\"decision\",\"sequence\":1}]}"))
        .isEqualTo(
            "unknown_field: unknown field 'sequence' in 'events[1]'; allowed: actor, at, clientId,"
                + " detail, tokenId, type");
  }

  @Test
  void invalidJson_isRefused_evenInsideTheDetailThatIsKeptAsText() {
    for (String bad :
        List.of(
            "{\"events\":[]} trailing",
            "{\"events\":[]}{}",
            "{\"events\":[{\"detail\":{\"a\":1,}}]}",
            "{\"events\":[{\"detail\":{\"a\":tru}}]}",
            "{\"events\":[{\"detail\":{\"a\":\"\\x\"}}]}",
            "{\"events\":[{\"detail\":{\"a\":\"line\nbreak\"}}]}",
            "{\"events\":[{\"detail\":{\"a\":1}]}",
            "{\"events\":[{\"detail\":{\"a\":NaN}}]}")) {
      assertThat(code(bad)).as(bad).startsWith("malformed_json");
    }
  }

  @Test
  void duplicateKeys_areRefused_atEveryDepth() {
    assertThat(code("{\"batchId\":\"a\",\"batchId\":\"b\",\"events\":[]}"))
        .startsWith("malformed_json");
    assertThat(
            code(
                "{\"events\":[{\"at\":\"2025-06-01T11:59:00Z\",\"at\":\"2025-06-01T11:59:00Z\"}]}"))
        .startsWith("malformed_json");
    // A reader of the stored detail would see one of the two decisions: neither is kept.
    assertThat(
            code(
                "{\"events\":[{\"detail\":{\"decision\":\"deny\",\"code\":\"X\",\"decision\":\"allow\"}}]}"))
        .startsWith("malformed_json")
        .contains("decision");
    assertThat(code("{\"events\":[{\"detail\":{\"blocks\":[{\"r\":1,\"s\":2,\"t\":3,\"r\":4}]}}]}"))
        .startsWith("malformed_json");
  }

  @Test
  void invalidUtf8_inTheDetail_isRefused() {
    byte[] prefix = "{\"events\":[{\"detail\":{\"a\":\"".getBytes(StandardCharsets.UTF_8);
    byte[] suffix = "\"}}]}".getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[prefix.length + 2 + suffix.length];
    System.arraycopy(prefix, 0, body, 0, prefix.length);
    // A two-byte lead followed by no continuation byte.
    body[prefix.length] = (byte) 0xC3;
    body[prefix.length + 1] = (byte) 0x28;
    System.arraycopy(suffix, 0, body, prefix.length + 2, suffix.length);

    assertThatThrownBy(() -> AuditBatch.read(body))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.code()).isEqualTo("malformed_json"));
  }

  @Test
  void deepNesting_inTheDetail_isRefused() {
    String deep = "{\"a\":".repeat(40) + "1" + "}".repeat(40);

    assertThat(code("{\"events\":[{\"detail\":" + deep + "}]}")).startsWith("malformed_json");
  }
}
