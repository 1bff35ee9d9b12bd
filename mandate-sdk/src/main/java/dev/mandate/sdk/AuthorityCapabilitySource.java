package dev.mandate.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mandate.caveat.Caveat;
import dev.mandate.config.Durations;
import dev.mandate.token.Capability;
import dev.mandate.token.InvalidTokenException;
import dev.mandate.token.MintRequestBody;
import dev.mandate.token.Restrictions;
import dev.mandate.wire.Problem;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Fetches a capability from the Mandate authority ({@code POST /v1/capabilities}) with client
 * credentials, bound to a wallet's holder key, and has the wallet fetch a new one before it
 * expires: by default once less than 20% of its lifetime remains, on the next {@link
 * Wallet#authorize} or {@link Wallet#refreshDue()}. The handle stays the same across refreshes.
 *
 * <pre>{@code
 * AuthorityCapabilitySource source =
 *     AuthorityCapabilitySource.builder(URI.create("https://authority.internal:7700"))
 *         .clientId("invoice-agent")
 *         .clientSecretFile(Path.of("/run/secrets/mandate-client"))
 *         .restrictions(
 *             Restrictions.builder()
 *                 .allow("fs:read_text_file:/data/invoices/2024/**")
 *                 .ttl(Duration.ofMinutes(15))
 *                 .build())
 *         .build();
 * CapabilityHandle invoices = source.addTo(wallet, "invoices", shape);
 * }</pre>
 *
 * <p>The client secret is kept as a {@code char[]} (or read from its file on each fetch) and is
 * never logged or printed. Thread-safe.
 */
public final class AuthorityCapabilitySource {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REASON_CHARS = 300;

  private final URI endpoint;
  private final String clientId;
  private final char[] secret;
  private final Path secretFile;
  private final Restrictions restrictions;
  private final Map<String, String> parameters;
  private final double refreshWhenRemaining;
  private final HttpClient http;
  private final Duration timeout;

  private AuthorityCapabilitySource(Builder b) {
    String base = b.authority.toString().replaceAll("/+$", "");
    this.endpoint = URI.create(base + "/v1/capabilities");
    this.clientId = b.clientId;
    this.secret = b.secret;
    this.secretFile = b.secretFile;
    this.restrictions = b.restrictions;
    this.parameters = Map.copyOf(b.parameters);
    this.refreshWhenRemaining = b.refreshWhenRemaining;
    this.http =
        b.http != null
            ? b.http
            : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.timeout = b.timeout;
  }

  /**
   * Starts building a source for the authority at this base URL (such as {@code
   * http://127.0.0.1:7700}).
   *
   * @throws IllegalArgumentException if the URL is not absolute http or https
   */
  public static Builder builder(URI authority) {
    Objects.requireNonNull(authority, "authority");
    if (!authority.isAbsolute()
        || !("http".equals(authority.getScheme()) || "https".equals(authority.getScheme()))) {
      throw new IllegalArgumentException(
          "the authority URL must be absolute http or https, got " + authority);
    }
    return new Builder(authority);
  }

  /**
   * Fetches a capability bound to {@code wallet}'s holder key and adds it to the wallet, which
   * refreshes it through this source before it expires.
   *
   * @param label the handle's label, 1 to 64 printable chars
   * @param shape how the gateway builds requests; its audience is asked for unless the restrictions
   *     name one
   * @return the handle, the same across refreshes
   * @throws CapabilityUnavailableException if the authority cannot be reached, refuses the
   *     credentials or the policy denies the grants (the message gives the authority's reason)
   * @throws IllegalArgumentException if the label is invalid
   */
  public CapabilityHandle addTo(Wallet wallet, String label, RequestShape shape) {
    Objects.requireNonNull(wallet, "wallet");
    return wallet.addRefreshable(label, shape, this);
  }

  /**
   * Whether {@code current} should be replaced: less than the configured share of its life left.
   */
  boolean due(Capability current, Instant now) {
    Instant issued = current.blocks().get(0).issuedAt();
    Instant expires = current.expiresAt();
    long lifetimeMillis = Duration.between(issued, expires).toMillis();
    long remainingMillis = Duration.between(now, expires).toMillis();
    return remainingMillis < lifetimeMillis * refreshWhenRemaining;
  }

  /**
   * Mints a capability bound to the wallet's key.
   *
   * @throws CapabilityUnavailableException if the authority cannot be reached or refuses
   */
  Capability fetch(Wallet wallet, RequestShape shape) {
    Restrictions.Builder asked =
        Restrictions.builder().restrict(restrictions).bindTo(wallet.holderPublicKey());
    if (restrictions.caveats().stream().noneMatch(Caveat.Audience.class::isInstance)) {
      asked.audience(shape.audience());
    }
    MintRequestBody body = MintRequestBody.of(asked.build(), false).withParameters(parameters);
    String answer =
        post(endpoint, body, "fetching a capability from", "to mint for client '" + clientId + "'");
    try {
      JsonNode minted = JSON.readTree(answer);
      JsonNode token = minted == null ? null : minted.get("token");
      if (token == null || !token.isTextual()) {
        throw new CapabilityUnavailableException(
            "the authority at " + endpoint + " answered 201 without a token");
      }
      Capability capability = Capability.decode(token.textValue());
      if (!capability.holderKeyId().map(wallet.holderPublicKey().keyId()::equals).orElse(false)) {
        throw new CapabilityUnavailableException(
            "the authority at "
                + endpoint
                + " returned capability "
                + capability.tokenId()
                + " not bound to the wallet's key "
                + wallet.holderPublicKey().keyId());
      }
      return capability;
    } catch (IOException | InvalidTokenException e) {
      throw new CapabilityUnavailableException(
          "the authority at " + endpoint + " answered with no valid capability: " + e.getMessage(),
          e);
    }
  }

  /**
   * Revokes what {@code wallet} delegated, and only that: the block of {@code delegatedText} that
   * the wallet's key signed, with everything derived from it, while the wallet's own capability
   * stays valid. The wallet signs a proof ({@link Wallet#revocationProof}); the authority checks it
   * and publishes the revocation to every gateway.
   *
   * @param reason why, for the audit trail
   * @return the revoked block's revocation id
   * @throws IllegalArgumentException if the wallet delegated no block of that capability
   * @throws CapabilityUnavailableException if the authority cannot be reached or refuses
   */
  public String revokeDelegation(Wallet wallet, String delegatedText, String reason) {
    Objects.requireNonNull(wallet, "wallet");
    Wallet.RevocationProof proof = wallet.revocationProof(delegatedText);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("token", delegatedText);
    body.put("block", proof.block());
    body.put("proof", proof.text());
    body.put("reason", reason);
    URI revocations = endpoint.resolve("revocations"); // beside /v1/capabilities
    String answer = post(revocations, body, "revoking at", "the revocation");
    try {
      return JSON.readTree(answer).path("revocationId").asText();
    } catch (IOException e) {
      throw new CapabilityUnavailableException(
          "the authority at " + revocations + " answered with no JSON", e);
    }
  }

  /**
   * POSTs a JSON body with the client's credentials; returns the body of the authority's 201
   * answer.
   *
   * @throws CapabilityUnavailableException if the authority cannot be reached, or answers with
   *     another status: "the authority at URI refused {@code refused} (HTTP status, reason)"
   */
  private String post(URI uri, Object body, String doing, String refused) {
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(uri)
              .timeout(timeout)
              .header("Content-Type", "application/json")
              .header("Accept", "application/json")
              .header("Authorization", basicCredentials())
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
              .build();
    } catch (IOException e) {
      throw new CapabilityUnavailableException(
          "cannot read the client secret for '" + clientId + "': " + e.getMessage(), e);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new CapabilityUnavailableException(
          "cannot reach the authority at " + uri + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CapabilityUnavailableException("interrupted while " + doing + " " + uri, e);
    }
    if (response.statusCode() != 201) {
      throw new CapabilityUnavailableException(
          "the authority at "
              + uri
              + " refused "
              + refused
              + " (HTTP "
              + response.statusCode()
              + reason(response.body())
              + ")");
    }
    return response.body();
  }

  /** The authority's problem code and detail, shortened and made printable; else nothing. */
  private static String reason(String body) {
    // Not a problem body: the status alone must do.
    return Problem.parse(body)
        .map(
            p -> {
              String text = (p.code() + ": " + p.detail()).replaceAll("\\p{Cntrl}", "?");
              return ", "
                  + (text.length() > MAX_REASON_CHARS
                      ? text.substring(0, MAX_REASON_CHARS) + "…"
                      : text);
            })
        .orElse("");
  }

  /** {@code Basic base64(clientId:secret)}; the intermediate copies of the secret are zeroed. */
  private String basicCredentials() throws IOException {
    char[] pass = secretFile != null ? readSecretFile(secretFile) : secret.clone();
    char[] joined = new char[clientId.length() + 1 + pass.length];
    clientId.getChars(0, clientId.length(), joined, 0);
    joined[clientId.length()] = ':';
    System.arraycopy(pass, 0, joined, clientId.length() + 1, pass.length);
    ByteBuffer utf8 = StandardCharsets.UTF_8.encode(CharBuffer.wrap(joined));
    byte[] bytes = new byte[utf8.remaining()];
    utf8.get(bytes);
    try {
      return "Basic " + Base64.getEncoder().encodeToString(bytes);
    } finally {
      Arrays.fill(pass, '\0');
      Arrays.fill(joined, '\0');
      Arrays.fill(bytes, (byte) 0);
      if (utf8.hasArray()) {
        Arrays.fill(utf8.array(), (byte) 0);
      }
    }
  }

  private static char[] readSecretFile(Path file) throws IOException {
    byte[] raw = Files.readAllBytes(file);
    try {
      CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(raw));
      int end = chars.limit();
      while (end > 0 && Character.isWhitespace(chars.get(end - 1))) {
        end--;
      }
      char[] out = new char[end];
      chars.get(out, 0, end);
      if (chars.hasArray()) {
        Arrays.fill(chars.array(), '\0');
      }
      if (out.length == 0) {
        throw new IOException("the client secret file " + file + " is empty");
      }
      return out;
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  /** Returns the authority, client id and grants; the secret is never shown. */
  @Override
  public String toString() {
    return "AuthorityCapabilitySource["
        + endpoint
        + ", client "
        + clientId
        + ", grants "
        + restrictions.grants()
        + ", secret redacted]";
  }

  /** Builds an {@link AuthorityCapabilitySource}; each setter validates its argument. */
  public static final class Builder {
    private final URI authority;
    private String clientId;
    private char[] secret;
    private Path secretFile;
    private Restrictions restrictions;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private double refreshWhenRemaining = 0.2;
    private HttpClient http;
    private Duration timeout = Duration.ofSeconds(30);

    private Builder(URI authority) {
      this.authority = authority;
    }

    /**
     * Sets the client id the authority knows this agent by.
     *
     * @throws IllegalArgumentException if empty or containing ':' or a control character
     */
    public Builder clientId(String clientId) {
      if (clientId == null
          || clientId.isEmpty()
          || clientId.indexOf(':') >= 0
          || clientId.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new IllegalArgumentException(
            "a client id is non-empty, without ':' or control characters");
      }
      this.clientId = clientId;
      return this;
    }

    /**
     * Sets the client secret (copied; clear your array afterwards). Use either this or {@link
     * #clientSecretFile(Path)}.
     *
     * @throws IllegalArgumentException if empty
     */
    public Builder clientSecret(char[] secret) {
      if (secret == null || secret.length == 0) {
        throw new IllegalArgumentException("the client secret must not be empty");
      }
      this.secret = secret.clone();
      this.secretFile = null;
      return this;
    }

    /**
     * Reads the client secret from this file (UTF-8, trailing whitespace ignored) on every fetch,
     * so a rotated secret is picked up. Use either this or {@link #clientSecret(char[])}.
     *
     * @throws NullPointerException if null
     */
    public Builder clientSecretFile(Path file) {
      this.secretFile = Objects.requireNonNull(file, "file");
      this.secret = null;
      return this;
    }

    /**
     * Sets what to ask the authority for: at least one grant, and optionally a ttl (whole seconds;
     * default the policy's maximum), one audience (default the {@link RequestShape}'s), max uses,
     * max depth, an approval caveat, and argument constraints and conditions (on the whole
     * capability or on one grant, {@link dev.mandate.token.Grant#constrain}). The policy decides;
     * the capability is always bound to the wallet's key.
     *
     * @throws IllegalArgumentException if there is no grant, a holder key is given, or a
     *     restriction is one a mint request cannot carry (see {@link MintRequestBody#of})
     */
    public Builder restrictions(Restrictions restrictions) {
      Objects.requireNonNull(restrictions, "restrictions");
      if (restrictions.grants().isEmpty()) {
        throw new IllegalArgumentException("ask for at least one grant (allow ...)");
      }
      if (restrictions.holder().isPresent()) {
        throw new IllegalArgumentException(
            "the capability is bound to the wallet's key; leave the holder (bindTo) out");
      }
      MintRequestBody.of(restrictions, false);
      this.restrictions = restrictions;
      return this;
    }

    /**
     * Gives the value of a parameter of a constraint that the policy's template carries and the
     * grant's pattern does not bind (such as {@code max} in {@code /amount=range:0..{max}}); the
     * policy checks it against the parameter's regex.
     *
     * @throws IllegalArgumentException if the name or value is empty
     */
    public Builder parameter(String name, String value) {
      if (name == null || name.isEmpty() || value == null || value.isEmpty()) {
        throw new IllegalArgumentException("a parameter needs a name and a value");
      }
      parameters.put(name, value);
      return this;
    }

    /**
     * Sets when to refresh: once less than this share of the lifetime remains, 0.01 to 0.9 (default
     * 0.2).
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder refreshWhenRemaining(double share) {
      if (!(share >= 0.01 && share <= 0.9)) {
        throw new IllegalArgumentException(
            "refreshWhenRemaining must be 0.01 to 0.9 of the lifetime, got " + share);
      }
      this.refreshWhenRemaining = share;
      return this;
    }

    /** Uses this HTTP client (default: a new one with a 10 s connect timeout). */
    public Builder httpClient(HttpClient http) {
      this.http = Objects.requireNonNull(http, "http");
      return this;
    }

    /**
     * Sets how long one fetch may take, 1 s to 5 minutes (default 30 s).
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder timeout(Duration timeout) {
      this.timeout =
          Durations.requireWithin("timeout", timeout, Duration.ofSeconds(1), Duration.ofMinutes(5));
      return this;
    }

    /**
     * Returns the source.
     *
     * @throws IllegalStateException if the client id, the secret or the grants are missing
     */
    public AuthorityCapabilitySource build() {
      if (clientId == null) {
        throw new IllegalStateException("set the clientId the authority knows this agent by");
      }
      if (secret == null && secretFile == null) {
        throw new IllegalStateException("set the client secret: clientSecret or clientSecretFile");
      }
      if (restrictions == null) {
        throw new IllegalStateException(
            "say what to ask for: restrictions with at least one grant");
      }
      return new AuthorityCapabilitySource(this);
    }
  }
}
