-- The authority's OAuth state that must outlive a restart, so that a restart does not log every
-- client out: the clients that registered themselves (RFC 7591) and each consent's authorization
-- with its refresh-token family. Codes (60 s) and pending consents stay in memory.

-- A registered client is public (no secret); its redirect URIs are a JSON array.
CREATE TABLE oauth_clients (
  client_id     VARCHAR(256) NOT NULL PRIMARY KEY,
  name          TEXT         NOT NULL,
  redirect_uris TEXT         NOT NULL,
  created_at    BIGINT       NOT NULL
);

-- One consent's authorization. refresh_hash is the SHA-256 of its current refresh token (NULL
-- after none); state is the authority's JSON of what it mints and what it has issued.
CREATE TABLE oauth_authorizations (
  authorization_id VARCHAR(256)  NOT NULL PRIMARY KEY,
  client_id        VARCHAR(2048) NOT NULL,
  refresh_hash     VARCHAR(64),
  revoked          INTEGER       NOT NULL CHECK (revoked IN (0, 1)),
  expires_at       BIGINT        NOT NULL,
  state            TEXT          NOT NULL
);

-- Every refresh token an authorization has issued, current and retired, by hash: a retired one
-- used again is found here and revokes its authorization.
CREATE TABLE oauth_refresh_tokens (
  token_hash       VARCHAR(64)  NOT NULL PRIMARY KEY,
  authorization_id VARCHAR(256) NOT NULL REFERENCES oauth_authorizations (authorization_id)
);
