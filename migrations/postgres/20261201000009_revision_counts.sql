-- Lines added and removed by each revision against the one before, counted
-- once (the history page used to diff every pair on every view).
ALTER TABLE content_revisions ADD COLUMN lines_added BIGINT;
ALTER TABLE content_revisions ADD COLUMN lines_removed BIGINT;
