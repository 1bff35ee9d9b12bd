package dev.mandate.authority;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * One API operation: a method, a path template such as {@code /v1/keys/{keyId}/retire}, who may
 * call it, and the endpoint that answers.
 */
record Route(String method, String template, Access access, Endpoint endpoint) {

  /** Who may call a route. */
  enum Access {
    /** Anyone (health, metrics, public keys, the revocation feed). */
    PUBLIC,
    /** Any client with valid credentials. */
    CLIENT,
    /** A client with valid credentials and the admin flag. */
    ADMIN
  }

  /** Answers a call; may complete later (long-poll). Exceptions become JSON errors. */
  @FunctionalInterface
  interface Endpoint {
    CompletionStage<Reply> handle(Call call) throws Exception;
  }

  /** Returns the path parameters if {@code path} matches the template, else null. */
  Map<String, String> match(String path) {
    List<String> want = segments(template);
    List<String> have = segments(path);
    if (want.size() != have.size()) {
      return null;
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < want.size(); i++) {
      String w = want.get(i);
      String h = have.get(i);
      if (w.startsWith("{") && w.endsWith("}")) {
        if (h.isEmpty()) {
          return null;
        }
        params.put(w.substring(1, w.length() - 1), h);
      } else if (!w.equals(h)) {
        return null;
      }
    }
    return params;
  }

  private static List<String> segments(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    return List.of(p.split("/", -1));
  }
}
