-- Single sign-on through OpenID Connect providers (issue 20).

CREATE TABLE sso_providers (
    id               INTEGER PRIMARY KEY,
    -- In addresses: /sso/start?provider=<slug>.
    slug             TEXT    NOT NULL UNIQUE,
    label            TEXT    NOT NULL,
    issuer           TEXT    NOT NULL,
    client_id        TEXT    NOT NULL,
    client_secret    TEXT    NOT NULL,
    -- Lower-case email domains, one space between.
    domains          TEXT    NOT NULL DEFAULT '',
    -- People of these domains sign in only through the provider.
    passwords_off    INTEGER NOT NULL DEFAULT 0 CHECK (passwords_off IN (0, 1)),
    -- Create people on their first sign-in.
    allow_create     INTEGER NOT NULL DEFAULT 0 CHECK (allow_create IN (0, 1)),
    -- Take the email as verified without an email_verified claim
    -- (Microsoft Entra ID sends none).
    trust_email      INTEGER NOT NULL DEFAULT 0 CHECK (trust_email IN (0, 1)),
    default_team_id  INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    default_role     TEXT    NOT NULL DEFAULT 'employee'
                     CHECK (default_role IN ('employee', 'trainer', 'manager', 'admin')),
    -- A claim (such as groups) whose values choose team and roles.
    map_claim        TEXT    NOT NULL DEFAULT '',
    map_rules        TEXT    NOT NULL DEFAULT '',
    -- The origin of the authorization endpoint found by discovery: pages
    -- allow forms to lead there (CSP form-action).
    auth_origin      TEXT    NOT NULL DEFAULT '',
    -- From configuration (--sso-config): the admin page shows it read-only.
    managed          INTEGER NOT NULL DEFAULT 0 CHECK (managed IN (0, 1)),
    last_error       TEXT,
    last_error_at    INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

-- Who a provider's subject is in Rapport.
CREATE TABLE sso_identities (
    issuer         TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider_id    INTEGER REFERENCES sso_providers(id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL,
    last_login_at  INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX sso_identities_user ON sso_identities(user_id);

-- Sign-ins sent to a provider and not back yet. The state is stored as its
-- SHA-256 and the row is deleted by the callback that uses it: a replayed
-- or stale state finds nothing.
CREATE TABLE sso_logins (
    state_hash     TEXT    PRIMARY KEY,
    provider_id    INTEGER NOT NULL REFERENCES sso_providers(id) ON DELETE CASCADE,
    nonce          TEXT    NOT NULL,
    pkce_verifier  TEXT    NOT NULL,
    next_path      TEXT    NOT NULL,
    redirect_uri   TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX sso_logins_created ON sso_logins(created_at);
