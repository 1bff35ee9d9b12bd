-- A disabled client can no longer authenticate; its row stays, so its tokens and audit records
-- still name a known client. NULL: enabled.
ALTER TABLE clients ADD COLUMN disabled_at BIGINT;
