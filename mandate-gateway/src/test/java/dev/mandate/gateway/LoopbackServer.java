package dev.mandate.gateway;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** A Jetty server on 127.0.0.1 and an ephemeral port with one handler: a test's upstream. */
public final class LoopbackServer implements AutoCloseable {
  private final Server server = new Server();
  private final ServerConnector connector = new ServerConnector(server);

  private LoopbackServer(Handler handler) {
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(handler);
  }

  /** Starts a server answering with {@code handler}. */
  public static LoopbackServer start(Handler handler) throws Exception {
    LoopbackServer s = new LoopbackServer(handler);
    s.server.start();
    return s;
  }

  /** {@code http://127.0.0.1:port}. */
  public String url() {
    return "http://127.0.0.1:" + connector.getLocalPort();
  }

  /** Stops the server, so that calls to it are refused. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("the test server did not stop", e);
    }
  }
}
