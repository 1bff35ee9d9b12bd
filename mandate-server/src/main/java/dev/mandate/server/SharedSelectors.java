package dev.mandate.server;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One set of selectors for a server's connections and the connections its HTTP client opens, so
 * that a proxy runs both sides of a call on one event loop, as nginx does: the thread that read a
 * request writes it upstream, and the same thread later reads the answer, writes it to the client
 * and watches the client's connection again. With a selector per side, every call woke the upstream
 * client's selector for the answer and then the server's selector (through its wake-up descriptor)
 * only to register interest in the client's next request.
 *
 * <p>The server side is Jetty's own {@link ServerConnector} unchanged: every method of its selector
 * manager runs as before for accepted connections. Only a channel that {@link Client} opened takes
 * the client's path, and it is kept away from what counts the server's connections: the accept
 * listeners (the per-address cap, the total cap) and the connector's set of endpoints never see it.
 * Such a channel is recognised by its context map (Jetty's client attaches one to every channel it
 * connects) or, where Jetty passes no attachment, by the set of channels {@link Client} opened.
 */
final class SharedSelectors {
  private SharedSelectors() {}

  /** A {@link ServerConnector} whose selectors also serve {@link #client()}'s connections. */
  static final class Connector extends ServerConnector {
    /** Channels the client opened and that are not closed yet. */
    private final Set<SelectableChannel> clientChannels = ConcurrentHashMap.newKeySet();

    private final Client client = new Client(this);

    /** {@code selectors} -1 lets Jetty choose (from the number of processors). */
    Connector(Server server, int selectors, ConnectionFactory factory) {
      super(server, -1, selectors, factory);
    }

    /** A client connector to hand to Jetty's HTTP client; its connections use these selectors. */
    Client client() {
      return client;
    }

    @Override
    protected SelectorManager newSelectorManager(
        Executor executor, Scheduler scheduler, int selectors) {
      return new Manager(executor, scheduler, selectors);
    }

    private boolean isClient(SelectableChannel channel) {
      return clientChannels.contains(channel);
    }

    private static boolean isClientContext(Object attachment) {
      return attachment instanceof Map<?, ?>;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> context(Object attachment) {
      return (Map<String, Object>) attachment;
    }

    private final class Manager extends ServerConnectorManager {
      Manager(Executor executor, Scheduler scheduler, int selectors) {
        super(executor, scheduler, selectors);
      }

      @Override
      protected SocketChannelEndPoint newEndPoint(
          SelectableChannel channel, ManagedSelector selector, SelectionKey key)
          throws IOException {
        if (isClientContext(key.attachment())) {
          return client.endPoint(channel, selector, key);
        }
        return super.newEndPoint(channel, selector, key);
      }

      @Override
      public Connection newConnection(
          SelectableChannel channel, EndPoint endPoint, Object attachment) throws IOException {
        if (isClientContext(attachment)) {
          return client.connection(endPoint, context(attachment));
        }
        return super.newConnection(channel, endPoint, attachment);
      }

      @Override
      public void connectionOpened(Connection connection, Object attachment) {
        if (!isClientContext(attachment)) {
          super.connectionOpened(connection, attachment);
          return;
        }
        @SuppressWarnings("unchecked")
        Promise<Connection> promise =
            (Promise<Connection>)
                context(attachment).get(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY);
        try {
          super.connectionOpened(connection, attachment);
          promise.succeeded(connection);
        } catch (Throwable x) {
          promise.failed(x);
        }
      }

      @Override
      protected void connectionFailed(
          SelectableChannel channel, Throwable failure, Object attachment) {
        super.connectionFailed(channel, failure, attachment);
        if (isClientContext(attachment)) {
          clientChannels.remove(channel);
          Map<String, Object> context = context(attachment);
          client.failedToConnect(
              channel,
              (SocketAddress) context.get(ClientConnector.REMOTE_SOCKET_ADDRESS_CONTEXT_KEY),
              failure,
              context);
        }
      }

      // A channel the client found connected at once comes through the accept path: it must not
      // reach the accept listeners, which count the server's connections.
      @Override
      protected void onAccepted(SelectableChannel channel) {
        if (!isClient(channel)) {
          super.onAccepted(channel);
        }
      }

      @Override
      protected void onAcceptFailed(
          SelectableChannel channel, Throwable failure, Object attachment) {
        if (isClientContext(attachment)) {
          clientChannels.remove(channel);
          client.failedToAccept(failure, channel, context(attachment));
          return;
        }
        super.onAcceptFailed(channel, failure, attachment);
      }

      @Override
      protected void endPointOpened(EndPoint endPoint) {
        if (!isClient(channel(endPoint))) {
          super.endPointOpened(endPoint);
        }
      }

      @Override
      protected void endPointClosed(EndPoint endPoint) {
        SelectableChannel channel = channel(endPoint);
        if (!clientChannels.remove(channel)) {
          super.endPointClosed(endPoint);
        }
      }

      private SelectableChannel channel(EndPoint endPoint) {
        return endPoint.getTransport() instanceof SelectableChannel c ? c : null;
      }
    }

    /**
     * The client side: Jetty's {@link ClientConnector} with the connector's selector manager in
     * place of its own. The server connector owns that manager's life cycle; start the client after
     * the server.
     */
    static final class Client extends ClientConnector {
      private final Connector connector;

      private Client(Connector connector) {
        this.connector = connector;
      }

      @Override
      protected SelectorManager newSelectorManager() {
        return connector.getSelectorManager();
      }

      @Override
      protected void doStart() throws Exception {
        super.doStart();
        // Added as a bean by the start above; stopping the client must not stop the server's
        // selectors.
        unmanage(getSelectorManager());
      }

      @Override
      protected void configure(SelectableChannel channel) throws IOException {
        connector.clientChannels.add(channel);
        super.configure(channel);
      }

      @Override
      protected void connectFailed(
          SelectableChannel channel,
          SocketAddress address,
          Throwable failure,
          Map<String, Object> context) {
        if (channel != null) {
          connector.clientChannels.remove(channel);
        }
        super.connectFailed(channel, address, failure, context);
      }

      private SocketChannelEndPoint endPoint(
          SelectableChannel channel, ManagedSelector selector, SelectionKey key)
          throws IOException {
        // Jetty's transports over TCP and Unix sockets both make this kind of endpoint; the
        // server's
        // selector manager declares no other.
        if (!(newEndPoint(channel, selector, key) instanceof SocketChannelEndPoint endPoint)) {
          throw new IOException("only socket connections can share the server's selectors");
        }
        endPoint.setIdleTimeout(getIdleTimeout().toMillis());
        return endPoint;
      }

      private Connection connection(EndPoint endPoint, Map<String, Object> context)
          throws IOException {
        return newConnection(endPoint, context);
      }

      private void failedToConnect(
          SelectableChannel channel,
          SocketAddress address,
          Throwable failure,
          Map<String, Object> context) {
        super.connectFailed(channel, address, failure, context);
      }

      private void failedToAccept(
          Throwable failure, SelectableChannel channel, Map<String, Object> context) {
        acceptFailed(failure, channel, context);
      }
    }
  }
}
