package dev.mandate.token;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.internal.match.ResourcePaths;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Decides whether a presented capability allows a request. Thread-safe. {@link #authorize} never
 * throws on bad input: a malformed, forged, expired, revoked or out-of-scope token yields a denying
 * {@link Decision} that names the block, the caveat and the reason.
 *
 * <p>A token whose signature chain was verified once is remembered (keyed by the SHA-256 of its
 * text, bounded), so a second use costs only the caveat evaluation. Revocation, time, audience,
 * grants, arguments, conditions and proofs are checked on every call.
 */
public final class Verifier {
  private static final int MAX_GRANTS_IN_REASON = 8;

  private final TrustedKeys trustedKeys;
  private final Clock clock;
  private final Duration clockSkew;
  private final Duration proofWindow;
  private final Predicate<String> revoked;
  private final Limits limits;
  private final ReplayGuard replayGuard;
  private final Cache<ByteBuffer, Verified> cache;

  /** A chain whose signatures verified under {@code rootKey}. */
  private record Verified(Chain chain, VerifyingKey rootKey) {}

  private Verifier(Builder b) {
    this.trustedKeys = b.trustedKeys;
    this.clock = b.clock;
    this.clockSkew = b.clockSkew;
    this.proofWindow = b.proofWindow;
    this.revoked = b.revoked;
    this.limits = b.limits;
    this.replayGuard =
        b.replayGuard != null ? b.replayGuard : ReplayGuard.inMemory(1_000_000, b.clock);
    this.cache = b.cacheSize > 0 ? Caffeine.newBuilder().maximumSize(b.cacheSize).build() : null;
  }

  /** Starts building a verifier. */
  public static Builder builder() {
    return new Builder();
  }

  /** As {@link #authorize(String, Request, String)} without a proof. */
  public Decision authorize(String token, Request request) {
    return authorize(token, request, null);
  }

  /**
   * Decides whether {@code token} allows {@code request}.
   *
   * @param token the capability's text form as presented (may be null or garbage)
   * @param request the call
   * @param proof the per-call proof's text form, required for holder-bound tokens; may be null
   * @return the decision; never null
   * @throws NullPointerException if request is null (a programmer error)
   */
  public Decision authorize(String token, Request request, String proof) {
    return authorize(token, request, proof, null);
  }

  /**
   * Decides whether {@code token} allows {@code request}, for a capability whose blocks may require
   * a person's approval of the call (an approval caveat).
   *
   * @param token the capability's text form as presented (may be null or garbage)
   * @param request the call
   * @param proof the per-call proof's text form, required for holder-bound tokens; may be null
   * @param approval the {@link Approval}'s text form, required when a block has an approval caveat;
   *     may be null
   * @return the decision; never null
   * @throws NullPointerException if request is null (a programmer error)
   */
  public Decision authorize(String token, Request request, String proof, String approval) {
    Objects.requireNonNull(request, "request");
    Verified verified;
    try {
      verified = verified(token);
    } catch (Chain.BlockFormatException e) {
      return Decision.deny(
          e.cause.code(), e.block, "format", "block " + e.block + ": " + e.getMessage());
    } catch (FormatException e) {
      return Decision.deny(e.code(), -1, "format", e.getMessage());
    } catch (Denial d) {
      return d.decision;
    } catch (RuntimeException e) {
      return Decision.deny(
          Decision.Code.MALFORMED, -1, "format", "the token could not be processed");
    }
    try {
      return evaluate(verified.chain(), request, proof, approval);
    } catch (Denial d) {
      return d.decision;
    } catch (FormatException e) {
      return Decision.deny(
          e.code(),
          -1,
          "request",
          e.getMessage(),
          verified.chain().tokenId,
          verified.chain().revocationIds);
    } catch (RuntimeException e) {
      return Decision.deny(
          Decision.Code.INVALID_REQUEST,
          -1,
          "request",
          "the request could not be evaluated",
          verified.chain().tokenId,
          verified.chain().revocationIds);
    }
  }

  /**
   * Tells whether {@code token} could allow some call of {@code action} on {@code service} for this
   * audience: the chain verifies, nothing is revoked or expired, the audience is accepted, and
   * every block has a grant whose service and action patterns match. Resources, arguments,
   * conditions and proofs are not considered, so a true answer does not mean a particular call is
   * allowed. Used to show an agent only the tools it may call (for example to filter an MCP
   * tools/list). Never throws on bad input; returns false for it.
   */
  public boolean couldAllow(String token, String audience, String service, String action) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(action, "action");
    try {
      Chain chain = verified(token).chain();
      Instant now = clock.instant();
      for (Chain.Link link : chain.links) {
        if (revoked.test(link.block().revocationId())) {
          return false;
        }
        for (Caveat c : link.caveats()) {
          if (c instanceof Caveat.Expiry e && now.isAfter(e.notAfter().plus(clockSkew))) {
            return false;
          }
          if (c instanceof Caveat.NotBefore n && now.plus(clockSkew).isBefore(n.notBefore())) {
            return false;
          }
          if (c instanceof Caveat.Audience a
              && (audience == null || !a.audiences().contains(audience))) {
            return false;
          }
        }
        List<Grant> grants = link.block().grants();
        if (!grants.isEmpty() && grants.stream().noneMatch(g -> g.matchesAction(service, action))) {
          return false;
        }
      }
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  // ---- signature chain (cached) ----

  private Verified verified(String token) {
    if (token == null || token.isEmpty()) {
      throw new FormatException("no token was presented");
    }
    if (token.length() > Chain.TEXT_PREFIX.length() + (limits.maxTokenBytes() * 4L + 2) / 3) {
      throw new FormatException(
          Decision.Code.LIMIT_EXCEEDED,
          "token exceeds the size limit of " + limits.maxTokenBytes() + " bytes");
    }
    if (!token.startsWith(Chain.TEXT_PREFIX)) {
      throw new FormatException(
          "not a Mandate token: the text form starts with '" + Chain.TEXT_PREFIX + "'");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        throw new FormatException("token contains a character that is not printable ASCII");
      }
    }
    ByteBuffer key = null;
    if (cache != null) {
      // The token is printable ASCII here, so its bytes are exactly its chars.
      key = ByteBuffer.wrap(Chain.sha256(token.getBytes(StandardCharsets.US_ASCII)));
      Verified hit = cache.getIfPresent(key);
      if (hit != null) {
        VerifyingKey current = trustedKeys.find(hit.chain().rootKeyId);
        if (hit.rootKey().equals(current)) {
          return hit;
        }
        cache.invalidate(key);
      }
    }
    Chain chain = Chain.decodeText(token, limits);
    Verified verified = verifyChain(chain);
    if (cache != null) {
      cache.put(key, verified);
    }
    return verified;
  }

  private Verified verifyChain(Chain chain) {
    VerifyingKey root = trustedKeys.find(chain.rootKeyId);
    if (root == null) {
      throw new Denial(
          Decision.deny(
              Decision.Code.UNKNOWN_KEY,
              0,
              "signature",
              "the token is signed by root key '"
                  + chain.rootKeyId
                  + "', which this verifier does not trust (unknown or retired key)",
              chain.tokenId,
              chain.revocationIds));
    }
    List<Chain.Link> links = chain.links;
    for (int i = 0; i < links.size(); i++) {
      Chain.Link link = links.get(i);
      boolean ok =
          i == 0
              ? root.verify(link.message(), link.signature())
              : VerifyingKey.verifyRaw(
                  links.get(i - 1).nextKey(),
                  link.message(),
                  0,
                  link.message().length,
                  link.signature());
      if (!ok) {
        throw deny(
            chain,
            Decision.Code.BAD_SIGNATURE,
            i,
            "signature",
            i == 0
                ? "the authority block's signature does not verify under root key "
                    + chain.rootKeyId
                : "block "
                    + i
                    + "'s signature does not verify under the key block "
                    + (i - 1)
                    + " names (edited, reordered, spliced, or signed by a non-holder)");
      }
    }
    if (chain.trailerKind == Chain.TRAILER_SECRET) {
      // The last block committed to its ephemeral seed; a hash check replaces deriving the key.
      if (!java.security.MessageDigest.isEqual(
          Chain.commitment(chain.secret), chain.last().secretCommitment())) {
        throw deny(
            chain,
            Decision.Code.BAD_SIGNATURE,
            links.size() - 1,
            "signature",
            "the token's final secret does not match its last block (a block was removed or the"
                + " token edited)");
      }
    }
    for (Chain.Link link : links) {
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.MaxDepth d
            && links.size() - 1 - link.block().index() > d.blocks()) {
          throw deny(
              chain,
              Decision.Code.DEPTH,
              link.block().index(),
              c.kind(),
              "block "
                  + link.block().index()
                  + " allows "
                  + d.blocks()
                  + " further blocks but "
                  + (links.size() - 1 - link.block().index())
                  + " follow");
        }
      }
    }
    return new Verified(chain, root);
  }

  // ---- per-call evaluation ----

  private Decision evaluate(Chain chain, Request request, String proof, String approval) {
    checkArgs(chain, request.args());
    checkStrings(chain, request);
    String first = normalisedResource(chain, request.resource());
    List<String> resources = List.of(first);
    if (!request.moreResources().isEmpty()) {
      resources = new ArrayList<>(1 + request.moreResources().size());
      resources.add(first);
      for (String more : request.moreResources()) {
        resources.add(normalisedResource(chain, more));
      }
    }
    List<Chain.Link> links = chain.links;
    for (Chain.Link link : links) {
      if (revoked.test(link.block().revocationId())) {
        throw deny(
            chain,
            Decision.Code.REVOKED,
            link.block().index(),
            "revocation",
            "block " + link.block().index() + " is revoked (" + link.block().revocationId() + ")");
      }
    }
    Instant now = clock.instant();
    for (Chain.Link link : links) {
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.Expiry e && now.isAfter(e.notAfter().plus(clockSkew))) {
          throw deny(
              chain,
              Decision.Code.EXPIRED,
              link.block().index(),
              c.kind(),
              "the capability expired at "
                  + e.notAfter()
                  + " (block "
                  + link.block().index()
                  + ")");
        }
        if (c instanceof Caveat.NotBefore n && now.plus(clockSkew).isBefore(n.notBefore())) {
          throw deny(
              chain,
              Decision.Code.NOT_YET_VALID,
              link.block().index(),
              c.kind(),
              "the capability is not valid before " + n.notBefore());
        }
      }
    }
    for (Chain.Link link : links) {
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.Audience a
            && (request.audience() == null || !a.audiences().contains(request.audience()))) {
          throw deny(
              chain,
              Decision.Code.AUDIENCE,
              link.block().index(),
              c.kind(),
              "audience '"
                  + (request.audience() == null ? "(none)" : printable(request.audience()))
                  + "' is not among "
                  + a.audiences());
        }
      }
    }
    for (Chain.Link link : links) {
      List<Grant> grants = link.block().grants();
      if (grants.isEmpty()) {
        continue;
      }
      for (String resource : resources) {
        if (!covered(grants, request.service(), request.action(), resource)) {
          throw deny(
              chain,
              Decision.Code.GRANT,
              link.block().index(),
              "grant",
              printable(request.service() + ":" + request.action() + ":" + resource)
                  + " is not covered by block "
                  + link.block().index()
                  + "'s grants "
                  + grantList(grants));
        }
      }
    }
    Map<String, Object> context = null;
    List<Decision.UseLimit> useLimits = new ArrayList<>(0);
    for (Chain.Link link : links) {
      int index = link.block().index();
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.Argument a) {
          JsonNode value = request.args().at(JsonPointer.compile(a.pointer()));
          if (value.isMissingNode()) {
            throw deny(
                chain,
                Decision.Code.ARGUMENT,
                index,
                c.kind(),
                "argument " + a.pointer() + " is required by block " + index + " but missing");
          }
          String violation = a.constraint().violation(value);
          if (violation != null) {
            throw deny(
                chain,
                Decision.Code.ARGUMENT,
                index,
                c.kind(),
                "argument " + a.pointer() + ": " + violation);
          }
        } else if (c instanceof Caveat.Condition cond) {
          if (context == null) {
            context = new HashMap<>(request.context());
            context.put("time", now);
          }
          String problem = Conditions.check(cond.expression(), request.args(), context, limits);
          if (problem != null) {
            throw deny(
                chain,
                Decision.Code.CONDITION,
                index,
                c.kind(),
                "condition '" + cond.expression() + "' of block " + index + ": " + problem);
          }
        } else if (c instanceof Caveat.MaxUses u) {
          useLimits.add(new Decision.UseLimit(link.block().revocationId(), u.uses()));
        }
      }
    }
    byte[] holder = chain.holderKey();
    if (holder != null) {
      checkProof(chain, holder, request, proof, now);
    }
    checkApproval(chain, request, approval, now);
    return Decision.allow(chain.tokenId, chain.revocationIds, useLimits);
  }

  /** A request resource as grants see it: paths normalised (§5.1), anything else as given. */
  private static String normalisedResource(Chain chain, String resource) {
    if (!resource.startsWith("/")) {
      return resource;
    }
    ResourcePaths.NormalisedPath normalised = ResourcePaths.normalise(resource);
    if (!normalised.ok()) {
      throw deny(
          chain,
          Decision.Code.INVALID_REQUEST,
          -1,
          "resource",
          "resource '" + printable(resource) + "' is refused: " + normalised.problem());
    }
    return normalised.value();
  }

  private static boolean covered(
      List<Grant> grants, String service, String action, String resource) {
    for (Grant g : grants) {
      if (g.matches(service, action, resource)) {
        return true;
      }
    }
    return false;
  }

  private void checkProof(Chain chain, byte[] holder, Request request, String proof, Instant now) {
    int last = chain.links.size() - 1;
    if (proof == null || proof.isEmpty()) {
      throw deny(
          chain,
          Decision.Code.PROOF_REQUIRED,
          last,
          "holder",
          "the capability is bound to holder "
              + chain.last().block().holderKeyId()
              + "; the call needs a proof signed by that key");
    }
    Proof.Parsed parsed;
    try {
      parsed = Proof.parse(proof);
    } catch (FormatException e) {
      throw deny(chain, Decision.Code.PROOF_INVALID, last, "holder", e.getMessage());
    }
    long skewMillis = proofWindow.plus(clockSkew).toMillis();
    long age = now.toEpochMilli() - parsed.timeMillis();
    if (age > skewMillis || age < -clockSkew.toMillis()) {
      throw deny(
          chain,
          Decision.Code.PROOF_STALE,
          last,
          "holder",
          "the proof was made at "
              + Instant.ofEpochMilli(parsed.timeMillis())
              + ", outside the accepted window of "
              + proofWindow.toSeconds()
              + " s (plus "
              + clockSkew.toSeconds()
              + " s skew) around "
              + now);
    }
    byte[] message = Proof.message(chain.tokenDigest, request, parsed.timeMillis(), parsed.nonce());
    if (!VerifyingKey.verifyRaw(holder, message, 0, message.length, parsed.signature())) {
      throw deny(
          chain,
          Decision.Code.PROOF_INVALID,
          last,
          "holder",
          "the proof is not signed by holder "
              + chain.last().block().holderKeyId()
              + " for this token and exactly this request");
    }
    String proofId =
        HexFormat.of().formatHex(chain.tokenDigest)
            + ":"
            + HexFormat.of().formatHex(parsed.nonce());
    Instant expires = Instant.ofEpochMilli(parsed.timeMillis()).plus(proofWindow).plus(clockSkew);
    if (!replayGuard.firstUse(proofId, expires)) {
      throw deny(
          chain, Decision.Code.PROOF_REPLAYED, last, "holder", "the proof was already used once");
    }
  }

  /**
   * Checks the approval caveats of every block: one approval, signed by a trusted root key, for
   * this token id and exactly this request, by a group each caveat lists, unexpired, and not used
   * before.
   */
  private void checkApproval(Chain chain, Request request, String approval, Instant now) {
    int first = -1;
    List<Caveat.ApprovalRequired> required = null;
    List<Integer> blocks = null;
    for (Chain.Link link : chain.links) {
      for (Caveat c : link.caveats()) {
        if (c instanceof Caveat.ApprovalRequired a) {
          if (required == null) {
            required = new ArrayList<>(2);
            blocks = new ArrayList<>(2);
            first = link.block().index();
          }
          required.add(a);
          blocks.add(link.block().index());
        }
      }
    }
    if (required == null) {
      return;
    }
    String digest = HexFormat.of().formatHex(Approval.requestDigestBytes(request));
    if (approval == null || approval.isEmpty()) {
      throw deny(
          chain,
          Decision.Code.APPROVAL_REQUIRED,
          first,
          "approval",
          "block "
              + first
              + " requires a person's approval of each call by one of "
              + required.get(0).groups()
              + "; ask an approver to approve request "
              + digest
              + " of token "
              + chain.tokenId
              + ", then present the approval with the call");
    }
    Approval.Signed signed;
    try {
      signed = Approval.parse(approval);
    } catch (FormatException e) {
      throw deny(chain, Decision.Code.APPROVAL_INVALID, first, "approval", e.getMessage());
    }
    Approval a = signed.approval();
    VerifyingKey key = trustedKeys.find(a.keyId());
    if (key == null
        || !key.verify(signed.message(), 0, signed.message().length, signed.signature())) {
      throw deny(
          chain,
          Decision.Code.APPROVAL_INVALID,
          first,
          "approval",
          "the approval is not signed by a trusted authority key");
    }
    if (!a.tokenId().equals(chain.tokenId)) {
      throw deny(
          chain,
          Decision.Code.APPROVAL_INVALID,
          first,
          "approval",
          "the approval is for another capability (token " + a.tokenId() + ")");
    }
    if (!a.requestDigest().equals(digest)) {
      throw deny(
          chain,
          Decision.Code.APPROVAL_INVALID,
          first,
          "approval",
          "the approval is for another call (request "
              + a.requestDigest()
              + ", this call is "
              + digest
              + ")");
    }
    for (int i = 0; i < required.size(); i++) {
      if (!required.get(i).groups().contains(a.group())) {
        throw deny(
            chain,
            Decision.Code.APPROVAL_INVALID,
            blocks.get(i),
            "approval",
            "the approval is by group '"
                + a.group()
                + "'; block "
                + blocks.get(i)
                + " requires one of "
                + required.get(i).groups());
      }
    }
    Instant expires = a.notAfter().plus(clockSkew);
    if (now.isAfter(expires)) {
      throw deny(
          chain,
          Decision.Code.APPROVAL_INVALID,
          first,
          "approval",
          "the approval expired at " + a.notAfter());
    }
    if (!replayGuard.firstUse("approval:" + a.approvalId(), expires)) {
      throw deny(
          chain,
          Decision.Code.APPROVAL_INVALID,
          first,
          "approval",
          "the approval " + a.approvalId() + " was already used; each approves one call");
    }
  }

  private void checkArgs(Chain chain, JsonNode args) {
    ArgsWalk walk = new ArgsWalk(limits.maxArgsBytes());
    if (!withinLimits(args, 1, walk)) {
      throw deny(
          chain,
          Decision.Code.LIMIT_EXCEEDED,
          -1,
          "args",
          "the arguments exceed the limits ("
              + limits.maxArgsBytes()
              + " bytes, nesting depth "
              + limits.maxArgsDepth()
              + ")");
    }
    if (walk.problem != null) {
      throw deny(chain, Decision.Code.INVALID_REQUEST, -1, "args", walk.problem);
    }
  }

  /**
   * One walk over the arguments: the size budget left, and the first value the signed canonical
   * form could not tell apart from another ({@link CanonicalForm}), reported only within limits.
   */
  private static final class ArgsWalk {
    long budget;
    String problem;

    ArgsWalk(long budget) {
      this.budget = budget;
    }
  }

  /**
   * Refuses a request whose strings (not its args) UTF-8 cannot carry; see {@link CanonicalForm}.
   */
  private static void checkStrings(Chain chain, Request request) {
    String problem = CanonicalForm.stringProblem(request);
    if (problem != null) {
      throw deny(chain, Decision.Code.INVALID_REQUEST, -1, "request", problem);
    }
  }

  private boolean withinLimits(JsonNode node, int depth, ArgsWalk walk) {
    if (depth > limits.maxArgsDepth()) {
      return false;
    }
    walk.budget -= 1;
    if (node.isTextual()) {
      walk.budget -= node.textValue().length();
    }
    if (walk.budget < 0) {
      return false;
    }
    if (node.isContainerNode()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      if (node.isObject()) {
        while (fields.hasNext()) {
          Map.Entry<String, JsonNode> f = fields.next();
          walk.budget -= f.getKey().length();
          if (walk.problem == null) {
            walk.problem = CanonicalForm.keyProblem(f.getKey());
          }
          if (!withinLimits(f.getValue(), depth + 1, walk)) {
            return false;
          }
        }
      } else {
        for (JsonNode element : node) {
          if (!withinLimits(element, depth + 1, walk)) {
            return false;
          }
        }
      }
    } else if (walk.problem == null) {
      walk.problem = CanonicalForm.scalarProblem(node);
    }
    return walk.budget >= 0;
  }

  private static Denial deny(
      Chain chain, Decision.Code code, int block, String caveat, String why) {
    return new Denial(Decision.deny(code, block, caveat, why, chain.tokenId, chain.revocationIds));
  }

  /** The block's grants for a reason: at most 8, each printable, then how many more there are. */
  private static String grantList(List<Grant> grants) {
    StringBuilder out = new StringBuilder("[");
    int shown = Math.min(grants.size(), MAX_GRANTS_IN_REASON);
    for (int i = 0; i < shown; i++) {
      out.append(i == 0 ? "" : ", ").append(printable(grants.get(i).toString()));
    }
    if (grants.size() > shown) {
      out.append(", and ").append(grants.size() - shown).append(" more");
    }
    return out.append(']').toString();
  }

  /** Escapes control characters so a hostile request cannot forge log lines through a reason. */
  private static String printable(String s) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), 256));
    for (int i = 0; i < s.length() && out.length() < 256; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return s.length() > 256 ? out + "..." : out.toString();
  }

  /** Carries a denial out of the evaluation; cheap (no stack trace). */
  private static final class Denial extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Decision decision;

    Denial(Decision decision) {
      super(decision.reason(), null, false, false);
      this.decision = decision;
    }
  }

  /** Configures a {@link Verifier}. */
  public static final class Builder {
    private TrustedKeys trustedKeys;
    private Clock clock = Clock.systemUTC();
    private Duration clockSkew = Duration.ofSeconds(30);
    private Duration proofWindow = Duration.ofSeconds(60);
    private Predicate<String> revoked = id -> false;
    private Limits limits = Limits.DEFAULTS;
    private ReplayGuard replayGuard;
    private long cacheSize = 10_000;

    private Builder() {}

    /** The root keys to trust (required). */
    public Builder trustedKeys(TrustedKeys keys) {
      this.trustedKeys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /** The clock for expiry and proofs (default: system UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How far clocks may disagree (default 30 s, at most 10 min).
     *
     * @throws IllegalArgumentException if negative or above 10 minutes
     */
    public Builder clockSkew(Duration skew) {
      if (skew == null || skew.isNegative() || skew.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException("clock skew must be 0 to 10 minutes, got " + skew);
      }
      this.clockSkew = skew;
      return this;
    }

    /**
     * How old a proof may be (default 60 s, 1 s to 10 min).
     *
     * @throws IllegalArgumentException if outside 1 s to 10 minutes
     */
    public Builder proofWindow(Duration window) {
      if (window == null
          || window.compareTo(Duration.ofSeconds(1)) < 0
          || window.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException("proof window must be 1 s to 10 minutes, got " + window);
      }
      this.proofWindow = window;
      return this;
    }

    /** Tells whether a revocation id is revoked (default: none is). Must be fast and not throw. */
    public Builder revoked(Predicate<String> isRevoked) {
      this.revoked = Objects.requireNonNull(isRevoked, "isRevoked");
      return this;
    }

    /** The limits (default {@link Limits#DEFAULTS}). */
    public Builder limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Where used proofs are remembered (default: in memory, 1 000 000 entries). */
    public Builder replayGuard(ReplayGuard guard) {
      this.replayGuard = Objects.requireNonNull(guard, "guard");
      return this;
    }

    /**
     * How many verified signature chains to remember (default 10 000; 0 disables the cache).
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder verificationCacheSize(long entries) {
      if (entries < 0) {
        throw new IllegalArgumentException("cache size must not be negative, got " + entries);
      }
      this.cacheSize = entries;
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @throws IllegalStateException if no trusted keys were given
     */
    public Verifier build() {
      if (trustedKeys == null) {
        throw new IllegalStateException("a verifier needs trusted root keys (trustedKeys(...))");
      }
      return new Verifier(this);
    }
  }
}
