-- One row per throttle bucket, locked by each sign-in attempt while it
-- counts and records itself, so parallel attempts are decided one at a
-- time (a row lock on PostgreSQL, the write lock on SQLite).
CREATE TABLE throttle_locks (
    bucket      TEXT   PRIMARY KEY,
    touched_at  BIGINT NOT NULL
);
