-- The console's people (docs/console.md): who may sign in to the console and the consent page,
-- with a slow password hash, an optional TOTP secret sealed with the master key, a role and the
-- approver groups they belong to. Sign-in failures are counted here, so a lock-out holds across
-- replicas and restarts. A disabled person's row stays, so audit records still name them.
CREATE TABLE people (
  name                 VARCHAR(64)  NOT NULL PRIMARY KEY,
  password_hash        TEXT         NOT NULL,
  role                 VARCHAR(16)  NOT NULL CHECK (role IN ('APPROVER', 'OPERATOR', 'ADMIN')),
  approver_groups      TEXT         NOT NULL, -- comma-separated group names, may be empty
  client_id            VARCHAR(256),          -- the policy client the person may grant (OAuth)
  totp_secret          TEXT,                  -- base64 of the sealed secret; NULL: no TOTP
  totp_last_step       BIGINT,                -- the last time step used, so a code works once
  failures             INTEGER      NOT NULL,
  failure_window_start BIGINT,
  locked_until         BIGINT,
  created_at           BIGINT       NOT NULL,
  disabled_at          BIGINT
);

-- Console sessions: only the SHA-256 of the session id is kept; the id itself is in the cookie.
CREATE TABLE console_sessions (
  id_hash      VARCHAR(64) NOT NULL PRIMARY KEY,
  person       VARCHAR(64) NOT NULL REFERENCES people (name),
  created_at   BIGINT      NOT NULL,
  last_seen_at BIGINT      NOT NULL
);
CREATE INDEX console_sessions_by_person ON console_sessions (person);
