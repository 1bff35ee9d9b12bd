package dev.mandate.gateway;

import dev.mandate.token.Decision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A transport check of the HTTP front end (stage 1 of the {@link Pipeline}): the request's path,
 * percent-decoded segment by segment, matched against the configured {@code METHOD /path/{param}}
 * routes, first match wins.
 */
final class HttpRoutes {
  /** A matched route with the values of its path parameters. */
  record Match(GatewayConfig.HttpRoute route, Map<String, String> params) {}

  private record Compiled(GatewayConfig.HttpRoute route, PathTemplate template) {}

  private final List<Compiled> routes;

  HttpRoutes(List<GatewayConfig.HttpRoute> routes) {
    List<Compiled> compiled = new ArrayList<>();
    for (GatewayConfig.HttpRoute r : routes) {
      compiled.add(new Compiled(r, PathTemplate.parse(r.pathTemplate())));
    }
    this.routes = List.copyOf(compiled);
  }

  boolean isEmpty() {
    return routes.isEmpty();
  }

  /** Whether some route, of any method, matches this path (for its resource metadata). */
  boolean matchesPath(String rawPath) {
    for (String method : routes.stream().map(r -> r.route().method()).distinct().toList()) {
      try {
        match(method, rawPath);
        return true;
      } catch (Denial noRoute) {
        // try the next method
      }
    }
    return false;
  }

  /**
   * The route of {@code method} and {@code rawPath}.
   *
   * @throws Denial 400 if a segment is not decodable UTF-8 or is a dot segment; 404 if no route
   *     matches
   */
  Match match(String method, String rawPath) {
    List<String> segments = new ArrayList<>();
    for (String raw : PathTemplate.split(rawPath == null ? "/" : rawPath)) {
      String decoded = HttpProxy.percentDecode(raw, false);
      if (decoded == null || decoded.equals(".") || decoded.equals("..")) {
        throw Denial.protocol(
            400,
            "bad_request",
            Denial.RPC_INVALID_REQUEST,
            Decision.Code.INVALID_REQUEST,
            "the path is not a plain, decodable path");
      }
      segments.add(decoded);
    }
    for (Compiled r : routes) {
      if (!r.route().method().equals(method)) {
        continue;
      }
      Map<String, String> params = r.template().match(segments);
      if (params != null) {
        return new Match(r.route(), params);
      }
    }
    throw Denial.protocol(
        404,
        "not_found",
        Denial.RPC_INVALID_REQUEST,
        Decision.Code.INVALID_REQUEST,
        "no route of this gateway matches " + HttpProxy.printable(method + " " + rawPath));
  }
}
