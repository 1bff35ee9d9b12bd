package dev.mandate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.token.Decision;
import dev.mandate.token.Request;
import java.util.Objects;

/**
 * A stage's refusal of a request: thrown by a stage of the {@link Pipeline} and caught once, where
 * it is audited and counted ({@link CallGuard#recordRefusal}, unless the guard made it and did so
 * already) and answered by the front end's one {@link DenialRenderer}. Carries no stack trace: it
 * is an answer, not a failure.
 *
 * <p>{@code error} is the problem code an HTTP answer carries ({@code bad_request}, {@code
 * not_found}, ...); {@code rpcCode} the JSON-RPC error code an MCP answer carries when the refusal
 * is a protocol error rather than a Mandate denial ({@link #mandateDenial()} false).
 */
public final class Denial extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** JSON-RPC's code for a message that is not valid JSON. */
  public static final int RPC_PARSE_ERROR = -32700;

  /** JSON-RPC's code for a message that is not a valid request. */
  public static final int RPC_INVALID_REQUEST = -32600;

  /** What happened to the request body when the request was refused. */
  public enum Body {
    /** Read (or there was none): the connection may be kept. */
    READ,
    /**
     * Left unread: for a sender with a usable capability a bounded rest is read and dropped (so it
     * reads the answer), and past that the connection closed; any other sender's connection is
     * closed without reading it.
     */
    DISCARD,
    /**
     * Left unread and never to be read (an unauthenticated sender): answered at once and the
     * connection closed, so no byte of it costs the gateway anything.
     */
    CLOSE
  }

  private final int status;
  private final String error;
  private final int rpcCode;
  private final Decision.Code code;
  private final String reason;
  private final Request audited;
  private final Body body;
  private final boolean mandateDenial;
  private final transient GuardResult result;
  private final transient JsonNode rpcData;

  private Denial(
      int status,
      String error,
      int rpcCode,
      Decision.Code code,
      String reason,
      Request audited,
      Body body,
      boolean mandateDenial,
      GuardResult result,
      JsonNode rpcData) {
    super(reason, null, false, false);
    this.status = status;
    this.error = Objects.requireNonNull(error, "error");
    this.rpcCode = rpcCode;
    this.code = Objects.requireNonNull(code, "code");
    this.reason = Objects.requireNonNull(reason, "reason");
    this.audited = audited;
    this.body = Objects.requireNonNull(body, "body");
    this.mandateDenial = mandateDenial;
    this.result = result;
    this.rpcData = rpcData;
    if (code == Decision.Code.ALLOW) {
      throw new IllegalArgumentException("a denial needs a denying code, not ALLOW");
    }
  }

  /**
   * A protocol refusal (malformed or unsupported request): answered as a problem over HTTP and as a
   * plain JSON-RPC error over MCP, audited with {@code code}.
   *
   * @param status the HTTP status
   * @param error the problem code, such as {@code bad_request}
   * @param rpcCode the JSON-RPC error code for an MCP answer
   * @param code the decision code the audit record and the metrics carry
   * @param reason a sentence safe to show the caller
   */
  public static Denial protocol(
      int status, String error, int rpcCode, Decision.Code code, String reason) {
    return new Denial(status, error, rpcCode, code, reason, null, Body.READ, false, null, null);
  }

  /**
   * A refusal of what the request asks (a method or tool not allowed, a resource outside a root):
   * answered as a Mandate denial (MCP: {@code denied by Mandate: ...} with the code in the data).
   */
  public static Denial refused(int status, String error, Decision.Code code, String reason) {
    return new Denial(status, error, 0, code, reason, null, Body.READ, true, null, null);
  }

  /** The guard's own denial, already audited and counted. */
  public static Denial of(GuardResult result) {
    if (result.allowed()) {
      throw new IllegalArgumentException("an allowed result is no denial");
    }
    return new Denial(
        result.httpStatus(),
        result.code(),
        0,
        Decision.Code.valueOf(result.code()),
        result.reason(),
        null,
        Body.READ,
        true,
        result,
        null);
  }

  /** This denial, audited as {@code request} (the call as far as it was built). */
  public Denial auditedAs(Request request) {
    return new Denial(
        status, error, rpcCode, code, reason, request, body, mandateDenial, result, rpcData);
  }

  /**
   * This denial answered with another HTTP status (an MCP front end answers a call's denial in a
   * JSON-RPC error of a 200 answer, and a session operation's as a 401).
   */
  public Denial answeredWith(int httpStatus) {
    return new Denial(
        httpStatus, error, rpcCode, code, reason, audited, body, mandateDenial, result, rpcData);
  }

  /** This denial, with the request body in the given state. */
  public Denial body(Body state) {
    return new Denial(
        status, error, rpcCode, code, reason, audited, state, mandateDenial, result, rpcData);
  }

  /** This denial with the guard's record of it (which may turn it into a 503: not recorded). */
  Denial recorded(GuardResult record) {
    if (record.httpStatus() == 503) {
      return new Denial(
          503,
          record.code(),
          rpcCode,
          code,
          record.reason(),
          audited,
          body,
          mandateDenial,
          record,
          rpcData);
    }
    return new Denial(
        status, error, rpcCode, code, reason, audited, body, mandateDenial, record, rpcData);
  }

  /** This denial, its JSON-RPC error carrying {@code data} (a protocol error's details). */
  public Denial withRpcData(JsonNode data) {
    return new Denial(
        status, error, rpcCode, code, reason, audited, body, mandateDenial, result, data);
  }

  /** The {@code data} of a protocol error's JSON-RPC error, or null. */
  public JsonNode rpcData() {
    return rpcData;
  }

  /** The HTTP status to answer with. */
  public int status() {
    return status;
  }

  /** The problem code of an HTTP answer. */
  public String error() {
    return error;
  }

  /** The JSON-RPC error code of an MCP protocol error. */
  public int rpcCode() {
    return rpcCode;
  }

  /** The decision code audited and counted. */
  public Decision.Code code() {
    return code;
  }

  /** Why, in a sentence safe to show the caller. */
  public String reason() {
    return reason;
  }

  /** What the audit record names, or null for the front end's default. */
  public Request audited() {
    return audited;
  }

  /** What happened to the request body. */
  public Body bodyState() {
    return body;
  }

  /** Whether this is a denial by Mandate rather than a protocol error. */
  public boolean mandateDenial() {
    return mandateDenial;
  }

  /** The guard's result for this denial once audited, else null. */
  public GuardResult result() {
    return result;
  }

  /** Whether the denial has reached the audit trail and the metrics. */
  public boolean recorded() {
    return result != null;
  }

  @Override
  public String toString() {
    return "Denial[" + status + " " + error + " " + code + ": " + reason + "]";
  }

  /** A name as it can be shown in a denial's reason: at most 64 chars, control chars replaced. */
  public static String printable(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < 64; i++) {
      char c = s.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return s.length() > 64 ? out + "..." : out.toString();
  }
}
