-- Course content as loaded from content/, with every version kept, and the
-- organisation's own words that template lessons show.

-- Every version of every item ever loaded. An attempt points at the row it
-- started on, so editing a file never changes an attempt in progress.
CREATE TABLE content_versions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id   TEXT   NOT NULL,
    item_id     TEXT   NOT NULL,
    kind        TEXT   NOT NULL CHECK (kind IN ('lesson', 'scenario', 'quiz')),
    version     BIGINT NOT NULL,
    hash        TEXT   NOT NULL,
    file        TEXT   NOT NULL,
    title       TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (course_id, item_id, hash),
    UNIQUE (course_id, item_id, version)
);

-- The courses as last loaded. A course whose folder disappears is kept,
-- inactive, for the history of those who took it.
CREATE TABLE courses (
    id          TEXT   PRIMARY KEY,
    title       TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    active      BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    updated_at  BIGINT NOT NULL
);

CREATE TABLE course_items (
    course_id   TEXT   NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    item_id     TEXT   NOT NULL,
    version_id  BIGINT NOT NULL REFERENCES content_versions(id),
    PRIMARY KEY (course_id, item_id)
);

-- One row: the organisation's name, mission, vision and values (markdown).
CREATE TABLE organisation (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    name        TEXT   NOT NULL,
    mission     TEXT   NOT NULL,
    vision      TEXT   NOT NULL,
    values_md   TEXT   NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  BIGINT REFERENCES users(id) ON DELETE SET NULL
);
