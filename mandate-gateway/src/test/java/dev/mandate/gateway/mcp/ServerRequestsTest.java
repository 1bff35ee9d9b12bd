package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class ServerRequestsTest {
  private static JsonNode json(String text) throws Exception {
    return JsonRpc.parse(text);
  }

  private static JsonNode answer(String id) throws Exception {
    return json("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{}}");
  }

  @Test
  void aResponse_isForwardedOnlyToADeliveredRequest_once() throws Exception {
    ServerRequests requests = new ServerRequests();
    requests.delivering(
        json("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"sampling/createMessage\"}"));

    assertThat(requests.claim(answer("1"))).as("never delivered").isFalse();
    assertThat(requests.claim(answer("\"0\""))).as("a string is another id").isFalse();
    assertThat(requests.claim(answer("0"))).isTrue();
    assertThat(requests.claim(answer("0"))).as("a second answer").isFalse();
  }

  @Test
  void notificationsAndResponses_createNothingToAnswer() throws Exception {
    ServerRequests requests = new ServerRequests();
    requests.delivering(json("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}"));
    requests.delivering(json("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}"));

    assertThat(requests.claim(answer("3"))).isFalse();
    assertThat(requests.claim(json("{\"jsonrpc\":\"2.0\",\"result\":{}}"))).isFalse();
  }

  @Test
  void aRequestTheServerCancelled_cannotBeAnswered() throws Exception {
    ServerRequests requests = new ServerRequests();
    requests.delivering(json("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"elicitation/create\"}"));

    requests.cancelled(
        json(
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":5}}"));

    assertThat(requests.claim(answer("5"))).isFalse();
  }

  @Test
  void outstandingRequests_areBounded_theOldestForgotten() throws Exception {
    ServerRequests requests = new ServerRequests();
    for (int i = 0; i <= ServerRequests.MAX_OUTSTANDING; i++) {
      requests.delivering(json("{\"jsonrpc\":\"2.0\",\"id\":" + i + ",\"method\":\"ping\"}"));
    }

    assertThat(requests.claim(answer("0"))).isFalse();
    assertThat(requests.claim(answer("1"))).isTrue();
    assertThat(requests.claim(answer(String.valueOf(ServerRequests.MAX_OUTSTANDING)))).isTrue();
  }
}
