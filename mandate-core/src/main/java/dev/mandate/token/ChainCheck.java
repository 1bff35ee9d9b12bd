package dev.mandate.token;

import static dev.mandate.token.Reasons.deny;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.internal.crypto.Ed25519;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The first step of verification (spec §3, §4): the token's text form, its structure and limits,
 * the signature chain from a trusted root key to the last block, the final secret and max-depth
 * caveats. A chain that verified is remembered by the SHA-256 of its text (bounded), so a second
 * use costs only the per-call checks; an entry is used only while its root key is still trusted.
 */
final class ChainCheck {
  private final TrustedKeys trustedKeys;
  private final Limits limits;
  private final Cache<ByteBuffer, Verified> cache;

  /** A chain whose signatures verified under {@code rootKey}, and what allows will carry. */
  record Verified(Chain chain, VerifyingKey rootKey, VerifiedCapability capability) {}

  /**
   * The chains verified last, by the identity of their token's text: a request's stages (the
   * gateway authenticates from the headers, then authorizes the call) present the same String, and
   * its second lookup then costs neither the token's scan nor its SHA-256. Identity implies equal
   * text, so a hit is exactly a cache hit; the root key is still checked as for one.
   */
  private final AtomicReferenceArray<Recent> recent = new AtomicReferenceArray<>(RECENT_SLOTS);

  private static final int RECENT_SLOTS = 64;

  private record Recent(String token, Verified verified) {}

  ChainCheck(TrustedKeys trustedKeys, Limits limits, long cacheSize) {
    this.trustedKeys = trustedKeys;
    this.limits = limits;
    this.cache = cacheSize > 0 ? Caffeine.newBuilder().maximumSize(cacheSize).build() : null;
  }

  /**
   * Returns the verified chain of {@code token}.
   *
   * @throws FormatException or {@link Chain.BlockFormatException} if the token is malformed
   * @throws Reasons.Denial if a key is unknown, a signature fails or a max-depth caveat is broken
   */
  Verified verified(String token) {
    if (token == null || token.isEmpty()) {
      throw new FormatException("no token was presented");
    }
    int slot = System.identityHashCode(token) & (RECENT_SLOTS - 1);
    if (cache != null) {
      Recent r = recent.get(slot);
      if (r != null && r.token() == token) {
        Verified v = r.verified();
        if (v.rootKey().equals(trustedKeys.find(v.chain().rootKeyId))) {
          return v;
        }
        recent.compareAndSet(slot, r, null);
      }
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
          recent.set(slot, new Recent(token, hit));
          return hit;
        }
        cache.invalidate(key);
      }
    }
    Chain chain = Chain.decodeText(token, limits);
    Verified verified = verify(chain);
    if (cache != null) {
      cache.put(key, verified);
      recent.set(slot, new Recent(token, verified));
    }
    return verified;
  }

  /**
   * Whether {@link #verified} of this token would be a cache hit whose root key is looked up
   * without waiting ({@link TrustedKeys#findsWithoutWaiting}): no signature to check, no key to
   * fetch. A hit by text is remembered by the token's identity, so the lookup that follows costs no
   * second SHA-256. Never throws.
   */
  boolean cachedWithoutWaiting(String token) {
    if (cache == null || token == null || token.isEmpty()) {
      return false;
    }
    int slot = System.identityHashCode(token) & (RECENT_SLOTS - 1);
    Recent r = recent.get(slot);
    Verified v = r != null && r.token() == token ? r.verified() : null;
    if (v == null) {
      if (token.length() > Chain.TEXT_PREFIX.length() + (limits.maxTokenBytes() * 4L + 2) / 3
          || !token.startsWith(Chain.TEXT_PREFIX)) {
        return false;
      }
      for (int i = 0; i < token.length(); i++) {
        char c = token.charAt(i);
        if (c <= 0x20 || c >= 0x7f) {
          return false;
        }
      }
      v =
          cache.getIfPresent(
              ByteBuffer.wrap(Chain.sha256(token.getBytes(StandardCharsets.US_ASCII))));
      if (v == null) {
        return false;
      }
      recent.set(slot, new Recent(token, v));
    }
    return trustedKeys.findsWithoutWaiting(v.chain().rootKeyId);
  }

  private Verified verify(Chain chain) {
    VerifyingKey root = trustedKeys.find(chain.rootKeyId);
    if (root == null) {
      throw deny(
          chain,
          Decision.Code.UNKNOWN_KEY,
          0,
          Decision.Check.SIGNATURE,
          "the token is signed by root key '"
              + chain.rootKeyId
              + "', which this verifier does not trust (unknown or retired key)");
    }
    List<Chain.Link> links = chain.links;
    for (int i = 0; i < links.size(); i++) {
      Chain.Link link = links.get(i);
      boolean ok =
          i == 0
              ? root.verify(link.message(), link.signature())
              // A key named inside the token: not validated in advance, checked strictly here.
              : Ed25519.verify(
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
            Decision.Check.SIGNATURE,
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
      if (!MessageDigest.isEqual(Chain.commitment(chain.secret), chain.last().secretCommitment())) {
        throw deny(
            chain,
            Decision.Code.BAD_SIGNATURE,
            links.size() - 1,
            Decision.Check.SIGNATURE,
            "the token's final secret does not match its last block (a block was removed or the"
                + " token edited)");
      }
    }
    for (Chain.Link link : links) {
      for (Caveat c : link.caveats()) {
        int follow = links.size() - 1 - link.block().index();
        if (c instanceof Caveat.MaxDepth d && follow > d.blocks()) {
          throw deny(
              chain,
              Decision.Code.DEPTH,
              link.block().index(),
              Decision.Check.MAX_DEPTH,
              "block "
                  + link.block().index()
                  + " allows "
                  + d.blocks()
                  + " further blocks but "
                  + follow
                  + " follow");
        }
      }
    }
    return new Verified(chain, root, new VerifiedCapability(chain));
  }
}
