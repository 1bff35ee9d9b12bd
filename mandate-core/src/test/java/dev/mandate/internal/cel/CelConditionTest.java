package dev.mandate.internal.cel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.internal.cel.CelCondition.CelLimits;
import dev.mandate.internal.cel.CelCondition.Outcome;
import java.io.File;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CelConditionTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Outcome eval(String expression, String args) {
    return CelCondition.compile(expression, CelLimits.DEFAULTS).evaluate(json(args), Map.of());
  }

  @Test
  void amountWithinLimitIsSatisfied() {
    assertThat(eval("args.amount <= 100", "{\"amount\": 42}")).isEqualTo(new Outcome(true, null));
  }

  @Test
  void amountOverLimitIsNotSatisfied() {
    Outcome outcome = eval("args.amount <= 100", "{\"amount\": 101}");
    assertThat(outcome.satisfied()).isFalse();
    assertThat(outcome.problem()).isEqualTo("condition evaluated to false");
  }

  @Test
  void fractionalAmountComparesWithIntegerLiteral() {
    assertThat(eval("args.amount <= 100", "{\"amount\": 99.5}").satisfied()).isTrue();
    assertThat(eval("args.amount <= 100", "{\"amount\": 100.5}").satisfied()).isFalse();
  }

  @Test
  void hugeIntegerBecomesDouble() {
    assertThat(eval("args.n > 1000", "{\"n\": 123456789012345678901234567890}").satisfied())
        .isTrue();
  }

  @Test
  void stringSuffixCondition() {
    String expr = "args.to.endsWith('@example.com')";
    assertThat(eval(expr, "{\"to\": \"bob@example.com\"}").satisfied()).isTrue();
    assertThat(eval(expr, "{\"to\": \"bob@evil.com\"}").satisfied()).isFalse();
  }

  @Test
  void optionalKeyGuardedByInOperator() {
    String expr = "!('cc' in args) || args.cc.all(a, a.endsWith('@example.com'))";
    assertThat(eval(expr, "{\"to\": \"a@example.com\"}").satisfied()).isTrue();
    assertThat(eval(expr, "{\"cc\": [\"b@example.com\"]}").satisfied()).isTrue();
    assertThat(eval(expr, "{\"cc\": [\"b@example.com\", \"c@evil.com\"]}").satisfied()).isFalse();
    String present = "'cc' in args && size(args.cc) == 0";
    assertThat(eval(present, "{\"cc\": []}").satisfied()).isTrue();
    assertThat(eval(present, "{}").satisfied()).isFalse();
  }

  @Test
  void jsonNullBooleansAndListsConvert() {
    assertThat(eval("args.x == null", "{\"x\": null}").satisfied()).isTrue();
    assertThat(eval("args.ok == true && !args.no", "{\"ok\": true, \"no\": false}").satisfied())
        .isTrue();
    assertThat(
            eval("args.tags[1] == 'b' && size(args.tags) == 3", "{\"tags\": [\"a\",\"b\",1]}")
                .satisfied())
        .isTrue();
    assertThat(eval("args.o.p.q == 1.5", "{\"o\": {\"p\": {\"q\": 1.5}}}").satisfied()).isTrue();
  }

  @Test
  void nullArgsAreAnEmptyMap() {
    CelCondition condition = CelCondition.compile("size(args) == 0", CelLimits.DEFAULTS);
    assertThat(condition.evaluate(null, null).satisfied()).isTrue();
  }

  @Test
  void contextTimeComparedWithTimestamp() {
    CelCondition condition =
        CelCondition.compile(
            "context.time < timestamp('2025-01-01T00:00:00Z')", CelLimits.DEFAULTS);
    assertThat(
            condition
                .evaluate(null, Map.of("time", Instant.parse("2024-12-31T23:59:59.5Z")))
                .satisfied())
        .isTrue();
    assertThat(condition.evaluate(null, Map.of("time", Instant.parse("2025-01-01T00:00:00Z"))))
        .isEqualTo(new Outcome(false, "condition evaluated to false"));
  }

  @Test
  void contextValuesOfAllSupportedTypes() {
    CelCondition condition =
        CelCondition.compile(
            "context.s == 'x' && context.l == 7 && context.b && context.d > 1.0"
                + " && context.m.k[0] == 'v' && context.i == 3",
            CelLimits.DEFAULTS);
    Map<String, Object> context =
        Map.of("s", "x", "l", 7L, "b", true, "d", 1.5, "m", Map.of("k", List.of("v")), "i", 3);
    assertThat(condition.evaluate(null, context)).isEqualTo(new Outcome(true, null));
  }

  @Test
  void unsupportedContextValueIsAProblemNotAnException() {
    CelCondition condition = CelCondition.compile("true", CelLimits.DEFAULTS);
    Outcome outcome = condition.evaluate(null, Map.of("weird", new Object()));
    assertThat(outcome.satisfied()).isFalse();
    assertThat(outcome.problem()).contains("unsupported value type");
  }

  @Test
  void missingKeyIsNotSatisfiedWithReason() {
    Outcome outcome = eval("args.amount <= 100", "{\"to\": \"x\"}");
    assertThat(outcome.satisfied()).isFalse();
    assertThat(outcome.problem()).isEqualTo("condition failed: no such key 'amount'");
  }

  @Test
  void runtimeTypeMismatchIsNotSatisfiedWithReason() {
    Outcome outcome = eval("args.amount <= 100", "{\"amount\": \"lots\"}");
    assertThat(outcome.satisfied()).isFalse();
    assertThat(outcome.problem()).startsWith("condition failed: ");
  }

  @Test
  void divisionByZeroIsNotSatisfied() {
    Outcome outcome = eval("args.a / args.b == 1", "{\"a\": 1, \"b\": 0}");
    assertThat(outcome.satisfied()).isFalse();
    assertThat(outcome.problem()).isEqualTo("condition failed: / by zero");
  }

  @Test
  void nonBoolExpressionRejectedAtCompile() {
    assertThatThrownBy(() -> CelCondition.compile("args.amount + 1", CelLimits.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must have type bool");
    assertThatThrownBy(() -> CelCondition.compile("1 + 1", CelLimits.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must have type bool but has type int");
  }

  @Test
  void dynExpressionRejectedAtCompileWithHint() {
    assertThatThrownBy(() -> CelCondition.compile("args.flag", CelLimits.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("args.flag == true");
  }

  @Test
  void syntaxErrorRejectedWithMessage() {
    assertThatThrownBy(() -> CelCondition.compile("args.amount <= ", CelLimits.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("condition does not compile: ")
        .hasMessageContaining("1:16")
        .hasMessageContaining("mismatched input");
  }

  @Test
  void undeclaredVariableAndUnknownFunctionRejected() {
    assertThatThrownBy(() -> CelCondition.compile("request.amount < 1", CelLimits.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("undeclared reference");
    assertThatThrownBy(() -> CelCondition.compile("myFunc(args) == 1", CelLimits.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("undeclared reference");
  }

  @Test
  void tooLongExpressionRejected() {
    String expr = "args.a == '" + "x".repeat(2000) + "'";
    assertThatThrownBy(() -> CelCondition.compile(expr, CelLimits.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too long")
        .hasMessageContaining("1024");
    assertThat(CelCondition.compile(expr, new CelLimits(4096, 10_000))).isNotNull();
  }

  @Test
  void nullExpressionRejected() {
    assertThatThrownBy(() -> CelCondition.compile(null, CelLimits.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void invalidLimitsRejected() {
    assertThatThrownBy(() -> new CelLimits(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CelLimits(1, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deeplyNestedComprehensionsRejectedByStaticCostEstimate() {
    String expr = "args.l.all(a, args.l.all(b, args.l.all(c, args.l.all(d, a + b + c + d > 0))))";
    assertThatThrownBy(() -> CelCondition.compile(expr, CelLimits.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("estimated cost");
    // The same expression is fine under a larger budget.
    assertThat(CelCondition.compile(expr, new CelLimits(1024, 10_000_000))).isNotNull();
  }

  @Test
  void staticEstimateChargesComprehensionBodiesPerNominalIteration() {
    long flat =
        CelCondition.estimateCost(
            compileAst("args.a == 1"), Long.MAX_VALUE - 1); // 4 nodes: _==_, select, ident, 1
    assertThat(flat).isEqualTo(4);
    long loop = CelCondition.estimateCost(compileAst("args.l.all(x, x > 0)"), Long.MAX_VALUE - 1);
    assertThat(loop).isGreaterThan(CelCondition.NOMINAL_ITERATIONS * 3L);
  }

  private static dev.cel.common.ast.CelExpr compileAst(String expression) {
    try {
      return dev.cel.compiler.CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS)
          .addVar(
              "args",
              dev.cel.common.types.MapType.create(
                  dev.cel.common.types.SimpleType.STRING, dev.cel.common.types.SimpleType.DYN))
          .build()
          .compile(expression)
          .getAst()
          .getExpr();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void nestedComprehensionsOverLargeListHitCostBound() {
    ArrayNode list = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < 5_000; i++) {
      list.add(i);
    }
    ObjectNode args = JsonNodeFactory.instance.objectNode();
    args.set("list", list);
    CelCondition condition =
        CelCondition.compile("args.list.all(x, args.list.all(y, x + y >= 0))", CelLimits.DEFAULTS);
    long start = System.nanoTime();
    Outcome outcome = condition.evaluate(args, Map.of());
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(outcome).isEqualTo(new Outcome(false, "condition exceeded its cost bound"));
    // 25M iterations would take far longer; the bound stops it after ~10k units of work.
    assertThat(millis).isLessThan(10_000);
  }

  @Test
  void sameNestedComprehensionWithinBudgetOnSmallList() {
    CelCondition condition =
        CelCondition.compile("args.list.all(x, args.list.all(y, x + y >= 0))", CelLimits.DEFAULTS);
    assertThat(condition.evaluate(json("{\"list\": [1,2,3,4,5]}"), Map.of()).satisfied()).isTrue();
  }

  @Test
  void singleComprehensionOverLargeListHitsCostBound() {
    ArrayNode list = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < 20_000; i++) {
      list.add("a");
    }
    ObjectNode args = JsonNodeFactory.instance.objectNode();
    args.set("list", list);
    CelCondition condition =
        CelCondition.compile("args.list.exists(x, x == 'b')", CelLimits.DEFAULTS);
    assertThat(condition.evaluate(args, Map.of()).problem())
        .isEqualTo("condition exceeded its cost bound");
  }

  @Test
  void smallCostBoundStopsShortComprehensions() {
    CelCondition condition =
        CelCondition.compile("args.list.all(x, x > 0)", new CelLimits(1024, 100));
    assertThat(condition.evaluate(json("{\"list\": [1,2,3]}"), Map.of()).satisfied()).isTrue();
    ArrayNode list = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < 100; i++) {
      list.add(1);
    }
    ObjectNode args = JsonNodeFactory.instance.objectNode();
    args.set("list", list);
    assertThat(condition.evaluate(args, Map.of()).problem())
        .isEqualTo("condition exceeded its cost bound");
  }

  @Test
  void stringBuildingIsChargedByLength() {
    // One concatenation per element, each producing a 20k-char string: few nodes, much data.
    String big = "y".repeat(20_000);
    ArrayNode list = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < 100; i++) {
      list.add(i);
    }
    ObjectNode args = JsonNodeFactory.instance.objectNode();
    args.set("list", list);
    args.put("s", big);
    CelCondition condition =
        CelCondition.compile(
            "args.list.all(i, size(args.s + args.s + args.s) > 0)", CelLimits.DEFAULTS);
    assertThat(condition.evaluate(args, Map.of()).problem())
        .isEqualTo("condition exceeded its cost bound");
    ObjectNode small = args.deepCopy();
    small.put("s", "y");
    assertThat(condition.evaluate(small, Map.of()).satisfied()).isTrue();
  }

  @Test
  void deepJsonNestingConverts() {
    int depth = 400;
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode current = root;
    for (int i = 0; i < depth; i++) {
      current = current.putObject("a");
    }
    current.put("leaf", 1);
    CelCondition condition =
        CelCondition.compile("args.a.a.a.a.a != null && size(args) == 1", CelLimits.DEFAULTS);
    assertThat(condition.evaluate(root, Map.of())).isEqualTo(new Outcome(true, null));
  }

  @Test
  void absurdlyDeepJsonNeverThrows() {
    JsonNode root = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < 200_000; i++) {
      ArrayNode parent = JsonNodeFactory.instance.arrayNode();
      parent.add(root);
      root = parent;
    }
    ObjectNode args = JsonNodeFactory.instance.objectNode();
    args.set("deep", root);
    Outcome outcome = CelCondition.compile("true", CelLimits.DEFAULTS).evaluate(args, Map.of());
    assertThat(outcome.satisfied()).isFalse();
    assertThat(outcome.problem()).contains("nested too deeply");
  }

  @Test
  void compileCacheReturnsSameInstance() {
    CelCondition first = CelCondition.compile("args.cached == 'yes'", CelLimits.DEFAULTS);
    CelCondition second = CelCondition.compile("args.cached == 'yes'", CelLimits.DEFAULTS);
    assertThat(second).isSameAs(first);
    CelCondition otherLimits =
        CelCondition.compile("args.cached == 'yes'", new CelLimits(1024, 20_000));
    assertThat(otherLimits).isNotSameAs(first);
  }

  @Test
  void compileFailuresAreReportedConsistentlyFromCache() {
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> CelCondition.compile("args.x +", CelLimits.DEFAULTS))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("condition does not compile: ");
    }
  }

  @Test
  void concurrentEvaluationsAreIndependent() throws Exception {
    CelCondition condition = CelCondition.compile("args.n % 2 == 0", CelLimits.DEFAULTS);
    List<Thread> threads = new java.util.ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger wrong =
        new java.util.concurrent.atomic.AtomicInteger();
    for (int t = 0; t < 8; t++) {
      Thread thread =
          new Thread(
              () -> {
                for (int n = 0; n < 500; n++) {
                  Outcome o = condition.evaluate(json("{\"n\": " + n + "}"), Map.of());
                  if (o.satisfied() != (n % 2 == 0)) {
                    wrong.incrementAndGet();
                  }
                }
              });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(wrong).hasValue(0);
  }

  @Test
  void firstEvaluationInColdJvmSucceeds() throws Exception {
    // A fresh JVM: class loading and JIT warm-up are slow, and there is no time limit to trip.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                java,
                "-Xint", // interpreter only: as slow as a cold JVM gets
                "-cp",
                System.getProperty("java.class.path"),
                ColdStartProbe.class.getName())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File(nullDevice())))
            .start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(output).contains("OUTCOME Outcome[satisfied=true, problem=null]");
    assertThat(process.exitValue()).isZero();
  }

  private static String nullDevice() {
    return System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null";
  }
}
