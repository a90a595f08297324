-- One row the health probe rewrites every second: whether a commit can
-- succeed right now (a full disk answers reads but no writes).
CREATE TABLE health_probe (
    id BIGINT PRIMARY KEY,
    written_at BIGINT NOT NULL
);
INSERT INTO health_probe (id, written_at) VALUES (1, 0);
