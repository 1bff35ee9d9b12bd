package dev.mandate.internal.cel;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import com.google.protobuf.NullValue;
import com.google.protobuf.Timestamp;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelErrorCode;
import dev.cel.common.CelException;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelEvaluationListener;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compiled, type-checked CEL condition over two variables, {@code args} and {@code context} (both
 * {@code map(string, dyn)}), using only the standard CEL functions and macros.
 *
 * <h2>Cost</h2>
 *
 * <p>Evaluation is bounded by <em>cost</em>, never by wall-clock time, so a decision never depends
 * on machine load. One unit of cost is:
 *
 * <ul>
 *   <li>the evaluation of one expression node (a literal, identifier, field selection, function or
 *       operator call, list/map construction, or comprehension), each time it is evaluated &mdash;
 *       a node inside a comprehension body is charged once per iteration; plus
 *   <li>for a function call that produces a string (e.g. concatenation), one extra unit per started
 *       64 characters of the result, so that building large strings is charged.
 * </ul>
 *
 * <p>The bound {@link CelLimits#maxCost()} is enforced twice:
 *
 * <ol>
 *   <li><b>Statically</b>, at {@link #compile}: the expression's cost is estimated from its checked
 *       AST (cel-java 0.11.1 has no cost estimator, so this class implements one). Every node costs
 *       1; the loop condition and step of a comprehension (the body of {@code all}, {@code exists},
 *       {@code exists_one}, {@code map}, {@code filter}) are charged 10 times, multiplicatively for
 *       nested comprehensions, since input sizes are unknown at compile time. Expressions whose
 *       estimate exceeds the bound (for example four nested comprehensions) are rejected.
 *   <li><b>At runtime</b>, exactly: a {@link CelEvaluationListener} (cel-java's trace hook, called
 *       once after every evaluated node) meters the cost and aborts evaluation as soon as it
 *       exceeds the bound; as a second line of defence the CEL interpreter's own comprehension
 *       iteration budget ({@code CelOptions.comprehensionMaxIterations}, counted over the whole
 *       evaluation) is set to the same bound, since every iteration costs at least one unit. Either
 *       way the outcome is "condition exceeded its cost bound".
 * </ol>
 *
 * <p>Work done inside a single standard function (e.g. {@code in} over a list, {@code contains} or
 * re2j-based {@code matches} over a string) is linear in the size of its inputs, which are bounded
 * by the size of the request, and is charged as one node.
 *
 * <p>Instances are immutable and safe for concurrent use. {@link #compile} caches compiled
 * conditions (and compilation failures) in a bounded cache.
 */
public final class CelCondition {

  /**
   * Limits applied when compiling and evaluating a condition.
   *
   * @param maxExpressionLength maximum length of the expression source, in UTF-16 chars; positive
   * @param maxCost maximum cost, in the units described on {@link CelCondition}; positive
   */
  public record CelLimits(int maxExpressionLength, long maxCost) {

    /** Default limits: expressions of at most 1024 chars and a cost of at most 10,000 units. */
    public static final CelLimits DEFAULTS = new CelLimits(1024, 10_000);

    /**
     * Validates the limits.
     *
     * @throws IllegalArgumentException if a limit is not positive
     */
    public CelLimits {
      if (maxExpressionLength <= 0) {
        throw new IllegalArgumentException(
            "maxExpressionLength must be positive, got " + maxExpressionLength);
      }
      if (maxCost <= 0) {
        throw new IllegalArgumentException("maxCost must be positive, got " + maxCost);
      }
    }
  }

  /**
   * The result of evaluating a condition.
   *
   * @param satisfied true only when the expression evaluated to {@code true}
   * @param problem null when satisfied; otherwise a human-readable reason
   */
  public record Outcome(boolean satisfied, String problem) {}

  /** Iterations assumed per comprehension by the static cost estimate. */
  static final int NOMINAL_ITERATIONS = 10;

  /** Characters of a computed string that cost one extra unit. */
  static final int STRING_CHARS_PER_UNIT = 64;

  private static final int CACHE_SIZE = 4096;

  private static final Outcome SATISFIED = new Outcome(true, null);
  private static final Outcome FALSE = new Outcome(false, "condition evaluated to false");
  private static final Outcome COST_EXCEEDED =
      new Outcome(false, "condition exceeded its cost bound");

  private static final CelOptions COMPILE_OPTIONS =
      CelOptions.current()
          .enableHeterogeneousNumericComparisons(true)
          .maxExpressionCodePointSize(Integer.MAX_VALUE)
          .build();

  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setOptions(COMPILE_OPTIONS)
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("args", MapType.create(SimpleType.STRING, SimpleType.DYN))
          .addVar("context", MapType.create(SimpleType.STRING, SimpleType.DYN))
          .build();

  /** Compiled conditions and compilation failures, keyed by (expression, limits). */
  private static final Cache<Key, Object> CACHE =
      Caffeine.newBuilder().maximumSize(CACHE_SIZE).build();

  /** Runtimes differ only in their iteration budget, so there are few of them. */
  private static final Cache<Integer, CelRuntime> RUNTIMES =
      Caffeine.newBuilder().maximumSize(16).build();

  private static final Pattern MISSING_KEY = Pattern.compile("key '([^']*)' is not present");

  private record Key(String expression, CelLimits limits) {}

  private final CelRuntime.Program program;
  private final long maxCost;

  private CelCondition(CelRuntime.Program program, long maxCost) {
    this.program = program;
    this.maxCost = maxCost;
  }

  /**
   * Compiles a condition, or returns the cached result of an earlier compilation of the same
   * expression with the same limits.
   *
   * @param expression CEL source; must type-check to {@code bool} using only {@code args} and
   *     {@code context}
   * @param limits the length and cost limits
   * @return the compiled condition
   * @throws IllegalArgumentException if the expression is null, too long, does not parse or
   *     type-check, is not of type {@code bool}, or its estimated cost exceeds {@code
   *     limits.maxCost()}
   */
  public static CelCondition compile(String expression, CelLimits limits) {
    if (expression == null) {
      throw new IllegalArgumentException("condition expression must not be null");
    }
    if (limits == null) {
      throw new IllegalArgumentException("condition limits must not be null");
    }
    if (expression.length() > limits.maxExpressionLength()) {
      // Checked before touching the cache so oversized keys are never stored.
      throw new IllegalArgumentException(
          "condition is too long: "
              + expression.length()
              + " chars, the limit is "
              + limits.maxExpressionLength()
              + "; simplify it or split the permission");
    }
    Object cached = CACHE.get(new Key(expression, limits), k -> compileUncached(k));
    if (cached instanceof CelCondition condition) {
      return condition;
    }
    throw new IllegalArgumentException((String) cached);
  }

  /** Returns the compiled condition, or the failure message (failures are cached too). */
  private static Object compileUncached(Key key) {
    try {
      CelValidationResult result = COMPILER.compile(key.expression());
      if (result.hasError()) {
        return "condition does not compile: " + result.getErrorString();
      }
      CelAbstractSyntaxTree ast = result.getAst();
      if (!SimpleType.BOOL.equals(ast.getResultType())) {
        return "condition must have type bool but has type "
            + ast.getResultType().name()
            + "; compare explicitly (e.g. `args.flag == true`)";
      }
      long estimate = estimateCost(ast.getExpr(), key.limits().maxCost());
      if (estimate > key.limits().maxCost()) {
        return "condition is too expensive: its estimated cost exceeds the limit of "
            + key.limits().maxCost()
            + " (nested comprehensions are costly); simplify it";
      }
      int iterationBudget = (int) Math.min(key.limits().maxCost(), Integer.MAX_VALUE);
      CelRuntime runtime = RUNTIMES.get(iterationBudget, CelCondition::newRuntime);
      return new CelCondition(runtime.createProgram(ast), key.limits().maxCost());
    } catch (CelException | RuntimeException e) {
      return "condition does not compile: " + e.getMessage();
    } catch (StackOverflowError e) {
      return "condition does not compile: it is nested too deeply";
    }
  }

  private static CelRuntime newRuntime(int iterationBudget) {
    return CelRuntimeFactory.standardCelRuntimeBuilder()
        .setOptions(
            CelOptions.current()
                .enableHeterogeneousNumericComparisons(true)
                .comprehensionMaxIterations(iterationBudget)
                .build())
        .build();
  }

  /**
   * Static cost estimate (see the class Javadoc); saturates at {@code cap + 1} to avoid overflow.
   */
  static long estimateCost(CelExpr expr, long cap) {
    long cost = 1;
    switch (expr.exprKind().getKind()) {
      case SELECT -> cost = add(cost, estimateCost(expr.select().operand(), cap), cap);
      case CALL -> {
        if (expr.call().target().isPresent()) {
          cost = add(cost, estimateCost(expr.call().target().get(), cap), cap);
        }
        for (CelExpr arg : expr.call().args()) {
          cost = add(cost, estimateCost(arg, cap), cap);
        }
      }
      case LIST -> {
        for (CelExpr element : expr.list().elements()) {
          cost = add(cost, estimateCost(element, cap), cap);
        }
      }
      case MAP -> {
        for (CelExpr.CelMap.Entry entry : expr.map().entries()) {
          cost = add(cost, estimateCost(entry.key(), cap), cap);
          cost = add(cost, estimateCost(entry.value(), cap), cap);
        }
      }
      case STRUCT -> {
        for (CelExpr.CelStruct.Entry entry : expr.struct().entries()) {
          cost = add(cost, estimateCost(entry.value(), cap), cap);
        }
      }
      case COMPREHENSION -> {
        CelExpr.CelComprehension c = expr.comprehension();
        cost = add(cost, estimateCost(c.iterRange(), cap), cap);
        cost = add(cost, estimateCost(c.accuInit(), cap), cap);
        cost = add(cost, estimateCost(c.result(), cap), cap);
        long body = add(estimateCost(c.loopCondition(), cap), estimateCost(c.loopStep(), cap), cap);
        cost = add(cost, Math.min(body * NOMINAL_ITERATIONS, cap + 1), cap);
      }
      default -> {
        // CONSTANT, IDENT: just the node itself.
      }
    }
    return cost;
  }

  private static long add(long a, long b, long cap) {
    return Math.min(a + b, cap + 1);
  }

  /**
   * Evaluates the condition. Never throws.
   *
   * @param args the tool-call arguments, a JSON object; null is treated as an empty object
   * @param context request context; values may be String, Long (or Integer/Short/Byte), Double (or
   *     Float), Boolean, {@link Instant}, {@link Duration}, null, or nested Map/List of these; null
   *     is treated as an empty map
   * @return satisfied only when the expression evaluated to {@code true}; otherwise the reason
   */
  public Outcome evaluate(JsonNode args, Map<String, Object> context) {
    try {
      Map<String, Object> vars = new LinkedHashMap<>();
      vars.put("args", args == null || args.isNull() ? Map.of() : fromJson(args));
      vars.put("context", context == null ? Map.of() : fromJava(context));
      CostMeter meter = new CostMeter(maxCost);
      Object result = program.trace(vars, meter);
      if (Boolean.TRUE.equals(result)) {
        return SATISFIED;
      }
      if (Boolean.FALSE.equals(result)) {
        return FALSE;
      }
      return new Outcome(false, "condition did not evaluate to a bool");
    } catch (CelEvaluationException e) {
      return fromEvaluationException(e);
    } catch (CostExceededException e) {
      return COST_EXCEEDED;
    } catch (UnsupportedValueException e) {
      return new Outcome(false, "condition not evaluated: " + e.getMessage());
    } catch (StackOverflowError e) {
      return new Outcome(false, "condition not evaluated: input is nested too deeply");
    } catch (RuntimeException e) {
      return new Outcome(false, "condition failed: " + e);
    }
  }

  private static Outcome fromEvaluationException(CelEvaluationException e) {
    if (e.getErrorCode() == CelErrorCode.ITERATION_BUDGET_EXCEEDED) {
      return COST_EXCEEDED;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CostExceededException) {
        return COST_EXCEEDED;
      }
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    Matcher missing = MISSING_KEY.matcher(message);
    if (missing.find()) {
      return new Outcome(false, "condition failed: no such key '" + missing.group(1) + "'");
    }
    message = message.replaceFirst("^evaluation error(?: at <input>:\\d+)?: ", "");
    return new Outcome(false, "condition failed: " + message);
  }

  /** Meters cost; a new instance per evaluation. */
  private static final class CostMeter implements CelEvaluationListener {
    private final long maxCost;
    private long spent;

    CostMeter(long maxCost) {
      this.maxCost = maxCost;
    }

    @Override
    public void callback(CelExpr expr, Object value) {
      spent++;
      if (value instanceof String s && expr.exprKind().getKind() == CelExpr.ExprKind.Kind.CALL) {
        spent += (s.length() + STRING_CHARS_PER_UNIT - 1) / STRING_CHARS_PER_UNIT;
      }
      if (spent > maxCost) {
        throw new CostExceededException();
      }
    }
  }

  /** Thrown by the meter to abort evaluation; cel-java wraps it in a CelEvaluationException. */
  private static final class CostExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CostExceededException() {
      super("condition exceeded its cost bound", null, false, false);
    }
  }

  private static final class UnsupportedValueException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnsupportedValueException(String message) {
      super(message, null, false, false);
    }
  }

  /** Converts Jackson JSON to CEL values. */
  static Object fromJson(JsonNode node) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
          map.put(field.getKey(), fromJson(field.getValue()));
        }
        return map;
      }
      case ARRAY -> {
        List<Object> list = new ArrayList<>(node.size());
        for (JsonNode element : node) {
          list.add(fromJson(element));
        }
        return list;
      }
      case STRING -> {
        return node.textValue();
      }
      case NUMBER -> {
        if (node.isIntegralNumber()) {
          if (node.canConvertToLong()) {
            return node.longValue();
          }
          return node.bigIntegerValue().doubleValue();
        }
        return node.doubleValue();
      }
      case BOOLEAN -> {
        return node.booleanValue();
      }
      case NULL -> {
        return NullValue.NULL_VALUE;
      }
      case BINARY -> {
        try {
          return ByteString.copyFrom(node.binaryValue());
        } catch (java.io.IOException e) {
          throw new UnsupportedValueException("unreadable binary value in args");
        }
      }
      default ->
          throw new UnsupportedValueException(
              "unsupported JSON value of type " + node.getNodeType() + " in args");
    }
  }

  /** Converts context values to CEL values. */
  static Object fromJava(Object value) {
    if (value == null) {
      return NullValue.NULL_VALUE;
    }
    if (value instanceof String || value instanceof Long || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Double) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    if (value instanceof BigInteger b) {
      return b.bitLength() < 64 ? (Object) b.longValue() : (Object) b.doubleValue();
    }
    if (value instanceof Instant instant) {
      return Timestamp.newBuilder()
          .setSeconds(instant.getEpochSecond())
          .setNanos(instant.getNano())
          .build();
    }
    if (value instanceof Duration duration) {
      return com.google.protobuf.Duration.newBuilder()
          .setSeconds(duration.getSeconds())
          .setNanos(duration.getNano())
          .build();
    }
    if (value instanceof JsonNode json) {
      return fromJson(json);
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> converted = new LinkedHashMap<>();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        Object key = fromJava(entry.getKey());
        if (!(key instanceof String || key instanceof Long || key instanceof Boolean)) {
          throw new UnsupportedValueException(
              "unsupported map key type in context: " + typeName(entry.getKey()));
        }
        converted.put(key, fromJava(entry.getValue()));
      }
      return converted;
    }
    if (value instanceof Collection<?> collection) {
      List<Object> list = new ArrayList<>(collection.size());
      for (Object element : collection) {
        list.add(fromJava(element));
      }
      return list;
    }
    throw new UnsupportedValueException("unsupported value type in context: " + typeName(value));
  }

  private static String typeName(Object value) {
    return value == null ? "null" : value.getClass().getName();
  }
}
