package dev.mandate.token;

/**
 * Bounds on everything an attacker sizes. Every limit is checked before the work it bounds;
 * exceeding one denies with {@link Decision.Code#LIMIT_EXCEEDED}. Immutable.
 *
 * @param maxTokenBytes largest binary token, in bytes (default 16 KiB)
 * @param maxBlocks most blocks in a chain (default 32)
 * @param maxConstraintDepth deepest nesting of argument constraints (default 8)
 * @param maxCaveatsPerBlock most caveats in one block (default 64)
 * @param maxGrantsPerBlock most grants in one block (default 64)
 * @param maxConditionLength longest CEL condition, in chars (default 1024)
 * @param maxConditionCost largest CEL cost estimate and runtime iteration budget (default 10 000)
 * @param maxArgsBytes largest argument document, in UTF-8 bytes of its strings and keys plus one
 *     per value (default 64 KiB)
 * @param maxArgsDepth deepest nesting of the argument document (default 32)
 */
public record Limits(
    int maxTokenBytes,
    int maxBlocks,
    int maxConstraintDepth,
    int maxCaveatsPerBlock,
    int maxGrantsPerBlock,
    int maxConditionLength,
    long maxConditionCost,
    int maxArgsBytes,
    int maxArgsDepth) {

  /** The defaults named in the spec. */
  public static final Limits DEFAULTS =
      new Limits(16 * 1024, 32, 8, 64, 64, 1024, 10_000, 65_536, 32);

  /**
   * Validates that every limit is positive and within what the format can express.
   *
   * @throws IllegalArgumentException naming the bad limit and the allowed range
   */
  public Limits {
    Limit.MAX_TOKEN_BYTES.check(maxTokenBytes);
    Limit.MAX_BLOCKS.check(maxBlocks);
    Limit.MAX_CONSTRAINT_DEPTH.check(maxConstraintDepth);
    Limit.MAX_CAVEATS_PER_BLOCK.check(maxCaveatsPerBlock);
    Limit.MAX_GRANTS_PER_BLOCK.check(maxGrantsPerBlock);
    Limit.MAX_CONDITION_LENGTH.check(maxConditionLength);
    Limit.MAX_CONDITION_COST.check(maxConditionCost);
    Limit.MAX_ARGS_BYTES.check(maxArgsBytes);
    Limit.MAX_ARGS_DEPTH.check(maxArgsDepth);
  }

  /**
   * Returns a copy with one limit changed.
   *
   * @throws IllegalArgumentException if {@code value} is outside the limit's range
   */
  public Limits with(Limit limit, long value) {
    limit.check(value);
    long[] v = {
      maxTokenBytes,
      maxBlocks,
      maxConstraintDepth,
      maxCaveatsPerBlock,
      maxGrantsPerBlock,
      maxConditionLength,
      maxConditionCost,
      maxArgsBytes,
      maxArgsDepth
    };
    v[limit.ordinal()] = value;
    return new Limits(
        (int) v[0],
        (int) v[1],
        (int) v[2],
        (int) v[3],
        (int) v[4],
        (int) v[5],
        v[6],
        (int) v[7],
        (int) v[8]);
  }

  /** One of the limits, in the order of the components, with the range it may be set in. */
  public enum Limit {
    MAX_TOKEN_BYTES("maxTokenBytes", 64, 1 << 20),
    MAX_BLOCKS("maxBlocks", 1, 255),
    MAX_CONSTRAINT_DEPTH("maxConstraintDepth", 1, 64),
    MAX_CAVEATS_PER_BLOCK("maxCaveatsPerBlock", 1, 255),
    MAX_GRANTS_PER_BLOCK("maxGrantsPerBlock", 1, 65_535),
    MAX_CONDITION_LENGTH("maxConditionLength", 1, 65_535),
    MAX_CONDITION_COST("maxConditionCost", 1, Long.MAX_VALUE),
    MAX_ARGS_BYTES("maxArgsBytes", 2, 64 << 20),
    MAX_ARGS_DEPTH("maxArgsDepth", 1, 1000);

    private final String component;
    private final long min;
    private final long max;

    Limit(String component, long min, long max) {
      this.component = component;
      this.min = min;
      this.max = max;
    }

    private void check(long value) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(
            component + " must be between " + min + " and " + max + ", got " + value);
      }
    }
  }
}
