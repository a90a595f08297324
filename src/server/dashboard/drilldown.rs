//! Drill-down: one team's people by course, and one person's courses and
//! scenario paths.

use super::filter::{course_titles, echo, parse_filter, sorted_choices};
use super::overview::{competency_rows, competency_scores};
use super::pairs::{pairs_sql, EFFECTIVE_DUE};
use super::Scope;
use crate::api::dashboard::*;
use crate::api::AppError;
use crate::domain::completion::{AttemptStatus, CourseStatus};
use crate::domain::course::ItemKind;
use crate::domain::scenario::Outcome;
use crate::server::db::Db;
use crate::server::now;
use crate::server::sql::{internal, BindValues, Value, Where};
use crate::server::AppState;
use sqlx::FromRow;
use std::collections::HashMap;

#[derive(FromRow)]
pub(super) struct PairRow {
    pub(super) user_id: i64,
    pub(super) course_id: String,
    pub(super) due: i64,
    pub(super) started_at: Option<i64>,
    pub(super) completed_at: Option<i64>,
}

pub(super) fn person_course(
    started: bool,
    completed_at: Option<i64>,
    due: i64,
    now: i64,
) -> PersonCourse {
    let status = if completed_at.is_some() {
        CourseStatus::Completed
    } else if started {
        CourseStatus::InProgress
    } else {
        CourseStatus::NotStarted
    };
    PersonCourse {
        status,
        overdue: completed_at.is_none() && due > 0 && due < now,
        due_at: (due > 0).then_some(due),
        completed_at,
    }
}

pub(super) fn cell_matches(c: &PersonCourse, status: Option<CourseStatus>) -> bool {
    match status {
        None => true,
        Some(CourseStatus::Overdue) => c.overdue,
        Some(s) => c.status == s,
    }
}

pub(super) fn counts_of(cells: &[&PersonCourse]) -> Counts {
    let mut c = Counts::default();
    for p in cells {
        c.assigned += 1;
        match p.status {
            CourseStatus::Completed => c.completed += 1,
            CourseStatus::InProgress => c.in_progress += 1,
            CourseStatus::NotStarted | CourseStatus::Overdue => c.not_started += 1,
        }
        if p.overdue {
            c.overdue += 1;
        }
    }
    c
}

pub(super) async fn team_name(db: &Db, id: i64) -> Result<Option<String>, AppError> {
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
    let rows_sql = format!(
        "SELECT p.user_id, p.course_id, {EFFECTIVE_DUE} AS due, e.started_at, e.completed_at
           FROM ({}) p LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id",
        pairs_sql(&pc.sql())
    );
    let rows: Vec<PairRow> = sqlx::query_as(&rows_sql)
        .bind_values(pc.binds())
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
            scores: competency_scores(comp.iter()),
        },
        now: t,
    })
}

#[derive(FromRow)]
pub(super) struct AttemptRow {
    pub(super) id: i64,
    pub(super) course_id: String,
    pub(super) item_id: String,
    pub(super) version_id: i64,
    pub(super) kind: String,
    pub(super) status: String,
    pub(super) state: String,
    pub(super) outcome: Option<String>,
    pub(super) score: Option<i64>,
    pub(super) passed: Option<i64>,
    pub(super) started_at: i64,
    pub(super) finished_at: Option<i64>,
}

/// The replies a learner chose in a scenario attempt, scene by scene.
pub(super) async fn scenario_path(state: &AppState, a: &AttemptRow) -> Vec<PathStep> {
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
pub(super) struct PersonDbRow {
    pub(super) name: String,
    pub(super) email: String,
    pub(super) team_id: Option<i64>,
    pub(super) team: Option<String>,
    pub(super) disabled: i64,
}

#[derive(FromRow)]
pub(super) struct EnrolledRow {
    pub(super) course_id: String,
    pub(super) started_at: i64,
    pub(super) completed_at: Option<i64>,
    pub(super) renewals: i64,
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
        let kind = ItemKind::parse(&a.kind)
            .ok_or_else(|| internal("an attempt has an unknown item kind"))?;
        reports.push(AttemptReport {
            id: a.id,
            course: titles
                .get(&a.course_id)
                .cloned()
                .unwrap_or_else(|| a.course_id.clone()),
            item: item_title,
            kind,
            status: AttemptStatus::parse(&a.status)
                .ok_or_else(|| internal("an attempt has an unknown status"))?,
            started_at: a.started_at,
            finished_at: a.finished_at,
            outcome: a.outcome.as_deref().and_then(Outcome::parse),
            score: a.score,
            passed: a.passed.map(|p| p == 1),
            competencies: scores
                .iter()
                .filter(|s| s.0 == a.id)
                .map(|s| (s.1.clone(), s.2))
                .collect(),
            path: if kind == ItemKind::Scenario {
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
