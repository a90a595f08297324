-- Learning: what is assigned to whom, each learner's progress per course
-- and item, every attempt with each step taken, and certificates.
-- Time is Unix seconds (UTC); flags are integers 0/1.

-- A course assigned to a team or to one person, with an optional due date.
-- `renew_months` makes it recurring (recertification).
CREATE TABLE assignments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id     TEXT   NOT NULL,
    team_id       BIGINT REFERENCES teams(id) ON DELETE CASCADE,
    user_id       BIGINT REFERENCES users(id) ON DELETE CASCADE,
    due_at        BIGINT,
    renew_months  BIGINT,
    assigned_by   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    CHECK ((team_id IS NULL) <> (user_id IS NULL))
);
CREATE INDEX assignments_team ON assignments(team_id);
CREATE INDEX assignments_user ON assignments(user_id);

-- One row per learner and course they have started.
CREATE TABLE enrolments (
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    course_id     TEXT   NOT NULL,
    started_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    last_item     TEXT,
    completed_at  BIGINT,
    PRIMARY KEY (user_id, course_id)
);
CREATE INDEX enrolments_course ON enrolments(course_id);

-- Per learner and item: in progress, done (lesson read, scenario ended,
-- quiz passed) or failed (quiz attempts used up).
CREATE TABLE item_progress (
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    course_id     TEXT   NOT NULL,
    item_id       TEXT   NOT NULL,
    state         TEXT   NOT NULL CHECK (state IN ('in_progress', 'done', 'failed')),
    best_score    BIGINT,
    updated_at    BIGINT NOT NULL,
    completed_at  BIGINT,
    PRIMARY KEY (user_id, course_id, item_id)
);

-- One play of a scenario or one sitting of a quiz, pinned to the content
-- version it started on. `step` counts the steps taken; `state` is the
-- attempt's JSON state after them.
CREATE TABLE attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    course_id    TEXT   NOT NULL,
    item_id      TEXT   NOT NULL,
    version_id   BIGINT NOT NULL REFERENCES content_versions(id),
    kind         TEXT   NOT NULL CHECK (kind IN ('scenario', 'quiz')),
    status       TEXT   NOT NULL CHECK (status IN ('active', 'finished', 'abandoned')),
    step         BIGINT NOT NULL DEFAULT 0,
    state        TEXT   NOT NULL,
    outcome      TEXT,
    score        BIGINT,
    passed       BIGINT CHECK (passed IN (0, 1)),
    started_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX attempts_user_item ON attempts(user_id, course_id, item_id, status);

-- Every step as submitted, with the answer given: a replayed submission
-- finds its step here and gets the same answer; the primary key stops a
-- second tab counting twice.
CREATE TABLE attempt_steps (
    attempt_id  BIGINT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    step        BIGINT NOT NULL,
    request     TEXT   NOT NULL,
    result      TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, step)
);

-- Per competency, the totals a finished scenario attempt reached.
CREATE TABLE attempt_scores (
    attempt_id  BIGINT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    competency  TEXT   NOT NULL,
    score       BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, competency)
);

-- A completion certificate; anyone with the code can check it.
CREATE TABLE certificates (
    code          TEXT   PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    course_id     TEXT   NOT NULL,
    learner_name  TEXT   NOT NULL,
    course_title  TEXT   NOT NULL,
    issued_at     BIGINT NOT NULL,
    UNIQUE (user_id, course_id, issued_at)
);
CREATE INDEX certificates_user ON certificates(user_id, course_id);

-- In-app notifications (nudges, certificates) shown on My learning.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    course_id   TEXT,
    message     TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, read_at);
