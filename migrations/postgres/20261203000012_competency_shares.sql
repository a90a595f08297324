-- Competency scores as a share of what the scenario made possible (issue
-- 17): where a finished attempt's total sits between the lowest and the
-- highest total any route reaches, 0 to 100. NULL when every route scores
-- the same, and for attempts finished before this column existed.
ALTER TABLE attempt_scores ADD COLUMN share BIGINT;

-- Sum and count of those shares, beside the raw totals.
ALTER TABLE team_competency_stats ADD COLUMN share_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_competency_stats ADD COLUMN share_n BIGINT NOT NULL DEFAULT 0;
