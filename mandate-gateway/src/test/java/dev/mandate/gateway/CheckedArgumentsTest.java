package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Capability;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CheckedArgumentsTest {
  private static final SigningKey ROOT = SigningKey.generate(new SecureRandom());

  private static Capability.Minter mint() {
    return Capability.mint(ROOT).allow("api:*:/**").ttl(Duration.ofMinutes(5));
  }

  @Test
  void argumentCaveatsAndConditions_inEveryBlock_nameTheCheckedArguments() {
    Capability cap =
        mint()
            .constrain("/to", new Constraint.Glob("*@example.com"))
            .sign()
            .attenuate()
            .constrain("/mail/c~1c", new Constraint.Glob("*"))
            .where("size(args.body) < 100 && args['subject'] != 'x' && has(args.cc)")
            .sign();
    CheckedArguments checked = CheckedArguments.of(cap);
    assertThat(checked.all()).isFalse();
    assertThat(checked.names()).containsExactlyInAnyOrder("to", "mail", "body", "subject", "cc");
    assertThat(checked.pointers()).containsExactlyInAnyOrder(List.of("to"), List.of("mail", "c/c"));
    assertThat(CheckedArguments.of(cap.toText())).isEqualTo(checked);
  }

  @Test
  void approvalsAndConditionsOverAllArguments_checkEveryArgument() {
    assertThat(CheckedArguments.of(mint().requireApproval("finance").sign()).all()).isTrue();
    assertThat(CheckedArguments.of(mint().where("size(args) < 3").sign()).all()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '#',
      quoteCharacter = '`',
      value = {
        "args.to == 'x' # true # to",
        "args [ \"to\" ] == 'x' # true # to",
        "has(args.cc) || args.bcc == '' # true # cc bcc",
        "context.args.to == 1 # true # -",
        "size(args) == 1 # false # -",
        "args.exists(k, k == 'to') # false # -",
        "args[name] == 1 # false # -",
        "'args' == context.x # false # -",
      })
  void conditions_nameWhatTheyRead_orCountAsReadingEverything(
      String expression, boolean named, String names) {
    Set<String> into = new LinkedHashSet<>();
    assertThat(CheckedArguments.readsNamedArguments(expression, into)).isEqualTo(named);
    if (named) {
      assertThat(into.isEmpty() ? "-" : String.join(" ", into)).isEqualTo(names);
    }
  }

  @Test
  void noTokenOrAnUndecodableOne_checksNothing_theGuardDeniesIt() {
    assertThat(CheckedArguments.of((String) null)).isEqualTo(CheckedArguments.NONE);
    assertThat(CheckedArguments.of("mnd1_garbage")).isEqualTo(CheckedArguments.NONE);
    assertThat(CheckedArguments.of(mint().sign().toText())).isEqualTo(CheckedArguments.NONE);
  }
}
