package dev.mandate.server;

import dev.mandate.wire.Problem;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Objects;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the errors Jetty produces itself (a request line or headers it cannot parse or that are
 * too large, no handler for a request, a failure that escaped the handlers) with a {@link Problem}
 * like every other error of the server: never an HTML page, a stack trace or an exception message.
 *
 * <p>The codes: {@code body_too_large} (413), {@code headers_too_large} (431), {@code
 * internal_error} (500), {@code unavailable} (503), and otherwise the status's reason phrase in
 * snake case, such as {@code bad_request} or {@code not_found}.
 */
public class ProblemErrorHandler extends ErrorHandler {
  private final String server;

  /**
   * @param server what the server is called in the details, such as {@code "authority"}
   */
  public ProblemErrorHandler(String server) {
    this.server = Objects.requireNonNull(server, "server");
    setShowStacks(false);
    setShowCauses(false);
    setShowMessageInTitle(false);
    setShowOrigin(false);
  }

  /** Every method gets a body (Jetty's default skips it for all but GET, POST and HEAD). */
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    byte[] body = problemFor(code).toJson();
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  // Still how Jetty 12.1 renders a request it cannot parse (bad request line, 431); deprecated
  // without a replacement hook yet.
  @SuppressWarnings("removal")
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
    return ByteBuffer.wrap(problemFor(status).toJson());
  }

  /** The problem for a status Jetty produced; a status outside 400..599 is treated as 500. */
  Problem problemFor(int status) {
    int s = status >= 400 && status <= 599 ? status : 500;
    return switch (s) {
      case 413 ->
          Problem.of(
              s, "body_too_large", "the request body is larger than the " + server + " accepts");
      case 431 ->
          Problem.of(
              s,
              "headers_too_large",
              "the request headers are larger than the " + server + " accepts");
      case 500 ->
          Problem.of(
              s,
              "internal_error",
              "the " + server + " failed to handle the request; the details are in its log");
      case 503 -> Problem.of(s, "unavailable", "the " + server + " cannot answer now; retry later");
      default -> {
        String title = Problem.reasonPhrase(s);
        yield Problem.of(
            s,
            title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_"),
            "the request could not be handled: " + title);
      }
    };
  }
}
