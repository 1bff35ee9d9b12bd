package dev.mandate.token;

import static dev.mandate.token.Reasons.deny;
import static dev.mandate.token.Reasons.printable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.internal.match.ResourcePaths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The request's own checks, before any caveat looks at it (spec §5.1, §8): the arguments within the
 * size and nesting limits, nothing the signed canonical forms could not tell apart from another
 * request ({@link CanonicalForm}), and every resource normalised as grants see it.
 */
record RequestCheck(Limits limits) {

  /**
   * Checks the request and returns its resources as grants see them, the first one first.
   *
   * @throws Reasons.Denial if the request is over a limit or refused
   */
  List<String> resources(Chain chain, Request request) {
    checkArgs(chain, request.argsTree());
    String problem = CanonicalForm.stringProblem(request);
    if (problem != null) {
      throw deny(chain, Decision.Code.INVALID_REQUEST, -1, Decision.Check.REQUEST, problem);
    }
    String first = normalised(chain, request.resource());
    if (request.moreResources().isEmpty()) {
      return List.of(first);
    }
    List<String> resources = new ArrayList<>(1 + request.moreResources().size());
    resources.add(first);
    for (String more : request.moreResources()) {
      resources.add(normalised(chain, more));
    }
    return resources;
  }

  /**
   * Checks the call a holder proof signs: its arguments within the same limits as a request's, and
   * nothing its signed form could not tell apart from another call ({@link CanonicalForm}).
   *
   * @throws Reasons.Denial if the call is over a limit or refused
   */
  void call(Chain chain, Call call) {
    checkArgs(chain, call.argsTree());
    String problem = CanonicalForm.stringProblem(call);
    if (problem != null) {
      throw deny(chain, Decision.Code.INVALID_REQUEST, -1, Decision.Check.REQUEST, problem);
    }
  }

  /** A request resource as grants see it: paths normalised (§5.1), anything else as given. */
  private static String normalised(Chain chain, String resource) {
    if (!resource.startsWith("/")) {
      return resource;
    }
    ResourcePaths.NormalisedPath normalised = ResourcePaths.normalise(resource);
    if (!normalised.ok()) {
      throw deny(
          chain,
          Decision.Code.INVALID_REQUEST,
          -1,
          Decision.Check.RESOURCE,
          "resource '" + printable(resource) + "' is refused: " + normalised.problem());
    }
    return normalised.value();
  }

  private void checkArgs(Chain chain, JsonNode args) {
    ArgsWalk walk = new ArgsWalk(limits.maxArgsBytes());
    if (!withinLimits(args, 1, walk)) {
      throw deny(
          chain,
          Decision.Code.LIMIT_EXCEEDED,
          -1,
          Decision.Check.ARGS,
          "the arguments exceed the limits ("
              + limits.maxArgsBytes()
              + " bytes, nesting depth "
              + limits.maxArgsDepth()
              + ")");
    }
    if (walk.problem != null) {
      throw deny(chain, Decision.Code.INVALID_REQUEST, -1, Decision.Check.ARGS, walk.problem);
    }
  }

  /**
   * One walk over the arguments: the size budget left, and the first value the signed canonical
   * form could not tell apart from another ({@link CanonicalForm}), reported only within limits.
   */
  private static final class ArgsWalk {
    long budget;
    String problem;

    ArgsWalk(long budget) {
      this.budget = budget;
    }
  }

  private boolean withinLimits(JsonNode node, int depth, ArgsWalk walk) {
    if (depth > limits.maxArgsDepth()) {
      return false;
    }
    walk.budget -= 1;
    if (node.isTextual()) {
      walk.budget -= node.textValue().length();
    }
    if (walk.budget < 0) {
      return false;
    }
    if (node.isContainerNode()) {
      if (node.isObject()) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
          Map.Entry<String, JsonNode> f = fields.next();
          walk.budget -= f.getKey().length();
          if (walk.problem == null) {
            walk.problem = CanonicalForm.keyProblem(f.getKey());
          }
          if (!withinLimits(f.getValue(), depth + 1, walk)) {
            return false;
          }
        }
      } else {
        for (JsonNode element : node) {
          if (!withinLimits(element, depth + 1, walk)) {
            return false;
          }
        }
      }
    } else if (walk.problem == null) {
      walk.problem = CanonicalForm.scalarProblem(node);
    }
    return walk.budget >= 0;
  }
}
