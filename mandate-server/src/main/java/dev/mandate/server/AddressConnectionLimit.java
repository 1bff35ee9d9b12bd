package dev.mandate.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.util.IO;

/**
 * Caps the open connections from one client IP address: a connection past the cap is closed as soon
 * as it is accepted, before a byte of it is read. Jetty's {@code NetworkConnectionLimit} caps the
 * total; it has no per-address form.
 *
 * <p>Added to a connector as a bean; Jetty calls {@link #onAccepting} for every accepted channel,
 * then exactly one of {@link #onAcceptFailed} (also after this listener closed it) or {@link
 * #onAccepted} followed later by {@link #onClosed}. Only addresses with open connections are
 * remembered, so the map is bounded by the connection count.
 */
final class AddressConnectionLimit implements SelectorManager.AcceptListener {
  private final int max;
  private final Map<InetAddress, AtomicInteger> open = new ConcurrentHashMap<>();
  private final Map<SelectableChannel, InetAddress> counted = new ConcurrentHashMap<>();
  private final LongAdder refused = new LongAdder();

  AddressConnectionLimit(int max) {
    this.max = max;
  }

  /** Connections closed because their address was at the cap. */
  long refused() {
    return refused.sum();
  }

  @Override
  public void onAccepting(SelectableChannel channel) {
    InetAddress address = address(channel);
    if (address == null) {
      return;
    }
    counted.put(channel, address);
    int n =
        open.compute(
                address,
                (a, count) -> {
                  AtomicInteger c = count == null ? new AtomicInteger() : count;
                  c.incrementAndGet();
                  return c;
                })
            .get();
    if (n > max) {
      refused.increment();
      // Jetty then fails to register the channel and calls onAcceptFailed, which uncounts it.
      IO.close(channel);
    }
  }

  @Override
  public void onAcceptFailed(SelectableChannel channel, Throwable cause) {
    release(channel);
  }

  @Override
  public void onClosed(SelectableChannel channel) {
    release(channel);
  }

  private void release(SelectableChannel channel) {
    InetAddress address = counted.remove(channel);
    if (address == null) {
      return;
    }
    open.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
  }

  private static InetAddress address(SelectableChannel channel) {
    if (!(channel instanceof SocketChannel socket)) {
      return null;
    }
    try {
      SocketAddress remote = socket.getRemoteAddress();
      return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    } catch (IOException e) {
      return null;
    }
  }
}
