package dev.mandate.testkit;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A raw TCP client bound to a chosen loopback address (Linux routes all of 127/8 to the loopback
 * interface), for the slow and partial requests no HTTP client library sends.
 */
public final class RawPeer implements Closeable {
  private final Socket socket;

  private RawPeer(Socket socket) {
    this.socket = socket;
  }

  public static RawPeer connect(String from, int port) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5000);
    s.setSoTimeout(20_000);
    return new RawPeer(s);
  }

  /** Writes text; false if the server has closed the connection. */
  public boolean send(String text) {
    try {
      socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The status code of the next response, or -1 if the connection ends first. */
  public int status() {
    try {
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != -1 && b != '\n') {
        line.write(b);
      }
      String text = line.toString(StandardCharsets.ISO_8859_1).strip();
      if (!text.startsWith("HTTP/1.1 ")) {
        return -1;
      }
      return Integer.parseInt(text.substring(9, 12));
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Reads one whole response (headers and a Content-Length body); its status, or -1. */
  public int response() {
    int status = status();
    if (status < 0) {
      return status;
    }
    try {
      InputStream in = socket.getInputStream();
      long length = 0;
      StringBuilder header = new StringBuilder();
      while (true) {
        int b = in.read();
        if (b == -1) {
          return -1;
        }
        if (b == '\n') {
          String h = header.toString().strip();
          if (h.isEmpty()) {
            break;
          }
          if (h.regionMatches(true, 0, "Content-Length:", 0, 15)) {
            length = Long.parseLong(h.substring(15).strip());
          }
          header.setLength(0);
        } else {
          header.append((char) b);
        }
      }
      if (in.readNBytes((int) length).length != length) {
        return -1;
      }
      return status;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Whether the server closes the connection within {@code limit}, reading and dropping data. */
  public boolean closedWithin(Duration limit) {
    try {
      socket.setSoTimeout((int) limit.toMillis());
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      while (in.read(buffer) != -1) {
        // drop whatever the server answered before closing
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
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
