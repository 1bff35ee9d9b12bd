package dev.mandate.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.mandate.internal.crypto.Ed25519;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and verifies a DPoP proof (RFC 9449 section 4.3) for a capability bound to a DPoP key (spec
 * section 7.2). Nimbus JOSE+JWT parses the JWT and verifies ECDSA; an EdDSA signature is verified
 * by Mandate's strict Ed25519. Replay of the {@code jti} is the caller's ({@link ProofCheck}),
 * through the verifier's replay guard.
 */
final class DPoPProofs {
  /** Longer proofs are refused before parsing (a P-384 proof is about 700 characters). */
  static final int MAX_CHARS = 4096;

  static final int MAX_JTI_CHARS = 256;
  static final JOSEObjectType TYPE = new JOSEObjectType("dpop+jwt");

  /** What a verified proof tells the replay check. */
  record Verified(String jti, Instant issuedAt) {}

  private static final Map<JWSAlgorithm, Curve> CURVES =
      Map.of(
          JWSAlgorithm.ES256, Curve.P_256,
          JWSAlgorithm.ES384, Curve.P_384,
          JWSAlgorithm.EdDSA, Curve.Ed25519,
          JWSAlgorithm.Ed25519, Curve.Ed25519);

  private DPoPProofs() {}

  /**
   * Verifies a DPoP proof for one HTTP request and one access token; the time window and the replay
   * are checked by the caller from what this returns.
   *
   * @param jwt the {@code DPoP} header's value
   * @param jkt the thumbprint the capability names, 32 bytes
   * @param httpMethod the method the request came with
   * @param httpUri the absolute URI the request came to
   * @param token the access token as presented, which {@code ath} must hash
   * @throws FormatException coded {@code PROOF_INVALID} naming what is wrong
   */
  static Verified verify(String jwt, byte[] jkt, String httpMethod, String httpUri, String token) {
    if (jwt.length() > MAX_CHARS) {
      throw invalid("the DPoP proof is longer than " + MAX_CHARS + " characters");
    }
    SignedJWT signed;
    JWTClaimsSet claims;
    try {
      signed = SignedJWT.parse(jwt);
      claims = signed.getJWTClaimsSet();
    } catch (ParseException | RuntimeException e) {
      throw invalid("the DPoP proof is not a signed JWT (RFC 9449 section 4.2)");
    }
    JWSHeader header = signed.getHeader();
    if (!TYPE.equals(header.getType())) {
      throw invalid("the DPoP proof's typ is not dpop+jwt");
    }
    Curve curve = CURVES.get(header.getAlgorithm());
    if (curve == null) {
      throw invalid(
          "the DPoP proof's alg "
              + Reasons.printable(String.valueOf(header.getAlgorithm()))
              + " is not accepted (ES256, ES384, EdDSA with Ed25519)");
    }
    if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
      throw invalid("the DPoP proof names critical header parameters, which are not understood");
    }
    JWK key = header.getJWK();
    if (key == null || key.isPrivate()) {
      throw invalid("the DPoP proof's jwk header must hold the public key, and only that");
    }
    if (!thumbprintMatches(key, jkt)) {
      throw invalid(
          "the DPoP proof is made by key "
              + Chain.jktKeyId(thumbprint(key))
              + ", not the capability's holder "
              + Chain.jktKeyId(jkt));
    }
    if (!signatureValid(signed, key, curve)) {
      throw invalid("the DPoP proof's signature does not verify under its jwk");
    }
    String htm = stringClaim(claims, "htm");
    if (!httpMethod.equals(htm)) {
      throw invalid(
          "the DPoP proof is for method "
              + Reasons.printable(htm)
              + ", not this request's "
              + httpMethod);
    }
    String htu = stringClaim(claims, "htu");
    if (!comparable(httpUri).equals(comparable(htu))) {
      throw invalid(
          "the DPoP proof is for URI "
              + Reasons.printable(htu)
              + ", not this request's "
              + Reasons.printable(comparable(httpUri)));
    }
    String ath = stringClaim(claims, "ath");
    byte[] tokenHash = Chain.sha256(token.getBytes(StandardCharsets.US_ASCII));
    if (!MessageDigest.isEqual(
        Base64Text.encode(tokenHash).getBytes(StandardCharsets.US_ASCII),
        ath.getBytes(StandardCharsets.UTF_8))) {
      throw invalid("the DPoP proof's ath is not the hash of the capability presented with it");
    }
    String jti = stringClaim(claims, "jti");
    if (jti.isEmpty() || jti.length() > MAX_JTI_CHARS) {
      throw invalid("the DPoP proof's jti must be 1 to " + MAX_JTI_CHARS + " characters");
    }
    Date iat = claims.getIssueTime();
    if (iat == null) {
      throw invalid("the DPoP proof has no iat");
    }
    return new Verified(jti, iat.toInstant());
  }

  private static FormatException invalid(String reason) {
    return new FormatException(Decision.Code.PROOF_INVALID, reason);
  }

  private static String stringClaim(JWTClaimsSet claims, String name) {
    String value;
    try {
      value = claims.getStringClaim(name);
    } catch (ParseException e) {
      throw invalid("the DPoP proof's " + name + " is not a string");
    }
    if (value == null) {
      throw invalid("the DPoP proof has no " + name);
    }
    return value;
  }

  private static byte[] thumbprint(JWK key) {
    try {
      return key.computeThumbprint("SHA-256").decode();
    } catch (JOSEException e) {
      throw invalid("the DPoP proof's jwk has no thumbprint");
    }
  }

  private static boolean thumbprintMatches(JWK key, byte[] jkt) {
    return MessageDigest.isEqual(thumbprint(key), jkt);
  }

  private static boolean signatureValid(SignedJWT signed, JWK key, Curve curve) {
    try {
      if (curve == Curve.Ed25519) {
        if (!(key instanceof OctetKeyPair okp) || !Curve.Ed25519.equals(okp.getCurve())) {
          throw invalid("an EdDSA DPoP proof's jwk must be an Ed25519 OKP key");
        }
        byte[] input = signed.getSigningInput();
        return Ed25519.verify(
            okp.getDecodedX(), input, 0, input.length, signed.getSignature().decode());
      }
      if (!(key instanceof ECKey ec) || !curve.equals(ec.getCurve())) {
        throw invalid(
            "a "
                + signed.getHeader().getAlgorithm()
                + " DPoP proof's jwk must be an EC key on "
                + curve);
      }
      return signed.verify(new ECDSAVerifier(ec));
    } catch (JOSEException | RuntimeException e) {
      if (e instanceof FormatException f) {
        throw f;
      }
      return false;
    }
  }

  /**
   * The form in which a request's URI and a proof's {@code htu} are compared (RFC 9449 section 4.3,
   * step 9): absolute http or https, scheme and host in lower case, no default port, dot segments
   * removed, an empty path as {@code /}, no query or fragment.
   */
  static String comparable(String uri) {
    URI u;
    try {
      u = new URI(uri).normalize();
    } catch (URISyntaxException e) {
      throw invalid("the DPoP proof's htu is not a URI");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http") || u.getRawAuthority() == null) {
      throw invalid("the DPoP proof's htu is not an absolute http or https URI");
    }
    if (u.getHost() == null || u.getRawUserInfo() != null) {
      throw invalid("the DPoP proof's htu has no plain host");
    }
    int port = u.getPort();
    boolean defaultPort =
        port == -1
            || (scheme.equals("https") && port == 443)
            || (scheme.equals("http") && port == 80);
    String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
    return scheme
        + "://"
        + u.getHost().toLowerCase(Locale.ROOT)
        + (defaultPort ? "" : ":" + port)
        + path;
  }
}
