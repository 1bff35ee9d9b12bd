package dev.mandate.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import dev.mandate.crypto.SigningKey;
import java.net.URI;
import java.time.Instant;
import java.util.Date;
import java.util.Set;

/**
 * A DPoP client for tests: ES256 proofs from the OAuth SDK's {@link DefaultDPoPProofFactory}, and
 * EdDSA proofs signed with a Mandate key (deterministic, for the vectors; Nimbus's own Ed25519
 * signer needs Tink, which Mandate does not ship).
 */
final class DPoPClient {
  final JWK publicJwk;
  private final JWSAlgorithm alg;
  private final JWSSigner signer;
  private final DefaultDPoPProofFactory factory;

  private DPoPClient(
      JWK publicJwk, JWSAlgorithm alg, JWSSigner signer, DefaultDPoPProofFactory factory) {
    this.publicJwk = publicJwk;
    this.alg = alg;
    this.signer = signer;
    this.factory = factory;
  }

  static DPoPClient es256() {
    try {
      ECKey key = new ECKeyGenerator(Curve.P_256).generate();
      DefaultDPoPProofFactory factory = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
      return new DPoPClient(key.toPublicJWK(), JWSAlgorithm.ES256, factory.getJWSSigner(), factory);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static DPoPClient ed25519(SigningKey key) {
    OctetKeyPair jwk =
        new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(key.verifyingKey().bytes()))
            .build();
    JWSSigner signer =
        new JWSSigner() {
          @Override
          public Base64URL sign(JWSHeader header, byte[] signingInput) {
            return Base64URL.encode(key.sign(signingInput));
          }

          @Override
          public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            return Set.of(JWSAlgorithm.EdDSA);
          }

          @Override
          public JCAContext getJCAContext() {
            return new JCAContext();
          }
        };
    return new DPoPClient(jwk, JWSAlgorithm.EdDSA, signer, null);
  }

  /** The thumbprint a capability bound to this client's key names. */
  String jkt() {
    try {
      return publicJwk.computeThumbprint().toString();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A proof as the OAuth SDK's factory makes it (ES256 clients only). */
  String factoryProof(String htm, String htu, String token, Instant iat, String jti) {
    try {
      return factory
          .createDPoPJWT(
              new JWTID(jti), htm, URI.create(htu), Date.from(iat), new DPoPAccessToken(token))
          .serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A proof with these claims and header fields, signed by this client's key. */
  String proof(JWTClaimsSet claims, JOSEObjectType type, JWK headerJwk) {
    JWSHeader header = new JWSHeader.Builder(alg).type(type).jwk(headerJwk).build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }

  /** A well-formed proof: RFC 9449's claims, typ dpop+jwt, this client's public key. */
  String proof(String htm, String htu, String token, Instant iat, String jti) {
    return proof(claims(htm, htu, token, iat, jti).build(), DPoPProofs.TYPE, publicJwk);
  }

  static JWTClaimsSet.Builder claims(
      String htm, String htu, String token, Instant iat, String jti) {
    return new JWTClaimsSet.Builder()
        .jwtID(jti)
        .claim("htm", htm)
        .claim("htu", htu)
        .issueTime(Date.from(iat))
        .claim(
            "ath",
            Base64URL.encode(
                    Chain.sha256(token.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .toString());
  }
}
