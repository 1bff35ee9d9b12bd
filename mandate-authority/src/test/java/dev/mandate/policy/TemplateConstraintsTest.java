package dev.mandate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.InsecureSecretKeyAccess;
import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import dev.mandate.token.Presentation;
import dev.mandate.token.Request;
import dev.mandate.token.TrustedKeys;
import dev.mandate.token.Verifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Templates that carry argument constraints and conditions: every grant minted under one carries
 * them, instantiated with the binding of the pattern or the request's parameters; and a property
 * test that what is minted never allows a call that no instantiation of a covering template allows.
 */
class TemplateConstraintsTest {
  private static final String YAML =
      """
      version: 1
      clients:
        payer:
          grants:
            - "bank:get_balance:*"
            - grant: "bank:send_money:*"
              arguments: ["/amount=range:0..{max}"]
            - grant: "bank:send_money:acct-{n}"
              arguments: ["/amount=range:0..{n}0"]
              conditions: ["args.memo == {memo}"]
            - grant: "bank:{op}:acct-1"
              conditions: ["args.amount < 50"]
          parameters:
            max: "10|100|1000"
            n: "[12]"
            memo: "rent|x.*"
            op: "pay|refund"
          maxTtl: 1h
      """;
  private static final Policy POLICY = Policy.parse(YAML, "payer.yaml");

  private static final Instant NOW = Instant.parse("2026-01-15T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final SigningKey ROOT = key(7);
  private static final Verifier VERIFIER =
      Verifier.builder().trustedKeys(TrustedKeys.of(ROOT.verifyingKey())).clock(CLOCK).build();

  private static PolicyDecision mint(
      String grant, List<Caveat> asked, Map<String, String> parameters) {
    return POLICY.evaluate(
        new MintRequest(
            "payer",
            List.of(grant),
            Duration.ofMinutes(5),
            false,
            null,
            null,
            null,
            false,
            null,
            List.of(asked),
            parameters,
            null));
  }

  @Test
  void aTemplatesConstraint_isAddedWithTheRequestsParameter() {
    PolicyDecision d = mint("bank:send_money:*", List.of(), Map.of("max", "100"));

    assertThat(d.allowed()).as(d.reason()).isTrue();
    assertThat(d.grants()).hasSize(1);
    assertThat(d.grants().get(0).caveats())
        .containsExactly(Caveat.Argument.parse("/amount=range:0..100"));
  }

  @Test
  void aParameterBoundByThePattern_isUsedInTheConstraint_andConditionsGetLiterals() {
    PolicyDecision d = mint("bank:send_money:acct-2", List.of(), Map.of("memo", "rent"));

    assertThat(d.allowed()).as(d.reason()).isTrue();
    assertThat(d.grants().get(0).caveats())
        .containsExactly(
            Caveat.Argument.parse("/amount=range:0..20"),
            new Caveat.Condition("args.memo == \"rent\""));
  }

  @Test
  void aMissingBadOrUnsafeParameter_isDeniedSayingWhy() {
    assertThat(mint("bank:send_money:*", List.of(), Map.of()).reason())
        .contains("requires '/amount=range:0..{max}'")
        .contains("give a value for max in parameters");
    assertThat(mint("bank:send_money:*", List.of(), Map.of("max", "5")).reason())
        .contains("does not match its regex");
    PolicyDecision unsafe =
        mint("bank:send_money:acct-1", List.of(), Map.of("memo", "x\" || true || \""));
    assertThat(unsafe.allowed()).isFalse();
    assertThat(unsafe.reason()).contains("only letters, digits");
    assertThat(mint("bank:send_money:acct-1", List.of(), Map.of("memo", "rent", "n", "2")).reason())
        .contains("in the grant but");
  }

  @Test
  void caveatsAskedFor_areKept_andATemplatesEqualOneIsNotRepeated() {
    Caveat narrower = Caveat.Argument.parse("/amount=range:0..5");
    Caveat same = Caveat.Argument.parse("/amount=range:0..10");
    PolicyDecision d = mint("bank:send_money:*", List.of(narrower, same), Map.of("max", "10"));

    assertThat(d.grants().get(0).caveats()).containsExactly(narrower, same);
  }

  @Test
  void alternativesCoveredByConstrainedTemplates_areMintedOneByOne() {
    PolicyDecision d = mint("bank:{pay,get_balance}:acct-1", List.of(), Map.of());

    assertThat(d.allowed()).as(d.reason()).isTrue();
    assertThat(d.grants())
        .extracting(Grant::toString)
        .containsExactly("bank:pay:acct-1", "bank:get_balance:acct-1");
    assertThat(d.grants().get(0).caveats())
        .containsExactly(new Caveat.Condition("args.amount < 50"));
    assertThat(d.grants().get(1).caveats()).isEmpty();
  }

  @Test
  void badTemplateConstraints_areParseErrorsWithTheirLocation() {
    String bad =
        """
        version: 1
        clients:
          c:
            grants:
              - grant: "a:b:c"
                arguments: ["/x=range:0..{nope}", "no-equals"]
                conditions: ["args.x +"]
                extra: 1
            maxTtl: 1h
        """;
    assertThatThrownBy(() -> Policy.parse(bad, "bad.yaml"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("{nope} is not a declared parameter")
        .hasMessageContaining("'no-equals' is not a valid argument")
        .hasMessageContaining("'args.x +' is not a valid condition")
        .hasMessageContaining("extra");
  }

  // ---- never wider than the template ----

  private static final Map<String, List<String>> DOMAIN = new LinkedHashMap<>();

  static {
    DOMAIN.put("max", List.of("10", "100", "1000"));
    DOMAIN.put("n", List.of("1", "2"));
    DOMAIN.put("memo", List.of("rent", "x1", "x.y"));
    DOMAIN.put("op", List.of("pay", "refund"));
  }

  private static final String[] REQUESTED = {
    "bank:send_money:*",
    "bank:send_money:acct-1",
    "bank:send_money:acct-?",
    "bank:*:acct-1",
    "bank:{pay,refund}:acct-1",
    "bank:{send_money,get_balance}:acct-2",
    "bank:get_balance:*",
    "bank:pay:acct-1",
    "bank:send_money:acct-{1,2}",
  };
  private static final String[][] ASKED = {
    {}, {"/amount=range:..20"}, {"/memo=prefix:r"}, {"/amount=range:0..10000"}
  };
  private static final String[] PARAMETER_VALUES = {"10", "1000", "5", "rent", "x1", "2", "x\"y"};
  private static final String[] ACTIONS = {"send_money", "get_balance", "pay", "refund"};
  private static final String[] ACCOUNTS = {"acct-1", "acct-2", "acct-3"};
  private static final Integer[] AMOUNTS = {null, 1, 15, 60, 500, 5000};
  private static final String[] MEMOS = {null, "rent", "x1", "x.y", "other"};

  @Test
  void mintedCapabilities_neverAllowMoreThanSomeInstantiationOfTheirTemplates() {
    List<Request> calls = calls();
    List<Reference> references = references();
    Random random = new Random(0x5EED);
    int allowedMints = 0;
    int allowedCalls = 0;
    for (int i = 0; i < 300; i++) {
      String grant = REQUESTED[random.nextInt(REQUESTED.length)];
      List<Caveat> asked = new ArrayList<>();
      for (String a : ASKED[random.nextInt(ASKED.length)]) {
        asked.add(Caveat.Argument.parse(a));
      }
      Map<String, String> parameters = new HashMap<>();
      for (String name : DOMAIN.keySet()) {
        if (random.nextInt(3) == 0) {
          parameters.put(name, PARAMETER_VALUES[random.nextInt(PARAMETER_VALUES.length)]);
        }
      }
      PolicyDecision d = mint(grant, asked, parameters);
      if (!d.allowed()) {
        continue;
      }
      allowedMints++;
      Capability.Minter minter = Capability.mint(ROOT).clock(CLOCK).ttl(Duration.ofMinutes(5));
      d.grants().forEach(minter::allow);
      String token = minter.sign().toText();
      for (Request call : calls) {
        if (!VERIFIER.authorize(Presentation.of(token), call).allowed()) {
          continue;
        }
        allowedCalls++;
        assertThat(references.stream().anyMatch(r -> r.allows(call)))
            .as("%s with %s %s allows %s", grant, asked, parameters, call)
            .isTrue();
      }
    }
    // Guard against a vacuous property.
    assertThat(allowedMints).isGreaterThan(60);
    assertThat(allowedCalls).isGreaterThan(200);
  }

  /** One instantiation of a template, constraints and all, as a capability of its own. */
  private record Reference(String token) {
    boolean allows(Request call) {
      return VERIFIER.authorize(Presentation.of(token), call).allowed();
    }
  }

  /** Every template of the policy under every binding of its parameters over their domains. */
  private static List<Reference> references() {
    List<Reference> out = new ArrayList<>();
    Policy.ClientRules rules = POLICY.rules("payer");
    for (GrantTemplate t : rules.templates()) {
      for (Map<String, String> binding : bindings(new ArrayList<>(DOMAIN.keySet()), 0)) {
        String text = t.text();
        for (Map.Entry<String, String> e : binding.entrySet()) {
          text = text.replace("{" + e.getKey() + "}", Grant.escape(e.getValue()));
        }
        Grant g = Grant.parse(text);
        for (ConstraintTemplate ct : t.constraints()) {
          g = g.with(ct.instantiate(binding));
        }
        out.add(
            new Reference(
                Capability.mint(ROOT)
                    .clock(CLOCK)
                    .ttl(Duration.ofMinutes(5))
                    .allow(g)
                    .sign()
                    .toText()));
      }
    }
    return out;
  }

  private static List<Map<String, String>> bindings(List<String> names, int from) {
    if (from == names.size()) {
      List<Map<String, String>> one = new ArrayList<>();
      one.add(new HashMap<>());
      return one;
    }
    List<Map<String, String>> out = new ArrayList<>();
    for (Map<String, String> rest : bindings(names, from + 1)) {
      for (String value : DOMAIN.get(names.get(from))) {
        Map<String, String> b = new HashMap<>(rest);
        b.put(names.get(from), value);
        out.add(b);
      }
    }
    return out;
  }

  private static List<Request> calls() {
    List<Request> out = new ArrayList<>();
    for (String action : ACTIONS) {
      for (String account : ACCOUNTS) {
        for (Integer amount : AMOUNTS) {
          for (String memo : MEMOS) {
            ObjectNode args = JsonNodeFactory.instance.objectNode();
            if (amount != null) {
              args.put("amount", amount);
            }
            if (memo != null) {
              args.put("memo", memo);
            }
            out.add(new Request(null, "bank", action, account, args, null));
          }
        }
      }
    }
    return out;
  }

  private static SigningKey key(int fill) {
    byte[] seed = new byte[32];
    Arrays.fill(seed, (byte) fill);
    return SigningKey.fromSeed(seed, InsecureSecretKeyAccess.get());
  }
}
