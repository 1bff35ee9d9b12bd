package dev.mandate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpHeaders;

/** An HTTP answer as a test reads it: the status, the headers and the body as text. */
public record Reply(int status, HttpHeaders headers, String body) {

  /**
   * The body as JSON.
   *
   * @throws AssertionError if it is not JSON
   */
  public JsonNode json() {
    try {
      return Http.JSON.readTree(body);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + body, e);
    }
  }

  /**
   * The body as JSON, after checking the status.
   *
   * @throws IllegalStateException naming the status and the body if the status is not {@code
   *     expected}
   */
  public JsonNode expect(int expected) {
    if (status != expected) {
      throw new IllegalStateException(
          "expected HTTP " + expected + " but got " + status + ": " + body);
    }
    return json();
  }

  /**
   * The {@code code} member of a problem ({@code application/problem+json}) answer, after checking
   * the status.
   *
   * @throws IllegalStateException naming the status and the body if the status is not {@code
   *     expected}
   */
  public String problemCode(int expected) {
    return expect(expected).path("code").asText(null);
  }
}
