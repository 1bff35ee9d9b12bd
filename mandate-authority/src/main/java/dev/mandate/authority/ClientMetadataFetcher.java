package dev.mandate.authority;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Fetches client ID metadata documents (a client whose {@code client_id} is an https URL) without
 * letting a client aim the authority at its own network (server-side request forgery): https only;
 * the host's addresses are resolved once, every one must be public (no loopback, private,
 * link-local, unique-local, shared, multicast or reserved address), and the connection goes to
 * exactly those addresses, so a DNS answer cannot change between the check and the connect; no
 * redirect is followed; the body is read up to a size limit and the whole exchange within a time
 * limit. Only under {@link OAuthSettings#allowHttpLoopbackClientMetadata()} (tests, development)
 * may a document come from {@code http://127.0.0.1}.
 */
final class ClientMetadataFetcher implements AutoCloseable {

  /** A document that could not be fetched; the message says why, for the person and the log. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private final HttpClient http;
  private final OAuthSettings settings;

  ClientMetadataFetcher(OAuthSettings settings) {
    this.settings = settings;
    ClientConnector connector = new ClientConnector();
    SslContextFactory.Client tls = new SslContextFactory.Client();
    tls.setEndpointIdentificationAlgorithm("HTTPS");
    connector.setSslContextFactory(tls);
    this.http =
        new HttpClient(
            new org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP(connector));
    http.setFollowRedirects(false);
    http.setConnectTimeout(settings.clientMetadataTimeout().toMillis());
    http.setSocketAddressResolver(new PublicAddresses(settings.allowHttpLoopbackClientMetadata()));
    http.setMaxConnectionsPerDestination(4);
    http.setUserAgentField(null);
    try {
      http.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the client metadata fetcher", e);
    }
  }

  /**
   * Checks that {@code clientId} may name a metadata document: https with a host and a path, no
   * query, fragment or credentials (or {@code http://127.0.0.1:PORT/...} under the development
   * flag).
   */
  boolean isDocumentUrl(String clientId) {
    return clientId.startsWith("https://")
        || (settings.allowHttpLoopbackClientMetadata() && clientId.startsWith("http://127.0.0.1"));
  }

  /**
   * Fetches the document at {@code url}.
   *
   * @throws Refused naming why: a URL or address not allowed, a redirect, a status other than 200,
   *     a body over the limit, a timeout, or a network failure
   */
  String fetch(String url) throws Refused {
    URI uri = checkUrl(url);
    Request request =
        http.newRequest(uri)
            .followRedirects(false)
            .timeout(settings.clientMetadataTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .headers(h -> h.put(HttpHeader.ACCEPT, "application/json"));
    ContentResponse response;
    try {
      response =
          new CompletableResponseListener(request, settings.clientMetadataMaxBytes())
              .send()
              .get(settings.clientMetadataTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Refused("interrupted while fetching the client metadata document");
    } catch (TimeoutException e) {
      request.abort(e);
      throw new Refused("the client metadata document did not arrive in time");
    } catch (ExecutionException e) {
      throw new Refused(reason(e.getCause()));
    }
    int status = response.getStatus();
    if (status >= 300 && status < 400) {
      throw new Refused(
          "the client metadata document URL redirects (" + status + "); not followed");
    }
    if (status != 200) {
      throw new Refused("the client metadata document URL answered " + status);
    }
    return new String(response.getContent(), StandardCharsets.UTF_8);
  }

  private URI checkUrl(String url) throws Refused {
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException e) {
      throw new Refused("client_id is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean devLoopback =
        settings.allowHttpLoopbackClientMetadata()
            && scheme.equals("http")
            && "127.0.0.1".equals(uri.getHost());
    if (!scheme.equals("https") && !devLoopback) {
      throw new Refused("a client metadata document must be fetched over https");
    }
    if (uri.getHost() == null
        || uri.getRawUserInfo() != null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || uri.getRawPath() == null
        || uri.getRawPath().length() < 2) {
      throw new Refused(
          "a client_id URL must have a host and a path, and no credentials, query or fragment");
    }
    return uri;
  }

  private static String reason(Throwable t) {
    if (t instanceof Refused r) {
      return r.getMessage();
    }
    if (t instanceof NotPublic n) {
      return n.getMessage();
    }
    if (t instanceof TimeoutException) {
      return "the client metadata document did not arrive in time";
    }
    if (t instanceof UnknownHostException) {
      return "the client metadata document's host is not known";
    }
    if (t instanceof IllegalArgumentException && t.getMessage() != null) {
      // CompletableResponseListener's "Buffering capacity N exceeded".
      return "the client metadata document is larger than the limit";
    }
    if (t != null && t.getCause() != null && t.getCause() != t) {
      return reason(t.getCause());
    }
    return "the client metadata document could not be fetched";
  }

  @Override
  public void close() {
    try {
      http.stop();
    } catch (Exception e) {
      // Closing: nothing to do.
    }
  }

  private static final class NotPublic extends UnknownHostException {
    private static final long serialVersionUID = 1L;

    NotPublic(String message) {
      super(message);
    }
  }

  /**
   * Resolves a host and keeps its addresses only if every one is public; the connection then goes
   * to those exact addresses.
   */
  private static final class PublicAddresses implements SocketAddressResolver {
    private final boolean allowLoopbackLiteral;

    PublicAddresses(boolean allowLoopbackLiteral) {
      this.allowLoopbackLiteral = allowLoopbackLiteral;
    }

    @Override
    public void resolve(
        String host,
        int port,
        Map<String, Object> context,
        Promise<List<InetSocketAddress>> promise) {
      try {
        InetAddress[] all = InetAddress.getAllByName(host);
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetAddress a : all) {
          boolean devLoopback = allowLoopbackLiteral && host.equals("127.0.0.1");
          if (!devLoopback && !isPublic(a)) {
            promise.failed(
                new NotPublic(
                    "the client metadata document's host resolves to a non-public address ("
                        + a.getHostAddress()
                        + "); refused"));
            return;
          }
          out.add(new InetSocketAddress(a, port));
        }
        promise.succeeded(out);
      } catch (UnknownHostException e) {
        promise.failed(e);
      }
    }
  }

  /** Whether {@code a} is a globally routable unicast address. */
  static boolean isPublic(InetAddress a) {
    if (a.isAnyLocalAddress()
        || a.isLoopbackAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (b.length == 4) {
      int o0 = b[0] & 0xff;
      int o1 = b[1] & 0xff;
      return !(o0 == 0 // this network
          || (o0 == 100 && (o1 & 0xc0) == 64) // shared address space 100.64/10
          || (o0 == 192 && o1 == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
          || (o0 == 192 && o1 == 0 && (b[2] & 0xff) == 2) // documentation
          || (o0 == 198 && (o1 & 0xfe) == 18) // benchmarking 198.18/15
          || (o0 == 198 && o1 == 51 && (b[2] & 0xff) == 100) // documentation
          || (o0 == 203 && o1 == 0 && (b[2] & 0xff) == 113) // documentation
          || o0 >= 240); // reserved and broadcast
    }
    int h0 = b[0] & 0xff;
    boolean v4Compatible = true;
    for (int i = 0; i < 12; i++) {
      v4Compatible &= b[i] == 0;
    }
    boolean nat64 = h0 == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff;
    return !((h0 & 0xfe) == 0xfc // unique local fc00::/7
        || (h0 == 0xfe && (b[1] & 0xc0) == 0xc0) // site local fec0::/10
        || (h0 == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8)
        || (h0 == 0x20 && (b[1] & 0xff) == 0x02) // 6to4 wraps any IPv4 address
        || v4Compatible
        || nat64);
  }
}
