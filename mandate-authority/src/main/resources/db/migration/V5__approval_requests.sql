-- Approval requests: a call a gateway denied for want of a person's approval, kept so that
-- approvers can answer it and the agent can learn the answer (docs/architecture.md, "Approval
-- requests"). The approval itself is never stored: its claims are, and the authority re-derives
-- its text with the root key that signed it (Ed25519 signatures are deterministic).
CREATE TABLE approval_requests (
  request_id         VARCHAR(64)  NOT NULL PRIMARY KEY,
  token_id           VARCHAR(256) NOT NULL,
  token_client_id    VARCHAR(256) NOT NULL, -- the client that minted the capability
  request_digest     VARCHAR(64)  NOT NULL,
  request_json       TEXT         NOT NULL, -- the exact call: audience, service, action, resource, args
  display_json       TEXT,                  -- the gateway's account of it for people (no host paths)
  holder             VARCHAR(256),          -- the holder key the capability is bound to, if any
  requested_by       VARCHAR(256) NOT NULL, -- the gateway (or approver client) that recorded it
  requested_at       BIGINT       NOT NULL,
  expires_at         BIGINT       NOT NULL,
  status             VARCHAR(16)  NOT NULL
                       CHECK (status IN ('PENDING', 'APPROVED', 'REFUSED', 'EXPIRED')),
  decided_at         BIGINT,
  approval_group     VARCHAR(64),
  approval_id        VARCHAR(64),
  approval_key_id    VARCHAR(256),
  approval_not_after BIGINT,
  updated_at         BIGINT       NOT NULL
);
-- At most one pending request per call of a capability, whatever the application does.
CREATE UNIQUE INDEX approval_requests_one_pending
  ON approval_requests (token_id, request_digest) WHERE status = 'PENDING';
CREATE INDEX approval_requests_by_call ON approval_requests (token_id, request_digest, requested_at);
CREATE INDEX approval_requests_by_status ON approval_requests (status, expires_at);
CREATE INDEX approval_requests_by_update ON approval_requests (updated_at);

-- The approver groups any of which may answer a request, in the order the capability names them.
CREATE TABLE approval_request_groups (
  request_id VARCHAR(64) NOT NULL REFERENCES approval_requests (request_id),
  ordinal    INTEGER     NOT NULL,
  group_name VARCHAR(64) NOT NULL,
  PRIMARY KEY (request_id, ordinal)
);
CREATE INDEX approval_request_groups_by_group ON approval_request_groups (group_name, request_id);

-- Another id a gateway gave the same call while a request for it was open: it names that request.
CREATE TABLE approval_request_aliases (
  alias_id   VARCHAR(64) NOT NULL PRIMARY KEY,
  request_id VARCHAR(64) NOT NULL REFERENCES approval_requests (request_id)
);

-- Each approver's answer, once per group it answers for; an approver answers a request once.
CREATE TABLE approval_answers (
  request_id  VARCHAR(64)  NOT NULL REFERENCES approval_requests (request_id),
  approver    VARCHAR(256) NOT NULL,
  group_name  VARCHAR(64)  NOT NULL,
  answer      VARCHAR(8)   NOT NULL CHECK (answer IN ('APPROVE', 'REFUSE')),
  reason      TEXT,
  answered_at BIGINT       NOT NULL,
  PRIMARY KEY (request_id, approver, group_name)
);
