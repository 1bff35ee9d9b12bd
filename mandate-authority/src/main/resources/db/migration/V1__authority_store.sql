-- Mandate authority store, schema 1.
-- Portable between SQLite and PostgreSQL: TEXT / VARCHAR / BIGINT / INTEGER only; times are epoch
-- milliseconds (BIGINT); booleans are INTEGER 0/1; byte strings are base64 TEXT.

CREATE TABLE root_keys (
  key_id             VARCHAR(256) NOT NULL PRIMARY KEY,
  public_key         TEXT         NOT NULL,
  sealed_private_key TEXT         NOT NULL, -- base64 of the caller-sealed (encrypted) private key
  state              VARCHAR(16)  NOT NULL CHECK (state IN ('ACTIVE', 'VERIFY_ONLY', 'RETIRED')),
  created_at         BIGINT       NOT NULL,
  activated_at       BIGINT,
  retired_at         BIGINT
);
-- At most one signing key, whatever the application does.
CREATE UNIQUE INDEX root_keys_single_active ON root_keys (state) WHERE state = 'ACTIVE';

CREATE TABLE clients (
  client_id   VARCHAR(256) NOT NULL PRIMARY KEY,
  secret_hash TEXT         NOT NULL,
  admin       INTEGER      NOT NULL CHECK (admin IN (0, 1)),
  created_at  BIGINT       NOT NULL
);

CREATE TABLE tokens (
  token_id    VARCHAR(256) NOT NULL PRIMARY KEY,
  client_id   VARCHAR(256) NOT NULL REFERENCES clients (client_id),
  issued_at   BIGINT       NOT NULL,
  expires_at  BIGINT       NOT NULL,
  indirect_id VARCHAR(256)
);
CREATE INDEX tokens_by_indirect ON tokens (indirect_id, issued_at);

CREATE TABLE token_revocation_ids (
  token_id      VARCHAR(256) NOT NULL REFERENCES tokens (token_id),
  ordinal       INTEGER      NOT NULL,
  revocation_id VARCHAR(256) NOT NULL,
  PRIMARY KEY (token_id, ordinal)
);
CREATE INDEX token_revocation_ids_by_id ON token_revocation_ids (revocation_id);

-- The feed head is a single row; every publisher increments it in its own transaction, so the row
-- lock serialises publishers and sequence numbers are gap-free and in commit order.
CREATE TABLE feed_head (
  id  INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  seq BIGINT  NOT NULL
);
INSERT INTO feed_head (id, seq) VALUES (1, 0);

CREATE TABLE feed (
  sequence      BIGINT       NOT NULL PRIMARY KEY,
  kind          VARCHAR(8)   NOT NULL CHECK (kind IN ('REVOKE', 'SUSPEND', 'RESUME')),
  revocation_id VARCHAR(256) NOT NULL,
  token_id      VARCHAR(256),
  reason        TEXT,
  actor         VARCHAR(256) NOT NULL,
  occurred_at   BIGINT       NOT NULL
);
CREATE INDEX feed_by_revocation_id ON feed (revocation_id, sequence);
-- A revocation id is revoked at most once (publish is idempotent; this is the backstop).
CREATE UNIQUE INDEX feed_revoke_once ON feed (revocation_id) WHERE kind = 'REVOKE';

-- The audit chain head: the last sequence and the last hash, locked by every appender.
CREATE TABLE audit_head (
  id   INTEGER     NOT NULL PRIMARY KEY CHECK (id = 1),
  seq  BIGINT      NOT NULL,
  hash VARCHAR(64) NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
  sequence      BIGINT       NOT NULL PRIMARY KEY,
  type          VARCHAR(256) NOT NULL,
  actor         VARCHAR(256) NOT NULL,
  token_id      VARCHAR(256),
  client_id     VARCHAR(256),
  occurred_at   BIGINT       NOT NULL,
  detail        TEXT,
  previous_hash VARCHAR(64)  NOT NULL,
  hash          VARCHAR(64)  NOT NULL
);
CREATE INDEX audit_log_by_token ON audit_log (token_id, sequence);
CREATE INDEX audit_log_by_client ON audit_log (client_id, sequence);
CREATE INDEX audit_log_by_time ON audit_log (occurred_at);

-- Batch ids already ingested, written in the same transaction as the batch's records.
CREATE TABLE audit_batches (
  batch_id     VARCHAR(256) NOT NULL PRIMARY KEY,
  first_seq    BIGINT       NOT NULL,
  record_count INTEGER      NOT NULL
);
