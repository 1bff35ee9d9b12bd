package dev.mandate.authority;

import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import com.nimbusds.oauth2.sdk.token.TokenTypeURI;
import com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant;
import dev.mandate.authority.store.AuthorityStore;
import dev.mandate.authority.store.TokenRecord;
import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.token.Block;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import dev.mandate.token.InvalidTokenException;
import dev.mandate.token.MintRequestBody;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;
import dev.mandate.token.Verifier;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.minidev.json.JSONObject;

/**
 * Token exchange (RFC 8693) for an agent that cannot attenuate offline: it presents its capability
 * (the subject token), narrower {@code scope} or {@code authorization_details}, and the sub-agent's
 * public key (the actor token, type {@value #HOLDER_KEY_TYPE}); it receives a delegated child bound
 * to that key, never wider than the subject.
 *
 * <ul>
 *   <li>A bearer subject is attenuated: the child is the subject's chain plus one block (narrower
 *       grants, the constraints asked, bound to the actor's key), so revoking the subject revokes
 *       the child.
 *   <li>A subject bound to a DPoP key (which cannot sign a block) needs a DPoP proof by that key on
 *       the request. The authority re-issues the subject's root block (its grants and caveats,
 *       expiring with it) to a key of its own and attenuates that copy the same way, so the child
 *       is still never wider; it is recorded as the subject's minting client's token. Subjects with
 *       more than one block or with a max-uses caveat (a copy would start its count again) are
 *       refused.
 *   <li>A subject bound to a Mandate holder key is refused: its holder attenuates it offline.
 * </ul>
 *
 * <p>The audit event {@code oauth.exchange} records the {@code act} chain: the actor, then the
 * holders of the subject's delegated blocks, newest first (RFC 8693 §4.1).
 */
final class TokenExchange {
  static final String HOLDER_KEY_TYPE = "urn:mandate:params:oauth:token-type:holder-key";

  private final RootKeys keys;
  private final AuthorityStore store;
  private final AuditTrail audit;
  private final Clock clock;
  private final SecureRandom random;

  TokenExchange(
      RootKeys keys, AuthorityStore store, AuditTrail audit, Clock clock, SecureRandom random) {
    this.keys = keys;
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Exchanges the subject for a delegated child.
   *
   * @param proofJkt the thumbprint of the DPoP key proved on this request, or null
   * @return the token response
   * @throws OAuthTokens.OAuthException naming what is refused
   */
  JSONObject exchange(
      String clientId,
      TokenExchangeGrant grant,
      Scope scope,
      List<AuthorizationDetail> details,
      String proofJkt) {
    if (!TokenTypeURI.ACCESS_TOKEN.equals(grant.getSubjectTokenType())) {
      throw refused(OAuth2Error.INVALID_REQUEST, "subject_token_type must be access_token");
    }
    if (grant.getActorToken() == null
        || !HOLDER_KEY_TYPE.equals(grant.getActorTokenType().getURI().toString())) {
      throw refused(
          OAuth2Error.INVALID_REQUEST,
          "actor_token must be the sub-agent's public key, actor_token_type " + HOLDER_KEY_TYPE);
    }
    VerifyingKey actor;
    try {
      actor = VerifyingKey.parse(grant.getActorToken().getValue());
    } catch (IllegalArgumentException e) {
      throw refused(OAuth2Error.INVALID_REQUEST, "actor_token: " + e.getMessage());
    }
    String text = grant.getSubjectToken().getValue();
    Capability subject;
    try {
      subject = Capability.decode(text);
    } catch (InvalidTokenException e) {
      throw refused(OAuth2Error.INVALID_GRANT, "subject_token: " + e.getMessage());
    }
    Verifier verifier =
        Verifier.builder().trustedKeys(keys.trusted()).clock(clock).revoked(store::revoked).build();
    String audience = requireValid(verifier, text, subject);
    OAuthFlow.Asked asked;
    try {
      asked = OAuthFlow.asked(scope, details);
    } catch (OAuthFlow.AskedException e) {
      throw refused(e.error, e.getMessage());
    }
    if (asked.everything()) {
      throw refused(
          OAuth2Error.INVALID_SCOPE, "name the narrower grants in scope or authorization_details");
    }
    // The child could never use more than the subject; asking for more is a mistake to name.
    for (MintRequestBody.ConstrainedGrant asking : asked.grants()) {
      Grant g = asking.toGrant();
      if (!verifier.covers(
          Presentation.of(text),
          new Request(audience, g.service(), g.action(), g.resource(), null, null))) {
        throw refused(
            OAuth2Error.INVALID_SCOPE, "the subject does not cover " + g.withoutCaveats());
      }
    }
    String holder = subject.holderKeyId().orElse(null);
    Capability child;
    String mintedRoot = null;
    if (holder == null) {
      child = narrow(subject.attenuate().clock(clock).random(random), asked, actor).sign();
    } else if (holder.startsWith("jkt:")) {
      if (!holder.equals("jkt:" + proofJkt)) {
        throw refused(
            OAuth2Error.INVALID_DPOP_PROOF,
            "the subject is bound to a DPoP key: send a DPoP proof by that key");
      }
      Reissued copy = reissue(subject);
      mintedRoot = copy.capability().tokenId();
      child =
          narrow(copy.capability().attenuate().clock(clock).random(random), asked, actor)
              .sign(copy.key());
    } else {
      throw refused(
          OAuth2Error.INVALID_GRANT,
          "the subject is bound to a Mandate holder key: its holder attenuates it offline");
    }
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("oauthClient", clientId);
    detail.put("subjectTokenId", subject.tokenId());
    detail.put("act", act(actor.keyId(), subject));
    Block last = child.blocks().get(child.blocks().size() - 1);
    RecordedCaveats.put(detail, last.grants(), last.caveats());
    detail.put("revocationIds", child.revocationIds());
    detail.put("expiresAt", child.expiresAt().toString());
    String owner = store.token(subject.tokenId()).map(TokenRecord::clientId).orElse(null);
    if (mintedRoot != null) {
      store.recordMint(
          new TokenRecord(
              child.tokenId(),
              owner,
              child.revocationIds(),
              child.blocks().get(0).issuedAt(),
              child.expiresAt(),
              null),
          audit.event("oauth.exchange", clientId, child.tokenId(), owner, detail));
    } else {
      audit.record("oauth.exchange", clientId, child.tokenId(), owner, detail);
    }
    JSONObject out = new JSONObject();
    out.put("access_token", child.toText());
    out.put("issued_token_type", TokenTypeURI.ACCESS_TOKEN.getURI().toString());
    // Not a bearer token: the sub-agent presents it with proofs by its key (spec §7).
    out.put("token_type", "N_A");
    out.put(
        "expires_in",
        Math.max(0, Duration.between(clock.instant(), child.expiresAt()).getSeconds()));
    return out;
  }

  /**
   * The subject verifies under a trusted key, nothing in it is revoked, and it has not expired.
   *
   * @return the subject's audience, or null
   */
  private static String requireValid(Verifier verifier, String text, Capability subject) {
    Block root = subject.blocks().get(0);
    if (root.grants().isEmpty()) {
      throw refused(OAuth2Error.INVALID_GRANT, "the subject grants nothing");
    }
    Grant g = root.grants().get(0);
    String audience = null;
    for (Caveat c : root.caveats()) {
      if (c instanceof Caveat.Audience a && !a.audiences().isEmpty()) {
        audience = a.audiences().get(0);
      }
    }
    Request probe = new Request(audience, g.service(), g.action(), g.resource(), null, null);
    if (!verifier.couldAllow(Presentation.of(text), probe)) {
      throw refused(
          OAuth2Error.INVALID_GRANT,
          "the subject token is not a valid capability of this authority (forged, expired or"
              + " revoked)");
    }
    return audience;
  }

  /** A re-issued root and the key it is bound to (used once, to sign the child's block). */
  private record Reissued(Capability capability, SigningKey key) {}

  /** A copy of a single-block subject's root, bound to a key of the authority's. */
  private Reissued reissue(Capability subject) {
    if (subject.blocks().size() != 1) {
      throw refused(
          OAuth2Error.INVALID_GRANT, "a DPoP-bound subject with delegated blocks is not exchanged");
    }
    Block root = subject.blocks().get(0);
    Capability.Minter minter = Capability.mint(keys.signing()).clock(clock).random(random);
    root.grants().forEach(minter::allow);
    for (Caveat c : root.caveats()) {
      if (c instanceof Caveat.MaxUses) {
        throw refused(
            OAuth2Error.INVALID_GRANT,
            "a subject with a max-uses caveat is not exchanged (a copy would count afresh)");
      }
      minter.caveat(c);
    }
    SigningKey bridge = SigningKey.generate(random);
    minter.bindTo(bridge.verifyingKey());
    return new Reissued(minter.sign(), bridge);
  }

  private static Capability.Attenuator narrow(
      Capability.Attenuator a, OAuthFlow.Asked asked, VerifyingKey actor) {
    try {
      for (MintRequestBody.ConstrainedGrant g : asked.grants()) {
        a.allow(g.toGrant());
      }
      for (String argument : asked.arguments()) {
        a.caveat(Caveat.Argument.parse(argument));
      }
      for (String condition : asked.conditions()) {
        a.where(condition);
      }
    } catch (IllegalArgumentException e) {
      throw refused(OAuth2Error.INVALID_AUTHORIZATION_DETAILS, e.getMessage());
    }
    a.bindTo(actor);
    return a;
  }

  /** RFC 8693 {@code act}: the actor, then earlier actors (delegated blocks' holders), nested. */
  private static Map<String, Object> act(String actorKeyId, Capability subject) {
    Map<String, Object> act = new LinkedHashMap<>();
    act.put("sub", actorKeyId);
    Map<String, Object> cursor = act;
    List<Block> blocks = new ArrayList<>(subject.blocks());
    for (int i = blocks.size() - 1; i >= 1; i--) {
      String holder = blocks.get(i).holderKeyId();
      if (holder != null) {
        Map<String, Object> prior = new LinkedHashMap<>();
        prior.put("sub", holder);
        cursor.put("act", prior);
        cursor = prior;
      }
    }
    return act;
  }

  private static OAuthTokens.OAuthException refused(
      com.nimbusds.oauth2.sdk.ErrorObject error, String description) {
    return new OAuthTokens.OAuthException(error, description);
  }
}
