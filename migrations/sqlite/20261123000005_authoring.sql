-- Authoring in the browser. The database holds the source of every content
-- file as served; `content/` is imported at start whenever a file there
-- changed since it was last imported.

-- The published source of each file, by its path under the content root
-- (`course-folder/file.md`).
CREATE TABLE content_files (
    path          TEXT   PRIMARY KEY,
    source        TEXT   NOT NULL,
    revision      BIGINT NOT NULL,
    -- SHA-256 of the file in content/ when it was last imported; NULL for
    -- files created in the browser.
    folder_hash   TEXT,
    published_by  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    published_at  BIGINT NOT NULL
);

-- Every published revision, never changed: history, diffs and roll-back.
CREATE TABLE content_revisions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    path          TEXT   NOT NULL,
    revision      BIGINT NOT NULL,
    source        TEXT   NOT NULL,
    origin        TEXT   NOT NULL CHECK (origin IN ('folder', 'browser', 'rollback', 'import')),
    note          TEXT   NOT NULL DEFAULT '',
    published_by  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    published_at  BIGINT NOT NULL,
    UNIQUE (path, revision)
);

-- One shared draft per file. `revision` grows at every save, so a save
-- that started from an older draft is refused instead of overwriting it.
CREATE TABLE content_drafts (
    path           TEXT   PRIMARY KEY,
    source         TEXT   NOT NULL,
    revision       BIGINT NOT NULL,
    base_revision  BIGINT,
    updated_by     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    updated_at     BIGINT NOT NULL
);

-- Text whose save was refused because someone else saved first: kept so
-- the editor can show it again beside the other version.
CREATE TABLE content_conflicts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    path        TEXT   NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source      TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Bumped at every publish; each instance reloads its courses when it sees
-- a new value.
CREATE TABLE content_epoch (
    id     BIGINT PRIMARY KEY CHECK (id = 1),
    epoch  BIGINT NOT NULL
);
INSERT INTO content_epoch (id, epoch) VALUES (1, 0);
