package dev.mandate.sdk;

import dev.mandate.token.Presentation;
import dev.mandate.wire.MandateHeaders;
import java.net.http.HttpRequest;
import java.util.Objects;

/**
 * Glue for {@code java.net.http}: puts a {@link Presentation} (the token, and the proof and the
 * approval if it has them) on a request to a Mandate gateway's HTTP proxy, as its headers.
 *
 * <pre>{@code
 * URI uri = URI.create("https://gateway.internal/invoices/42?full=1");
 * Presentation p = wallet.authorizeHttp(handle, "GET", "/invoices/42?full=1", null);
 * HttpRequest request = MandateHttp.attach(HttpRequest.newBuilder(uri).GET(), p).build();
 * }</pre>
 *
 * A presentation is good for one call: make a new one (with {@link Wallet#authorizeHttp}) per
 * request, over exactly the method, path, query and body sent. When the gateway answers 403 {@code
 * APPROVAL_REQUIRED}, its JSON body names the {@code tokenId}, {@code requestDigest}, {@code
 * approverGroups} and {@code request} to ask an approver for; present the approval with the call
 * again ({@link Presentation#withApproval}).
 */
public final class MandateHttp {
  private MandateHttp() {}

  /**
   * Sets the {@code Authorization} header and, if the presentation has them, the {@code
   * Mandate-Proof} and {@code Mandate-Approval} headers (replacing any values already set) and
   * returns the same builder. When the OpenTelemetry API is on the class path and a span is current
   * on this thread, also sets {@code traceparent} (W3C) naming it, so the gateway's trace continues
   * the agent's.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the presentation has no token
   */
  public static HttpRequest.Builder attach(HttpRequest.Builder builder, Presentation presentation) {
    Objects.requireNonNull(builder, "builder");
    Objects.requireNonNull(presentation, "presentation");
    if (presentation.token() == null) {
      throw new IllegalArgumentException("the presentation has no token");
    }
    builder.setHeader("Authorization", "Bearer " + presentation.token());
    presentation.proof().ifPresent(p -> builder.setHeader(MandateHeaders.PROOF, p.text()));
    presentation.approval().ifPresent(a -> builder.setHeader(MandateHeaders.APPROVAL, a.text()));
    TraceHeaders.attach(builder);
    return builder;
  }
}
