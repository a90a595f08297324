-- The token endpoint the client secret was typed for: a save that changes
-- the issuer or the token endpoint needs the secret again, and a sign-in
-- whose discovery names another token endpoint sends the secret nowhere.
-- Empty on providers saved before (bound at their next save).
ALTER TABLE sso_providers ADD COLUMN token_endpoint TEXT NOT NULL DEFAULT '';

-- A provider form that was refused, kept on the server for the admin who
-- posted it (an hour at most): the page shows it again from here, never
-- from values in its address, which anyone could put in a link.
CREATE TABLE sso_refused_forms (
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    form        TEXT    NOT NULL,
    error       TEXT    NOT NULL,
    created_at  INTEGER  NOT NULL
);
CREATE INDEX sso_refused_forms_created ON sso_refused_forms(created_at);
