//! Who has which course to do: every (person, course) assignment of active
//! team members, as SQL other queries build on.

/// Every (person, course) assignment of active team members matching
/// `cond` (over `u` = users, `a` = assignments), with the earliest due date
/// of the assignments that apply (NULL: none). Columns: user_id, team_id,
/// course_id, due.
pub(crate) fn pairs_sql(cond: &str) -> String {
    format!(
        "SELECT x.user_id, x.team_id, x.course_id, MIN(x.due_at) AS due FROM (
           SELECT u.id AS user_id, u.team_id AS team_id, a.course_id AS course_id, a.due_at AS due_at
             FROM users u JOIN assignments a ON a.team_id = u.team_id
            WHERE u.disabled = 0 AND u.team_id IS NOT NULL AND {cond}
           UNION ALL
           SELECT u.id, u.team_id, a.course_id, a.due_at
             FROM users u JOIN assignments a ON a.user_id = u.id
            WHERE u.disabled = 0 AND u.team_id IS NOT NULL AND {cond}
         ) x GROUP BY x.user_id, x.team_id, x.course_id"
    )
}

/// The due date that applies: a re-opened recurring course's own, else the
/// earliest assigned one; 0 when there is none.
pub(crate) const EFFECTIVE_DUE: &str = "COALESCE(e.due_override, p.due, 0)";
