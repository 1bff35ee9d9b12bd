-- A single lock row for root-key changes. Locking every root_keys row instead would take the row
-- locks in scan order, which differs between transactions on PostgreSQL and can deadlock.
CREATE TABLE store_locks (
  name    VARCHAR(64) NOT NULL PRIMARY KEY,
  version BIGINT      NOT NULL
);
INSERT INTO store_locks (name, version) VALUES ('root_keys', 0);
