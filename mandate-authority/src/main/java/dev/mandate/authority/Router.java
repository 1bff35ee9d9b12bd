package dev.mandate.authority;

import dev.mandate.authority.store.ClientRecord;
import dev.mandate.wire.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Dispatches a request to the route whose method and path template match, after checking the
 * caller's credentials for that route. An unknown path is a 404, a known path with another method a
 * 405 with {@code Allow}, missing or wrong credentials a 401 with {@code WWW-Authenticate}, and a
 * non-admin client on an admin route a 403.
 *
 * <p>Credentials come from the headers, before any endpoint reads a body. The body of a request
 * that is refused before its caller authenticated is never read: the answer carries {@code
 * Connection: close} and the connection ends with it, so a caller without credentials cannot hold a
 * thread by trickling a body.
 */
final class Router extends Handler.Abstract {
  static final String ROUTE_ATTRIBUTE = "mandate.route";
  static final String CLIENT_ATTRIBUTE = "mandate.client";
  // Compiled once: printable() runs for every request's log line.
  private static final Pattern NOT_PRINTABLE = Pattern.compile("[^\\x20-\\x7e]");

  private final List<Route> routes;
  private final ClientAuthenticator authenticator;
  private final Predicate<ClientRecord> isAdmin;
  private final int maxBodyBytes;

  Router(
      List<Route> routes,
      ClientAuthenticator authenticator,
      Predicate<ClientRecord> isAdmin,
      int maxBodyBytes) {
    this.routes = List.copyOf(routes);
    this.authenticator = authenticator;
    this.isAdmin = isAdmin;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    CompletionStage<Reply> stage;
    try {
      stage = dispatch(request);
    } catch (Throwable t) {
      stage = CompletableFuture.failedFuture(t);
    }
    stage.whenComplete(
        (reply, error) -> {
          Reply r = error != null ? Replies.fromException(error) : reply;
          if (r.status() >= 400) {
            if (request.getAttribute(CLIENT_ATTRIBUTE) != null) {
              drainUnreadBody(request, response);
            } else if (mayHaveBody(request)) {
              response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
          }
          Replies.write(r, response, callback);
        });
    return true;
  }

  /**
   * Reads what is left of an authenticated caller's refused request body (up to the body limit, at
   * the server's minimum rate) before answering, so the connection stays usable: answering first
   * and closing on unread content races with a client that reuses the connection for its next
   * request. A larger body gets {@code Connection: close}.
   */
  private void drainUnreadBody(Request request, Response response) {
    long declared = request.getLength();
    if (declared > maxBodyBytes) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
      return;
    }
    try (java.io.InputStream in = org.eclipse.jetty.io.Content.Source.asInputStream(request)) {
      if (in.readNBytes(maxBodyBytes + 1).length > maxBodyBytes) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
    } catch (java.io.IOException | RuntimeException e) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
  }

  private CompletionStage<Reply> dispatch(Request request) throws Exception {
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    List<Route> pathMatches = new ArrayList<>();
    for (Route route : routes) {
      Map<String, String> params = route.match(path);
      if (params == null) {
        continue;
      }
      pathMatches.add(route);
      if (route.method().equals(method)) {
        request.setAttribute(ROUTE_ATTRIBUTE, route.template());
        ClientRecord client;
        try {
          client = authenticate(route, request);
        } catch (ClientAuthenticator.Throttled e) {
          return refuse(
              429,
              "too_many_failures",
              "too many failed credentials from this address; retry in " + e.seconds() + " s",
              e.seconds());
        } catch (ClientAuthenticator.Busy e) {
          return refuse(
              503,
              "authentication_busy",
              "the authority is busy checking other credentials; retry in a second",
              1);
        }
        boolean admin = client != null && isAdmin.test(client);
        if (route.access() == Route.Access.ADMIN && !admin) {
          throw ApiException.forbidden(
              "admin_required",
              "this endpoint needs an admin client; '" + client.clientId() + "' is not one");
        }
        return route.endpoint().handle(new Call(request, params, client, admin, maxBodyBytes));
      }
    }
    if (pathMatches.isEmpty()) {
      request.setAttribute(ROUTE_ATTRIBUTE, "unmatched");
      throw ApiException.notFound("there is no endpoint at " + printable(path));
    }
    request.setAttribute(ROUTE_ATTRIBUTE, pathMatches.get(0).template());
    TreeSet<String> allowed = new TreeSet<>();
    pathMatches.forEach(r -> allowed.add(r.method()));
    return CompletableFuture.completedFuture(
        new Reply(
            405,
            Problem.of(
                405,
                "method_not_allowed",
                method + " is not allowed here; use " + String.join(" or ", allowed)),
            Map.of("Allow", String.join(", ", allowed))));
  }

  private ClientRecord authenticate(Route route, Request request) {
    if (route.access() == Route.Access.PUBLIC) {
      return null;
    }
    Optional<ClientRecord> client =
        authenticator.authenticate(
            request.getHeaders().get(HttpHeader.AUTHORIZATION), Request.getRemoteAddr(request));
    if (client.isEmpty()) {
      throw new Unauthenticated();
    }
    request.setAttribute(CLIENT_ATTRIBUTE, client.get().clientId());
    if (route.access() == Route.Access.ADMIN && !client.get().admin()) {
      throw ApiException.forbidden(
          "admin_required",
          "this endpoint needs an admin client; '" + client.get().clientId() + "' is not one");
    }
    return client.get();
  }

  /** A declared length, or a chunked body; a request without either has none. */
  private static boolean mayHaveBody(Request request) {
    long length = request.getLength();
    return length > 0
        || (length < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING));
  }

  private static CompletionStage<Reply> refuse(
      int status, String code, String message, long retryAfterSeconds) {
    return CompletableFuture.completedFuture(
        new Reply(
            status,
            Problem.of(status, code, message),
            Map.of("Retry-After", Long.toString(retryAfterSeconds))));
  }

  static String printable(String path) {
    String p = path.length() > 200 ? path.substring(0, 200) + "..." : path;
    return NOT_PRINTABLE.matcher(p).replaceAll("?");
  }

  /** Missing, malformed or wrong credentials, or an unknown client: all answered the same way. */
  static final class Unauthenticated extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unauthenticated() {
      super("authentication required", null, false, false);
    }
  }
}
