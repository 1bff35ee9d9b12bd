package dev.mandate.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parse + verify + authorize of the same 3-block capability (see {@link Fixtures}), per call, in
 * Mandate and the systems it is compared with. Every method returns the decision (consumed by JMH)
 * and throws if the request is not allowed.
 */
@Warmup(iterations = 5, time = 2)
public class TokenBenchmarks extends MicroBenchmark {
  private Fixtures f;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    f = new Fixtures().selfCheck();
  }

  private int nextProof() {
    int i = next;
    next = (i + 1) & (Fixtures.PROOF_POOL - 1);
    return i;
  }

  /** Cache off: decode the text, verify 3 signatures and the trailer secret, evaluate caveats. */
  @Benchmark
  public Object mandateCold() {
    return f.mandate(f.mandateCold);
  }

  /** Cache off, holder-bound token, plus a distinct per-call proof (parse, JCS digest, verify). */
  @Benchmark
  public Object mandateColdWithProof() {
    return f.mandateWithProof(f.mandateColdNoReplay, nextProof());
  }

  /** Verification cache hit: SHA-256 of the text, lookup, caveat evaluation. */
  @Benchmark
  public Object mandateWarm() {
    return f.mandate(f.mandateWarm);
  }

  /** Verification cache hit, plus a distinct per-call proof. */
  @Benchmark
  public Object mandateWarmWithProof() {
    return f.mandateWithProof(f.mandateWarmNoReplay, nextProof());
  }

  /** Biscuit.from_bytes (parse + 3 signatures) + authorizer with request facts, time, policy. */
  @Benchmark
  public Object biscuit() throws Exception {
    return f.biscuit(f.biscuitRequestFacts);
  }

  /** Deserialize + HMAC chain + 3 first-party caveats through a general caveat verifier. */
  @Benchmark
  public Object macaroons() {
    return f.macaroon(Fixtures.RESOURCE, Fixtures.RESOURCE);
  }

  /** Parse + EdDSA verify + exp and scope check (a single block: no attenuation possible). */
  @Benchmark
  public Object jwtEdDsa() throws Exception {
    return f.jwt(Fixtures.RESOURCE, Fixtures.RESOURCE);
  }

  /** The floor: the 3 bare BouncyCastle Ed25519 verifications of Mandate's block messages. */
  @Benchmark
  public Object floorEd25519x3() {
    return f.floor3();
  }

  /** The floor with a holder proof: 3 block signatures and 1 proof signature. */
  @Benchmark
  public Object floorEd25519x4() {
    return f.floor4();
  }
}
