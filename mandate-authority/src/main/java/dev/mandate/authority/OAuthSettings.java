package dev.mandate.authority;

import dev.mandate.config.Durations;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The authority as an OAuth 2.1 authorization server (docs/design.md, "OAuth"): who may sign in to
 * consent, which protected resources a capability may be asked for, and the lifetimes and limits of
 * the flow. Immutable; create one with {@link #builder()} and give it to {@link
 * AuthorityConfig.Builder#oauth}. Without it the authority answers no OAuth endpoint.
 *
 * <p>Defaults: the issuer is the authority's own URL, access tokens (capabilities) live at most 15
 * minutes (and never longer than the policy's {@code maxTtl}), an authorization (its refresh
 * tokens) at most 30 days, dynamic client registration is on, and client ID metadata documents are
 * fetched over https only, at most 5 KiB within 5 seconds, from public addresses only.
 */
public final class OAuthSettings {
  /** A person's name: 1 to 64 of a-z 0-9 . _ - @, starting with a letter or digit. */
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._@-]{0,63}");

  /**
   * A person who may sign in to the consent page.
   *
   * @param name the sign-in name
   * @param passwordHash the password's Argon2id hash, as {@link #hashPassword} writes it (PBKDF2
   *     hashes written by earlier versions are still accepted)
   * @param clientId the policy client whose rights the person may grant: capabilities minted by
   *     consent are minted as this client's, under its policy entry
   */
  public record Person(String name, String passwordHash, String clientId) {
    /** Checks the fields; the hash is never printed. */
    public Person {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "a person's name must be 1 to 64 of a-z 0-9 . _ - @, starting with a letter or digit;"
                + " got "
                + name);
      }
      Objects.requireNonNull(passwordHash, "passwordHash");
      if (!SecretHash.isKnownFormat(passwordHash)) {
        throw new IllegalArgumentException(
            "person "
                + name
                + ": the password hash must be an $argon2id$ or $pbkdf2-sha256$ hash"
                + " (from 'mandate policy hash-password')");
      }
      if (clientId == null || clientId.isBlank()) {
        throw new IllegalArgumentException("person " + name + ": clientId is required");
      }
    }

    @Override
    public String toString() {
      return "Person[name=" + name + ", clientId=" + clientId + "]";
    }
  }

  private final URI issuer;
  private final Map<String, String> resources;
  private final Map<String, Person> people;
  private final Duration accessTokenTtl;
  private final Duration authorizationTtl;
  private final boolean dynamicRegistration;
  private final boolean allowHttpLoopbackClientMetadata;
  private final int clientMetadataMaxBytes;
  private final Duration clientMetadataTimeout;

  private OAuthSettings(Builder b) {
    this.issuer = b.issuer;
    this.resources = Map.copyOf(b.resources);
    this.people = Map.copyOf(b.people);
    this.accessTokenTtl = b.accessTokenTtl;
    this.authorizationTtl = b.authorizationTtl;
    this.dynamicRegistration = b.dynamicRegistration;
    this.allowHttpLoopbackClientMetadata = b.allowHttpLoopbackClientMetadata;
    this.clientMetadataMaxBytes = b.clientMetadataMaxBytes;
    this.clientMetadataTimeout = b.clientMetadataTimeout;
  }

  /** Starts settings with the defaults above and no people and no resources. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Hashes a password for {@link Person#passwordHash()} with Argon2id (19 MiB, 2 passes), the hash
   * the console keeps of people's passwords.
   */
  public static String hashPassword(String password) {
    Objects.requireNonNull(password, "password");
    return SecretHash.hashPassword(password, new SecureRandom());
  }

  /** The largest OAuth settings file read, in bytes. */
  static final int MAX_FILE_BYTES = 256 * 1024;

  /** The file form of the settings ({@code mandate serve --oauth FILE}); see config-reference. */
  record FileForm(
      String issuer,
      java.util.List<ResourceForm> resources,
      java.util.List<PersonForm> people,
      String accessTokenTtl,
      String authorizationTtl,
      Boolean dynamicRegistration,
      ClientMetadataForm clientMetadata) {}

  record ResourceForm(String url, String audience) {}

  record PersonForm(String name, String passwordHash, String client) {}

  record ClientMetadataForm(Integer maxBytes, String timeout, Boolean allowHttpLoopback) {}

  /**
   * Reads settings from a YAML file: {@code issuer}, {@code resources} ({@code url}, {@code
   * audience}), {@code people} ({@code name}, {@code passwordHash}, {@code client}), {@code
   * accessTokenTtl}, {@code authorizationTtl}, {@code dynamicRegistration} and {@code
   * clientMetadata} ({@code maxBytes}, {@code timeout}, {@code allowHttpLoopback}). Unknown keys,
   * duplicate keys and values of the wrong type are refused.
   *
   * @throws IllegalArgumentException naming the file and what is wrong in it
   */
  public static OAuthSettings load(java.nio.file.Path file) {
    byte[] bytes;
    try {
      if (java.nio.file.Files.size(file) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(
            file + ": larger than " + MAX_FILE_BYTES + " bytes; not an OAuth settings file");
      }
      bytes = java.nio.file.Files.readAllBytes(file);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
    }
    FileForm form;
    try {
      form = YAML.readValue(bytes, FileForm.class);
    } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
      String at = Json.path(e);
      throw new IllegalArgumentException(
          file
              + ": "
              + (at.isEmpty() ? "" : at + ": ")
              + e.getOriginalMessage().lines().findFirst().orElse("not valid"));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(
          file + ": " + e.getMessage().lines().findFirst().orElse("not valid"));
    }
    if (form == null) {
      throw new IllegalArgumentException(file + ": empty; expected a mapping");
    }
    try {
      return fromForm(form);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage());
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper YAML =
      com.fasterxml.jackson.dataformat.yaml.YAMLMapper.builder()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .build();

  private static OAuthSettings fromForm(FileForm f) {
    Builder b = builder();
    if (f.issuer() != null) {
      b.issuer(f.issuer());
    }
    if (f.resources() != null) {
      for (ResourceForm r : f.resources()) {
        if (r == null || r.url() == null) {
          throw new IllegalArgumentException("resources: each needs url and audience");
        }
        b.resource(r.url(), r.audience());
      }
    }
    if (f.people() != null) {
      for (PersonForm p : f.people()) {
        if (p == null) {
          throw new IllegalArgumentException("people: each needs name, passwordHash and client");
        }
        b.person(new Person(p.name(), p.passwordHash(), p.client()));
      }
    }
    if (f.accessTokenTtl() != null) {
      b.accessTokenTtl(Durations.parse(f.accessTokenTtl()));
    }
    if (f.authorizationTtl() != null) {
      b.authorizationTtl(Durations.parse(f.authorizationTtl()));
    }
    if (f.dynamicRegistration() != null) {
      b.dynamicRegistration(f.dynamicRegistration());
    }
    ClientMetadataForm m = f.clientMetadata();
    if (m != null) {
      if (m.maxBytes() != null) {
        b.clientMetadataMaxBytes(m.maxBytes());
      }
      if (m.timeout() != null) {
        b.clientMetadataTimeout(Durations.parse(m.timeout()));
      }
      if (m.allowHttpLoopback() != null) {
        b.allowHttpLoopbackClientMetadata(m.allowHttpLoopback());
      }
    }
    return b.build();
  }

  /** The issuer identifier, if configured; else the authority's own URL is used. */
  public Optional<URI> issuer() {
    return Optional.ofNullable(issuer);
  }

  /** Resource URL (RFC 8707 resource indicator, or its prefix) to the capability audience. */
  public Map<String, String> resources() {
    return resources;
  }

  /** The people who may consent, by name. */
  public Map<String, Person> people() {
    return people;
  }

  /** The longest life of an access token (a capability). */
  public Duration accessTokenTtl() {
    return accessTokenTtl;
  }

  /** The longest life of an authorization, so of the refresh tokens it rotates through. */
  public Duration authorizationTtl() {
    return authorizationTtl;
  }

  /** Whether clients may register themselves (RFC 7591). */
  public boolean dynamicRegistration() {
    return dynamicRegistration;
  }

  /**
   * Whether a client ID metadata document may be fetched from {@code http://127.0.0.1} (for tests
   * and development only: then that one loopback address is allowed, over plain HTTP or over https
   * with a certificate the JVM trusts).
   */
  public boolean allowHttpLoopbackClientMetadata() {
    return allowHttpLoopbackClientMetadata;
  }

  /** The largest client ID metadata document read, in bytes. */
  public int clientMetadataMaxBytes() {
    return clientMetadataMaxBytes;
  }

  /** How long fetching a client ID metadata document may take, in all. */
  public Duration clientMetadataTimeout() {
    return clientMetadataTimeout;
  }

  /**
   * The audience for a resource indicator: the audience of the configured resource that equals it
   * or is a path prefix of it (at a {@code /}); the longest such prefix wins.
   */
  Optional<String> audienceOf(URI resource) {
    String r = resource.toString();
    String best = null;
    for (String base : resources.keySet()) {
      boolean matches =
          r.equals(base)
              || (r.startsWith(base) && (base.endsWith("/") || r.charAt(base.length()) == '/'));
      if (matches && (best == null || base.length() > best.length())) {
        best = base;
      }
    }
    return Optional.ofNullable(best).map(resources::get);
  }

  @Override
  public String toString() {
    return "OAuthSettings[issuer="
        + issuer
        + ", resources="
        + resources
        + ", people="
        + people.keySet()
        + ", accessTokenTtl="
        + accessTokenTtl
        + ", authorizationTtl="
        + authorizationTtl
        + "]";
  }

  /** Builds {@link OAuthSettings}; every setter checks its value. */
  public static final class Builder {
    private URI issuer;
    private final Map<String, String> resources = new LinkedHashMap<>();
    private final Map<String, Person> people = new LinkedHashMap<>();
    private Duration accessTokenTtl = Duration.ofMinutes(15);
    private Duration authorizationTtl = Duration.ofDays(30);
    private boolean dynamicRegistration = true;
    private boolean allowHttpLoopbackClientMetadata;
    private int clientMetadataMaxBytes = 5 * 1024;
    private Duration clientMetadataTimeout = Duration.ofSeconds(5);

    private Builder() {}

    /**
     * The issuer identifier: an https URL (or http on a loopback address) without query or
     * fragment, which clients see in the metadata and in the {@code iss} response parameter.
     *
     * @throws IllegalArgumentException if it is not such a URL
     */
    public Builder issuer(String url) {
      URI u = Settings.absoluteUrl("issuer", url);
      this.issuer = URI.create(u.toString().replaceAll("/+$", ""));
      return this;
    }

    /**
     * Maps a protected resource to the audience its capabilities carry: a resource indicator that
     * is {@code url} or lies under it (such as {@code https://gw.example/mcp/fs} under {@code
     * https://gw.example}) gets {@code audience}, which the gateway serving it checks.
     *
     * @throws IllegalArgumentException if {@code url} is not an absolute http(s) URL without query
     *     or fragment, or {@code audience} is blank
     */
    public Builder resource(String url, String audience) {
      URI u = Settings.absoluteUrl("resource", url);
      if (audience == null || audience.isBlank() || audience.length() > 256) {
        throw new IllegalArgumentException("resource " + url + ": audience must be 1 to 256 chars");
      }
      resources.put(u.toString(), audience);
      return this;
    }

    /**
     * Adds a person who may sign in to the consent page.
     *
     * @throws IllegalArgumentException if a person of that name was added already
     */
    public Builder person(Person person) {
      if (people.putIfAbsent(person.name(), person) != null) {
        throw new IllegalArgumentException("person " + person.name() + " is given twice");
      }
      return this;
    }

    /**
     * The longest life of an access token, 1 minute to 1 day.
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder accessTokenTtl(Duration ttl) {
      this.accessTokenTtl =
          Durations.requireWithin("accessTokenTtl", ttl, Duration.ofMinutes(1), Duration.ofDays(1));
      return this;
    }

    /**
     * The longest life of an authorization (its refresh tokens), 1 hour to 366 days.
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder authorizationTtl(Duration ttl) {
      this.authorizationTtl =
          Durations.requireWithin(
              "authorizationTtl", ttl, Duration.ofHours(1), Duration.ofDays(366));
      return this;
    }

    /** Whether clients may register themselves (default true). */
    public Builder dynamicRegistration(boolean on) {
      this.dynamicRegistration = on;
      return this;
    }

    /**
     * For tests and development only: allow client ID metadata documents at {@code
     * http://127.0.0.1:PORT/...} (default false).
     */
    public Builder allowHttpLoopbackClientMetadata(boolean allow) {
      this.allowHttpLoopbackClientMetadata = allow;
      return this;
    }

    /**
     * The largest client ID metadata document, 512 bytes to 64 KiB.
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder clientMetadataMaxBytes(int bytes) {
      this.clientMetadataMaxBytes =
          Settings.requireWithin("clientMetadataMaxBytes", bytes, 512, 64 * 1024);
      return this;
    }

    /**
     * How long fetching a client ID metadata document may take, 100 ms to 30 s.
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder clientMetadataTimeout(Duration timeout) {
      this.clientMetadataTimeout =
          Durations.requireWithin(
              "clientMetadataTimeout", timeout, Duration.ofMillis(100), Duration.ofSeconds(30));
      return this;
    }

    /** Returns the settings. */
    public OAuthSettings build() {
      return new OAuthSettings(this);
    }
  }
}
