package dev.mandate.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.token.Approval;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Waits for a person's approval of a call the gateway denied with {@code APPROVAL_REQUIRED}, and
 * retries the call once with it. The gateway records such a call at the authority as an approval
 * request and names it in the denial ({@code approvalTask}: its id and status endpoint); approvers
 * answer it in the authority's console (or through its API); this polls the status endpoint with
 * the capability itself, which is what entitles the agent to the answer (OpenID AuthZEN Access
 * Request and Approval Profile: {@code pending}, then {@code approved} with the approval in {@code
 * result.approval_context.mandate_approval}, or {@code denied} or {@code expired}).
 *
 * <pre>{@code
 * ApprovalWait approvals =
 *     ApprovalWait.of(wallet, URI.create("https://authority.internal"), http, Duration.ofMinutes(5));
 * HttpResponse<String> r = approvals.send(handle, "POST", URI.create(gateway + "/payments"), body);
 * }</pre>
 *
 * The capability is sent only to status endpoints of the authority given here: a denial is read
 * from an answer that passed through the gateway, and an upstream's answer could imitate one to
 * learn the capability. Thread-safe; calls block for at most the timeout (plus one request).
 */
public final class ApprovalWait {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long LONG_POLL_MS = 25_000;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(40);

  private final Wallet wallet;
  private final URI authority;
  private final HttpClient http;
  private final Duration timeout;

  private ApprovalWait(Wallet wallet, URI authority, HttpClient http, Duration timeout) {
    this.wallet = wallet;
    this.authority = authority;
    this.http = http;
    this.timeout = timeout;
  }

  /**
   * Returns a waiter.
   *
   * @param wallet the wallet holding the capabilities whose calls wait
   * @param authority the authority's base URL (scheme, host, port); status endpoints elsewhere are
   *     not polled
   * @param http the client for polling (and for {@link #send})
   * @param timeout how long to wait for a person's answer at most
   * @throws IllegalArgumentException if the authority URL is not absolute http(s), or the timeout
   *     is not positive
   * @throws NullPointerException if an argument is null
   */
  public static ApprovalWait of(Wallet wallet, URI authority, HttpClient http, Duration timeout) {
    Objects.requireNonNull(wallet, "wallet");
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(timeout, "timeout");
    String scheme =
        authority.getScheme() == null ? "" : authority.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || authority.getHost() == null) {
      throw new IllegalArgumentException(
          "the authority URL must be absolute http or https, such as https://authority.internal");
    }
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("the timeout must be positive");
    }
    return new ApprovalWait(wallet, authority, http, timeout);
  }

  /**
   * Sends one request to a gateway's HTTP proxy with {@code handle}'s capability; if the gateway
   * denies it with {@code APPROVAL_REQUIRED} and names the request it recorded, waits for the
   * answer and, if approved, sends the same request once more with the approval.
   *
   * @param method the HTTP method
   * @param uri the gateway URL of the call, path and query as they are sent
   * @param body a JSON object body, or null for none
   * @return the retry's answer if an approval came; else the first answer (the denial, when the
   *     call was refused, expired or not answered in time)
   * @throws IOException if the gateway cannot be reached
   * @throws InterruptedException if interrupted while waiting
   */
  public HttpResponse<String> send(CapabilityHandle handle, String method, URI uri, ObjectNode body)
      throws IOException, InterruptedException {
    String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    HttpResponse<String> first =
        http.send(
            request(method, uri, body, wallet.authorizeHttp(handle, method, target, body)),
            HttpResponse.BodyHandlers.ofString());
    if (first.statusCode() != 403) {
      return first;
    }
    Optional<String> approval = poll(handle, parse(first.body()));
    if (approval.isEmpty()) {
      return first;
    }
    Presentation approved =
        wallet
            .authorizeHttp(handle, method, target, body)
            .withApproval(Approval.of(approval.get()));
    return http.send(request(method, uri, body, approved), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Waits for the answer to the approval request a denial names (a problem body, a JSON-RPC error's
   * {@code data}, or a denied tool result's {@code structuredContent}) and, if approved, keeps the
   * approval in the wallet ({@link Wallet#addApproval}) with the request the denial names, so the
   * next identical call of the capability presents it (an MCP tool call through {@link
   * MandateMcpCustomizer}: retry it, with the same tool name and arguments). The request named
   * gives the wallet the resource the gateway mapped the call to, so no resource rule ({@link
   * RequestShape#withApprovalMatching}) is needed; it is used only if its digest is the approval's.
   *
   * @return whether an approval came (retry the call once now)
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean await(CapabilityHandle handle, JsonNode denial) throws InterruptedException {
    Optional<String> approval = poll(handle, denial);
    approval.ifPresent(a -> wallet.addApproval(handle, a, named(denial)));
    return approval.isPresent();
  }

  /** The request a denial names ({@code request}: audience, service, action, resource, args). */
  private static Request named(JsonNode denial) {
    JsonNode r = denial.path("request");
    JsonNode args = r.path("args");
    for (String field : new String[] {"audience", "service", "action", "resource"}) {
      if (!r.path(field).isTextual()) {
        return null;
      }
    }
    if (!(args.isObject() || args.isMissingNode() || args.isNull())) {
      return null;
    }
    return new Request(
        r.get("audience").textValue(),
        r.get("service").textValue(),
        r.get("action").textValue(),
        r.get("resource").textValue(),
        args.isObject() ? (ObjectNode) args : null,
        null);
  }

  /** The approval's text once approved; empty if refused, expired, unknown or not in time. */
  private Optional<String> poll(CapabilityHandle handle, JsonNode denial)
      throws InterruptedException {
    URI status = statusEndpoint(denial);
    if (status == null) {
      return Optional.empty();
    }
    String capability = wallet.bearer(handle).token();
    long deadline = System.nanoTime() + timeout.toNanos();
    long backoffMs = 100;
    while (System.nanoTime() - deadline < 0) {
      long leftMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      HttpResponse<String> r;
      try {
        r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(status + "?wait=" + Math.min(LONG_POLL_MS, leftMs)))
                    .timeout(REQUEST_TIMEOUT)
                    .header("Authorization", "Bearer " + capability)
                    .header("Accept", "application/json")
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        r = null; // the authority is unreachable for now: try again until the deadline
      }
      if (r != null && r.statusCode() == 200) {
        JsonNode task = parse(r.body());
        switch (task.path("task").path("status").asText("")) {
          case "pending":
            backoffMs = 100;
            continue;
          case "approved":
            JsonNode approval =
                task.path("result").path("approval_context").path("mandate_approval");
            return approval.isTextual() && "reevaluate".equals(task.at("/result/mode").asText())
                ? Optional.of(approval.textValue())
                : Optional.empty();
          default:
            // denied, expired, or a status this SDK does not know: not approved (ARAP).
            return Optional.empty();
        }
      }
      // 404 until the gateway's recording reaches the authority; 5xx while it is busy.
      Thread.sleep(Math.min(backoffMs, leftMs));
      backoffMs = Math.min(backoffMs * 2, 2_000);
    }
    return Optional.empty();
  }

  /** The status endpoint a denial names, if it is the authority's; else null. */
  private URI statusEndpoint(JsonNode denial) {
    JsonNode endpoint = denial == null ? null : denial.at("/approvalTask/statusEndpoint");
    if (endpoint == null || !endpoint.isTextual()) {
      return null;
    }
    URI uri;
    try {
      uri = URI.create(endpoint.textValue()).normalize();
    } catch (IllegalArgumentException e) {
      return null;
    }
    boolean sameOrigin =
        authority.getScheme().equalsIgnoreCase(String.valueOf(uri.getScheme()))
            && authority.getHost().equalsIgnoreCase(String.valueOf(uri.getHost()))
            && port(authority) == port(uri);
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    return sameOrigin
            && uri.getRawQuery() == null
            && uri.getRawUserInfo() == null
            && path.startsWith("/v1/approval-requests/")
            && path.endsWith("/task")
        ? uri
        : null;
  }

  private static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static HttpRequest request(
      String method, URI uri, ObjectNode body, Presentation presentation) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT);
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(
              method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    }
    return MandateHttp.attach(b, presentation).build();
  }

  private static JsonNode parse(String body) {
    try {
      JsonNode n = body == null ? null : JSON.readTree(body);
      return n == null ? JSON.createObjectNode() : n;
    } catch (JsonProcessingException e) {
      return JSON.createObjectNode();
    }
  }

  @Override
  public String toString() {
    return "ApprovalWait[" + authority + ", " + timeout + "]";
  }
}
