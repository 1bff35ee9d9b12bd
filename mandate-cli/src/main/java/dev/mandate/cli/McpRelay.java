package dev.mandate.cli;

import dev.mandate.gateway.mcp.SseParser;
import dev.mandate.sdk.CapabilityHandle;
import dev.mandate.sdk.MandateMcpCustomizer;
import dev.mandate.sdk.Wallet;
import io.modelcontextprotocol.common.McpTransportContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The gateway side of {@code mandate proxy}: sends an MCP message, the GET stream's request or a
 * session's end to a gateway's MCP endpoint, presenting a capability with a proof over exactly that
 * operation: a Mandate proof by the wallet's key ({@link MandateMcpCustomizer}, the SDK's MCP glue)
 * or a DPoP proof by the proxy's key ({@link OAuthCapability}). Thread-safe.
 */
final class McpRelay {
  /** The largest message relayed either way. */
  static final int MAX_MESSAGE_BYTES = 4 << 20;

  /** Adds a capability and its proof over one request to the gateway. */
  @FunctionalInterface
  interface Presenter {
    /**
     * @throws NoCapability if there is no usable capability (expired, and not refreshed)
     */
    void present(HttpRequest.Builder request, String method, URI endpoint, String body);
  }

  /** No usable capability: the message says why, and holds no token or key. */
  static final class NoCapability extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoCapability(String message) {
      super(message, null, false, false);
    }
  }

  private final URI endpoint;
  private final Presenter presenter;
  private final HttpClient http;

  McpRelay(URI endpoint, Wallet wallet, CapabilityHandle handle, HttpClient http) {
    this(
        endpoint,
        (b, method, uri, body) ->
            MandateMcpCustomizer.of(wallet, handle)
                .customize(b, method, uri, body, McpTransportContext.EMPTY),
        http);
  }

  McpRelay(URI endpoint, Presenter presenter, HttpClient http) {
    this.endpoint = endpoint;
    this.presenter = presenter;
    this.http = http;
  }

  URI endpoint() {
    return endpoint;
  }

  /**
   * Sends one request to the gateway with the capability and its proof.
   *
   * @param method {@code POST}, {@code GET} or {@code DELETE}
   * @param body the JSON-RPC message of a POST, else null
   * @param headers the MCP transport's headers to pass on (session id, protocol version, accept,
   *     content type, last event id); never {@code Authorization}
   * @throws dev.mandate.sdk.CapabilityUnavailableException if the capability expired and could not
   *     be refreshed
   * @throws NoCapability likewise, for a capability obtained by OAuth
   */
  HttpResponse<InputStream> send(String method, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(endpoint)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (!"GET".equals(method)) {
      b.timeout(Duration.ofMinutes(10));
    }
    headers.forEach(b::header);
    presenter.present(b, method, endpoint, body);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  /**
   * Reads a whole answer of at most {@link #MAX_MESSAGE_BYTES}.
   *
   * @throws IOException if it is longer
   */
  static String readBounded(InputStream in) throws IOException {
    try (in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) > 0) {
        if (out.size() + n > MAX_MESSAGE_BYTES) {
          throw new IOException("an answer exceeds " + MAX_MESSAGE_BYTES + " bytes");
        }
        out.write(buffer, 0, n);
      }
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  /**
   * Reads a server-sent event stream (MCP's Streamable HTTP) and hands the data of each event to
   * {@code onMessage}, until the stream ends.
   *
   * @throws IOException if the stream fails or an event exceeds {@link #MAX_MESSAGE_BYTES}
   */
  static void events(InputStream in, Consumer<String> onMessage) throws IOException {
    SseParser parser =
        new SseParser(
            MAX_MESSAGE_BYTES, data -> onMessage.accept(new String(data, StandardCharsets.UTF_8)));
    try (in) {
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) > 0) {
        parser.feed(ByteBuffer.wrap(buffer, 0, n));
      }
    }
  }
}
