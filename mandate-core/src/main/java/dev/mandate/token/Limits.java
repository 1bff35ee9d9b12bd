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
    check("maxTokenBytes", maxTokenBytes, 64, 1 << 20);
    check("maxBlocks", maxBlocks, 1, 255);
    check("maxConstraintDepth", maxConstraintDepth, 1, 64);
    check("maxCaveatsPerBlock", maxCaveatsPerBlock, 1, 255);
    check("maxGrantsPerBlock", maxGrantsPerBlock, 1, 65_535);
    check("maxConditionLength", maxConditionLength, 1, 65_535);
    check("maxConditionCost", maxConditionCost, 1, Long.MAX_VALUE);
    check("maxArgsBytes", maxArgsBytes, 2, 64 << 20);
    check("maxArgsDepth", maxArgsDepth, 1, 1000);
  }

  /** Returns a copy with a different token size limit. */
  public Limits withMaxTokenBytes(int v) {
    return new Limits(
        v,
        maxBlocks,
        maxConstraintDepth,
        maxCaveatsPerBlock,
        maxGrantsPerBlock,
        maxConditionLength,
        maxConditionCost,
        maxArgsBytes,
        maxArgsDepth);
  }

  /** Returns a copy with a different block count limit. */
  public Limits withMaxBlocks(int v) {
    return new Limits(
        maxTokenBytes,
        v,
        maxConstraintDepth,
        maxCaveatsPerBlock,
        maxGrantsPerBlock,
        maxConditionLength,
        maxConditionCost,
        maxArgsBytes,
        maxArgsDepth);
  }

  /** Returns a copy with a different constraint nesting limit. */
  public Limits withMaxConstraintDepth(int v) {
    return new Limits(
        maxTokenBytes,
        maxBlocks,
        v,
        maxCaveatsPerBlock,
        maxGrantsPerBlock,
        maxConditionLength,
        maxConditionCost,
        maxArgsBytes,
        maxArgsDepth);
  }

  /** Returns a copy with a different CEL expression length limit. */
  public Limits withMaxConditionLength(int v) {
    return new Limits(
        maxTokenBytes,
        maxBlocks,
        maxConstraintDepth,
        maxCaveatsPerBlock,
        maxGrantsPerBlock,
        v,
        maxConditionCost,
        maxArgsBytes,
        maxArgsDepth);
  }

  /** Returns a copy with a different CEL cost limit. */
  public Limits withMaxConditionCost(long v) {
    return new Limits(
        maxTokenBytes,
        maxBlocks,
        maxConstraintDepth,
        maxCaveatsPerBlock,
        maxGrantsPerBlock,
        maxConditionLength,
        v,
        maxArgsBytes,
        maxArgsDepth);
  }

  /** Returns a copy with a different argument document size limit. */
  public Limits withMaxArgsBytes(int v) {
    return new Limits(
        maxTokenBytes,
        maxBlocks,
        maxConstraintDepth,
        maxCaveatsPerBlock,
        maxGrantsPerBlock,
        maxConditionLength,
        maxConditionCost,
        v,
        maxArgsDepth);
  }

  /** Returns a copy with a different argument nesting limit. */
  public Limits withMaxArgsDepth(int v) {
    return new Limits(
        maxTokenBytes,
        maxBlocks,
        maxConstraintDepth,
        maxCaveatsPerBlock,
        maxGrantsPerBlock,
        maxConditionLength,
        maxConditionCost,
        maxArgsBytes,
        v);
  }

  private static void check(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and " + max + ", got " + value);
    }
  }
}
