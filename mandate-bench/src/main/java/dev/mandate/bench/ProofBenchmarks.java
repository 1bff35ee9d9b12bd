package dev.mandate.bench;

import dev.mandate.token.Call;
import dev.mandate.token.Decision;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.ReplayGuard;
import dev.mandate.token.Request;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.Verifier;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a per-request holder proof costs, as MCP 2026-07-28 has every request of a holder-bound
 * capability carry one (there is no session to remember a holder by): signing it on the client
 * ({@link Proof#create}, as the Mandate SDK and {@code mandate proxy} do per request), and checking
 * it at the gateway as a warm gateway does (the verification cache holds the token's chain; the
 * replay guard is the in-memory one, {@link ReplayGuard#inMemory}, which remembers every proof).
 *
 * <p>The checks are the {@link Fixtures}' 3-block capability bound to a holder key, for a {@code
 * tools/call} (the guarded call: grants, arguments, proof) and for a {@code tools/list} (an
 * operation no grant names: the capability valid here and the proof over {@code POST tools/list},
 * {@link Verifier#authenticate}). Each iteration starts a fresh verifier (an empty replay guard,
 * its cache warmed by one call) and uses proofs from a pool made in advance, each exactly once; a
 * replayed or otherwise refused proof throws, so a broken setup cannot produce fast numbers.
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms768m", "-Xmx768m"})
@Warmup(iterations = 5, time = 2)
public class ProofBenchmarks extends MicroBenchmark {
  /**
   * Proofs made in advance per kind, each used once per iteration: enough for a 2 s iteration at 15
   * µs per check, well under what one Ed25519 verification takes.
   */
  static final int POOL = 1 << 17;

  private static final String LIST_METHOD = "POST tools/list";

  private Fixtures f;
  private Clock clock;
  private SecureRandom random;
  private Call listCall;
  private Request listRequest;
  private Proof[] callProofs;
  private Proof[] listProofs;
  private Verifier warm;
  private int nextCall;
  private int nextList;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    f = new Fixtures().selfCheck();
    clock = Clock.fixed(Fixtures.NOW, ZoneOffset.UTC);
    random = SecureRandom.getInstance("SHA1PRNG");
    random.setSeed(42);
    listCall = Call.mcp(null, Fixtures.SERVICE, LIST_METHOD, "", null);
    listRequest = new Request(null, Fixtures.SERVICE, "mcp.session", LIST_METHOD, null, null);
    callProofs = new Proof[POOL];
    listProofs = new Proof[POOL];
    for (int i = 0; i < POOL; i++) {
      callProofs[i] = sign(f.call);
      listProofs[i] = sign(listCall);
    }
  }

  /** A fresh verifier per iteration: an empty replay guard, the chain cache warmed by one call. */
  @Setup(Level.Iteration)
  public void freshVerifier() {
    warm =
        Verifier.builder()
            .trustedKeys(TrustedKeys.of(f.mandateRoot.verifyingKey()))
            .clock(clock)
            .verificationCacheSize(10_000)
            .replayGuard(ReplayGuard.inMemory(1_000_000, clock))
            .build();
    Fixtures.requireAllowed(
        warm.authorize(
            Presentation.of(f.mandateBoundToken).withProof(sign(f.call)).withCall(f.call),
            f.request));
    Fixtures.requireAllowed(warm.authorize(Presentation.of(f.mandateToken), f.request));
    nextCall = 0;
    nextList = 0;
  }

  private Proof sign(Call call) {
    return Proof.create(f.holderKey, f.mandateBoundToken, call, Fixtures.NOW, random);
  }

  /** Client side: one proof over a tools/call (decode the token, JCS digest, Ed25519 sign). */
  @Benchmark
  public Proof signCall() {
    return sign(f.call);
  }

  /** Client side: one proof over an operation without arguments ({@code POST tools/list}). */
  @Benchmark
  public Proof signOperation() {
    return sign(listCall);
  }

  /** Gateway side, for comparison: the same call with the bearer form of the capability. */
  @Benchmark
  public Decision checkCallBearer() {
    return Fixtures.requireAllowed(warm.authorize(Presentation.of(f.mandateToken), f.request));
  }

  /** Gateway side: a tools/call of the holder-bound capability with its proof, warm. */
  @Benchmark
  public Decision checkCallWithProof() {
    Proof proof = callProofs[nextCall++];
    return Fixtures.requireAllowed(
        warm.authorize(
            Presentation.of(f.mandateBoundToken).withProof(proof).withCall(f.call), f.request));
  }

  /** Gateway side: a tools/list of the holder-bound capability with its proof, warm. */
  @Benchmark
  public Decision checkOperationWithProof() {
    Proof proof = listProofs[nextList++];
    return Fixtures.requireAllowed(
        warm.authenticate(
            Presentation.of(f.mandateBoundToken).withProof(proof).withCall(listCall), listRequest));
  }

  /** The floor of a proof's check: one BouncyCastle Ed25519 verification of its message size. */
  @Benchmark
  public boolean floorVerify() {
    return f.floorProof();
  }

  /** The same verification by the key decoded in advance, as a cached chain could hold it. */
  @Benchmark
  public boolean floorVerifyDecodedKey() {
    return f.floorProofByPoint();
  }

  /** The floor of signing a proof: one BouncyCastle Ed25519 signature of its message size. */
  @Benchmark
  public byte[] floorSign() {
    return f.floorSign();
  }
}
