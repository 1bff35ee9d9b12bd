package dev.mandate.authority.store;

/**
 * The result of walking the audit chain.
 *
 * @param ok whether every record verified
 * @param recordsChecked how many records were examined
 * @param firstBadSequence the first sequence at which the chain is wrong, or {@code null} when ok
 * @param problem what is wrong, in words (e.g. "record 7 was edited (hash mismatch)"), or {@code
 *     null}
 */
public record AuditVerification(
    boolean ok, long recordsChecked, Long firstBadSequence, String problem) {}
