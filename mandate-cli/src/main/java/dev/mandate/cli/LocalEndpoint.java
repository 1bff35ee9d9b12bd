package dev.mandate.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mandate.gateway.mcp.RoutingHeaders;
import dev.mandate.sdk.CapabilityUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * MCP's Streamable HTTP transport on loopback for {@code mandate proxy}: {@code POST}, {@code GET}
 * and {@code DELETE} of {@code /mcp} are relayed to the gateway's endpoint ({@link McpRelay}), with
 * the wallet's capability and a proof over each, and the answer (status, content type, session id,
 * body, streamed) is relayed back. It listens on 127.0.0.1 only; a browser request whose {@code
 * Origin} is not a loopback one is refused (403), so a web page cannot use the proxy's capability
 * (DNS rebinding). The client's own {@code Authorization} is not passed on.
 */
final class LocalEndpoint implements AutoCloseable {
  static final String PATH = "/mcp";
  private static final List<String> PASSED =
      List.of(
          "Content-Type",
          "Accept",
          "Mcp-Session-Id",
          "Last-Event-ID",
          RoutingHeaders.VERSION,
          RoutingHeaders.METHOD,
          RoutingHeaders.NAME);

  private final McpRelay relay;
  private final HttpServer server;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "mandate-proxy-http");
            t.setDaemon(true);
            return t;
          });

  private LocalEndpoint(McpRelay relay, HttpServer server) {
    this.relay = relay;
    this.server = server;
  }

  /** Listens on 127.0.0.1 at {@code port} (0: any free port). */
  static LocalEndpoint start(McpRelay relay, int port) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    LocalEndpoint endpoint = new LocalEndpoint(relay, server);
    server.createContext(PATH, endpoint::handle);
    server.setExecutor(endpoint.threads);
    server.start();
    return endpoint;
  }

  /** The endpoint's URL, {@code http://127.0.0.1:PORT/mcp}. */
  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PATH);
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String method = x.getRequestMethod().toUpperCase(Locale.ROOT);
      if (!x.getRequestURI().getPath().equals(PATH)) {
        plain(x, 404, "not found");
        return;
      }
      if (!List.of("POST", "GET", "DELETE").contains(method)) {
        x.getResponseHeaders().set("Allow", "POST, GET, DELETE");
        plain(x, 405, "method not allowed");
        return;
      }
      String origin = x.getRequestHeaders().getFirst("Origin");
      if (origin != null && !loopbackOrigin(origin)) {
        plain(x, 403, "only loopback origins may use this proxy");
        return;
      }
      String body = null;
      if (method.equals("POST")) {
        byte[] bytes = x.getRequestBody().readNBytes(McpRelay.MAX_MESSAGE_BYTES + 1);
        if (bytes.length > McpRelay.MAX_MESSAGE_BYTES) {
          plain(x, 413, "the message exceeds " + McpRelay.MAX_MESSAGE_BYTES + " bytes");
          return;
        }
        body = new String(bytes, StandardCharsets.UTF_8);
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (String name : PASSED) {
        String value = x.getRequestHeaders().getFirst(name);
        if (value != null) {
          headers.put(name, value);
        }
      }
      x.getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (name.regionMatches(
                        true,
                        0,
                        RoutingHeaders.PARAM_PREFIX,
                        0,
                        RoutingHeaders.PARAM_PREFIX.length())
                    && !values.isEmpty()) {
                  headers.put(name, values.get(0));
                }
              });
      HttpResponse<InputStream> answer;
      try {
        answer = relay.send(method, body, headers);
      } catch (CapabilityUnavailableException | McpRelay.NoCapability e) {
        plain(x, 503, "mandate proxy has no usable capability: " + e.getMessage());
        return;
      } catch (IOException e) {
        plain(x, 502, "the gateway cannot be reached: " + e.getMessage());
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        plain(x, 503, "interrupted");
        return;
      }
      for (String name :
          List.of("Content-Type", "Mcp-Session-Id", "WWW-Authenticate", "Cache-Control")) {
        answer.headers().allValues(name).forEach(v -> x.getResponseHeaders().add(name, v));
      }
      int status = answer.statusCode();
      boolean noBody = status == 202 || status == 204 || status == 304;
      x.sendResponseHeaders(status, noBody ? -1 : 0);
      try (InputStream in = answer.body()) {
        if (!noBody) {
          OutputStream out = x.getResponseBody();
          byte[] buffer = new byte[8192];
          int n;
          while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
            out.flush(); // events reach the client as they arrive
          }
        }
      }
    }
  }

  private static boolean loopbackOrigin(String origin) {
    try {
      String host = URI.create(origin).getHost();
      return host != null
          && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static void plain(HttpExchange x, int status, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    x.sendResponseHeaders(status, bytes.length);
    x.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
