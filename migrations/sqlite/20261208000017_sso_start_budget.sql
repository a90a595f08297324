-- Who began a pending sign-in (the client address; an IPv6 address by its
-- /64), so that one address's share of the pending sign-ins is bounded, and
-- the counts per address and per provider read an index.
ALTER TABLE sso_logins ADD COLUMN client_key TEXT NOT NULL DEFAULT '';
CREATE INDEX sso_logins_client ON sso_logins(client_key, created_at);
CREATE INDEX sso_logins_provider ON sso_logins(provider_id, created_at);
