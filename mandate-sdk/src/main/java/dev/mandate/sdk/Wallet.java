package dev.mandate.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.token.Approval;
import dev.mandate.token.Block;
import dev.mandate.token.Call;
import dev.mandate.token.Capability;
import dev.mandate.token.DelegatedRevocation;
import dev.mandate.token.Grant;
import dev.mandate.token.InvalidTokenException;
import dev.mandate.token.Presentation;
import dev.mandate.token.Proof;
import dev.mandate.token.Request;
import dev.mandate.token.Restrictions;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An agent runtime's capabilities, held behind opaque {@link CapabilityHandle}s so that a model
 * only ever sees handles and tool names, never token text. The wallet generates its holder key
 * ({@link #create}) or loads it ({@link #fromKeyFile}, {@link #fromKeyStore}, so an agent keeps its
 * identity across restarts) and keeps it: there is no way to get the private key out, only {@link
 * #holderPublicKey()}, which the authority (or a parent agent) binds capabilities to. Every {@link
 * #authorize} signs a fresh proof with it for exactly one call.
 *
 * <p>A capability with an approval caveat needs a person's approval of each call: the gateway
 * refuses the call with {@code APPROVAL_REQUIRED} and says what to ask for; the runtime gets the
 * approval from the authority and gives it to {@link #addApproval}; the next {@link #authorize} of
 * exactly that call presents it.
 *
 * <p>Thread-safe. Time comes from the injected clock (proof times, expiry checks, refreshes).
 *
 * <pre>{@code
 * Wallet wallet = Wallet.create(new SecureRandom(), Clock.systemUTC());
 * CapabilityHandle invoices = source.addTo(wallet, "invoices", shape);   // from the authority
 * Presentation p = wallet.authorize(invoices, new ToolCall("read_text_file", args));
 * }</pre>
 */
public final class Wallet {
  private static final int HANDLE_ID_BYTES = 12;
  private static final int MAX_LABEL_CHARS = 64;

  private final SigningKey holderKey;
  private final SecureRandom random;
  private final Clock clock;
  private final Map<String, Held> held = new LinkedHashMap<>(); // guarded by itself

  private Wallet(SigningKey holderKey, SecureRandom random, Clock clock) {
    this.holderKey = holderKey;
    this.random = random;
    this.clock = clock;
  }

  /**
   * Creates an empty wallet with a new Ed25519 holder key.
   *
   * @param random the randomness for the key, handle ids, proof nonces and delegation blocks
   * @param clock the time for proofs, expiry checks and refreshes
   * @throws NullPointerException if an argument is null
   */
  public static Wallet create(SecureRandom random, Clock clock) {
    Objects.requireNonNull(random, "random");
    Objects.requireNonNull(clock, "clock");
    return new Wallet(SigningKey.generate(random), random, clock);
  }

  /**
   * Creates an empty wallet with the holder key in {@code keyFile}, so that an agent keeps its
   * identity across restarts: the file {@code mandate keygen --name NAME} writes ({@code
   * mndsk1_...}). Like ssh, refuses a file that group or others may read or write. The key stays in
   * the wallet: nothing returns it.
   *
   * @param keyFile the private key file, mode 0600
   * @param random the randomness for handle ids, proof nonces and delegation blocks
   * @param clock the time for proofs, expiry checks and refreshes
   * @throws java.nio.file.NoSuchFileException if the file does not exist
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException if it is a directory, too open, a public key, or not a private
   *     key (the message says which, and never quotes the file)
   * @throws NullPointerException if an argument is null
   */
  public static Wallet fromKeyFile(Path keyFile, SecureRandom random, Clock clock)
      throws IOException {
    Objects.requireNonNull(keyFile, "keyFile");
    Objects.requireNonNull(random, "random");
    Objects.requireNonNull(clock, "clock");
    return new Wallet(HolderKeys.fromFile(keyFile), random, clock);
  }

  /**
   * Creates an empty wallet with the Ed25519 holder key stored under {@code alias} in a loaded key
   * store (PKCS#12 from {@code keytool -genkeypair -keyalg Ed25519}, or any store whose provider
   * releases the key bytes). The key is copied into the wallet; the store is not kept.
   *
   * @param keyStore a key store on which {@link KeyStore#load} has been called
   * @param alias the entry's alias
   * @param password the entry's password; the caller keeps and clears it
   * @param random the randomness for handle ids, proof nonces and delegation blocks
   * @param clock the time for proofs, expiry checks and refreshes
   * @throws IllegalArgumentException if there is no such key entry, the password is wrong, the key
   *     is not Ed25519 or its bytes cannot be had, or the store is not loaded
   * @throws NullPointerException if an argument is null
   */
  public static Wallet fromKeyStore(
      KeyStore keyStore, String alias, char[] password, SecureRandom random, Clock clock) {
    Objects.requireNonNull(keyStore, "keyStore");
    Objects.requireNonNull(alias, "alias");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(random, "random");
    Objects.requireNonNull(clock, "clock");
    return new Wallet(HolderKeys.fromKeyStore(keyStore, alias, password), random, clock);
  }

  /** Returns the public half of the holder key, to bind capabilities to this wallet. */
  public VerifyingKey holderPublicKey() {
    return holderKey.verifyingKey();
  }

  /**
   * Adds a capability given as text (from a parent agent's {@link #delegate}, or minted elsewhere).
   *
   * @param label a short name shown with the handle, 1 to 64 printable chars
   * @param tokenText the capability, {@code mnd1_...}
   * @param shape how the gateway that accepts it builds requests
   * @return the new handle
   * @throws InvalidTokenException if the text is not a well-formed capability
   * @throws IllegalArgumentException if the label is invalid, the capability has expired, or it is
   *     bound to a holder key other than this wallet's
   * @throws NullPointerException if the shape is null
   */
  public CapabilityHandle add(String label, String tokenText, RequestShape shape) {
    checkLabel(label);
    Objects.requireNonNull(shape, "shape");
    if (tokenText == null) {
      throw new IllegalArgumentException("no capability text was given");
    }
    Capability capability = checkedForThisWallet(Capability.decode(tokenText), label);
    return put(label, shape, capability, null);
  }

  /** Adds a capability fetched by {@code source}, which keeps refreshing it. */
  CapabilityHandle addRefreshable(
      String label, RequestShape shape, AuthorityCapabilitySource source) {
    checkLabel(label);
    Objects.requireNonNull(shape, "shape");
    Capability capability = checkedForThisWallet(source.fetch(this, shape), label);
    return put(label, shape, capability, source);
  }

  private CapabilityHandle put(
      String label, RequestShape shape, Capability capability, AuthorityCapabilitySource source) {
    byte[] id = new byte[HANDLE_ID_BYTES];
    random.nextBytes(id);
    CapabilityHandle handle = new CapabilityHandle("cap_" + HexFormat.of().formatHex(id), label);
    synchronized (held) {
      held.put(handle.id(), new Held(handle, shape, capability, source));
    }
    return handle;
  }

  /**
   * Checks that a capability can be used from this wallet: not expired and, if holder-bound, bound
   * to this wallet's key.
   */
  Capability checkedForThisWallet(Capability capability, String label) {
    Optional<String> holder = capability.holderKeyId();
    String mine = holderKey.verifyingKey().keyId();
    if (holder.isPresent() && !holder.get().equals(mine)) {
      throw new IllegalArgumentException(
          "capability '"
              + label
              + "' (token "
              + capability.tokenId()
              + ") is bound to holder key "
              + holder.get()
              + ", not to this wallet's key "
              + mine
              + "; only the holder of that key can use it. Ask for one bound to this wallet's"
              + " holderPublicKey()");
    }
    if (clock.instant().isAfter(capability.expiresAt())) {
      throw new IllegalArgumentException(
          "capability '"
              + label
              + "' (token "
              + capability.tokenId()
              + ") expired at "
              + capability.expiresAt());
    }
    return capability;
  }

  /** Returns the handles, in the order they were added. */
  public List<CapabilityHandle> handles() {
    synchronized (held) {
      return held.values().stream().map(h -> h.handle).toList();
    }
  }

  /**
   * Returns the handle with this id (as a model might pass it back), if this wallet holds it.
   *
   * @throws NullPointerException if the id is null
   */
  public Optional<CapabilityHandle> handle(String id) {
    Objects.requireNonNull(id, "id");
    synchronized (held) {
      return Optional.ofNullable(held.get(id)).map(h -> h.handle);
    }
  }

  /**
   * Describes a held capability in words safe for a model: label, token id, grants, other
   * restrictions, expiry, whether it is holder-bound. Never contains token text.
   *
   * @throws IllegalArgumentException if this wallet does not hold the handle
   */
  public CapabilityDescription describe(CapabilityHandle handle) {
    Held h = held(handle);
    Capability capability = h.current();
    List<List<String>> grants = new ArrayList<>();
    List<String> restrictions = new ArrayList<>();
    for (Block block : capability.blocks()) {
      if (!block.grants().isEmpty()) {
        grants.add(block.grants().stream().map(Grant::toString).toList());
      }
      for (Caveat caveat : block.caveats()) {
        String text = describe(caveat);
        if (text != null && !restrictions.contains(text)) {
          restrictions.add(text);
        }
      }
    }
    return new CapabilityDescription(
        h.handle,
        h.handle.label(),
        capability.tokenId(),
        grants,
        restrictions,
        capability.expiresAt(),
        capability.holderKeyId().isPresent(),
        h.source != null);
  }

  private static String describe(Caveat caveat) {
    if (caveat instanceof Caveat.Expiry) {
      return null;
    } else if (caveat instanceof Caveat.NotBefore n) {
      return "not before " + n.notBefore();
    } else if (caveat instanceof Caveat.Audience a) {
      return "only at " + String.join(", ", a.audiences());
    } else if (caveat instanceof Caveat.Argument a) {
      return "argument " + a.pointer() + " must satisfy " + a.constraint();
    } else if (caveat instanceof Caveat.Condition c) {
      return "condition " + c.expression();
    } else if (caveat instanceof Caveat.MaxDepth d) {
      return "at most " + d.blocks() + " further delegations";
    } else if (caveat instanceof Caveat.MaxUses u) {
      return "at most " + u.uses() + " uses";
    } else if (caveat instanceof Caveat.ApprovalRequired a) {
      return "each call approved by " + String.join(" or ", a.groups());
    }
    return caveat.kind();
  }

  /**
   * Keeps a person's approval of one call of a held capability ({@code mnda1_...}, as the
   * authority's {@code POST /v1/approvals} returns it) until that call is made: the next MCP call
   * whose request has the approval's request digest, for the approval's token id, presents it in
   * {@code Mandate-Approval} and the wallet forgets it, since an approval allows one call. A tool
   * call is matched only if the capability's {@link RequestShape} mirrors the gateway's mapping
   * ({@link RequestShape#withApprovalMatching}), or if the approval came with the request the
   * gateway named in its denial ({@link ApprovalWait#await} keeps it so); a resource read or prompt
   * always is. If that call then fails to reach the gateway, ask for a new approval. An approval
   * that expires unused is dropped; so are a capability's approvals when it is removed. An approval
   * names the token id, so one for a capability that has since been refreshed (a new token id) does
   * not fit any call. The text is a credential: the wallet never logs or prints it.
   *
   * @param handle the capability the approval is for
   * @param approvalText the approval's text form
   * @throws IllegalArgumentException if this wallet does not hold the handle, the text is not a
   *     well-formed approval, it is for another token id than the capability's current one, or it
   *     has expired
   * @throws IllegalStateException if the capability already keeps 32 approvals waiting for their
   *     calls
   * @throws NullPointerException if the handle is null
   */
  public void addApproval(CapabilityHandle handle, String approvalText) {
    addApproval(handle, approvalText, null);
  }

  /**
   * As {@link #addApproval(CapabilityHandle, String)}, with the request the gateway named when it
   * denied the call ({@code request} of its {@code APPROVAL_REQUIRED} denial, or null), so that the
   * approval is matched to its MCP tool call even without a resource rule: the next tool call whose
   * request, mapped to the named resource, has the approval's digest. The named request is kept
   * only if it is at this capability's audience and service and its digest is the approval's.
   */
  void addApproval(CapabilityHandle handle, String approvalText, Request named) {
    Held h = held(handle);
    if (approvalText == null) {
      throw new IllegalArgumentException("no approval text was given");
    }
    Approval approval = Approval.of(approvalText.strip());
    Approval.Claims claims;
    try {
      claims = approval.claims();
    } catch (IllegalArgumentException e) {
      // The decoder's message describes the defect, never the text.
      throw new IllegalArgumentException(
          "not a well-formed approval for " + handle + ": " + e.getMessage());
    }
    boolean fits =
        named != null
            && h.shape.audience().equals(named.audience())
            && h.shape.service().equals(named.service())
            && claims.requestDigest().equals(Held.digest(named));
    h.addApproval(approval, claims, fits ? named : null, clock.instant());
  }

  /**
   * Returns the headers for one MCP tool call: the bearer token, for a holder-bound capability a
   * fresh proof over the call as sent ({@link RequestShape#callFor}: the shape's audience and
   * service, {@code tools/call}, the tool name and arguments), and, if the shape matches approvals
   * ({@link RequestShape#withApprovalMatching}), an approval of exactly this call that {@link
   * #addApproval} gave (which is then forgotten). A capability from an {@link
   * AuthorityCapabilitySource} is refreshed first if it is due.
   *
   * @throws IllegalArgumentException if this wallet does not hold the handle
   * @throws CapabilityUnavailableException if the capability has expired and could not be refreshed
   */
  public Presentation authorize(CapabilityHandle handle, ToolCall call) {
    Objects.requireNonNull(call, "call");
    Held h = held(handle);
    return present(h, h.shape.callFor(call), h.shape.approvalRequest(call), call);
  }

  /**
   * Returns the headers for one request to a gateway's HTTP route: the bearer token and, for a
   * holder-bound capability, a fresh proof over the request as sent (the shape's audience and
   * service, the method, the path and query, the body's arguments). Nothing of the gateway's routes
   * is needed. Send exactly this method, path, query and body; to present an approval, add it with
   * {@link Presentation#withApproval}.
   *
   * @param method the HTTP method, such as {@code GET}
   * @param target the path and query exactly as sent (percent-encoded as on the wire), such as
   *     {@code /invoices/42?full=1}
   * @param body the arguments of the body: a JSON object body itself, a form body's fields (one
   *     value a string, a repeated name an array of strings), a non-object JSON body under {@code
   *     body}; null or empty when there is no such body
   * @throws IllegalArgumentException if this wallet does not hold the handle, or the method or
   *     target is empty
   * @throws CapabilityUnavailableException if the capability has expired and could not be refreshed
   */
  public Presentation authorizeHttp(
      CapabilityHandle handle, String method, String target, ObjectNode body) {
    if (method == null || method.isEmpty() || target == null || !target.startsWith("/")) {
      throw new IllegalArgumentException(
          "an HTTP call needs a method and a target starting with /, such as GET /invoices/42");
    }
    Held h = held(handle);
    return present(
        h, Call.http(h.shape.audience(), h.shape.service(), method, target, body), null, null);
  }

  /**
   * As {@link #authorize} for a call built by the caller (MCP tool calls, resources, prompts and
   * session operations), with the request the gateway decides for it to match a kept approval (or
   * null) and, for a tool call, the tool call (to match an approval by the request its denial
   * named; or null).
   */
  Presentation authorize(
      CapabilityHandle handle, Call call, Request approvalRequest, ToolCall tool) {
    return present(held(handle), call, approvalRequest, tool);
  }

  /** The bearer token alone, for a guarded call no request fits (the gateway refuses it). */
  Presentation bearer(CapabilityHandle handle) {
    Capability capability = held(handle).usable(clock.instant(), this);
    return Presentation.of(capability.toText());
  }

  /** The request shape of a held capability. */
  RequestShape shape(CapabilityHandle handle) {
    return held(handle).shape;
  }

  private Presentation present(Held h, Call call, Request approvalRequest, ToolCall tool) {
    Instant now = clock.instant();
    Capability capability = h.usable(now, this);
    String token = capability.toText();
    Proof proof =
        capability.holderKeyId().isPresent()
            ? Proof.create(holderKey, token, call, now, random)
            : null;
    return Presentation.of(token)
        .withProof(proof)
        .withApproval(
            approvalRequest == null && tool == null
                ? null
                : h.takeApproval(capability.tokenId(), approvalRequest, tool, now));
  }

  /**
   * Delegates a narrower capability to a sub-agent in one step: appends a block with these
   * restrictions that binds the capability to {@code subAgentKey}, signed by this wallet's holder
   * key (or, for a bearer capability, by the chain secret it carries). The sub-agent adds the
   * returned text to its own wallet; it cannot widen it, re-bind it without its own key, or use
   * this wallet's capability. The delegated capability never outlives the one it was made from (for
   * a refreshed capability: the one current at the time of delegation), and revoking that one
   * revokes it too.
   *
   * @param handle the capability to delegate from
   * @param subAgentKey the sub-agent wallet's {@link #holderPublicKey()}
   * @param restrictions what the sub-agent may do, for how long, how often: grants and a lifetime
   *     (ttl or expiresAt) are required, so a sub-agent never silently receives everything its
   *     parent holds for as long as the parent holds it; no holder key (the block binds to {@code
   *     subAgentKey})
   * @return the delegated capability's text, {@code mnd1_...}; hand it only to the sub-agent
   * @throws IllegalArgumentException if this wallet does not hold the handle, or the restrictions
   *     lack grants or a lifetime, or name a holder key
   * @throws IllegalStateException if the capability is sealed or its max-depth forbids another
   *     block
   * @throws CapabilityUnavailableException if the capability has expired and could not be refreshed
   */
  public String delegate(
      CapabilityHandle handle, VerifyingKey subAgentKey, Restrictions restrictions) {
    Objects.requireNonNull(subAgentKey, "subAgentKey");
    Objects.requireNonNull(restrictions, "restrictions");
    if (restrictions.grants().isEmpty()) {
      throw new IllegalArgumentException(
          "a delegation must list the grants the sub-agent needs (allow ...), narrower than the"
              + " parent's");
    }
    if (!restrictions.hasExpiry()) {
      throw new IllegalArgumentException(
          "a delegation needs its own lifetime (ttl or expiresAt), shorter than the parent's");
    }
    if (restrictions.holder().isPresent()) {
      throw new IllegalArgumentException(
          "a delegation binds to subAgentKey; leave the holder (bindTo) out of the restrictions");
    }
    Capability parent = held(handle).usable(clock.instant(), this);
    Capability.Attenuator block =
        parent.attenuate().clock(clock).random(random).restrict(restrictions).bindTo(subAgentKey);
    Capability child = parent.holderKeyId().isPresent() ? block.sign(holderKey) : block.sign();
    return child.toText();
  }

  /**
   * A proof, for the authority, that this wallet asks to revoke block {@code block} of a capability
   * it delegated.
   *
   * @param block the index of the block this wallet's key signed
   * @param text the proof's text, {@code mndr1_...}
   */
  public record RevocationProof(int block, String text) {}

  /**
   * Signs a request to revoke what this wallet delegated in {@code delegatedText} (as {@link
   * #delegate} returned it, or anything derived from it): the first block this wallet's key signed.
   * Revoking it denies the delegated capability and everything derived from it, never this wallet's
   * own. {@link AuthorityCapabilitySource#revokeDelegation} sends it.
   *
   * @throws IllegalArgumentException if the text is not a capability, or this wallet's key signed
   *     none of its blocks
   */
  public RevocationProof revocationProof(String delegatedText) {
    Capability delegated;
    try {
      delegated = Capability.decode(delegatedText);
    } catch (InvalidTokenException e) {
      throw new IllegalArgumentException("not a capability: " + e.getMessage(), e);
    }
    String mine = holderKey.verifyingKey().keyId();
    List<Block> blocks = delegated.blocks();
    for (int i = 1; i < blocks.size(); i++) {
      if (mine.equals(blocks.get(i - 1).holderKeyId())) {
        return new RevocationProof(
            i, DelegatedRevocation.sign(delegated, i, holderKey, clock.instant()));
      }
    }
    throw new IllegalArgumentException(
        "this wallet's key " + mine + " signed no block of that capability; it delegated nothing");
  }

  /**
   * Refreshes every capability from an {@link AuthorityCapabilitySource} whose refresh is due (for
   * a scheduler; {@link #authorize} also refreshes on demand). A failure is logged and the current
   * capability kept while it is valid.
   *
   * @return the handles whose capability was replaced
   */
  public List<CapabilityHandle> refreshDue() {
    List<Held> all;
    synchronized (held) {
      all = List.copyOf(held.values());
    }
    List<CapabilityHandle> refreshed = new ArrayList<>();
    Instant now = clock.instant();
    for (Held h : all) {
      try {
        if (h.refreshIfDue(now, this)) {
          refreshed.add(h.handle);
        }
      } catch (CapabilityUnavailableException e) {
        System.getLogger(Wallet.class.getName()).log(System.Logger.Level.WARNING, e.getMessage());
      }
    }
    return refreshed;
  }

  /**
   * Forgets a capability; its handle stops working. Does nothing if the handle is not held.
   *
   * @return true if the wallet held it
   */
  public boolean remove(CapabilityHandle handle) {
    Objects.requireNonNull(handle, "handle");
    synchronized (held) {
      return held.remove(handle.id()) != null;
    }
  }

  private Held held(CapabilityHandle handle) {
    Objects.requireNonNull(handle, "handle");
    Held h;
    synchronized (held) {
      h = held.get(handle.id());
    }
    if (h == null) {
      throw new IllegalArgumentException(
          "this wallet holds no capability " + handle + " (removed, or from another wallet)");
    }
    return h;
  }

  private static void checkLabel(String label) {
    if (label == null
        || label.isBlank()
        || label.length() > MAX_LABEL_CHARS
        || label.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException(
          "a label is 1 to " + MAX_LABEL_CHARS + " printable chars, such as 'invoices'");
    }
  }

  /** Returns the holder key id and the handles; never token text or key material. */
  @Override
  public String toString() {
    String handles;
    synchronized (held) {
      handles =
          held.values().stream().map(h -> h.handle.toString()).collect(Collectors.joining(", "));
    }
    return "Wallet[holder " + holderKey.verifyingKey().keyId() + ", capabilities: " + handles + "]";
  }
}
