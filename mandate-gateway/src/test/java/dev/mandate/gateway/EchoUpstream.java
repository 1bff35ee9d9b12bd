package dev.mandate.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;

/**
 * An upstream API: echoes requests as JSON; {@code /slow} waits 2 s; {@code /stall} answers a
 * little, then waits 2 s; {@code /leak} leaks; {@code /encoded/{gzip|deflate|br}} leaks in an
 * answer compressed that way ({@code br} is only labelled so); {@code /bomb} is a deflate bomb.
 */
final class EchoUpstream implements AutoCloseable {
  private final LoopbackServer server;
  static final String LEAKED = "mnd1_AAAAbbbbCCCCdddd-_0123456789";

  /**
   * How long /slow and /stall keep the gateway waiting: twice the test gateway's 3 s upstream
   * timeout. The timeout covers the gateway's own work on an answer too (inflating the deflate bomb
   * up to its bound), so it is long enough for that on a loaded machine.
   */
  private static final long UPSTREAM_STALL_MILLIS = 6_000;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static EchoUpstream shared;

  /** One upstream for every test class, stopped when the test JVM exits. */
  static synchronized EchoUpstream shared() throws Exception {
    if (shared == null) {
      shared = new EchoUpstream();
      EchoUpstream u = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(u::close));
    }
    return shared;
  }

  EchoUpstream() throws Exception {
    // Made before any request, so no request waits for it.
    if (DeflateBomb.BYTES.length == 0) {
      throw new IllegalStateException("empty deflate bomb");
    }
    server =
        LoopbackServer.start(
            (request, response, callback) -> {
              String path = request.getHttpURI().getPath();
              if (path.equals("/slow")) {
                Thread.sleep(UPSTREAM_STALL_MILLIS);
              }
              if (path.equals("/stall")) {
                // Starts answering, then falls silent for longer than the gateway waits.
                response.getHeaders().put("Content-Type", "text/plain");
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                  out.write("partial".getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                  Thread.sleep(UPSTREAM_STALL_MILLIS);
                  out.write(" rest".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  // The gateway gave up and closed the connection.
                }
                callback.succeeded();
                return true;
              }
              if (path.equals("/bomb")) {
                response.getHeaders().put("Content-Type", "text/plain");
                response.getHeaders().put("Content-Encoding", "deflate");
                response.write(true, java.nio.ByteBuffer.wrap(DeflateBomb.BYTES), callback);
                return true;
              }
              if (path.startsWith("/encoded/")) {
                String encoding = path.substring("/encoded/".length());
                byte[] plain = ("a " + LEAKED + " z").getBytes(StandardCharsets.US_ASCII);
                java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
                try (OutputStream out =
                    switch (encoding) {
                      case "gzip" -> new java.util.zip.GZIPOutputStream(packed);
                      case "deflate" -> new java.util.zip.DeflaterOutputStream(packed);
                      default -> packed;
                    }) {
                  out.write(plain);
                }
                response.getHeaders().put("Content-Type", "text/plain");
                response.getHeaders().put("Content-Encoding", encoding);
                response.write(true, java.nio.ByteBuffer.wrap(packed.toByteArray()), callback);
                return true;
              }
              if (path.equals("/leak")) {
                response.getHeaders().put("X-Leak", "token=" + LEAKED);
                response.getHeaders().put("Content-Type", "text/plain");
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                  // Tokens split across chunks: "mn|d1_..." and "...mndsk1_|abc".
                  for (String chunk :
                      new String[] {
                        "before mn",
                        "d1_AAAA",
                        "BBBB after; key mndsk",
                        "1_",
                        "xyz-_9 end; pk mndpk1_keep"
                      }) {
                    out.write(chunk.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                  }
                }
                callback.succeeded();
                return true;
              }
              ObjectNode echo = JSON.createObjectNode();
              echo.put("method", request.getMethod());
              echo.put("path", path);
              echo.put("query", request.getHttpURI().getQuery());
              ObjectNode headers = echo.putObject("headers");
              for (HttpField f : request.getHeaders()) {
                headers.put(f.getName().toLowerCase(java.util.Locale.ROOT), f.getValue());
              }
              // The gateway redacts its upstream credentials from answers: a digest shows which
              // credential arrived.
              String authorization = request.getHeaders().get("Authorization");
              if (authorization != null) {
                echo.put("authorizationSha256", ProxySetup.sha256(authorization));
              }
              byte[] body = Content.Source.asInputStream(request).readAllBytes();
              echo.put("bodyLength", body.length);
              echo.put("body", new String(body, StandardCharsets.UTF_8));
              byte[] out = JSON.writeValueAsBytes(echo);
              response.getHeaders().put("Content-Type", "application/json");
              response.write(true, java.nio.ByteBuffer.wrap(out), callback);
              return true;
            });
  }

  String url() {
    return server.url();
  }

  @Override
  public void close() {
    server.close();
  }

  /**
   * 64 MiB of zeros, deflated to about 64 KiB, made once: deflating it on each request took longer
   * than the test gateway's 500 ms upstream timeout on a loaded machine, so the answer was a 504
   * rather than the 502 under test.
   */
  private static final class DeflateBomb {
    static final byte[] BYTES = make();

    private static byte[] make() {
      java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
      try (OutputStream out = new java.util.zip.DeflaterOutputStream(packed)) {
        byte[] zeros = new byte[1 << 20];
        for (int i = 0; i < 64; i++) {
          out.write(zeros);
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return packed.toByteArray();
    }
  }
}
