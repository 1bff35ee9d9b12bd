package dev.mandate.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The gateway's own answers, all JSON of the shape {@code {"error": ..., "code": ..., "reason":
 * ...}} (an {@code APPROVAL_REQUIRED} denial adds {@link GuardResult.ApprovalNeeded#toJson()}'s
 * fields); never a stack trace.
 */
final class GatewayReplies {
  static final String JSON_TYPE = "application/json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private GatewayReplies() {}

  static byte[] body(String error, String code, String reason) {
    return bytes(object(error, code, reason));
  }

  private static ObjectNode object(String error, String code, String reason) {
    ObjectNode n = JSON.createObjectNode();
    n.put("error", error);
    if (code != null) {
      n.put("code", code);
    }
    n.put("reason", reason);
    return n;
  }

  private static byte[] bytes(ObjectNode n) {
    try {
      return JSON.writeValueAsBytes(n);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON error", e);
    }
  }

  static void send(
      Response response, Callback callback, int status, String error, String code, String reason) {
    send(response, callback, status, body(error, code, reason));
  }

  private static void send(Response response, Callback callback, int status, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  /**
   * Answers a guard's denial: 401 with {@code WWW-Authenticate} (RFC 6750: {@code
   * error="invalid_token"} unless no token was sent), 403, or 503 with {@code Retry-After}.
   */
  static void denied(Response response, Callback callback, GuardResult r, boolean tokenSent) {
    if (r.unauthenticated() || !tokenSent) {
      boolean missing = !tokenSent;
      response
          .getHeaders()
          .put(
              HttpHeader.WWW_AUTHENTICATE,
              missing
                  ? "Bearer realm=\"mandate\""
                  : "Bearer realm=\"mandate\", error=\"invalid_token\"");
      send(
          response,
          callback,
          401,
          "unauthorized",
          r.code(),
          missing ? "no capability was presented; send Authorization: Bearer <token>" : r.reason());
    } else if (r.httpStatus() == 503) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
      send(response, callback, 503, "unavailable", r.code(), r.reason());
    } else if (r.approvalNeeded() != null) {
      ObjectNode body = object("forbidden", r.code(), r.reason());
      body.setAll(r.approvalNeeded().toJson());
      send(response, callback, r.httpStatus(), bytes(body));
    } else {
      send(response, callback, r.httpStatus(), "forbidden", r.code(), r.reason());
    }
  }

  /** Answers the errors Jetty produces itself (bad request line, headers too large, ...). */
  static final class JsonErrorHandler extends ErrorHandler {
    JsonErrorHandler() {
      setShowStacks(false);
    }

    @Override
    protected void generateResponse(
        Request request,
        Response response,
        int code,
        String message,
        Throwable cause,
        Callback callback) {
      byte[] body = errorBody(code);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.write(true, ByteBuffer.wrap(body), callback);
    }

    // Still how Jetty 12.1 renders a request it cannot parse (bad request line, 431); deprecated
    // without a replacement hook yet.
    @SuppressWarnings("removal")
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
      fields.put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
      return ByteBuffer.wrap(errorBody(status));
    }

    private static byte[] errorBody(int code) {
      String name = HttpStatus.getMessage(code);
      String error = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
      String reason =
          code == 413 || code == 431
              ? "the request is larger than the gateway accepts"
              : code >= 500
                  ? "the gateway failed to handle the request; the details are in its log"
                  : "the request could not be handled: " + name;
      return body(error, null, reason);
    }
  }
}
