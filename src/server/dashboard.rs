//! Managers' dashboards: every SQL statement of assignments, aggregates,
//! drill-down, export, nudges and recertification.
//!
//! **Aggregates, not recounts.** `team_course_stats`, `team_course_weekly`
//! and `team_competency_stats` hold per team and course what the overview
//! shows. They are recounted for one (team, course) cell, or one team,
//! whenever something that changes them is written: an enrolment starts or
//! completes, a scenario attempt finishes, an assignment or a membership
//! changes, a completion expires. A page view only sums them. A recount
//! first bumps `teams.stats_version`, so on PostgreSQL two recounts of one
//! team queue on that row's lock and the second sees the first's rows.
//!
//! **Who sees what.** Every entry point takes a `Scope`: administrators see
//! every team, managers the teams they manage (`store::managed_team_ids`),
//! anyone else is refused before any query.

use super::db::Db;
use super::now;
use super::sql::{bind_all, internal, like_contains, Value, Where, WhereFrom};
use super::store;
use super::AppState;
use crate::api::auth::SessionUser;
use crate::api::dashboard::*;
use crate::api::AppError;
use crate::domain::time::{add_months, format_date, parse_date};
use crate::domain::Role;
use sqlx::{Any, FromRow, Transaction};
use std::collections::{BTreeMap, HashMap};

pub const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;
/// Weeks start on Monday 00:00 UTC (1970-01-01 was a Thursday).
const WEEK_SHIFT: i64 = 3 * DAY;
/// How many weeks the trend shows.
pub const TREND_WEEKS: i64 = 12;
/// Teams per page of the heat map.
pub const TEAMS_PER_PAGE: i64 = 25;
/// Above this many teams the filter offers a name search, not a list.
const TEAM_LIST_MAX: i64 = 300;
/// How long a re-opened recurring course gives the learner.
pub const RENEWAL_GRACE: i64 = 30 * DAY;
/// Nobody is nudged twice within this for the same course.
pub const NUDGE_GAP: i64 = DAY;
const MAX_ASSIGNMENT_ROWS: i64 = 500;

pub fn week_of(t: i64) -> i64 {
    (t + WEEK_SHIFT).div_euclid(WEEK)
}

pub fn week_start(week: i64) -> i64 {
    week * WEEK - WEEK_SHIFT
}

// ---------------------------------------------------------------------------
// Who may see what

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Teams(Vec<i64>),
}

impl Scope {
    pub fn allows(&self, team: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Teams(t) => t.contains(&team),
        }
    }

    fn is_admin(&self) -> bool {
        matches!(self, Scope::All)
    }
}

/// Administrators see every team, managers the teams they manage; anyone
/// else may not use the dashboards.
pub async fn scope(db: &Db, me: &SessionUser) -> Result<Scope, AppError> {
    if me.roles.has(Role::Admin) {
        Ok(Scope::All)
    } else if me.roles.has(Role::Manager) {
        Ok(Scope::Teams(store::managed_team_ids(db, me.id).await?))
    } else {
        Err(AppError::Forbidden)
    }
}

// ---------------------------------------------------------------------------
// Building queries with a varying number of conditions

/// Every (person, course) assignment of active team members matching
/// `cond` (over `u` = users, `a` = assignments), with the earliest due date
/// of the assignments that apply (NULL: none). Columns: user_id, team_id,
/// course_id, due.
fn pairs_sql(cond: &str) -> String {
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
const EFFECTIVE_DUE: &str = "COALESCE(e.due_override, p.due, 0)";

// ---------------------------------------------------------------------------
// Keeping the aggregates

/// Recounts the aggregates of one team, for one course or all of them.
pub async fn refresh(
    tx: &mut Transaction<'_, Any>,
    team: i64,
    course: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query("UPDATE teams SET stats_version = stats_version + 1 WHERE id = $1")
        .bind(team)
        .execute(&mut **tx)
        .await?;
    let (del_cond, cond) = match course {
        Some(_) => (
            "team_id = $1 AND course_id = $2",
            "u.team_id = $1 AND a.course_id = $2",
        ),
        None => ("team_id = $1", "u.team_id = $1"),
    };
    for table in [
        "team_course_stats",
        "team_course_weekly",
        "team_competency_stats",
    ] {
        let sql = format!("DELETE FROM {table} WHERE {del_cond}");
        let mut q = sqlx::query(&sql).bind(team);
        if let Some(c) = course {
            q = q.bind(c);
        }
        q.execute(&mut **tx).await?;
    }
    for sql in recount_sql(cond) {
        let mut q = sqlx::query(&sql).bind(team);
        if let Some(c) = course {
            q = q.bind(c);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The three statements that fill the aggregates for the people and
/// courses matching `cond`.
fn recount_sql(cond: &str) -> [String; 3] {
    let pairs = pairs_sql(cond);
    [
        format!(
            "INSERT INTO team_course_stats (team_id, course_id, due_at, assigned, started, completed)
             SELECT p.team_id, p.course_id, {EFFECTIVE_DUE}, COUNT(*),
                    CAST(SUM(CASE WHEN e.user_id IS NOT NULL AND e.completed_at IS NULL THEN 1 ELSE 0 END) AS BIGINT),
                    CAST(SUM(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)
               FROM ({pairs}) p
               LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id
              GROUP BY p.team_id, p.course_id, {EFFECTIVE_DUE}"
        ),
        format!(
            "INSERT INTO team_course_weekly (team_id, course_id, week, completed)
             SELECT p.team_id, p.course_id, (c.issued_at + {WEEK_SHIFT}) / {WEEK}, COUNT(*)
               FROM ({pairs}) p
               JOIN certificates c ON c.user_id = p.user_id AND c.course_id = p.course_id
              GROUP BY p.team_id, p.course_id, (c.issued_at + {WEEK_SHIFT}) / {WEEK}"
        ),
        format!(
            "INSERT INTO team_competency_stats (team_id, course_id, competency, total, n)
             SELECT u.team_id, a.course_id, s.competency, CAST(SUM(s.score) AS BIGINT), COUNT(*)
               FROM users u
               JOIN attempts a ON a.user_id = u.id AND a.status = 'finished' AND a.kind = 'scenario'
               JOIN attempt_scores s ON s.attempt_id = a.id
              WHERE u.disabled = 0 AND u.team_id IS NOT NULL AND {cond}
              GROUP BY u.team_id, a.course_id, s.competency"
        ),
    ]
}

/// Recounts the cell of a person's team and a course (nothing when the
/// person has no team).
pub async fn refresh_for_user(
    tx: &mut Transaction<'_, Any>,
    user: i64,
    course: Option<&str>,
) -> Result<(), AppError> {
    let team: Option<Option<i64>> = sqlx::query_scalar("SELECT team_id FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(Some(team)) = team {
        refresh(tx, team, course).await?;
    }
    Ok(())
}

/// Counts the aggregates once when a database has assignments but none
/// counted (it was made before the dashboards existed).
pub async fn build_if_missing(db: &Db) -> Result<(), AppError> {
    let (assignments, counted): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM assignments LIMIT 1) a),
                (SELECT COUNT(*) FROM (SELECT 1 FROM team_course_stats LIMIT 1) s)",
    )
    .fetch_one(&db.pool)
    .await?;
    if assignments > 0 && counted == 0 {
        rebuild_all(db).await?;
    }
    Ok(())
}

/// Recounts every aggregate from scratch (after bulk loads: the demo, the
/// generator). Pages never call this.
pub async fn rebuild_all(db: &Db) -> Result<(), AppError> {
    let _turn = db.write_turn().await;
    let mut tx = db.pool.begin().await?;
    for table in [
        "team_course_stats",
        "team_course_weekly",
        "team_competency_stats",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *tx)
            .await?;
    }
    for sql in recount_sql("1 = 1") {
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    Ok(tx.commit().await?)
}

// ---------------------------------------------------------------------------
// Filters

struct Filter {
    team: Option<i64>,
    course: Option<String>,
    status: Option<&'static str>,
    from: Option<i64>,
    to: Option<i64>,
    q: Option<String>,
    page: i64,
}

/// Course ids and titles: the loaded catalog, then any course the database
/// knows (kept after its folder went, or generated).
async fn course_titles(state: &AppState) -> Result<BTreeMap<String, String>, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, title FROM courses")
        .fetch_all(&state.db.pool)
        .await?;
    let mut map: BTreeMap<String, String> = rows.into_iter().collect();
    for c in state.content.get().courses() {
        map.insert(c.id.clone(), c.title.clone());
    }
    Ok(map)
}

fn sorted_choices(titles: &BTreeMap<String, String>, ids: &[String]) -> Vec<Choice> {
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

fn parse_day(raw: &str, what: &str) -> Result<i64, AppError> {
    parse_date(raw).ok_or_else(|| {
        AppError::Invalid(format!(
            "The {what} date “{}” is not a date. Write it as YYYY-MM-DD, for example 2026-12-31.",
            raw.chars().take(40).collect::<String>()
        ))
    })
}

fn parse_filter(
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
            STATUSES
                .iter()
                .find(|(k, _)| *k == s)
                .map(|(k, _)| *k)
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
fn echo(f: &Filter, raw: &DashFilter) -> DashFilter {
    DashFilter {
        team: f.team.map(|t| t.to_string()),
        course: f.course.clone(),
        status: f.status.map(str::to_owned),
        from: f.from.map(format_date),
        to: f.to.map(format_date),
        q: raw.q.clone(),
        page: Some(f.page.to_string()),
    }
}

/// Conditions on the aggregate tables (columns `team_id`, `course_id`,
/// and `due_at` when `with_due`).
fn stats_conds(scope: &Scope, f: &Filter, with_due: bool) -> Where {
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

/// Conditions on a pair joined with its enrolment (`p`, `e`): due range
/// and status.
fn pair_status_conds(f: &Filter, start: usize, now: i64) -> WhereFrom {
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
        Some("not_started") => w.raw("e.user_id IS NULL"),
        Some("in_progress") => w.raw("e.user_id IS NOT NULL AND e.completed_at IS NULL"),
        Some("completed") => w.raw("e.completed_at IS NOT NULL"),
        Some("overdue") => w.push(
            &format!("e.completed_at IS NULL AND {EFFECTIVE_DUE} > 0 AND {EFFECTIVE_DUE} < {{}}"),
            now,
        ),
        _ => {}
    }
    w
}

// ---------------------------------------------------------------------------
// Overview

#[derive(FromRow)]
struct StatRow {
    team_id: i64,
    course_id: String,
    assigned: i64,
    started: i64,
    completed: i64,
    overdue: i64,
}

impl StatRow {
    fn counts(&self) -> Counts {
        Counts {
            assigned: self.assigned,
            not_started: self.assigned - self.started - self.completed,
            in_progress: self.started,
            completed: self.completed,
            overdue: self.overdue,
        }
    }
}

fn stat_select(group_team: bool, now_ph: usize) -> String {
    format!(
        "SELECT {team} AS team_id, course_id,
                CAST(SUM(assigned) AS BIGINT) AS assigned,
                CAST(SUM(started) AS BIGINT) AS started,
                CAST(SUM(completed) AS BIGINT) AS completed,
                CAST(SUM(CASE WHEN due_at > 0 AND due_at < ${now_ph} THEN assigned - completed ELSE 0 END) AS BIGINT) AS overdue
           FROM team_course_stats",
        team = if group_team { "team_id" } else { "0" },
    )
}

async fn stat_rows(
    db: &Db,
    conds: &Where,
    group_team: bool,
    now: i64,
) -> Result<Vec<StatRow>, AppError> {
    let sql = format!(
        "{} WHERE {} GROUP BY {}course_id",
        stat_select(group_team, conds.next()),
        conds.sql(),
        if group_team { "team_id, " } else { "" }
    );
    Ok(bind_all(sqlx::query_as::<_, StatRow>(&sql), conds.binds())
        .bind(now)
        .fetch_all(&db.pool)
        .await?)
}

async fn competency_rows(
    db: &Db,
    conds: &Where,
    group_team: bool,
) -> Result<Vec<(i64, String, i64, i64)>, AppError> {
    let sql = format!(
        "SELECT {team} AS team_id, competency, CAST(SUM(total) AS BIGINT), CAST(SUM(n) AS BIGINT)
           FROM team_competency_stats WHERE {} GROUP BY {group}competency ORDER BY competency",
        conds.sql(),
        team = if group_team { "team_id" } else { "0" },
        group = if group_team { "team_id, " } else { "" },
    );
    Ok(bind_all(sqlx::query_as(&sql), conds.binds())
        .fetch_all(&db.pool)
        .await?)
}

fn competency_scores(rows: impl Iterator<Item = (String, i64, i64)>) -> Vec<CompetencyScore> {
    rows.filter(|(_, _, n)| *n > 0)
        .map(|(competency, total, n)| CompetencyScore {
            competency,
            // Rounded to the nearest tenth.
            average_tenths: (total * 20 + n * total.signum()) / (2 * n),
            results: n,
        })
        .collect()
}

pub async fn overview(
    state: &AppState,
    scope: &Scope,
    raw: &DashFilter,
) -> Result<Overview, AppError> {
    let db = &state.db;
    let titles = course_titles(state).await?;
    let f = parse_filter(scope, &titles, raw)?;
    let t = now();

    // The teams of the heat map's page.
    let mut tc = Where::default();
    if let Scope::Teams(ids) = scope {
        tc.in_list("id", ids);
    }
    if let Some(team) = f.team {
        tc.push("id = {}", Value::Int(team));
    }
    if let Some(q) = &f.q {
        tc.push(
            "LOWER(name) LIKE {} ESCAPE '\\'",
            Value::Text(like_contains(q)),
        );
    }
    let (teams_total,): (i64,) = bind_all(
        sqlx::query_as(&format!("SELECT COUNT(*) FROM teams WHERE {}", tc.sql())),
        tc.binds(),
    )
    .fetch_one(&db.pool)
    .await?;
    let pages = ((teams_total + TEAMS_PER_PAGE - 1) / TEAMS_PER_PAGE).max(1);
    let page = f.page.min(pages);
    let page_teams: Vec<(i64, String)> = bind_all(
        sqlx::query_as(&format!(
            "SELECT id, name FROM teams WHERE {} ORDER BY LOWER(name), id LIMIT {TEAMS_PER_PAGE} OFFSET {}",
            tc.sql(),
            (page - 1) * TEAMS_PER_PAGE
        )),
        tc.binds(),
    )
    .fetch_all(&db.pool)
    .await?;

    // The filter's team list: every team in scope, unless there are too many.
    let mut sc = Where::default();
    if let Scope::Teams(ids) = scope {
        sc.in_list("id", ids);
    }
    let teams: Vec<(i64, String)> = bind_all(
        sqlx::query_as(&format!(
            "SELECT id, name FROM teams WHERE {} ORDER BY LOWER(name), id LIMIT {}",
            sc.sql(),
            TEAM_LIST_MAX + 1
        )),
        sc.binds(),
    )
    .fetch_all(&db.pool)
    .await?;
    let teams: Vec<Choice> = if teams.len() as i64 > TEAM_LIST_MAX {
        Vec::new()
    } else {
        teams
            .into_iter()
            .map(|(id, name)| Choice {
                id: id.to_string(),
                name,
            })
            .collect()
    };

    // Per course, for everyone in view.
    let conds = stats_conds(scope, &f, true);
    let by_course = stat_rows(db, &conds, false, t).await?;
    let mut course_ids: Vec<String> = by_course.iter().map(|r| r.course_id.clone()).collect();
    if let Some(c) = &f.course {
        course_ids = vec![c.clone()];
    }
    let courses = sorted_choices(&titles, &course_ids);
    let per_course: Vec<Counts> = courses
        .iter()
        .map(|c| {
            by_course
                .iter()
                .find(|r| r.course_id == c.id)
                .map(StatRow::counts)
                .unwrap_or_default()
        })
        .collect();
    let mut totals = Counts::default();
    for c in &per_course {
        totals.add(c);
    }

    // Heat map: the page's teams × the courses.
    let page_ids: Vec<i64> = page_teams.iter().map(|(id, _)| *id).collect();
    let mut hc = stats_conds(scope, &f, true);
    hc.in_list("team_id", &page_ids);
    let cells = if page_ids.is_empty() {
        Vec::new()
    } else {
        stat_rows(db, &hc, true, t).await?
    };
    let heat = page_teams
        .iter()
        .map(|(id, name)| HeatRow {
            team_id: *id,
            team: name.clone(),
            cells: courses
                .iter()
                .map(|c| {
                    cells
                        .iter()
                        .find(|r| r.team_id == *id && r.course_id == c.id)
                        .map(StatRow::counts)
                })
                .collect(),
        })
        .collect();

    // Completions per week.
    let this_week = week_of(t);
    let mut wc = stats_conds(scope, &f, false);
    wc.push("week >= {}", Value::Int(this_week - TREND_WEEKS + 1));
    let weeks: Vec<(i64, i64)> = bind_all(
        sqlx::query_as(&format!(
            "SELECT week, CAST(SUM(completed) AS BIGINT) FROM team_course_weekly WHERE {} GROUP BY week",
            wc.sql()
        )),
        wc.binds(),
    )
    .fetch_all(&db.pool)
    .await?;
    let trend = (this_week - TREND_WEEKS + 1..=this_week)
        .map(|w| TrendPoint {
            week_start: week_start(w),
            completed: weeks
                .iter()
                .find(|(wk, _)| *wk == w)
                .map(|r| r.1)
                .unwrap_or(0),
        })
        .collect();

    // Competencies: everyone in view, then each team of the page.
    let cc = stats_conds(scope, &f, false);
    let all = competency_rows(db, &cc, false).await?;
    let mut competencies = vec![TeamCompetencies {
        team_id: None,
        team: "Everyone in this view".into(),
        scores: competency_scores(all.into_iter().map(|(_, c, s, n)| (c, s, n))),
    }];
    if !page_ids.is_empty() {
        let mut pc = stats_conds(scope, &f, false);
        pc.in_list("team_id", &page_ids);
        let rows = competency_rows(db, &pc, true).await?;
        for (id, name) in &page_teams {
            let scores = competency_scores(
                rows.iter()
                    .filter(|r| r.0 == *id)
                    .map(|r| (r.1.clone(), r.2, r.3)),
            );
            if !scores.is_empty() {
                competencies.push(TeamCompetencies {
                    team_id: Some(*id),
                    team: name.clone(),
                    scores,
                });
            }
        }
    }

    let all_ids: Vec<String> = titles.keys().cloned().collect();
    let mut filter = echo(&f, raw);
    filter.page = Some(page.to_string());
    Ok(Overview {
        filter,
        is_admin: scope.is_admin(),
        teams,
        teams_total,
        all_courses: sorted_choices(&titles, &all_ids),
        courses,
        per_course,
        totals,
        heat,
        page,
        pages,
        trend,
        competencies,
        now: t,
    })
}

// ---------------------------------------------------------------------------
// Drill-down

#[derive(FromRow)]
struct PairRow {
    user_id: i64,
    course_id: String,
    due: i64,
    started_at: Option<i64>,
    completed_at: Option<i64>,
}

fn person_course(started: bool, completed_at: Option<i64>, due: i64, now: i64) -> PersonCourse {
    let status = if completed_at.is_some() {
        "completed"
    } else if started {
        "in_progress"
    } else {
        "not_started"
    };
    PersonCourse {
        status: status.into(),
        overdue: completed_at.is_none() && due > 0 && due < now,
        due_at: (due > 0).then_some(due),
        completed_at,
    }
}

fn cell_matches(c: &PersonCourse, status: Option<&str>) -> bool {
    match status {
        None => true,
        Some("overdue") => c.overdue,
        Some(s) => c.status == s,
    }
}

fn counts_of(cells: &[&PersonCourse]) -> Counts {
    let mut c = Counts::default();
    for p in cells {
        c.assigned += 1;
        match p.status.as_str() {
            "completed" => c.completed += 1,
            "in_progress" => c.in_progress += 1,
            _ => c.not_started += 1,
        }
        if p.overdue {
            c.overdue += 1;
        }
    }
    c
}

async fn team_name(db: &Db, id: i64) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT name FROM teams WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?)
}

pub async fn team_report(
    state: &AppState,
    scope: &Scope,
    id: i64,
    raw: &DashFilter,
) -> Result<TeamReport, AppError> {
    let db = &state.db;
    // A team of someone else's looks exactly like one that does not exist.
    let missing = || AppError::NotFound("That team is not one of the teams you can see.".into());
    if !scope.allows(id) {
        return Err(missing());
    }
    let name = team_name(db, id).await?.ok_or_else(missing)?;
    let titles = course_titles(state).await?;
    let mut raw = raw.clone();
    raw.team = None;
    raw.q = None;
    let f = parse_filter(scope, &titles, &raw)?;
    let t = now();
    let mut pc = Where::default();
    pc.push("u.team_id = {}", Value::Int(id));
    if let Some(c) = &f.course {
        pc.push("a.course_id = {}", Value::Text(c.clone()));
    }
    let rows: Vec<PairRow> = bind_all(
        sqlx::query_as(&format!(
            "SELECT p.user_id, p.course_id, {EFFECTIVE_DUE} AS due, e.started_at, e.completed_at
               FROM ({}) p LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id",
            pairs_sql(&pc.sql())
        )),
        pc.binds(),
    )
    .fetch_all(&db.pool)
    .await?;
    let members: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, name, email FROM users WHERE team_id = $1 AND disabled = 0 ORDER BY LOWER(name), id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let in_range = |due: i64| {
        f.from.is_none_or(|from| due >= from) && f.to.is_none_or(|to| due > 0 && due <= to)
    };
    let mut ids: Vec<String> = rows
        .iter()
        .filter(|r| in_range(r.due))
        .map(|r| r.course_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    let courses = sorted_choices(&titles, &ids);
    let mut cells: HashMap<(i64, &str), PersonCourse> = HashMap::new();
    for r in rows.iter().filter(|r| in_range(r.due)) {
        cells.insert(
            (r.user_id, r.course_id.as_str()),
            person_course(r.started_at.is_some(), r.completed_at, r.due, t),
        );
    }
    let member_count = members.len() as i64;
    let people: Vec<PersonRow> = members
        .into_iter()
        .map(|(uid, name, email)| PersonRow {
            id: uid,
            name,
            email,
            cells: courses
                .iter()
                .map(|c| {
                    cells
                        .get(&(uid, c.id.as_str()))
                        .filter(|p| cell_matches(p, f.status))
                        .cloned()
                })
                .collect(),
        })
        .filter(|p| f.status.is_none() || p.cells.iter().any(Option::is_some))
        .collect();
    let per_course: Vec<Counts> = courses
        .iter()
        .map(|c| {
            let list: Vec<&PersonCourse> = cells
                .iter()
                .filter(|((_, cid), _)| *cid == c.id)
                .map(|(_, p)| p)
                .collect();
            counts_of(&list)
        })
        .collect();
    let mut totals = Counts::default();
    for c in &per_course {
        totals.add(c);
    }
    let mut cc = Where::default();
    cc.push("team_id = {}", Value::Int(id));
    if let Some(c) = &f.course {
        cc.push("course_id = {}", Value::Text(c.clone()));
    }
    let comp = competency_rows(db, &cc, false).await?;
    Ok(TeamReport {
        team_id: id,
        team: name.clone(),
        filter: echo(&f, &raw),
        courses,
        totals,
        per_course,
        people,
        members: member_count,
        competencies: TeamCompetencies {
            team_id: Some(id),
            team: name,
            scores: competency_scores(comp.into_iter().map(|(_, c, s, n)| (c, s, n))),
        },
        now: t,
    })
}

#[derive(FromRow)]
struct AttemptRow {
    id: i64,
    course_id: String,
    item_id: String,
    version_id: i64,
    kind: String,
    status: String,
    state: String,
    outcome: Option<String>,
    score: Option<i64>,
    passed: Option<i64>,
    started_at: i64,
    finished_at: Option<i64>,
}

/// The replies a learner chose in a scenario attempt, scene by scene.
async fn scenario_path(state: &AppState, a: &AttemptRow) -> Vec<PathStep> {
    use crate::domain::course::ItemBody;
    use crate::domain::play::ScenarioState;
    let Ok(play) = serde_json::from_str::<ScenarioState>(&a.state) else {
        return Vec::new();
    };
    let catalog = state.content.get();
    let Ok(item) = catalog
        .item_at_version(&state.db, &a.course_id, a.version_id)
        .await
    else {
        return Vec::new();
    };
    let ItemBody::Scenario(s) = &item.body else {
        return Vec::new();
    };
    play.moves
        .iter()
        .map(|m| {
            let scene = s.graph.scene(&m.scene);
            let choice = scene.and_then(|sc| sc.choices.get(m.choice));
            PathStep {
                scene: scene.map(|sc| sc.title.clone()).unwrap_or_default(),
                reply: choice.map(|c| c.text.clone()).unwrap_or_default(),
                effects: m
                    .effects
                    .iter()
                    .map(|(k, v)| format!("{k} {v:+}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect()
}

#[derive(FromRow)]
struct PersonDbRow {
    name: String,
    email: String,
    team_id: Option<i64>,
    team: Option<String>,
    disabled: i64,
}

#[derive(FromRow)]
struct EnrolledRow {
    course_id: String,
    started_at: i64,
    completed_at: Option<i64>,
    renewals: i64,
}

pub async fn person_report(
    state: &AppState,
    scope: &Scope,
    id: i64,
) -> Result<PersonReport, AppError> {
    let db = &state.db;
    let missing = || AppError::NotFound("That person is not in a team you can see.".into());
    let row: Option<PersonDbRow> = sqlx::query_as(
        "SELECT u.name AS name, u.email AS email, u.team_id AS team_id, t.name AS team, u.disabled AS disabled
           FROM users u LEFT JOIN teams t ON t.id = u.team_id WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let PersonDbRow {
        name,
        email,
        team_id,
        team,
        disabled,
    } = row.ok_or_else(missing)?;
    let visible = match (scope, team_id) {
        (Scope::All, _) => true,
        (Scope::Teams(ids), Some(t)) => ids.contains(&t),
        _ => false,
    };
    if !visible {
        return Err(missing());
    }
    let titles = course_titles(state).await?;
    let t = now();
    let assigned: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT p.course_id, {EFFECTIVE_DUE} FROM ({}) p
           LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id",
        pairs_sql("u.id = $1")
    ))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let enrolled: Vec<EnrolledRow> = sqlx::query_as(
        "SELECT course_id, started_at, completed_at, renewals FROM enrolments WHERE user_id = $1",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let nudged: Vec<(String, i64)> = sqlx::query_as(
        "SELECT course_id, MAX(sent_at) FROM nudges WHERE user_id = $1 GROUP BY course_id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let mut ids: Vec<String> = assigned.iter().map(|r| r.0.clone()).collect();
    ids.extend(enrolled.iter().map(|r| r.course_id.clone()));
    let courses = sorted_choices(&titles, &ids)
        .into_iter()
        .map(|c| {
            let due = assigned.iter().find(|r| r.0 == c.id).map(|r| r.1);
            let e = enrolled.iter().find(|r| r.course_id == c.id);
            PersonCourseRow {
                assigned: due.is_some(),
                state: person_course(
                    e.is_some(),
                    e.and_then(|e| e.completed_at),
                    due.unwrap_or(0),
                    t,
                ),
                started_at: e.map(|e| e.started_at),
                renewals: e.map(|e| e.renewals).unwrap_or(0),
                last_nudged_at: nudged.iter().find(|n| n.0 == c.id).map(|n| n.1),
                course: c,
            }
        })
        .collect();
    let attempts: Vec<AttemptRow> = sqlx::query_as(
        "SELECT id, course_id, item_id, version_id, kind, status, state, outcome, score, passed, started_at, finished_at
           FROM attempts WHERE user_id = $1 ORDER BY id DESC LIMIT 200",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let scores: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT s.attempt_id, s.competency, s.score FROM attempt_scores s
           JOIN attempts a ON a.id = s.attempt_id WHERE a.user_id = $1 ORDER BY s.competency",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let catalog = state.content.get();
    let mut reports = Vec::with_capacity(attempts.len());
    for a in &attempts {
        let item_title = catalog
            .course(&a.course_id)
            .and_then(|c| c.items.iter().find(|i| i.id == a.item_id))
            .map(|i| i.title.clone())
            .unwrap_or_else(|| a.item_id.clone());
        reports.push(AttemptReport {
            id: a.id,
            course: titles
                .get(&a.course_id)
                .cloned()
                .unwrap_or_else(|| a.course_id.clone()),
            item: item_title,
            kind: a.kind.clone(),
            status: a.status.clone(),
            started_at: a.started_at,
            finished_at: a.finished_at,
            outcome: a.outcome.clone(),
            score: a.score,
            passed: a.passed.map(|p| p == 1),
            competencies: scores
                .iter()
                .filter(|s| s.0 == a.id)
                .map(|s| (s.1.clone(), s.2))
                .collect(),
            path: if a.kind == "scenario" {
                scenario_path(state, a).await
            } else {
                Vec::new()
            },
        });
    }
    Ok(PersonReport {
        id,
        name,
        email,
        team: team_id.zip(team).map(|(id, name)| Choice {
            id: id.to_string(),
            name,
        }),
        disabled: disabled == 1,
        courses,
        attempts: reports,
        now: t,
    })
}

// ---------------------------------------------------------------------------
// Export

/// One CSV field: quoted when it holds a comma, quote or line break, and
/// with a leading apostrophe when a spreadsheet would read it as a formula.
/// A semicolon or tab is quoted too: a spreadsheet set to split on those
/// would otherwise start a new cell there, and `Safety;=1+1` would become
/// a live formula in the second one.
pub fn csv_field(out: &mut String, s: &str) {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || s.contains([',', '"', '\n', '\r', ';', '\t']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for ch in s.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    if quote {
        out.push('"');
    }
}

pub const CSV_HEADER: &str =
    "team,name,email,course_id,course,status,overdue,due_date,started_at,completed_at\r\n";

#[derive(FromRow)]
struct ExportRow {
    team: String,
    name: String,
    email: String,
    course_id: String,
    due: i64,
    started_at: Option<i64>,
    completed_at: Option<i64>,
}

/// Checks the filter and returns the query that lists the view's rows.
pub struct Export {
    sql: String,
    binds: Vec<Value>,
    titles: BTreeMap<String, String>,
    now: i64,
}

pub async fn export_query(
    state: &AppState,
    scope: &Scope,
    raw: &DashFilter,
) -> Result<Export, AppError> {
    let titles = course_titles(state).await?;
    let f = parse_filter(scope, &titles, raw)?;
    let t = now();
    let pc = pair_conds(scope, &f);
    let sc = pair_status_conds(&f, pc.next(), t);
    let status = sc.conds();
    let mut binds = pc.binds().to_vec();
    binds.extend_from_slice(sc.binds());
    let where_status = if status.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", status.join(" AND "))
    };
    let sql = format!(
        "SELECT tm.name AS team, u.name AS name, u.email AS email, p.course_id AS course_id,
                {EFFECTIVE_DUE} AS due, e.started_at AS started_at, e.completed_at AS completed_at
           FROM ({}) p
           JOIN users u ON u.id = p.user_id
           JOIN teams tm ON tm.id = p.team_id
           LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id
           {where_status}
          ORDER BY tm.name, tm.id, u.name, u.id, p.course_id",
        pairs_sql(&pc.sql())
    );
    Ok(Export {
        sql,
        binds,
        titles,
        now: t,
    })
}

/// Exports reading from the database at once, per instance: however many
/// are asked for, the rest of the pool stays free for everyone else.
static EXPORT_READS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// How long a download may go without taking the next chunk before it is
/// dropped. Only the slow client waits; no database connection is held.
pub const EXPORT_SEND_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// Writes the export as CSV and streams it in chunks of about 64 KiB
/// through `send`. Returns the number of data rows.
///
/// The rows are read from the database as fast as it gives them into an
/// unnamed temporary file, so the connection goes back to the pool within
/// the query's own time whatever the browser does; the file is then sent
/// at the pace the browser reads it, and a download that takes nothing for
/// [`EXPORT_SEND_DEADLINE`] is dropped.
pub async fn export_csv(
    db: &Db,
    export: Export,
    send: tokio::sync::mpsc::Sender<Result<bytes::Bytes, std::io::Error>>,
) -> Result<u64, AppError> {
    use futures::TryStreamExt;
    use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
    const CHUNK: usize = 64 * 1024;
    let spill_failed = |e: std::io::Error| {
        tracing::error!(error = %e, "export: the temporary file failed");
        AppError::Internal
    };
    let mut file = tokio::fs::File::from_std(tempfile::tempfile().map_err(spill_failed)?);
    let mut buf = String::with_capacity(CHUNK + 16 * 1024);
    buf.push('\u{feff}');
    buf.push_str(CSV_HEADER);
    let mut n = 0u64;
    {
        // A few exports read the database at a time, each for the query's
        // own time; the others wait here without holding a connection.
        let _turn = EXPORT_READS.acquire().await.map_err(internal)?;
        let q = bind_all(sqlx::query_as::<_, ExportRow>(&export.sql), &export.binds);
        let mut rows = q.fetch(&db.pool);
        let stamp = |t: Option<i64>| t.map(format_datetime_iso).unwrap_or_default();
        loop {
            let row = match rows.try_next().await {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    let _ = send
                        .send(Err(std::io::Error::other("export interrupted")))
                        .await;
                    return Err(AppError::from(e));
                }
            };
            n += 1;
            let pc = person_course(
                row.started_at.is_some(),
                row.completed_at,
                row.due,
                export.now,
            );
            csv_field(&mut buf, &row.team);
            buf.push(',');
            csv_field(&mut buf, &row.name);
            buf.push(',');
            csv_field(&mut buf, &row.email);
            buf.push(',');
            csv_field(&mut buf, &row.course_id);
            buf.push(',');
            csv_field(
                &mut buf,
                export
                    .titles
                    .get(&row.course_id)
                    .map(String::as_str)
                    .unwrap_or(&row.course_id),
            );
            buf.push(',');
            buf.push_str(&pc.status);
            buf.push(',');
            buf.push_str(if pc.overdue { "yes" } else { "no" });
            buf.push(',');
            if let Some(d) = pc.due_at {
                buf.push_str(&format_date(d));
            }
            buf.push(',');
            buf.push_str(&stamp(row.started_at));
            buf.push(',');
            buf.push_str(&stamp(row.completed_at));
            buf.push_str("\r\n");
            if buf.len() >= CHUNK {
                file.write_all(buf.as_bytes()).await.map_err(spill_failed)?;
                buf.clear();
            }
        }
        // `rows` (and with it the connection) is dropped here.
    }
    file.write_all(buf.as_bytes()).await.map_err(spill_failed)?;
    file.flush().await.map_err(spill_failed)?;
    file.rewind().await.map_err(spill_failed)?;
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let read = file.read(&mut chunk).await.map_err(spill_failed)?;
        if read == 0 {
            break;
        }
        let data = bytes::Bytes::copy_from_slice(&chunk[..read]);
        match tokio::time::timeout(EXPORT_SEND_DEADLINE, send.send(Ok(data))).await {
            Ok(Ok(())) => {}
            // The browser went away, or stopped reading.
            Ok(Err(_)) | Err(_) => return Ok(n),
        }
    }
    Ok(n)
}

/// `2026-11-22T13:05:00Z`.
fn format_datetime_iso(t: i64) -> String {
    let s = t.rem_euclid(DAY);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(t),
        s / 3600,
        (s % 3600) / 60,
        s % 60
    )
}

// ---------------------------------------------------------------------------
// Nudges

pub async fn nudge(
    state: &AppState,
    scope: &Scope,
    actor: i64,
    raw: &DashFilter,
) -> Result<NudgeResult, AppError> {
    let db = &state.db;
    let titles = course_titles(state).await?;
    let mut f = parse_filter(scope, &titles, raw)?;
    f.status = Some("overdue");
    let t = now();
    let pc = pair_conds(scope, &f);
    let sc = pair_status_conds(&f, pc.next(), t);
    let status = sc.conds();
    let mut binds = pc.binds().to_vec();
    binds.extend_from_slice(sc.binds());
    let gap_ph = binds.len() + 1;
    let sql = format!(
        "SELECT p.user_id, p.course_id, {EFFECTIVE_DUE},
                CASE WHEN EXISTS (SELECT 1 FROM nudges n WHERE n.user_id = p.user_id
                                   AND n.course_id = p.course_id AND n.sent_at > ${gap_ph})
                     THEN 1 ELSE 0 END
           FROM ({}) p
           LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id
          WHERE {}",
        pairs_sql(&pc.sql()),
        status.join(" AND ")
    );
    let targets: Vec<(i64, String, i64, i64)> = bind_all(sqlx::query_as(&sql), &binds)
        .bind(t - NUDGE_GAP)
        .fetch_all(&db.pool)
        .await?;
    let skipped = targets.iter().filter(|r| r.3 == 1).count() as i64;
    let send: Vec<&(i64, String, i64, i64)> = targets.iter().filter(|r| r.3 == 0).collect();
    if send.is_empty() {
        return Ok(NudgeResult { sent: 0, skipped });
    }
    let sender: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(actor)
        .fetch_optional(&db.pool)
        .await?
        .unwrap_or_else(|| "your manager".into());
    let _turn = db.write_turn().await;
    let mut tx = db.pool.begin().await?;
    for chunk in send.chunks(200) {
        let mut nudges =
            String::from("INSERT INTO nudges (user_id, course_id, sent_by, sent_at) VALUES ");
        let mut notes = String::from(
            "INSERT INTO notifications (user_id, course_id, message, created_at) VALUES ",
        );
        for (i, _) in chunk.iter().enumerate() {
            let b = i * 4;
            if i > 0 {
                nudges.push_str(", ");
                notes.push_str(", ");
            }
            nudges.push_str(&format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
            notes.push_str(&format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
        }
        let mut q1 = sqlx::query(&nudges);
        let mut q2 = sqlx::query(&notes);
        for (user, course, due, _) in chunk.iter().copied() {
            let title = titles
                .get(course)
                .cloned()
                .unwrap_or_else(|| course.clone());
            q1 = q1.bind(*user).bind(course.clone()).bind(actor).bind(t);
            q2 = q2
                .bind(*user)
                .bind(course.clone())
                .bind(format!(
                    "Reminder from {sender}: “{title}” was due on {}. Please complete it as soon as you can.",
                    format_date(*due)
                ))
                .bind(t);
        }
        q1.execute(&mut *tx).await?;
        q2.execute(&mut *tx).await?;
    }
    store::audit(
        &mut tx,
        Some(actor),
        "dashboard.nudged",
        &format!("{} people", send.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(NudgeResult {
        sent: send.len() as i64,
        skipped,
    })
}

// ---------------------------------------------------------------------------
// Assignments

pub struct AssignInput<'a> {
    pub course: &'a str,
    pub team: Option<&'a str>,
    pub email: Option<&'a str>,
    pub due: Option<&'a str>,
    pub renew_months: Option<&'a str>,
}

fn blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

pub async fn assign(
    state: &AppState,
    scope: &Scope,
    actor: i64,
    input: AssignInput<'_>,
) -> Result<i64, AppError> {
    let db = &state.db;
    let titles = course_titles(state).await?;
    let course = input.course.trim();
    if !titles.contains_key(course) {
        return Err(AppError::Invalid("Choose a course from the list.".into()));
    }
    let t = now();
    let due = match blank(input.due) {
        None => None,
        Some(d) => {
            let day = parse_day(d, "due")?;
            let end = day + DAY - 1;
            if end < t {
                return Err(AppError::Invalid(format!(
                    "The due date {} is in the past. Choose today or a later day.",
                    format_date(day)
                )));
            }
            Some(end)
        }
    };
    let renew = match blank(input.renew_months) {
        None => None,
        Some(r) => match r.parse::<i64>() {
            Ok(n) if (1..=60).contains(&n) => Some(n),
            _ => return Err(AppError::Invalid(
                "Renew every 1 to 60 months, or leave it empty for training that does not recur."
                    .into(),
            )),
        },
    };
    // Exactly one of a team and a person.
    let (team, user, refresh_team) = match (blank(input.team), blank(input.email)) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(AppError::Invalid(
                "Choose a team, or give one person's email address, not both.".into(),
            ))
        }
        (Some(team), None) => {
            let id = team
                .parse::<i64>()
                .map_err(|_| AppError::Invalid("Choose a team from the list.".into()))?;
            if !scope.allows(id) || team_name(db, id).await?.is_none() {
                return Err(AppError::NotFound(
                    "That team is not one of the teams you can see.".into(),
                ));
            }
            (Some(id), None, Some(id))
        }
        (None, Some(email)) => {
            let email = crate::domain::Email::parse(email)?;
            let found: Option<(i64, Option<i64>)> =
                sqlx::query_as("SELECT id, team_id FROM users WHERE email = $1")
                    .bind(email.as_str())
                    .fetch_optional(&db.pool)
                    .await?;
            let ok = found.filter(|(_, team)| match (scope, team) {
                (Scope::All, _) => true,
                (Scope::Teams(ids), Some(t)) => ids.contains(t),
                _ => false,
            });
            let (uid, team) = ok.ok_or_else(|| {
                AppError::NotFound("Nobody in the teams you can see has that email address.".into())
            })?;
            (None, Some(uid), team)
        }
    };
    let _turn = db.write_turn().await;
    let mut tx = db.pool.begin().await?;
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM assignments WHERE course_id = $1
           AND ((team_id = $2 AND $2 IS NOT NULL) OR (user_id = $3 AND $3 IS NOT NULL))",
    )
    .bind(course)
    .bind(team)
    .bind(user)
    .fetch_optional(&mut *tx)
    .await?;
    let id = match existing {
        Some(id) => {
            sqlx::query("UPDATE assignments SET due_at = $2, renew_months = $3 WHERE id = $1")
                .bind(id)
                .bind(due)
                .bind(renew)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => sqlx::query_scalar(
            "INSERT INTO assignments (course_id, team_id, user_id, due_at, renew_months, assigned_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(course)
        .bind(team)
        .bind(user)
        .bind(due)
        .bind(renew)
        .bind(actor)
        .bind(t)
        .fetch_one(&mut *tx)
        .await?,
    };
    if let Some(team) = refresh_team {
        refresh(&mut tx, team, Some(course)).await?;
    }
    store::audit(
        &mut tx,
        Some(actor),
        "assignment.saved",
        &format!("{id}: {course}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn unassign(
    state: &AppState,
    scope: &Scope,
    actor: i64,
    id: i64,
) -> Result<(), AppError> {
    let db = &state.db;
    let missing = || AppError::NotFound("That assignment is not one you can change.".into());
    let row: Option<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT a.course_id, COALESCE(a.team_id, u.team_id), a.user_id
           FROM assignments a LEFT JOIN users u ON u.id = a.user_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let (course, team, _) = row.ok_or_else(missing)?;
    let visible = match (scope, team) {
        (Scope::All, _) => true,
        (Scope::Teams(ids), Some(t)) => ids.contains(&t),
        _ => false,
    };
    if !visible {
        return Err(missing());
    }
    let _turn = db.write_turn().await;
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM assignments WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if let Some(team) = team {
        refresh(&mut tx, team, Some(&course)).await?;
    }
    store::audit(
        &mut tx,
        Some(actor),
        "assignment.deleted",
        &format!("{id}: {course}"),
    )
    .await?;
    Ok(tx.commit().await?)
}

#[derive(FromRow)]
struct AssignmentDbRow {
    id: i64,
    course_id: String,
    team_id: Option<i64>,
    user_id: Option<i64>,
    team_name: Option<String>,
    user_name: Option<String>,
    due_at: Option<i64>,
    renew_months: Option<i64>,
    assigned_by: Option<String>,
    created_at: i64,
}

pub async fn assignments(state: &AppState, scope: &Scope) -> Result<AssignmentsData, AppError> {
    let db = &state.db;
    let titles = course_titles(state).await?;
    let mut c = Where::default();
    if let Scope::Teams(ids) = scope {
        // The same placeholders serve both lists.
        c.in_any_list(&["a.team_id", "u.team_id"], ids);
    }
    let rows: Vec<AssignmentDbRow> = bind_all(
        sqlx::query_as(&format!(
            "SELECT a.id, a.course_id, a.team_id, a.user_id, t.name AS team_name, u.name AS user_name,
                    a.due_at, a.renew_months, b.name AS assigned_by, a.created_at
               FROM assignments a
               LEFT JOIN teams t ON t.id = a.team_id
               LEFT JOIN users u ON u.id = a.user_id
               LEFT JOIN users b ON b.id = a.assigned_by
              WHERE {}
              ORDER BY a.id DESC LIMIT {MAX_ASSIGNMENT_ROWS}",
            c.sql()
        )),
        c.binds(),
    )
    .fetch_all(&db.pool)
    .await?;
    let mut sc = Where::default();
    if let Scope::Teams(ids) = scope {
        sc.in_list("id", ids);
    }
    let teams: Vec<(i64, String)> = bind_all(
        sqlx::query_as(&format!(
            "SELECT id, name FROM teams WHERE {} ORDER BY LOWER(name), id LIMIT {TEAM_LIST_MAX}",
            sc.sql()
        )),
        sc.binds(),
    )
    .fetch_all(&db.pool)
    .await?;
    let ids: Vec<String> = titles.keys().cloned().collect();
    Ok(AssignmentsData {
        rows: rows
            .into_iter()
            .map(|r| AssignmentRow {
                id: r.id,
                course: Choice {
                    name: titles
                        .get(&r.course_id)
                        .cloned()
                        .unwrap_or_else(|| r.course_id.clone()),
                    id: r.course_id,
                },
                target: match (&r.team_name, &r.user_name) {
                    (Some(t), _) => format!("Team: {t}"),
                    (None, Some(u)) => format!("Person: {u}"),
                    _ => "Nobody".into(),
                },
                team_id: r.team_id,
                user_id: r.user_id,
                due_at: r.due_at,
                renew_months: r.renew_months,
                assigned_by: r.assigned_by,
                created_at: r.created_at,
            })
            .collect(),
        teams: teams
            .into_iter()
            .map(|(id, name)| Choice {
                id: id.to_string(),
                name,
            })
            .collect(),
        courses: sorted_choices(&titles, &ids),
        is_admin: scope.is_admin(),
        now: now(),
    })
}

// ---------------------------------------------------------------------------
// Recertification

/// Re-opens every recurring course whose completion has expired by `at`:
/// the completion is cleared (the certificate stays), the course's items
/// start afresh, it is due `RENEWAL_GRACE` after the expiry, and the
/// learner is told. Safe to run on several instances at once: each
/// completion is re-opened by exactly one. Returns how many were re-opened.
pub async fn renew_expired(db: &Db, at: i64) -> Result<usize, AppError> {
    let candidates: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT e.user_id, e.course_id, e.completed_at, x.renew FROM enrolments e
           JOIN (SELECT y.user_id, y.course_id, MIN(y.renew) AS renew FROM (
                   SELECT u.id AS user_id, a.course_id AS course_id, a.renew_months AS renew
                     FROM users u JOIN assignments a ON a.team_id = u.team_id WHERE a.renew_months IS NOT NULL
                   UNION ALL
                   SELECT a.user_id, a.course_id, a.renew_months
                     FROM assignments a WHERE a.user_id IS NOT NULL AND a.renew_months IS NOT NULL
                 ) y GROUP BY y.user_id, y.course_id) x
             ON x.user_id = e.user_id AND x.course_id = e.course_id
          WHERE e.completed_at IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let titles: HashMap<String, String> = sqlx::query_as("SELECT id, title FROM courses")
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .collect();
    let mut renewed = 0;
    for (user, course, completed, months) in candidates {
        let expiry = add_months(completed, months);
        if expiry > at {
            continue;
        }
        let due = expiry.max(at) + RENEWAL_GRACE;
        let _turn = db.write_turn().await;
        let mut tx = db.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE enrolments SET completed_at = NULL, last_item = NULL, due_override = $4,
                    renewals = renewals + 1, renewed_at = $5, updated_at = $5
              WHERE user_id = $1 AND course_id = $2 AND completed_at = $3",
        )
        .bind(user)
        .bind(&course)
        .bind(completed)
        .bind(due)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            continue;
        }
        sqlx::query("DELETE FROM item_progress WHERE user_id = $1 AND course_id = $2")
            .bind(user)
            .bind(&course)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE attempts SET status = 'abandoned', updated_at = $3
              WHERE user_id = $1 AND course_id = $2 AND status = 'active'",
        )
        .bind(user)
        .bind(&course)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let title = titles
            .get(&course)
            .cloned()
            .unwrap_or_else(|| course.clone());
        sqlx::query(
            "INSERT INTO notifications (user_id, course_id, message, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user)
        .bind(&course)
        .bind(format!(
            "Time to renew “{title}”: it is renewed every {months} months. Please take it again by {}.",
            format_date(due)
        ))
        .bind(at)
        .execute(&mut *tx)
        .await?;
        refresh_for_user(&mut tx, user, Some(&course)).await?;
        tx.commit().await?;
        renewed += 1;
    }
    Ok(renewed)
}

/// Every aggregate as a full recount would make it, for tests and
/// `rapport check-aggregates`: returns the rows that differ (empty: equal).
pub async fn aggregate_differences(db: &Db) -> Result<Vec<String>, AppError> {
    let mut diffs = Vec::new();
    for (table, key, vals) in [
        (
            "team_course_stats",
            "team_id, course_id, due_at",
            "assigned, started, completed",
        ),
        (
            "team_course_weekly",
            "team_id, course_id, week",
            "completed",
        ),
        (
            "team_competency_stats",
            "team_id, course_id, competency",
            "total, n",
        ),
    ] {
        let cols = format!("{key}, {vals}");
        let sql = format!("SELECT {cols} FROM {table} ORDER BY {key}",);
        let kept = dump(db, &sql).await?;
        // Recount into a scratch copy inside a transaction that is rolled back.
        let mut tx = db.pool.begin().await?;
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *tx)
            .await?;
        let idx = match table {
            "team_course_stats" => 0,
            "team_course_weekly" => 1,
            _ => 2,
        };
        sqlx::query(&recount_sql("1 = 1")[idx])
            .execute(&mut *tx)
            .await?;
        let fresh = dump_tx(&mut tx, &sql).await?;
        tx.rollback().await?;
        for row in kept.iter().filter(|r| !fresh.contains(r)) {
            diffs.push(format!("{table}: kept {row} but a recount has no such row"));
        }
        for row in fresh.iter().filter(|r| !kept.contains(r)) {
            diffs.push(format!("{table}: a recount has {row} but it was not kept"));
        }
    }
    Ok(diffs)
}

async fn dump(db: &Db, sql: &str) -> Result<Vec<String>, AppError> {
    let mut tx = db.pool.begin().await?;
    let out = dump_tx(&mut tx, sql).await;
    let _ = tx.rollback().await;
    out
}

async fn dump_tx(tx: &mut Transaction<'_, Any>, sql: &str) -> Result<Vec<String>, AppError> {
    use sqlx::{Column, Row, ValueRef};
    let rows = sqlx::query(sql).fetch_all(&mut **tx).await?;
    Ok(rows
        .iter()
        .map(|r| {
            r.columns()
                .iter()
                .map(|c| {
                    let i = c.ordinal();
                    if r.try_get_raw(i).is_ok_and(|v| v.is_null()) {
                        "NULL".to_owned()
                    } else if let Ok(v) = r.try_get::<i64, _>(i) {
                        v.to_string()
                    } else {
                        r.try_get::<String, _>(i).unwrap_or_default()
                    }
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect())
}
