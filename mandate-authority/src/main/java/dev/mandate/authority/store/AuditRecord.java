package dev.mandate.authority.store;

/**
 * A stored audit record: the event, its place in the chain and the chain hashes.
 *
 * @param sequence position in the trail (1, 2, 3, ...)
 * @param event what was recorded
 * @param previousHash hex SHA-256 of the previous record (64 zeros for the first record)
 * @param hash hex SHA-256 of this record's canonical encoding (see {@code AuditChain})
 */
public record AuditRecord(long sequence, AuditEvent event, String previousHash, String hash) {}
