-- A file withdrawn in the browser stays in content_files (its history and
-- revision numbers go on) but is no longer served; publishing it again
-- brings it back.
ALTER TABLE content_files ADD COLUMN withdrawn_at BIGINT;
ALTER TABLE content_files ADD COLUMN withdrawn_by BIGINT REFERENCES users(id) ON DELETE SET NULL;
