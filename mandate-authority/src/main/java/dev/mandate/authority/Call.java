package dev.mandate.authority;

import dev.mandate.authority.store.ClientRecord;
import dev.mandate.server.UnreadBodies;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * One API request as an endpoint sees it: path parameters, the caller, the bounded body.
 *
 * @param client the authenticated client; null only on public routes
 * @param admin whether the caller is an admin (by its credential or by the policy)
 */
record Call(
    Request request,
    Map<String, String> pathParams,
    ClientRecord client,
    boolean admin,
    int maxBodyBytes) {

  String path(String name) {
    return pathParams.get(name);
  }

  /** This call with another body limit, for a route whose bodies are larger by design. */
  Call withBodyLimit(int bytes) {
    return new Call(request, pathParams, client, admin, bytes);
  }

  String header(HttpHeader header) {
    return request.getHeaders().get(header);
  }

  String header(String name) {
    return request.getHeaders().get(name);
  }

  /** A query parameter; a repeated parameter is refused. */
  String query(String name) {
    Fields.Field field = Request.extractQueryParameters(request).get(name);
    if (field == null) {
      return null;
    }
    if (field.getValues().size() > 1) {
      throw ApiException.badRequest(
          "invalid_parameter", "the query parameter '" + name + "' is given more than once");
    }
    return field.getValue();
  }

  /**
   * Reads the JSON body as {@code type}, reading at most the configured limit plus one byte.
   *
   * @throws ApiException 413 if the body is larger than the limit, 415 if it is not JSON, 400 if it
   *     is not a valid {@code type}
   */
  <T> T body(Class<T> type) {
    return body(bytes -> Json.read(bytes, type));
  }

  /**
   * Reads the JSON body with {@code reader} (for bodies read without data binding), reading at most
   * the configured limit plus one byte.
   *
   * @throws ApiException 413 if the body is larger than the limit, 415 if it is not JSON, or what
   *     {@code reader} throws
   */
  <T> T body(java.util.function.Function<byte[], T> reader) {
    String contentType = header(HttpHeader.CONTENT_TYPE);
    if (contentType != null
        && !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw new ApiException(
          415, "unsupported_media_type", "send the request body as application/json");
    }
    return reader.apply(readBody());
  }

  /** As {@link #body(Class)}, but an empty body gives null. */
  <T> T optionalBody(Class<T> type) {
    if (request.getLength() == 0) {
      return null;
    }
    String contentType = header(HttpHeader.CONTENT_TYPE);
    if (contentType != null
        && !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw new ApiException(
          415, "unsupported_media_type", "send the request body as application/json");
    }
    byte[] bytes = readBody();
    return bytes.length == 0 ? null : Json.read(bytes, type);
  }

  /**
   * Reads an {@code application/x-www-form-urlencoded} body as text (OAuth's token and consent
   * requests), at most the configured limit.
   *
   * @throws ApiException 413 if the body is larger than the limit, 415 if it is not a form
   */
  String formBody() {
    String contentType = header(HttpHeader.CONTENT_TYPE);
    if (contentType == null
        || !contentType
            .toLowerCase(java.util.Locale.ROOT)
            .startsWith("application/x-www-form-urlencoded")) {
      throw new ApiException(
          415,
          "unsupported_media_type",
          "send the request body as application/x-www-form-urlencoded");
    }
    return new String(readBody(), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The raw JSON body, at most the configured limit (for bodies a library parses). */
  String jsonBody() {
    String contentType = header(HttpHeader.CONTENT_TYPE);
    if (contentType == null
        || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw new ApiException(
          415, "unsupported_media_type", "send the request body as application/json");
    }
    return new String(readBody(), java.nio.charset.StandardCharsets.UTF_8);
  }

  private byte[] readBody() {
    long declared = request.getLength();
    try (InputStream in = Content.Source.asInputStream(request)) {
      if (declared > maxBodyBytes) {
        throw tooLarge(in);
      }
      byte[] bytes = in.readNBytes(maxBodyBytes + 1);
      if (bytes.length > maxBodyBytes) {
        throw tooLarge(in);
      }
      return bytes;
    } catch (IOException e) {
      throw ApiException.badRequest("unreadable_body", "the request body could not be read");
    }
  }

  /**
   * The 413 for a body over the limit. An authenticated caller's remaining body is read and dropped
   * first (bounded), so the answer reaches a client still sending instead of being lost to the
   * reset that closing with unread data causes; a public route's caller (OAuth) is not drained: its
   * connection closes.
   */
  private ApiException tooLarge(InputStream rest) {
    if (client != null) {
      UnreadBodies.discard(rest);
    }
    return new ApiException(
        413,
        "body_too_large",
        "the request body is larger than the limit of " + maxBodyBytes + " bytes");
  }
}
