package dev.mandate.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.nitram509.jmacaroons.Macaroon;
import com.github.nitram509.jmacaroons.MacaroonsBuilder;
import com.github.nitram509.jmacaroons.MacaroonsVerifier;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Call;
import dev.mandate.token.Capability;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.Request;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.Verifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.biscuitsec.biscuit.crypto.KeyPair;
import org.biscuitsec.biscuit.crypto.PublicKey;
import org.biscuitsec.biscuit.datalog.RunLimits;
import org.biscuitsec.biscuit.token.Authorizer;
import org.biscuitsec.biscuit.token.Biscuit;
import org.biscuitsec.biscuit.token.Policy;
import org.biscuitsec.biscuit.token.builder.Block;
import org.biscuitsec.biscuit.token.builder.Fact;
import org.biscuitsec.biscuit.token.builder.parser.Parser;

/**
 * The same 3-block capability, expressed in every system the benchmark compares, plus the request
 * it must allow. Built deterministically (fixed seeds and a fixed clock) so that sizes are stable
 * from run to run.
 *
 * <p>Semantics, identical everywhere:
 *
 * <ol>
 *   <li>authority: {@code fs:{read_text_file,list_directory}:/data/**}, expires NOW + 30 days
 *   <li>attenuation 1: {@code fs:read_text_file:/data/invoices/**}, expires NOW + 7 days
 *   <li>attenuation 2: {@code fs:read_text_file:/data/invoices/2024/**}, expires NOW + 1 day, and
 *       the argument {@code /path} must lie within {@code /data/invoices/2024}
 * </ol>
 *
 * The request is {@code fs read_text_file /data/invoices/2024/jan.pdf} with {@code {"path":
 * "/data/invoices/2024/jan.pdf"}}, evaluated at NOW + 1 hour: allowed. Every check method throws if
 * the answer is not the expected one, so a broken setup cannot produce fast numbers.
 */
public final class Fixtures {
  static final Instant ISSUED = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant EXP_AUTHORITY = ISSUED.plusSeconds(30 * 86_400L);
  static final Instant EXP_ATTENUATION_1 = ISSUED.plusSeconds(7 * 86_400L);
  static final Instant EXP_ATTENUATION_2 = ISSUED.plusSeconds(86_400L);
  static final Instant NOW = ISSUED.plusSeconds(3_600);

  static final String SERVICE = "fs";
  static final String ACTION = "read_text_file";
  static final String PROOF_METHOD = "POST tools/call";
  static final String RESOURCE = "/data/invoices/2024/jan.pdf";
  static final String DENIED_RESOURCE = "/data/invoices/2023/dec.pdf";

  /** Number of distinct holder proofs cycled by the proof benchmarks. */
  static final int PROOF_POOL = 4096;

  // ---- Mandate ----
  final SigningKey mandateRoot;
  final SigningKey holderKey;
  final Capability mandateCapability;
  final String mandateToken;
  final Capability mandateBoundCapability;
  final String mandateBoundToken;
  final Request request;
  final Request deniedRequest;
  final Call call;
  final Verifier mandateCold;
  final Verifier mandateWarm;
  final Verifier mandateColdNoReplay;
  final Verifier mandateWarmNoReplay;
  final Proof[] proofs;

  // ---- floor: the Ed25519 verifications Mandate's chain needs ----
  final byte[][] floorKeys;
  final org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint floorRootPoint;
  final byte[][] floorMessages;
  final byte[][] floorSignatures;
  final byte[] floorProofKey;
  final org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint floorProofPoint;
  final byte[] floorProofMessage;
  final byte[] floorProofSignature;

  // ---- biscuit ----
  final PublicKey biscuitRootPublic;
  final byte[] biscuitToken;
  final String biscuitTokenB64;
  final List<Fact> biscuitRequestFacts;
  final List<Fact> biscuitDeniedFacts;
  final Policy biscuitPolicy;
  final RunLimits biscuitLimits;

  // ---- macaroons ----
  final String macaroonSecret;
  final String macaroonToken;

  // ---- JWT ----
  final Ed25519Verifier jwtVerifier;
  final String jwtToken;

  public Fixtures() {
    try {
      SecureRandom rng = deterministic("mandate-bench");
      Clock issueClock = Clock.fixed(ISSUED, ZoneOffset.UTC);
      Clock verifyClock = Clock.fixed(NOW, ZoneOffset.UTC);

      // ---- Mandate ----
      mandateRoot = SigningKey.fromSeed(seed("root"), insecure());
      holderKey = SigningKey.fromSeed(seed("holder"), insecure());
      Capability authority =
          Capability.mint(mandateRoot)
              .allow("fs:{read_text_file,list_directory}:/data/**")
              .expiresAt(EXP_AUTHORITY)
              .clock(issueClock)
              .random(rng)
              .sign();
      Capability attenuated1 =
          authority
              .attenuate()
              .allow("fs:read_text_file:/data/invoices/**")
              .expiresAt(EXP_ATTENUATION_1)
              .clock(issueClock)
              .random(rng)
              .sign();
      mandateCapability = invoices2024(attenuated1, issueClock, rng).sign();
      mandateToken = mandateCapability.toText();
      mandateBoundCapability =
          invoices2024(attenuated1, issueClock, rng).bindTo(holderKey.verifyingKey()).sign();
      mandateBoundToken = mandateBoundCapability.toText();
      ObjectNode args = JsonNodeFactory.instance.objectNode().put("path", RESOURCE);
      request = new Request(null, SERVICE, ACTION, RESOURCE, args, Map.of());
      // The MCP tools/call the request is mapped from, which a holder proof signs.
      call = Call.mcp(null, SERVICE, PROOF_METHOD, ACTION, args);
      deniedRequest =
          new Request(
              null,
              SERVICE,
              ACTION,
              DENIED_RESOURCE,
              JsonNodeFactory.instance.objectNode().put("path", DENIED_RESOURCE),
              Map.of());
      TrustedKeys trusted = TrustedKeys.of(mandateRoot.verifyingKey());
      mandateCold = verifier(trusted, verifyClock, 0).build();
      mandateWarm = verifier(trusted, verifyClock, 10_000).build();
      // The proof benchmarks cycle a pool of distinct, valid proofs; the replay guard is a no-op
      // so a proof can come round again (the guard is a deployment store: Caffeine or Redis).
      mandateColdNoReplay =
          verifier(trusted, verifyClock, 0).replayGuard((id, expires) -> true).build();
      mandateWarmNoReplay =
          verifier(trusted, verifyClock, 10_000).replayGuard((id, expires) -> true).build();
      proofs = new Proof[PROOF_POOL];
      for (int i = 0; i < PROOF_POOL; i++) {
        proofs[i] =
            Proof.create(holderKey, mandateBoundToken, call, NOW.minusMillis(i % 1000), rng);
      }

      // ---- floor: the real messages, signatures and keys of Mandate's chain ----
      ChainParts parts = ChainParts.of(mandateCapability.toBytes(), mandateRoot.verifyingKey());
      floorKeys = parts.keys;
      floorMessages = parts.messages;
      floorSignatures = parts.signatures;
      floorRootPoint =
          org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFullExport(floorKeys[0], 0);
      // A proof message has the size of Mandate's: domain, token digest, the call's fields
      // (audience, protocol, service, method, target), the args digest, time and nonce.
      int proofMessageLength =
          17
              + 32
              + 2
              + 2
              + "mcp".length()
              + 2
              + SERVICE.length()
              + 2
              + PROOF_METHOD.length()
              + 2
              + ACTION.length()
              + 32
              + 8
              + 16;
      floorProofMessage = new byte[proofMessageLength];
      rng.nextBytes(floorProofMessage);
      floorProofKey = holderKey.verifyingKey().bytes();
      floorProofPoint =
          org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFullExport(floorProofKey, 0);
      floorProofSignature = holderKey.sign(floorProofMessage);

      // ---- biscuit ----
      KeyPair biscuitRoot = new KeyPair(rng);
      biscuitRootPublic = biscuitRoot.public_key();
      Biscuit b =
          Biscuit.builder(rng, biscuitRoot)
              .add_authority_fact("right(\"fs\", \"read_text_file\", \"/data/\")")
              .add_authority_fact("right(\"fs\", \"list_directory\", \"/data/\")")
              .add_authority_check("check if time($t), $t <= " + EXP_AUTHORITY)
              .build();
      Block block1 = b.create_block();
      block1.add_check(
          "check if service(\"fs\"), action(\"read_text_file\"), resource($r),"
              + " $r.starts_with(\"/data/invoices/\")");
      block1.add_check("check if time($t), $t <= " + EXP_ATTENUATION_1);
      b = b.attenuate(rng, new KeyPair(rng), block1);
      Block block2 = b.create_block();
      block2.add_check(
          "check if service(\"fs\"), action(\"read_text_file\"), resource($r),"
              + " $r.starts_with(\"/data/invoices/2024/\")");
      block2.add_check("check if time($t), $t <= " + EXP_ATTENUATION_2);
      block2.add_check("check if arg(\"path\", $p), $p.starts_with(\"/data/invoices/2024/\")");
      b = b.attenuate(rng, new KeyPair(rng), block2);
      biscuitToken = b.serialize();
      biscuitTokenB64 = b.serialize_b64url();
      biscuitRequestFacts = biscuitFacts(RESOURCE);
      biscuitDeniedFacts = biscuitFacts(DENIED_RESOURCE);
      biscuitPolicy =
          Parser.policy(
                  "allow if service($s), action($a), resource($r), right($s, $a, $prefix),"
                      + " $r.starts_with($prefix)")
              .get()
              ._2;
      // The default run limit is 5 ms, which a cold first authorization exceeds; be generous.
      biscuitLimits = new RunLimits(1000, 100, java.time.Duration.ofSeconds(5));

      // ---- macaroons: one first-party caveat per block ----
      macaroonSecret = "mandate-bench macaroon root secret, 32+ bytes long!";
      Macaroon m =
          new MacaroonsBuilder("https://gateway.example", macaroonSecret, "token-1")
              .add_first_party_caveat(
                  "grant = fs:read_text_file,list_directory:/data/ ; expires = "
                      + EXP_AUTHORITY.getEpochSecond())
              .add_first_party_caveat(
                  "grant = fs:read_text_file:/data/invoices/ ; expires = "
                      + EXP_ATTENUATION_1.getEpochSecond())
              .add_first_party_caveat(
                  "grant = fs:read_text_file:/data/invoices/2024/ ; expires = "
                      + EXP_ATTENUATION_2.getEpochSecond()
                      + " ; arg path within /data/invoices/2024/")
              .getMacaroon();
      macaroonToken = m.serialize();

      // ---- JWT: one EdDSA signature, scopes and expiry; cannot be attenuated ----
      OctetKeyPair jwk = new OctetKeyPairGenerator(Curve.Ed25519).keyID("k1").generate();
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .issuer("https://auth.example")
              .subject("agent-1")
              .expirationTime(Date.from(EXP_ATTENUATION_2))
              .issueTime(Date.from(ISSUED))
              .claim("scope", "fs:read_text_file:/data/invoices/2024/")
              .claim("arg_path_within", "/data/invoices/2024/")
              .build();
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(jwk.getKeyID()).build(), claims);
      jwt.sign(new Ed25519Signer(jwk));
      jwtToken = jwt.serialize();
      jwtVerifier = new Ed25519Verifier(jwk.toPublicJWK());
    } catch (Exception e) {
      throw new IllegalStateException("benchmark fixtures could not be built", e);
    }
  }

  private static List<Fact> biscuitFacts(String resource) {
    List<Fact> facts = new ArrayList<>();
    for (String f :
        List.of(
            "service(\"fs\")",
            "action(\"read_text_file\")",
            "resource(\"" + resource + "\")",
            "arg(\"path\", \"" + resource + "\")",
            "time(" + NOW + ")")) {
      facts.add(Parser.fact(f).get()._2);
    }
    return facts;
  }

  /** A verifier of the benchmark's root that remembers {@code cacheSize} verified chains. */
  private static Verifier.Builder verifier(TrustedKeys trusted, Clock clock, long cacheSize) {
    return Verifier.builder().trustedKeys(trusted).clock(clock).verificationCacheSize(cacheSize);
  }

  // ---- the checks (parse + verify + authorize), each throws unless allowed ----

  static Decision requireAllowed(Decision d) {
    if (!d.allowed()) {
      throw new IllegalStateException("Mandate denied the benchmark request: " + d);
    }
    return d;
  }

  Decision mandate(Verifier verifier) {
    return requireAllowed(verifier.authorize(Presentation.of(mandateToken), request));
  }

  Decision mandateWithProof(Verifier verifier, int i) {
    return requireAllowed(
        verifier.authorize(
            Presentation.of(mandateBoundToken).withProof(proofs[i]).withCall(call), request));
  }

  boolean floor3() {
    boolean ok =
        org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
                floorSignatures[0], 0, floorRootPoint, floorMessages[0], 0, floorMessages[0].length)
            && org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
                floorSignatures[1],
                0,
                floorKeys[1],
                0,
                floorMessages[1],
                0,
                floorMessages[1].length)
            && org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
                floorSignatures[2],
                0,
                floorKeys[2],
                0,
                floorMessages[2],
                0,
                floorMessages[2].length);
    if (!ok) {
      throw new IllegalStateException("floor signature did not verify");
    }
    return true;
  }

  boolean floor4() {
    floor3();
    return floorProof();
  }

  /** One bare verification of a proof-sized message by the holder key's 32 bytes. */
  boolean floorProof() {
    if (!org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
        floorProofSignature, 0, floorProofKey, 0, floorProofMessage, 0, floorProofMessage.length)) {
      throw new IllegalStateException("floor proof signature did not verify");
    }
    return true;
  }

  /** As {@link #floorProof}, by the holder key decoded in advance (no point decompression). */
  boolean floorProofByPoint() {
    if (!org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
        floorProofSignature, 0, floorProofPoint, floorProofMessage, 0, floorProofMessage.length)) {
      throw new IllegalStateException("floor proof signature did not verify");
    }
    return true;
  }

  /** One bare signature of a proof-sized message by the holder key. */
  byte[] floorSign() {
    return holderKey.sign(floorProofMessage);
  }

  long biscuit(List<Fact> facts) throws Exception {
    Biscuit b = Biscuit.from_bytes(biscuitToken, biscuitRootPublic);
    Authorizer authorizer = b.authorizer();
    for (Fact f : facts) {
      authorizer.add_fact(f);
    }
    authorizer.add_policy(biscuitPolicy);
    return authorizer.authorize(biscuitLimits); // throws Error.FailedLogic when denied
  }

  boolean macaroon(String resource, String argPath) {
    Macaroon m = MacaroonsBuilder.deserialize(macaroonToken);
    long now = NOW.getEpochSecond();
    boolean ok =
        new MacaroonsVerifier(m)
            .satisfyGeneral(caveat -> macaroonCaveatHolds(caveat, resource, argPath, now))
            .isValid(macaroonSecret);
    if (!ok) {
      throw new IllegalStateException("macaroon not valid for " + resource);
    }
    return true;
  }

  /** A first-party caveat: {@code grant = svc:act1,act2:prefix ; expires = t [; arg path ...]}. */
  static boolean macaroonCaveatHolds(String caveat, String resource, String argPath, long now) {
    String[] clauses = caveat.split(" ; ");
    boolean sawGrant = false;
    for (String clause : clauses) {
      if (clause.startsWith("grant = ")) {
        String grant = clause.substring(8);
        int c1 = grant.indexOf(':');
        int c2 = grant.indexOf(':', c1 + 1);
        if (!grant.substring(0, c1).equals(SERVICE)
            || !Arrays.asList(grant.substring(c1 + 1, c2).split(",")).contains(ACTION)
            || !resource.startsWith(grant.substring(c2 + 1))) {
          return false;
        }
        sawGrant = true;
      } else if (clause.startsWith("expires = ")) {
        if (now > Long.parseLong(clause.substring(10))) {
          return false;
        }
      } else if (clause.startsWith("arg path within ")) {
        if (argPath == null || !argPath.startsWith(clause.substring(16))) {
          return false;
        }
      } else {
        return false;
      }
    }
    return sawGrant;
  }

  boolean jwt(String resource, String argPath) throws Exception {
    SignedJWT jwt = SignedJWT.parse(jwtToken);
    if (!JWSAlgorithm.EdDSA.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(jwtVerifier)) {
      throw new IllegalStateException("JWT signature did not verify");
    }
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    Date exp = claims.getExpirationTime();
    if (exp == null || NOW.isAfter(exp.toInstant())) {
      throw new IllegalStateException("JWT expired");
    }
    String scope = claims.getStringClaim("scope");
    boolean inScope = false;
    for (String s : scope.split(" ")) {
      int c1 = s.indexOf(':');
      int c2 = s.indexOf(':', c1 + 1);
      if (s.substring(0, c1).equals(SERVICE)
          && s.substring(c1 + 1, c2).equals(ACTION)
          && resource.startsWith(s.substring(c2 + 1))) {
        inScope = true;
        break;
      }
    }
    String within = claims.getStringClaim("arg_path_within");
    if (!inScope || (within != null && (argPath == null || !argPath.startsWith(within)))) {
      throw new IllegalStateException("JWT scope does not allow " + resource);
    }
    return true;
  }

  /** Runs every path once, allowed and denied, so a broken fixture fails loudly up front. */
  public Fixtures selfCheck() throws Exception {
    mandate(mandateCold);
    mandate(mandateWarm);
    mandate(mandateWarm);
    mandateWithProof(mandateColdNoReplay, 0);
    mandateWithProof(mandateWarmNoReplay, 1);
    expectDenied(
        "Mandate", mandateCold.authorize(Presentation.of(mandateToken), deniedRequest).allowed());
    expectDenied(
        "Mandate (no proof)",
        mandateCold.authorize(Presentation.of(mandateBoundToken), request).allowed());
    floor4();
    biscuit(biscuitRequestFacts);
    boolean biscuitDenied;
    try {
      biscuit(biscuitDeniedFacts);
      biscuitDenied = false;
    } catch (org.biscuitsec.biscuit.error.Error e) {
      biscuitDenied = true;
    }
    expectDenied("biscuit", !biscuitDenied);
    macaroon(RESOURCE, RESOURCE);
    expectDenied("macaroons", succeeds(() -> macaroon(DENIED_RESOURCE, DENIED_RESOURCE)));
    jwt(RESOURCE, RESOURCE);
    expectDenied("JWT", succeeds(() -> jwt(DENIED_RESOURCE, DENIED_RESOURCE)));
    return this;
  }

  private interface Check {
    boolean run() throws Exception;
  }

  private static boolean succeeds(Check c) {
    try {
      return c.run();
    } catch (Exception e) {
      return false;
    }
  }

  private static void expectDenied(String system, boolean allowed) {
    if (allowed) {
      throw new IllegalStateException(system + " allowed a request it must deny");
    }
  }

  // ---- helpers ----

  /** The signed messages, signatures and verifying keys of a Mandate token's blocks. */
  record ChainParts(byte[][] keys, byte[][] messages, byte[][] signatures) {
    static ChainParts of(byte[] binary, dev.mandate.crypto.VerifyingKey root) throws Exception {
      byte[] domain = "mandate/v1/block\0".getBytes(StandardCharsets.US_ASCII);
      int count = binary[1] & 0xff;
      byte[][] keys = new byte[count][];
      byte[][] messages = new byte[count][];
      byte[][] signatures = new byte[count][];
      byte[] previousDigest = new byte[32];
      byte[] nextKey = root.bytes();
      int pos = 2;
      for (int i = 0; i < count; i++) {
        int len = ((binary[pos] & 0xff) << 8) | (binary[pos + 1] & 0xff);
        pos += 2;
        byte[] payload = Arrays.copyOfRange(binary, pos, pos + len);
        pos += len;
        signatures[i] = Arrays.copyOfRange(binary, pos, pos + 64);
        pos += 64;
        byte[] message = new byte[domain.length + 32 + len];
        System.arraycopy(domain, 0, message, 0, domain.length);
        System.arraycopy(previousDigest, 0, message, domain.length, 32);
        System.arraycopy(payload, 0, message, domain.length + 32, len);
        messages[i] = message;
        keys[i] = nextKey;
        // The payload ends with next key (32), secret commitment (16) and flags (1).
        nextKey = Arrays.copyOfRange(payload, len - 49, len - 17);
        previousDigest = MessageDigest.getInstance("SHA-256").digest(message);
      }
      return new ChainParts(keys, messages, signatures);
    }
  }

  private static dev.mandate.crypto.InsecureSecretKeyAccess insecure() {
    return dev.mandate.crypto.InsecureSecretKeyAccess.get();
  }

  private static byte[] seed(String label) throws Exception {
    return MessageDigest.getInstance("SHA-256")
        .digest(("mandate-bench " + label).getBytes(StandardCharsets.UTF_8));
  }

  /** A SHA1PRNG seeded explicitly is deterministic: stable token ids and sizes across runs. */
  private static SecureRandom deterministic(String label) throws Exception {
    SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
    r.setSeed(seed(label));
    return r;
  }

  /** The last block of the benchmark's tokens: the 2024 invoices, within their directory. */
  private static Capability.Attenuator invoices2024(
      Capability parent, Clock clock, SecureRandom random) {
    return parent
        .attenuate()
        .allow("fs:read_text_file:/data/invoices/2024/**")
        .expiresAt(EXP_ATTENUATION_2)
        .constrain("/path", new Constraint.PathWithin("/data/invoices/2024"))
        .clock(clock)
        .random(random);
  }
}
