package dev.mandate.authority;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the errors Jetty produces itself (an unparseable request line, headers too large, a
 * failure outside the router) in the API's JSON error shape, without a stack trace.
 */
final class JsonErrorHandler extends ErrorHandler {
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
    byte[] body = body(code);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Replies.JSON);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  private static byte[] body(int code) {
    String reason = HttpStatus.getMessage(code);
    String error = reason.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    String message =
        code == 413 || code == 431
            ? "the request is larger than the authority accepts"
            : code >= 500
                ? "the authority failed to handle the request; the details are in its log"
                : "the request could not be handled: " + reason;
    return Json.write(Replies.error(error, message)).getBytes(StandardCharsets.UTF_8);
  }
}
