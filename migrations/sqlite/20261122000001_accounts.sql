-- People, roles, teams, sessions and the sign-in throttle.
-- Time is Unix seconds (UTC); flags are integers 0/1.

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    password_hash  TEXT,
    team_id        INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at     INTEGER NOT NULL,
    last_login_at  INTEGER
);
CREATE INDEX users_team ON users(team_id);

CREATE TABLE user_roles (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role     TEXT    NOT NULL CHECK (role IN ('employee', 'trainer', 'manager', 'admin')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE team_managers (
    team_id  INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_managers_user ON team_managers(user_id);

-- Only a SHA-256 of the session token is stored: a copy of the database
-- does not let anyone take over a session.
CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE invites (
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX invites_user ON invites(user_id);

-- One row per failed sign-in, per bucket ("account:<email>" or "ip:<addr>").
CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    bucket  TEXT    NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX login_failures_bucket_at ON login_failures(bucket, at);
CREATE INDEX login_failures_at ON login_failures(at);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    action    TEXT    NOT NULL,
    subject   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
