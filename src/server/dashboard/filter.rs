//! The dashboards' filter: parsing it from the query string, echoing it
//! back, and turning it into SQL conditions.

use super::pairs::EFFECTIVE_DUE;
use super::{Scope, DAY};
use crate::api::dashboard::*;
use crate::api::AppError;
use crate::domain::completion::CourseStatus;
use crate::domain::time::{format_date, parse_date};
use crate::server::sql::{like_contains, Value, Where};
use crate::server::AppState;
use std::collections::BTreeMap;

pub(super) struct Filter {
    pub(super) team: Option<i64>,
    pub(super) course: Option<String>,
    pub(super) status: Option<CourseStatus>,
    pub(super) from: Option<i64>,
    pub(super) to: Option<i64>,
    pub(super) q: Option<String>,
    pub(super) page: i64,
}

/// Course ids and titles: the loaded catalog, then any course the database
/// knows (kept after its folder went, or generated).
pub(crate) async fn course_titles(state: &AppState) -> Result<BTreeMap<String, String>, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, title FROM courses")
        .fetch_all(&state.db.pool)
        .await?;
    let mut map: BTreeMap<String, String> = rows.into_iter().collect();
    for c in state.content.get().courses() {
        map.insert(c.id.clone(), c.title.clone());
    }
    Ok(map)
}

pub(super) fn sorted_choices(titles: &BTreeMap<String, String>, ids: &[String]) -> Vec<Choice> {
    let mut out: Vec<Choice> = ids
        .iter()
        .map(|id| Choice {
            id: id.clone(),
            name: titles.get(id).cloned().unwrap_or_else(|| id.clone()),
        })
        .collect();
    out.sort_by_key(|a| a.name.to_lowercase());
    out.dedup_by(|a, b| a.id == b.id);
    out
}

pub(super) fn parse_day(raw: &str, what: &str) -> Result<i64, AppError> {
    parse_date(raw).ok_or_else(|| {
        AppError::Invalid(format!(
            "The {what} date “{}” is not a date. Write it as YYYY-MM-DD, for example 2026-12-31.",
            raw.chars().take(40).collect::<String>()
        ))
    })
}

pub(super) fn parse_filter(
    scope: &Scope,
    titles: &BTreeMap<String, String>,
    raw: &DashFilter,
) -> Result<Filter, AppError> {
    let team = match raw.team.as_deref() {
        None => None,
        Some(t) => {
            let id = t
                .parse::<i64>()
                .map_err(|_| AppError::Invalid("Choose a team from the list.".into()))?;
            if !scope.allows(id) {
                return Err(AppError::NotFound(
                    "That team is not one of the teams you can see.".into(),
                ));
            }
            Some(id)
        }
    };
    let course = match raw.course.as_deref() {
        None => None,
        Some(c) if titles.contains_key(c) => Some(c.to_owned()),
        Some(_) => {
            return Err(AppError::Invalid(
                "There is no such course. Choose one from the list.".into(),
            ))
        }
    };
    let status = match raw.status.as_deref() {
        None => None,
        Some(s) => Some(
            CourseStatus::parse(s)
                .ok_or_else(|| AppError::Invalid("Choose a status from the list.".into()))?,
        ),
    };
    let from = raw
        .from
        .as_deref()
        .map(|d| parse_day(d, "“due from”"))
        .transpose()?;
    let to = raw
        .to
        .as_deref()
        .map(|d| parse_day(d, "“due until”").map(|t| t + DAY - 1))
        .transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(AppError::Invalid(
                "The “due from” date is after the “due until” date.".into(),
            ));
        }
    }
    let q = raw
        .q
        .as_deref()
        .map(|q| q.chars().take(100).collect::<String>().to_lowercase());
    let page = raw
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    Ok(Filter {
        team,
        course,
        status,
        from,
        to,
        q,
        page,
    })
}

/// The filter as the pages echo it back (dates normalised).
pub(super) fn echo(f: &Filter, raw: &DashFilter) -> DashFilter {
    DashFilter {
        team: f.team.map(|t| t.to_string()),
        course: f.course.clone(),
        status: f.status.map(|s| s.as_str().to_owned()),
        from: f.from.map(format_date),
        to: f.to.map(format_date),
        q: raw.q.clone(),
        page: Some(f.page.to_string()),
    }
}

/// Conditions on the aggregate tables (columns `team_id`, `course_id`,
/// and `due_at` when `with_due`).
pub(super) fn stats_conds(scope: &Scope, f: &Filter, with_due: bool) -> Where {
    let mut c = Where::default();
    if let Scope::Teams(ids) = scope {
        c.in_list("team_id", ids);
    }
    if let Some(t) = f.team {
        c.push("team_id = {}", Value::Int(t));
    }
    if let Some(q) = &f.q {
        c.push(
            "team_id IN (SELECT id FROM teams WHERE LOWER(name) LIKE {} ESCAPE '\\')",
            Value::Text(like_contains(q)),
        );
    }
    if let Some(course) = &f.course {
        c.push("course_id = {}", Value::Text(course.clone()));
    }
    if with_due {
        if let Some(from) = f.from {
            c.push("due_at >= {}", Value::Int(from));
        }
        if let Some(to) = f.to {
            c.push("due_at > 0 AND due_at <= {}", Value::Int(to));
        }
    }
    c
}

/// Conditions for `pairs_sql` (over `u` and `a`).
fn pair_conds(scope: &Scope, f: &Filter) -> Where {
    let mut c = Where::default();
    if let Scope::Teams(ids) = scope {
        c.in_list("u.team_id", ids);
    }
    if let Some(t) = f.team {
        c.push("u.team_id = {}", Value::Int(t));
    }
    if let Some(q) = &f.q {
        c.push(
            "u.team_id IN (SELECT id FROM teams WHERE LOWER(name) LIKE {} ESCAPE '\\')",
            Value::Text(like_contains(q)),
        );
    }
    if let Some(course) = &f.course {
        c.push("a.course_id = {}", Value::Text(course.clone()));
    }
    c
}

/// A filter on (person, course) pairs as two numbered sets: `pairs` goes
/// inside [`pairs_sql`](super::pairs::pairs_sql), `status` on the pair
/// joined with its enrolment (`p`, `e`). `binds` has the values of both, in
/// placeholder order.
pub(super) struct PairFilter {
    pub(super) pairs: Where,
    pub(super) status: Where,
}

impl PairFilter {
    pub(super) fn new(scope: &Scope, f: &Filter, now: i64) -> PairFilter {
        let pairs = pair_conds(scope, f);
        let status = pair_status_conds(f, pairs.next(), now);
        PairFilter { pairs, status }
    }

    pub(super) fn binds(&self) -> Vec<Value> {
        let mut binds = self.pairs.binds().to_vec();
        binds.extend_from_slice(self.status.binds());
        binds
    }
}

/// Conditions on a pair joined with its enrolment (`p`, `e`): due range
/// and status.
fn pair_status_conds(f: &Filter, start: usize, now: i64) -> Where {
    let mut w = Where::starting_at(start);
    if let Some(from) = f.from {
        w.push(&format!("{EFFECTIVE_DUE} >= {{}}"), from);
    }
    if let Some(to) = f.to {
        w.push(
            &format!("{EFFECTIVE_DUE} > 0 AND {EFFECTIVE_DUE} <= {{}}"),
            to,
        );
    }
    match f.status {
        Some(CourseStatus::NotStarted) => w.raw("e.user_id IS NULL"),
        Some(CourseStatus::InProgress) => w.raw("e.user_id IS NOT NULL AND e.completed_at IS NULL"),
        Some(CourseStatus::Completed) => w.raw("e.completed_at IS NOT NULL"),
        Some(CourseStatus::Overdue) => w.push(
            &format!("e.completed_at IS NULL AND {EFFECTIVE_DUE} > 0 AND {EFFECTIVE_DUE} < {{}}"),
            now,
        ),
        None => {}
    }
    w
}
