//! Learners' progress: views of courses, lessons, scenarios and quizzes for
//! one person, and the steps that change their progress.
//!
//! **Never lost, never counted twice.** A step (a choice, an answer) carries
//! the attempt id and the step number the page showed. In one transaction
//! the step is inserted into `attempt_steps` (primary key: attempt, step)
//! and the attempt is advanced with `WHERE step = $shown`; only then is the
//! answer sent. A replay of the same step finds its row and gets the stored
//! answer; a different submission for a step already taken (a second tab)
//! is refused with 409 and the page shows the current state.

mod attempts;
mod certificates;
mod outbound;
mod progress;
mod quiz;
mod scenario;
mod steps;
pub mod stored;
#[cfg(test)]
mod tests;
mod typed;
mod views;

use super::db::Db;
use crate::api::learn::*;
use crate::api::AppError;
use crate::content::store::Catalog;
use crate::domain::completion::{self, ItemState};
use crate::domain::course::{Course, Item};
pub use attempts::start_attempt;
pub use certificates::{certificate, dismiss_notices};
pub use progress::complete_lesson;
pub use quiz::quiz_view;
pub use scenario::scenario_view;
use sqlx::FromRow;
use std::collections::HashMap;
pub use steps::{quiz_step, scenario_step};
pub use typed::scenario_say;
pub use views::{course_view, item_data, lesson_view, my_learning};

pub enum ScenarioAction {
    Choose(usize),
    Back,
}

impl ScenarioAction {
    fn request(&self) -> String {
        match self {
            ScenarioAction::Choose(i) => format!("choose {i}"),
            ScenarioAction::Back => "back".into(),
        }
    }
}

fn find_course<'a>(catalog: &'a Catalog, course: &str) -> Result<&'a Course, AppError> {
    catalog
        .course(course)
        .ok_or_else(|| AppError::not_found("This course"))
}

fn find_item<'a>(course: &'a Course, item: &str) -> Result<(usize, &'a Item), AppError> {
    course
        .items
        .iter()
        .enumerate()
        .find(|(_, i)| i.id == item)
        .ok_or_else(|| AppError::not_found("This part of the course"))
}

fn place(course: &Course, index: usize) -> ItemPlace {
    let item = &course.items[index];
    ItemPlace {
        course_id: course.id.clone(),
        course_title: course.title.clone(),
        item_id: item.id.clone(),
        title: item.title.clone(),
        position: index + 1,
        count: course.items.len(),
        next: course
            .items
            .get(index + 1)
            .map(|n| (n.id.clone(), n.title.clone())),
    }
}

fn kind_str(item: &Item) -> &'static str {
    item.kind().as_str()
}

#[derive(FromRow, Clone)]
struct AttemptRow {
    id: i64,
    user_id: i64,
    course_id: String,
    item_id: String,
    version_id: i64,
    kind: String,
    status: String,
    step: i64,
    state: String,
}

const ATTEMPT_COLS: &str = "id, user_id, course_id, item_id, version_id, kind, status, step, state";

#[derive(FromRow)]
struct ProgressRow {
    item_id: String,
    state: String,
    best_score: Option<i64>,
}

fn item_state(s: &str) -> ItemState {
    match s {
        "done" => ItemState::Done,
        "failed" => ItemState::Failed,
        _ => ItemState::InProgress,
    }
}

async fn progress_rows(
    db: &Db,
    user: i64,
    course: &str,
) -> Result<HashMap<String, (ItemState, Option<i64>)>, AppError> {
    let rows: Vec<ProgressRow> = sqlx::query_as(
        "SELECT item_id, state, best_score FROM item_progress WHERE user_id = $1 AND course_id = $2",
    )
    .bind(user)
    .bind(course)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.item_id, (item_state(&r.state), r.best_score)))
        .collect())
}

fn states_only(p: &HashMap<String, (ItemState, Option<i64>)>) -> HashMap<String, ItemState> {
    p.iter().map(|(k, (s, _))| (k.clone(), *s)).collect()
}

#[derive(FromRow)]
struct EnrolmentRow {
    course_id: String,
    last_item: Option<String>,
    completed_at: Option<i64>,
}

/// Due dates that apply to a person: their own assignments and their team's.
async fn due_dates(db: &Db, user: i64) -> Result<HashMap<String, Option<i64>>, AppError> {
    let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT a.course_id, a.due_at FROM assignments a
         WHERE a.user_id = $1 OR a.team_id IN (SELECT team_id FROM users WHERE id = $1 AND team_id IS NOT NULL)",
    )
    .bind(user)
    .fetch_all(&db.pool)
    .await?;
    let mut out: HashMap<String, Option<i64>> = HashMap::new();
    for (course, due) in rows {
        let e = out.entry(course).or_insert(due);
        // The earliest due date wins; "no due date" only if none has one.
        *e = match (*e, due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    // A recurring course that re-opened is due by its own date.
    let renewed: Vec<(String, i64)> = sqlx::query_as(
        "SELECT course_id, due_override FROM enrolments WHERE user_id = $1 AND due_override IS NOT NULL",
    )
    .bind(user)
    .fetch_all(&db.pool)
    .await?;
    for (course, due) in renewed {
        if let Some(e) = out.get_mut(&course) {
            *e = Some(due);
        }
    }
    Ok(out)
}

async fn latest_certificate(db: &Db, user: i64, course: &str) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT code FROM certificates WHERE user_id = $1 AND course_id = $2 ORDER BY issued_at DESC, code LIMIT 1",
    )
    .bind(user)
    .bind(course)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| r.0))
}

fn card(
    course: &Course,
    states: &HashMap<String, ItemState>,
    enrolment: Option<&EnrolmentRow>,
    due: Option<Option<i64>>,
    certificate: Option<String>,
    now: i64,
) -> CourseCard {
    let completed_at = enrolment.and_then(|e| e.completed_at);
    let started = enrolment.is_some();
    CourseCard {
        id: course.id.clone(),
        title: course.title.clone(),
        summary: course.summary.clone(),
        minutes: course.minutes,
        percent: if completed_at.is_some() {
            100
        } else {
            completion::percent_done(course, states)
        },
        status: completion::course_status(started, completed_at.is_some(), due.flatten(), now),
        due_at: due.flatten(),
        assigned: due.is_some(),
        resume: completion::resume_item(
            course,
            states,
            enrolment.and_then(|e| e.last_item.as_deref()),
        )
        .map(str::to_owned),
        started,
        completed_at,
        certificate,
    }
}
