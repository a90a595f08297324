-- xAPI statements for the company's learning record store (issue 19),
-- written in the same transaction as what they record and sent in the
-- order they were written (see src/server/xapi).
CREATE TABLE xapi_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- Made once, so the LRS sees a retried statement as the same one.
    statement_id    TEXT    NOT NULL UNIQUE,
    statement       TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'sent', 'failed', 'gave_up')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER
);
CREATE INDEX xapi_outbox_due ON xapi_outbox (status, next_attempt_at);
