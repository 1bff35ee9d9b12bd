package dev.mandate.token;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mandate.caveat.Caveat;
import dev.mandate.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON body of a mint request, {@code POST /v1/capabilities}: what an authenticated client asks
 * an authority to mint. This record is the one definition of that shape: clients write it from
 * {@link Restrictions} with {@link #of}, and the authority reads it. The constructor accepts any
 * values, because the authority reads the record from the network and its policy refuses a bad
 * value with a reason; {@link #of} makes only valid ones.
 *
 * @param grants the grants asked for, {@code service:action:resource-pattern} each
 * @param ttl the lifetime asked for, a whole number and one unit ({@code 900s}, {@code 15m}, {@code
 *     1h}, {@code 7d}), or null for the policy's maximum
 * @param audience the one audience (gateway or service) to restrict the capability to, or null
 * @param holderKey the text form of the public key to bind the capability to, or null for a bearer
 *     capability
 * @param maxUses the most calls the capability may authorize, or null for the policy's cap
 * @param maxDepth the most further blocks, or null for the policy's
 * @param indirect true for a capability the authority can switch off and on again; null or false
 *     for a direct one
 * @param requireApproval the approver groups of an approval caveat, or null for none (the policy
 *     may still require one)
 * @param literalGrants grants of exactly the service, action and resource given, with no glob
 *     meaning ({@link Grant#literal}): the form for values read from untrusted data, such as a
 *     channel name, which then need no escaping; or null. They are asked for beside {@code grants}
 *     and judged by the policy the same way. {@link #of} writes every grant into {@code grants} (a
 *     literal one escaped), so this field is for clients that write the JSON themselves.
 * @param constrainedGrants grants with argument constraints and conditions of their own (spec
 *     section 5.3), judged by the policy like {@code grants}; or null
 * @param arguments argument constraints on every call, {@code POINTER=KIND:VALUE} each ({@link
 *     Caveat.Argument#parse}); or null. They only narrow, so the authority adds them as asked
 * @param conditions CEL conditions on every call; or null. They only narrow, like {@code arguments}
 * @param parameters values for the parameters of the constraints the policy's templates carry that
 *     a grant's pattern does not bind (such as {@code max} in {@code /amount=range:0..{max}}); or
 *     null
 * @param budgets budgets and rates every call spends from, {@code sum(/amount)<=5000}, {@code
 *     sum(/amount)<=9000/1h} or {@code calls<=10/1m} each ({@link Caveat.Budget#parse}); or null.
 *     They only narrow; the policy may require one and cap it
 * @param holderJkt the RFC 7638 JWK SHA-256 thumbprint (unpadded base64url) of a DPoP key to bind
 *     the capability to (spec section 7.2), or null; at most one of {@code holderKey} and this
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MintRequestBody(
    List<String> grants,
    String ttl,
    String audience,
    String holderKey,
    Integer maxUses,
    Integer maxDepth,
    Boolean indirect,
    List<String> requireApproval,
    List<LiteralGrant> literalGrants,
    List<ConstrainedGrant> constrainedGrants,
    List<String> arguments,
    List<String> conditions,
    java.util.Map<String, String> parameters,
    List<String> budgets,
    String holderJkt) {

  /**
   * One grant of {@link #constrainedGrants}: a grant with its own argument constraints and
   * conditions, which apply when it is the grant that matches a call.
   *
   * @param grant the grant, {@code service:action:resource-pattern}
   * @param arguments its argument constraints, {@code POINTER=KIND:VALUE} each; or null
   * @param conditions its CEL conditions; or null
   * @param budgets its budgets and rates ({@link Caveat.Budget#parse}), which the calls it covers
   *     spend from; or null
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ConstrainedGrant(
      String grant, List<String> arguments, List<String> conditions, List<String> budgets) {
    /**
     * Returns the grant with its caveats.
     *
     * @throws IllegalArgumentException naming what is invalid
     */
    public Grant toGrant() {
      Grant g = Grant.parse(grant);
      for (String a : arguments == null ? List.<String>of() : arguments) {
        g = g.with(Caveat.Argument.parse(a));
      }
      for (String c : conditions == null ? List.<String>of() : conditions) {
        g = g.where(c);
      }
      for (String b : budgets == null ? List.<String>of() : budgets) {
        g = g.budget(b);
      }
      return g;
    }
  }

  /** Returns this request with values for the policy's template parameters (see above). */
  public MintRequestBody withParameters(java.util.Map<String, String> values) {
    return new MintRequestBody(
        grants,
        ttl,
        audience,
        holderKey,
        maxUses,
        maxDepth,
        indirect,
        requireApproval,
        literalGrants,
        constrainedGrants,
        arguments,
        conditions,
        values == null || values.isEmpty() ? null : java.util.Map.copyOf(values),
        budgets,
        holderJkt);
  }

  /**
   * One grant of {@link #literalGrants}: exactly this service, action and resource.
   *
   * @param service the service, taken as it is
   * @param action the action, taken as it is
   * @param resource the resource, taken as it is (a path must be normalised)
   */
  public record LiteralGrant(String service, String action, String resource) {
    /**
     * Returns the grant.
     *
     * @throws IllegalArgumentException as {@link Grant#literal} does
     */
    public Grant toGrant() {
      return Grant.literal(service, action, resource);
    }
  }

  /**
   * Returns the mint request for these restrictions. A mint request carries grants (with their own
   * argument constraints and conditions), a ttl in whole seconds, one audience, a holder key or a
   * DPoP key's thumbprint, max uses (at most 2147483647), max depth, an approval caveat, argument
   * constraints, conditions and budgets on every call; anything else (an absolute expiry,
   * not-before, the seal, an all-of or any-of constraint, which has no text form) is added
   * afterwards by attenuating the minted capability.
   *
   * @param indirect whether to ask for an indirect capability (one the authority can switch off)
   * @throws IllegalArgumentException naming the first restriction a mint request cannot carry
   */
  public static MintRequestBody of(Restrictions restrictions, boolean indirect) {
    String ttl = restrictions.ttl().map(MintRequestBody::ttlText).orElse(null);
    String audience = null;
    Integer maxUses = null;
    Integer maxDepth = null;
    List<String> approvers = null;
    CaveatTexts block = new CaveatTexts();
    for (Caveat c : restrictions.caveats()) {
      if (c instanceof Caveat.Audience a) {
        if (audience != null || a.audiences().size() > 1) {
          throw new IllegalArgumentException("a mint request names at most one audience");
        }
        audience = a.audiences().get(0);
      } else if (c instanceof Caveat.MaxUses m) {
        if (maxUses != null || m.uses() > Integer.MAX_VALUE) {
          throw new IllegalArgumentException(
              "a mint request asks for one maxUses of at most " + Integer.MAX_VALUE);
        }
        maxUses = (int) m.uses();
      } else if (c instanceof Caveat.MaxDepth d) {
        if (maxDepth != null) {
          throw new IllegalArgumentException("a mint request asks for one maxDepth");
        }
        maxDepth = d.blocks();
      } else if (c instanceof Caveat.ApprovalRequired r) {
        if (approvers != null) {
          throw new IllegalArgumentException("a mint request asks for one approval caveat");
        }
        approvers = r.groups();
      } else if (!block.add(c)) {
        throw cannotCarry(describe(c));
      }
    }
    List<String> plain = new ArrayList<>();
    List<ConstrainedGrant> constrained = new ArrayList<>();
    for (Grant g : restrictions.grants()) {
      if (g.caveats().isEmpty()) {
        plain.add(g.toString());
        continue;
      }
      CaveatTexts own = new CaveatTexts();
      g.caveats().forEach(own::add);
      constrained.add(
          new ConstrainedGrant(
              g.toString(), orNull(own.arguments), orNull(own.conditions), orNull(own.budgets)));
    }
    if (restrictions.sealed()) {
      throw cannotCarry("the seal (seal)");
    }
    return new MintRequestBody(
        orNull(plain),
        ttl,
        audience,
        restrictions.holder().map(k -> k.toText()).orElse(null),
        maxUses,
        maxDepth,
        indirect ? Boolean.TRUE : null,
        approvers,
        null,
        orNull(constrained),
        orNull(block.arguments),
        orNull(block.conditions),
        null,
        orNull(block.budgets),
        restrictions.holderJkt().orElse(null));
  }

  /** The argument constraints, conditions and budgets of a block or a grant, as texts. */
  private static final class CaveatTexts {
    final List<String> arguments = new ArrayList<>();
    final List<String> conditions = new ArrayList<>();
    final List<String> budgets = new ArrayList<>();

    /** Adds the caveat's text if it is of one of these kinds, else returns false. */
    boolean add(Caveat c) {
      if (c instanceof Caveat.Argument a) {
        arguments.add(argumentText(a));
      } else if (c instanceof Caveat.Condition cond) {
        conditions.add(cond.expression());
      } else if (c instanceof Caveat.Budget b) {
        budgets.add(b.text());
      } else if (c instanceof Caveat.Rate r) {
        budgets.add(r.text());
      } else {
        return false;
      }
      return true;
    }
  }

  private static <T> List<T> orNull(List<T> texts) {
    return texts.isEmpty() ? null : texts;
  }

  /** The text of an argument caveat, refused when it has none that reads back the same. */
  private static String argumentText(Caveat.Argument a) {
    String text = a.text();
    try {
      if (Caveat.Argument.parse(text).equals(a)) {
        return text;
      }
    } catch (IllegalArgumentException e) {
      // falls through to the refusal
    }
    throw cannotCarry(
        "the argument constraint " + text + " (it has no text form; all-of and any-of)");
  }

  private static String describe(Caveat c) {
    if (c instanceof Caveat.Expiry) {
      return "an expiry time (expiresAt; ask for a ttl instead)";
    }
    if (c instanceof Caveat.NotBefore) {
      return "a not-before time (notBefore)";
    }
    return "a " + c.kind() + " caveat";
  }

  private static IllegalArgumentException cannotCarry(String what) {
    return new IllegalArgumentException(
        "a mint request cannot carry " + what + ": attenuate the minted capability to add it");
  }

  /** The one duration grammar ({@link Durations#format}), in whole seconds. */
  private static String ttlText(Duration ttl) {
    if (ttl.getNano() != 0) {
      throw new IllegalArgumentException(
          "a mint request's ttl is whole seconds, got " + ttl.toMillis() + " ms");
    }
    return Durations.format(ttl);
  }
}
