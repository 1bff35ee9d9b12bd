package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A hostile MCP client speaking raw HTTP/1.1 from a chosen loopback address (Linux routes all of
 * 127/8 to the loopback interface): for what SDK clients never send (forged responses, unknown
 * methods, floods of sessions from several addresses) and for GET streams held open on purpose.
 */
final class RawMcp {
  static final String INITIALIZE =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
          + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":%s,"
          + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";

  private final URI gateway;
  private final String path;
  private final String from;

  /**
   * @param gateway the gateway's base URL
   * @param path the MCP endpoint's path
   * @param from the loopback address to connect from, such as {@code 127.0.0.2}
   */
  RawMcp(String gateway, String path, String from) {
    this.gateway = URI.create(gateway);
    this.path = path;
    this.from = from;
  }

  /** One answer: status, headers (names in lower case) and body. */
  record Answer(int status, Map<String, String> headers, String body) {
    JsonNode json() {
      try {
        return McpStack.JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String session() {
      return header("Mcp-Session-Id");
    }
  }

  /** Opens a session with these client capabilities (JSON); the answer carries its id. */
  Answer initialize(String token, String capabilities) throws IOException {
    return post(token, null, INITIALIZE.formatted(capabilities));
  }

  /** POSTs one JSON-RPC message, taking a JSON answer; {@code session} may be null. */
  Answer post(String token, String session, String body) throws IOException {
    return post(token, session, body, null);
  }

  /** As {@link #post(String, String, String)}, with a {@code Mandate-Proof} (if not null). */
  Answer post(String token, String session, String body, String proof) throws IOException {
    Map<String, String> h = new LinkedHashMap<>();
    if (proof != null) {
      h.put("Mandate-Proof", proof);
    }
    h.put("Content-Type", "application/json");
    h.put("Accept", "application/json");
    if (session != null) {
      h.put("Mcp-Session-Id", session);
      h.put("MCP-Protocol-Version", "2025-11-25");
    }
    return exchange("POST", token, h, body);
  }

  /** Ends a session. */
  Answer delete(String token, String session) throws IOException {
    return delete(token, session, null);
  }

  /** Ends a session, with a {@code Mandate-Proof} (if not null). */
  Answer delete(String token, String session, String proof) throws IOException {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Mcp-Session-Id", session);
    if (proof != null) {
      h.put("Mandate-Proof", proof);
    }
    return exchange("DELETE", token, h, null);
  }

  /**
   * Opens the session's GET stream and leaves it open; the gateway holds it as the session's stream
   * until {@link Stream#close()}. {@link Stream#status()} waits for its answer.
   */
  Stream openStream(String token, String session) throws IOException {
    Socket s = connect();
    write(
        s,
        request(
            "GET",
            token,
            Map.of(
                "Accept", "text/event-stream",
                "Mcp-Session-Id", session,
                "MCP-Protocol-Version", "2025-11-25"),
            null,
            false));
    return new Stream(s);
  }

  /** A GET stream held open. */
  static final class Stream implements Closeable {
    private final Socket socket;

    private Stream(Socket socket) {
      this.socket = socket;
    }

    /** The status of the stream's answer (the gateway answers a stream as soon as it holds it). */
    int status() throws IOException {
      String status = line(socket.getInputStream());
      if (!status.startsWith("HTTP/1.1 ")) {
        throw new IOException("not an HTTP answer: " + status);
      }
      return Integer.parseInt(status.substring(9, 12));
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing a test socket
      }
    }
  }

  private Answer exchange(String method, String token, Map<String, String> headers, String body)
      throws IOException {
    try (Socket s = connect()) {
      write(s, request(method, token, headers, body, true));
      return read(s.getInputStream());
    }
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    s.connect(new InetSocketAddress(gateway.getHost(), gateway.getPort()), 5000);
    s.setSoTimeout(30_000);
    return s;
  }

  private byte[] request(
      String method, String token, Map<String, String> headers, String body, boolean close) {
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder r = new StringBuilder();
    r.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    r.append("Host: ").append(gateway.getHost()).append(':').append(gateway.getPort());
    r.append("\r\n");
    if (token != null) {
      r.append("Authorization: Bearer ").append(token).append("\r\n");
    }
    headers.forEach((k, v) -> r.append(k).append(": ").append(v).append("\r\n"));
    if (body != null) {
      r.append("Content-Length: ").append(content.length).append("\r\n");
    }
    if (close) {
      r.append("Connection: close\r\n");
    }
    r.append("\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(r.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static void write(Socket s, byte[] bytes) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(bytes);
    out.flush();
  }

  /** Reads the whole answer of a connection the gateway closes after it. */
  private static Answer read(InputStream in) throws IOException {
    String status = line(in);
    if (!status.startsWith("HTTP/1.1 ")) {
      throw new IOException("not an HTTP answer: " + status);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      headers.put(
          h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
    }
    byte[] body;
    if (headers.containsKey("content-length")) {
      body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int size = Integer.parseInt(line(in).strip(), 16); size > 0; ) {
        out.writeBytes(in.readNBytes(size));
        line(in);
        size = Integer.parseInt(line(in).strip(), 16);
      }
      body = out.toByteArray();
    } else {
      body = in.readAllBytes();
    }
    return new Answer(
        Integer.parseInt(status.substring(9, 12)),
        headers,
        new String(body, StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }
}
