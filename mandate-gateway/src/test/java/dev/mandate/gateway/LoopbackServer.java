package dev.mandate.gateway;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/** A Jetty server on 127.0.0.1 and an ephemeral port with one handler: a test's upstream. */
public final class LoopbackServer implements AutoCloseable {
  private final Server server = new Server();
  private final ServerConnector connector = new ServerConnector(server);

  private LoopbackServer(Handler handler) {
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(handler);
  }

  /** How the server answers a request (as {@link Handler#handle}). */
  @FunctionalInterface
  public interface Answer {
    boolean handle(Request request, Response response, Callback callback) throws Exception;
  }

  /** Starts a server answering with {@code answer}. */
  public static LoopbackServer start(Answer answer) throws Exception {
    LoopbackServer s =
        new LoopbackServer(
            new Handler.Abstract() {
              @Override
              public boolean handle(Request request, Response response, Callback callback)
                  throws Exception {
                return answer.handle(request, response, callback);
              }
            });
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
