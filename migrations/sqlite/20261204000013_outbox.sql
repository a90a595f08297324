-- Email to people outside the app (issue 19). A message is written here in
-- the same transaction as the event that causes it, rendered once, and sent
-- later by the outbox sender of any app instance (see src/server/mail).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT    NOT NULL DEFAULT 'email',
    -- nudge, due_soon, overdue, digest, certificate, invite
    kind            TEXT    NOT NULL,
    user_id         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    recipient       TEXT    NOT NULL,
    recipient_name  TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body_text       TEXT    NOT NULL,
    body_html       TEXT    NOT NULL,
    -- The one-click unsubscribe address (List-Unsubscribe), if the kind has one.
    unsubscribe     TEXT,
    -- Makes an event's message unique (a reminder per person, course and
    -- due date; a digest per manager and week): a second instance or a
    -- second run inserts nothing.
    dedupe_key      TEXT    UNIQUE,
    status          TEXT    NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'sent', 'failed', 'gave_up', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- A sender holds a claimed message until then; after it (a sender that
    -- died between claim and send), any sender may claim it again.
    claimed_until   INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recent ON outbox (created_at);

-- The kinds of email a person turned off (My account, or an unsubscribe link).
CREATE TABLE mail_optouts (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Secrets every instance must share (the key that signs unsubscribe links),
-- made by the first instance that needs one.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
