package dev.mandate.console;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Another web site on loopback, for what a browser meets besides the authority: an OAuth client's
 * redirect target, or an attacker's page that posts to the console or frames it. It serves fixed
 * HTML at paths and keeps the URI of every request.
 *
 * <p>On {@code 127.0.0.1} (another port) it is another origin of the same site as the authority, so
 * the browser still sends the console's {@code SameSite} cookies and only the CSRF token stands in
 * the way; on {@code 127.0.0.2} it is another site.
 */
final class Site implements AutoCloseable {
  /** Another origin of the authority's site (127.0.0.1). */
  static final String SAME_SITE = "127.0.0.1";

  /** Another site (127.0.0.2, still loopback). */
  static final String CROSS_SITE = "127.0.0.2";

  private final HttpServer server;
  private final String host;
  private final Map<String, String> pages = new ConcurrentHashMap<>();
  private final List<URI> requests = new CopyOnWriteArrayList<>();

  private Site(HttpServer server, String host) {
    this.server = server;
    this.host = host;
  }

  static Site start(String host) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), 0), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host, e);
    }
    Site site = new Site(server, host);
    server.createContext(
        "/",
        exchange -> {
          site.requests.add(exchange.getRequestURI());
          String html = site.pages.get(exchange.getRequestURI().getPath());
          byte[] body =
              (html == null ? "<!DOCTYPE html><title>Not found</title>" : html)
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(html == null ? 404 : 200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    return site;
  }

  /** The site's origin: scheme, host and port. */
  String url() {
    return "http://" + host + ":" + server.getAddress().getPort();
  }

  /** Serves {@code html} at {@code path}; returns the page's URL. */
  String page(String path, String html) {
    pages.put(path, html);
    return url() + path;
  }

  /** The URIs requested so far, oldest first. */
  List<URI> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
