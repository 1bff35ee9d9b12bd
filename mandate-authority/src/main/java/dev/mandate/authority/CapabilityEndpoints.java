package dev.mandate.authority;

import dev.mandate.authority.store.TokenRecord;
import dev.mandate.caveat.Caveat;
import dev.mandate.config.Durations;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.policy.MintRequest;
import dev.mandate.policy.Policy;
import dev.mandate.policy.PolicyDecision;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import dev.mandate.token.MintRequestBody;
import dev.mandate.token.Restrictions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /v1/capabilities} (any client, a {@link MintRequestBody}): mints a capability when
 * the policy allows it, signed by the active root key, with exactly the caveats the policy decided
 * (an approval caveat when the request's {@code requireApproval} or the client's policy asks for
 * one). The token is recorded (its id, revocation ids and expiry, never its text) and the mint is
 * audited before the token is returned. A policy refusal is a 403 with the policy's reason, and is
 * audited too.
 */
final class CapabilityEndpoints extends Endpoints {

  record Minted(String token, String tokenId, List<String> revocationIds, Instant expiresAt) {}

  CapabilityEndpoints(Parts parts) {
    super(parts);
  }

  @Override
  List<Route> routes() {
    return List.of(new Route("POST", "/v1/capabilities", Route.Access.CLIENT, this::mint));
  }

  private CompletionStage<Reply> mint(Call call) {
    MintRequestBody body = call.body(MintRequestBody.class);
    Minted minted = issue(call.client().clientId(), body, null, Map.of());
    return Reply.now(201, minted);
  }

  /**
   * Judges {@code body} as {@code clientId}'s request under the policy in force, without minting:
   * the policy's decision, for a consent page that must not offer what minting would refuse. The
   * holder binding is judged as it may yet be: the key of an OAuth client is known only when it
   * proves one at the token endpoint, where minting judges it again (a policy that requires holder
   * binding refuses a client that proves none there).
   *
   * @throws ApiException 400 if the request is malformed
   */
  PolicyDecision judge(String clientId, MintRequestBody body) {
    MintRequest r = request(clientId, body, null);
    return policy
        .current()
        .evaluate(
            new MintRequest(
                r.clientId(),
                r.grants(),
                r.ttl(),
                true,
                r.audience(),
                r.maxUses(),
                r.maxDepth(),
                r.indirect(),
                r.requireApproval(),
                r.grantCaveats(),
                r.parameters(),
                r.budgets()));
  }

  /**
   * Mints what {@code body} asks for, as {@code clientId} would through {@code POST
   * /v1/capabilities}: the same policy decision, token record and audit event, the event carrying
   * {@code auditDetail} besides. {@code holder}, if not null, is the key to bind the capability to
   * instead of {@code body.holderKey()}.
   *
   * @throws ApiException 403 {@code policy_denied} with the policy's reason, 400 if malformed
   */
  Minted issue(
      String clientId, MintRequestBody body, VerifyingKey holder, Map<String, Object> auditDetail) {
    if (holder == null && body.holderKey() != null) {
      try {
        holder = VerifyingKey.parse(body.holderKey());
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("invalid_field", "holderKey: " + e.getMessage());
      }
    }
    String holderJkt = body.holderJkt();
    if (holderJkt != null) {
      if (holder != null) {
        throw ApiException.badRequest(
            "invalid_field", "holderJkt: give a holderKey or a holderJkt, not both");
      }
      try {
        Restrictions.builder().bindToDPoPKey(holderJkt);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("invalid_field", "holderJkt: " + e.getMessage());
      }
    }
    MintRequest request = request(clientId, body, holder);
    List<Caveat> everyCall = callCaveats(body.arguments(), body.conditions());
    List<Caveat> budgets = budgets(body.budgets());
    List<String> grants = request.grants();
    Policy inForce = policy.current();
    PolicyDecision decision = inForce.evaluate(request);
    if (!decision.allowed()) {
      metrics.mint("denied");
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("reason", decision.reason());
      detail.put("grants", grants.stream().limit(64).toList());
      detail.put("policy", inForce.digest());
      detail.putAll(auditDetail);
      audit.record("mint.denied", clientId, null, clientId, detail);
      throw ApiException.forbidden("policy_denied", decision.reason());
    }
    SigningKey rootKey = keys.signing();
    Capability.Minter minter = Capability.mint(rootKey).clock(clock).random(random);
    for (Grant grant : decision.grants()) {
      minter.allow(grant);
    }
    minter.ttl(decision.ttl());
    if (decision.audience() != null) {
      minter.audience(decision.audience());
    }
    if (decision.holderBound() && holderJkt != null) {
      minter.bindToDPoPKey(holderJkt);
    } else if (decision.holderBound()) {
      minter.bindTo(holder);
    }
    if (decision.maxUses() != null) {
      minter.maxUses(decision.maxUses());
    }
    if (decision.maxDepth() != null) {
      minter.maxDepth(decision.maxDepth());
    }
    if (!decision.approvalGroups().isEmpty()) {
      minter.requireApproval(decision.approvalGroups().toArray(String[]::new));
    }
    // Arguments and conditions on every call only narrow: added as asked.
    everyCall.forEach(minter::caveat);
    // Budgets too only narrow; the policy checked those it requires.
    budgets.forEach(minter::caveat);
    Capability capability;
    try {
      capability = minter.sign();
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(
          "invalid_field",
          "the capability asked for does not fit in a token: " + Router.printable(e.getMessage()));
    }
    String tokenId = capability.tokenId();
    Instant issuedAt = capability.blocks().get(0).issuedAt();
    TokenRecord record =
        new TokenRecord(
            tokenId,
            clientId,
            capability.revocationIds(),
            issuedAt,
            capability.expiresAt(),
            decision.indirect() ? tokenId : null);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("keyId", rootKey.verifyingKey().keyId());
    RecordedCaveats.put(detail, decision.grants(), everyCall);
    if (!budgets.isEmpty()) {
      detail.put(
          "budgets",
          budgets.stream()
              .map(c -> c instanceof Caveat.Budget b ? b.text() : ((Caveat.Rate) c).text())
              .toList());
    }
    detail.put("expiresAt", capability.expiresAt().toString());
    detail.put("audience", decision.audience());
    detail.put("holderKeyId", holder == null ? null : holder.keyId());
    detail.put("maxUses", decision.maxUses());
    detail.put("maxDepth", decision.maxDepth());
    detail.put("indirect", decision.indirect());
    detail.put(
        "approvalGroups", decision.approvalGroups().isEmpty() ? null : decision.approvalGroups());
    detail.put("revocationIds", capability.revocationIds());
    detail.put("policy", inForce.digest());
    detail.putAll(auditDetail);
    // The token record and its audit event commit together: never one without the other.
    store.recordMint(record, audit.event("mint", clientId, tokenId, clientId, detail));
    metrics.mint("issued");
    return new Minted(
        capability.toText(), tokenId, capability.revocationIds(), capability.expiresAt());
  }

  /** The policy's view of {@code body}; a malformed field is 400 naming it. */
  private static MintRequest request(String clientId, MintRequestBody body, VerifyingKey holder) {
    List<String> grants = grantTexts(body);
    List<List<Caveat>> grantCaveats = new ArrayList<>();
    grants.forEach(g -> grantCaveats.add(List.of()));
    addConstrainedGrants(body.constrainedGrants(), grants, grantCaveats);
    if (grants.isEmpty()) {
      throw ApiException.badRequest(
          "missing_field",
          "grants (or literalGrants, constrainedGrants) must list at least one"
              + " service:action:resource grant");
    }
    callCaveats(body.arguments(), body.conditions());
    List<Caveat> budgets = budgets(body.budgets());
    Map<String, String> parameters = parameters(body.parameters());
    Duration ttl = body.ttl() == null ? null : ttl(body.ttl());
    checkApprovalGroups(body.requireApproval());
    return new MintRequest(
        clientId,
        grants,
        ttl,
        holder != null || body.holderKey() != null || body.holderJkt() != null,
        body.audience(),
        body.maxUses(),
        body.maxDepth(),
        Boolean.TRUE.equals(body.indirect()),
        body.requireApproval(),
        grantCaveats,
        parameters,
        budgets);
  }

  /**
   * The grants asked for as grant text: {@code grants} as given, then each of {@code literalGrants}
   * escaped, so the policy judges both the same way.
   */
  private static List<String> grantTexts(MintRequestBody body) {
    List<String> texts = new ArrayList<>();
    if (body.grants() != null) {
      texts.addAll(body.grants());
    }
    List<MintRequestBody.LiteralGrant> literals = body.literalGrants();
    if (literals != null) {
      requireFits("literalGrants", literals);
      for (int i = 0; i < literals.size(); i++) {
        MintRequestBody.LiteralGrant literal = literals.get(i);
        if (literal == null) {
          throw ApiException.badRequest(
              "invalid_field", "literalGrants[" + i + "] must be {service, action, resource}");
        }
        try {
          texts.add(literal.toGrant().toString());
        } catch (IllegalArgumentException e) {
          throw ApiException.badRequest(
              "invalid_field", "literalGrants[" + i + "]: " + Router.printable(e.getMessage()));
        }
      }
    }
    return texts;
  }

  /** Most arguments and conditions on every call, and most template parameter values, asked. */
  private static final int MAX_ASKED = 32;

  /**
   * Adds each of {@code constrainedGrants} to the grant texts, and its caveats to {@code
   * grantCaveats} at the same index; a malformed one is 400 naming it.
   */
  /** A 400 unless the grants of {@code field} fit in one capability. */
  private static void requireFits(String field, List<?> grants) {
    if (grants.size() > Policy.MAX_GRANTS_PER_REQUEST) {
      throw ApiException.badRequest(
          "invalid_field",
          field
              + " lists "
              + grants.size()
              + " grants; at most "
              + Policy.MAX_GRANTS_PER_REQUEST
              + " fit in one capability");
    }
  }

  private static void addConstrainedGrants(
      List<MintRequestBody.ConstrainedGrant> constrained,
      List<String> texts,
      List<List<Caveat>> grantCaveats) {
    if (constrained == null) {
      return;
    }
    requireFits("constrainedGrants", constrained);
    for (int i = 0; i < constrained.size(); i++) {
      MintRequestBody.ConstrainedGrant c = constrained.get(i);
      if (c == null || c.grant() == null) {
        throw ApiException.badRequest(
            "invalid_field", "constrainedGrants[" + i + "] must be {grant, arguments, conditions}");
      }
      Grant grant;
      try {
        grant = c.toGrant();
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(
            "invalid_field", "constrainedGrants[" + i + "]: " + Router.printable(e.getMessage()));
      }
      texts.add(grant.toString());
      grantCaveats.add(grant.caveats());
    }
  }

  /** The {@code arguments} and {@code conditions} on every call; a malformed one is 400. */
  private static List<Caveat> callCaveats(List<String> arguments, List<String> conditions) {
    List<Caveat> out = new ArrayList<>();
    Restrictions.Builder check = Restrictions.builder();
    int count =
        (arguments == null ? 0 : arguments.size()) + (conditions == null ? 0 : conditions.size());
    if (count > MAX_ASKED) {
      throw ApiException.badRequest(
          "invalid_field", "at most " + MAX_ASKED + " arguments and conditions in all");
    }
    for (int i = 0; arguments != null && i < arguments.size(); i++) {
      try {
        out.add(Caveat.Argument.parse(arguments.get(i)));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw ApiException.badRequest(
            "invalid_field", "arguments[" + i + "]: " + Router.printable(e.getMessage()));
      }
    }
    for (int i = 0; conditions != null && i < conditions.size(); i++) {
      try {
        check.where(conditions.get(i));
        out.add(new Caveat.Condition(conditions.get(i)));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw ApiException.badRequest(
            "invalid_field", "conditions[" + i + "]: " + Router.printable(e.getMessage()));
      }
    }
    return out;
  }

  /** The {@code budgets} on every call; at most {@value #MAX_ASKED}, a malformed one is 400. */
  private static List<Caveat> budgets(List<String> asked) {
    if (asked == null) {
      return List.of();
    }
    if (asked.size() > MAX_ASKED) {
      throw ApiException.badRequest("invalid_field", "at most " + MAX_ASKED + " budgets");
    }
    List<Caveat> out = new ArrayList<>(asked.size());
    for (int i = 0; i < asked.size(); i++) {
      try {
        out.add(Caveat.Budget.parse(asked.get(i)));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(
            "invalid_field", "budgets[" + i + "]: " + Router.printable(e.getMessage()));
      }
    }
    return out;
  }

  /** The template parameter values asked for; at most {@value #MAX_ASKED}, else 400. */
  private static Map<String, String> parameters(Map<String, String> asked) {
    if (asked == null) {
      return Map.of();
    }
    if (asked.size() > MAX_ASKED) {
      throw ApiException.badRequest(
          "invalid_field", "parameters names at most " + MAX_ASKED + " values");
    }
    for (Map.Entry<String, String> e : asked.entrySet()) {
      if (e.getValue() == null) {
        throw ApiException.badRequest(
            "invalid_field", "parameters." + Router.printable(e.getKey()) + " must be a string");
      }
    }
    return asked;
  }

  /** Refuses a malformed {@code requireApproval}; whether the policy allows it is decided later. */
  private static void checkApprovalGroups(List<String> groups) {
    if (groups == null) {
      return;
    }
    if (groups.isEmpty() || groups.size() > 16) {
      throw ApiException.badRequest(
          "invalid_field", "requireApproval must list 1 to 16 approver groups, or be left out");
    }
    for (int i = 0; i < groups.size(); i++) {
      String g = groups.get(i);
      if (g == null || !Caveat.ApprovalRequired.GROUP.matcher(g).matches()) {
        throw ApiException.badRequest(
            "invalid_field",
            "requireApproval["
                + i
                + "] must be an approver group: 1 to 64 of a-z 0-9 . _ -, starting with a letter or"
                + " digit");
      }
    }
  }

  /** Parses a lifetime in the policy file's grammar ({@link Durations}), 1s to 366d. */
  static Duration ttl(String text) {
    if (text.length() > 32) {
      throw ApiException.badRequest(
          "invalid_field", "ttl must be a duration such as 30s, 15m, 1h30m or 7d");
    }
    try {
      return Durations.parse(text, Duration.ofSeconds(1), Duration.ofDays(366));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("invalid_field", "ttl: " + Router.printable(e.getMessage()));
    }
  }
}
