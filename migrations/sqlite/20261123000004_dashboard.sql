-- Managers' dashboards: per team and course aggregates kept up to date when
-- progress is written (never recounted per page view), recertification,
-- and nudges. Time is Unix seconds (UTC).

-- Bumped by every recount of a team's aggregates: on PostgreSQL the row
-- lock it takes makes two recounts of one team run one after the other.
ALTER TABLE teams ADD COLUMN stats_version BIGINT NOT NULL DEFAULT 0;

-- A recurring assignment re-opens a course when its completion expires;
-- the re-opened course is due by `due_override`.
ALTER TABLE enrolments ADD COLUMN due_override BIGINT;
ALTER TABLE enrolments ADD COLUMN renewals BIGINT NOT NULL DEFAULT 0;
-- When the course last re-opened: quiz attempts before it do not count.
ALTER TABLE enrolments ADD COLUMN renewed_at BIGINT;

-- People of a team with a course assigned, by their due date (0: none):
-- how many, how many have started (not finished) and finished it.
CREATE TABLE team_course_stats (
    team_id    BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    course_id  TEXT   NOT NULL,
    due_at     BIGINT NOT NULL,
    assigned   BIGINT NOT NULL,
    started    BIGINT NOT NULL,
    completed  BIGINT NOT NULL,
    PRIMARY KEY (team_id, course_id, due_at)
);
CREATE INDEX team_course_stats_course ON team_course_stats(course_id);

-- Completions (certificates) of assigned people per week (Monday-based
-- week number: (t + 3 days) / 7 days).
CREATE TABLE team_course_weekly (
    team_id    BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    course_id  TEXT   NOT NULL,
    week       BIGINT NOT NULL,
    completed  BIGINT NOT NULL,
    PRIMARY KEY (team_id, course_id, week)
);
CREATE INDEX team_course_weekly_week ON team_course_weekly(week);

-- Sum and count of the competency totals of finished scenario attempts.
CREATE TABLE team_competency_stats (
    team_id     BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    course_id   TEXT   NOT NULL,
    competency  TEXT   NOT NULL,
    total       BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (team_id, course_id, competency)
);

-- Every reminder sent: nobody is nudged twice a day for one course.
CREATE TABLE nudges (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    course_id  TEXT   NOT NULL,
    sent_by    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    sent_at    BIGINT NOT NULL
);
CREATE INDEX nudges_user_course ON nudges(user_id, course_id, sent_at);

CREATE INDEX assignments_course ON assignments(course_id);
CREATE INDEX certificates_course ON certificates(course_id, issued_at);
