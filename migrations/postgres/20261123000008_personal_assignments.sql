-- Personal assignments (user_id set) are few beside team ones. A partial
-- index keeps the planner from judging `assignments(user_id)` useless
-- (all those NULLs) and scanning every assignment for one team's
-- drill-down.
DROP INDEX assignments_user;
CREATE INDEX assignments_user ON assignments(user_id) WHERE user_id IS NOT NULL;
