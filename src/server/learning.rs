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

use super::db::Db;
use super::now;
use super::sql::{internal, is_unique_violation};
use super::AppState;
use crate::api::auth::SessionUser;
use crate::api::learn::*;
use crate::api::AppError;
use crate::content::store::Catalog;
use crate::domain::completion::{self, CourseStatus, ItemState};
use crate::domain::course::{Course, Item, ItemBody, ItemKind, Quiz, Scenario};
use crate::domain::play::{best_route, PlayError, ScenarioState};
use crate::domain::quiz_play::{may_retry, QuizError, QuizState};
use sqlx::{Any, FromRow, Transaction};
use std::collections::HashMap;
use std::sync::Arc;

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

// ---------------------------------------------------------------------------
// Finding content

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

// ---------------------------------------------------------------------------
// Rows

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

// ---------------------------------------------------------------------------
// Views

pub async fn my_learning(state: &AppState, user: &SessionUser) -> Result<MyLearningData, AppError> {
    let db = &state.db;
    let catalog = state.content.get();
    let t = now();
    let enrolments: Vec<EnrolmentRow> = sqlx::query_as(
        "SELECT course_id, last_item, completed_at FROM enrolments WHERE user_id = $1",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let enrolments: HashMap<String, EnrolmentRow> = enrolments
        .into_iter()
        .map(|e| (e.course_id.clone(), e))
        .collect();
    let progress: Vec<(String, String, String)> =
        sqlx::query_as("SELECT course_id, item_id, state FROM item_progress WHERE user_id = $1")
            .bind(user.id)
            .fetch_all(&db.pool)
            .await?;
    let mut states: HashMap<String, HashMap<String, ItemState>> = HashMap::new();
    for (c, i, s) in progress {
        states.entry(c).or_default().insert(i, item_state(&s));
    }
    let certs: Vec<(String, String)> = sqlx::query_as(
        "SELECT course_id, code FROM certificates WHERE user_id = $1 ORDER BY issued_at",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let certs: HashMap<String, String> = certs.into_iter().collect();
    let due = due_dates(db, user.id).await?;
    let empty = HashMap::new();
    let mut assigned = Vec::new();
    let mut other = Vec::new();
    for course in catalog.courses() {
        let c = card(
            course,
            states.get(&course.id).unwrap_or(&empty),
            enrolments.get(&course.id),
            due.get(&course.id).copied(),
            certs.get(&course.id).cloned(),
            t,
        );
        if c.assigned {
            assigned.push(c);
        } else {
            other.push(c);
        }
    }
    // Overdue first, then by due date; completed last.
    assigned.sort_by_key(|c| {
        (
            c.status == CourseStatus::Completed,
            c.status != CourseStatus::Overdue,
            c.due_at.unwrap_or(i64::MAX),
        )
    });
    let notices: Vec<(i64, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT id, message, course_id, created_at FROM notifications
         WHERE user_id = $1 AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 20",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(MyLearningData {
        name: user.name.clone(),
        assigned,
        other,
        notices: notices
            .into_iter()
            .map(|(id, message, course_id, created_at)| Notice {
                id,
                message,
                course_id,
                created_at,
            })
            .collect(),
        now: t,
    })
}

pub async fn course_view(
    state: &AppState,
    user: &SessionUser,
    course_id: &str,
) -> Result<CourseData, AppError> {
    let db = &state.db;
    let catalog = state.content.get();
    let course = find_course(&catalog, course_id)?;
    let progress = progress_rows(db, user.id, course_id).await?;
    let states = states_only(&progress);
    let enrolment: Option<EnrolmentRow> = sqlx::query_as(
        "SELECT course_id, last_item, completed_at FROM enrolments WHERE user_id = $1 AND course_id = $2",
    )
    .bind(user.id)
    .bind(course_id)
    .fetch_optional(&db.pool)
    .await?;
    let due = due_dates(db, user.id).await?;
    let cert = latest_certificate(db, user.id, course_id).await?;
    let required = completion::required_items(course);
    Ok(CourseData {
        card: card(
            course,
            &states,
            enrolment.as_ref(),
            due.get(course_id).copied(),
            cert,
            now(),
        ),
        description_html: course.description_html.clone(),
        competencies: course.competencies.clone(),
        items: course
            .items
            .iter()
            .map(|i| OutlineItem {
                id: i.id.clone(),
                title: i.title.clone(),
                kind: kind_str(i).into(),
                minutes: i.minutes,
                state: progress.get(&i.id).map_or(ItemState::NotStarted, |p| p.0),
                required: required.contains(&i.id.as_str()),
                best_score: progress.get(&i.id).and_then(|p| p.1),
            })
            .collect(),
    })
}

pub async fn item_data(
    state: &AppState,
    user: &SessionUser,
    course_id: &str,
    item_id: &str,
) -> Result<ItemData, AppError> {
    let kind = {
        let catalog = state.content.get();
        let course = find_course(&catalog, course_id)?;
        find_item(course, item_id)?.1.kind()
    };
    Ok(match kind {
        ItemKind::Lesson => ItemData::Lesson(lesson_view(state, user, course_id, item_id).await?),
        ItemKind::Scenario => {
            ItemData::Scenario(scenario_view(state, user, course_id, item_id).await?)
        }
        ItemKind::Quiz => ItemData::Quiz(quiz_view(state, user, course_id, item_id).await?),
    })
}

pub async fn lesson_view(
    state: &AppState,
    user: &SessionUser,
    course_id: &str,
    item_id: &str,
) -> Result<LessonData, AppError> {
    let catalog = state.content.get();
    let course = find_course(&catalog, course_id)?;
    let (index, item) = find_item(course, item_id)?;
    if item.kind() != ItemKind::Lesson {
        return Err(AppError::not_found("This lesson"));
    }
    let org = crate::content::store::organisation(&state.db).await?;
    let html = catalog.lesson_html(item, &org).to_string();
    let progress = progress_rows(&state.db, user.id, course_id).await?;
    Ok(LessonData {
        place: place(course, index),
        html,
        done: progress
            .get(item_id)
            .is_some_and(|p| p.0 == ItemState::Done),
    })
}

/// Remembers where the learner is, for Resume. Starts the enrolment; a
/// new enrolment changes the team's dashboard figures, so they are
/// recounted (rarely: once per learner and course).
async fn touch_enrolment_tx(
    tx: &mut Transaction<'_, Any>,
    user: i64,
    course: &str,
    item: &str,
    t: i64,
) -> Result<(), AppError> {
    let updated = sqlx::query(
        "UPDATE enrolments SET last_item = $3, updated_at = $4 WHERE user_id = $1 AND course_id = $2",
    )
    .bind(user)
    .bind(course)
    .bind(item)
    .bind(t)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() > 0 {
        return Ok(());
    }
    let inserted = sqlx::query(
        "INSERT INTO enrolments (user_id, course_id, started_at, updated_at, last_item) VALUES ($1, $2, $3, $3, $4)
         ON CONFLICT (user_id, course_id) DO UPDATE SET last_item = excluded.last_item, updated_at = excluded.updated_at",
    )
    .bind(user)
    .bind(course)
    .bind(t)
    .bind(item)
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() > 0 {
        super::dashboard::refresh_for_user(tx, user, Some(course)).await?;
    }
    Ok(())
}

/// Records an item's state; a done item stays done, the best score stays.
async fn set_item_state(
    tx: &mut Transaction<'_, Any>,
    user: i64,
    course: &str,
    item: &str,
    state: ItemState,
    score: Option<i64>,
    t: i64,
) -> Result<(), AppError> {
    let s = match state {
        ItemState::Done => "done",
        ItemState::Failed => "failed",
        _ => "in_progress",
    };
    let completed = (state == ItemState::Done).then_some(t);
    sqlx::query(
        "INSERT INTO item_progress (user_id, course_id, item_id, state, best_score, updated_at, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id, course_id, item_id) DO UPDATE SET
           state = CASE WHEN item_progress.state = 'done' THEN 'done'
                        WHEN excluded.state = 'in_progress' AND item_progress.state = 'failed' THEN 'failed'
                        ELSE excluded.state END,
           best_score = CASE WHEN item_progress.best_score IS NULL THEN excluded.best_score
                             WHEN excluded.best_score IS NULL THEN item_progress.best_score
                             WHEN excluded.best_score > item_progress.best_score THEN excluded.best_score
                             ELSE item_progress.best_score END,
           completed_at = COALESCE(item_progress.completed_at, excluded.completed_at),
           updated_at = excluded.updated_at",
    )
    .bind(user)
    .bind(course)
    .bind(item)
    .bind(s)
    .bind(score)
    .bind(t)
    .bind(completed)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// After an item is done: if the course is now complete, records it and
/// issues a certificate (once).
async fn complete_course_if_done(
    tx: &mut Transaction<'_, Any>,
    course: &Course,
    user: &SessionUser,
    t: i64,
) -> Result<(), AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT item_id, state FROM item_progress WHERE user_id = $1 AND course_id = $2",
    )
    .bind(user.id)
    .bind(&course.id)
    .fetch_all(&mut **tx)
    .await?;
    let states: HashMap<String, ItemState> =
        rows.into_iter().map(|(i, s)| (i, item_state(&s))).collect();
    if !completion::is_complete(course, &states) {
        return Ok(());
    }
    let done = sqlx::query(
        "UPDATE enrolments SET completed_at = $3, updated_at = $3
         WHERE user_id = $1 AND course_id = $2 AND completed_at IS NULL",
    )
    .bind(user.id)
    .bind(&course.id)
    .bind(t)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 1 {
        let code = certificate_code();
        sqlx::query(
            "INSERT INTO certificates (code, user_id, course_id, learner_name, course_title, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&code)
        .bind(user.id)
        .bind(&course.id)
        .bind(&user.name)
        .bind(&course.title)
        .bind(t)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO notifications (user_id, course_id, message, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user.id)
        .bind(&course.id)
        .bind(format!(
            "You completed “{}”. Your certificate code is {code}.",
            course.title
        ))
        .bind(t)
        .execute(&mut **tx)
        .await?;
        super::dashboard::refresh_for_user(tx, user.id, Some(&course.id)).await?;
    }
    Ok(())
}

/// 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L).
fn certificate_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let mut out = String::with_capacity(14);
    for i in 0..12 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    out
}

pub async fn complete_lesson(
    state: &AppState,
    user: &SessionUser,
    course_id: &str,
    item_id: &str,
) -> Result<Option<String>, AppError> {
    let catalog = state.content.get();
    let course = find_course(&catalog, course_id)?;
    let (index, item) = find_item(course, item_id)?;
    if item.kind() != ItemKind::Lesson {
        return Err(AppError::Invalid(
            "Only a lesson can be marked as done.".into(),
        ));
    }
    let t = now();
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool.begin().await?;
    touch_enrolment_tx(&mut tx, user.id, course_id, item_id, t).await?;
    set_item_state(
        &mut tx,
        user.id,
        course_id,
        item_id,
        ItemState::Done,
        None,
        t,
    )
    .await?;
    complete_course_if_done(&mut tx, course, user, t).await?;
    tx.commit().await?;
    Ok(course.items.get(index + 1).map(|n| n.id.clone()))
}

// ---------------------------------------------------------------------------
// Attempts

async fn latest_attempt(
    db: &Db,
    user: i64,
    course: &str,
    item: &str,
) -> Result<Option<AttemptRow>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ATTEMPT_COLS} FROM attempts
         WHERE user_id = $1 AND course_id = $2 AND item_id = $3 AND status <> 'abandoned'
         ORDER BY id DESC LIMIT 1"
    ))
    .bind(user)
    .bind(course)
    .bind(item)
    .fetch_optional(&db.pool)
    .await?)
}

async fn count_attempts(
    db: &Db,
    user: i64,
    course: &str,
    item: &str,
    statuses: &str,
) -> Result<i64, AppError> {
    let (n,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM attempts WHERE user_id = $1 AND course_id = $2 AND item_id = $3 AND status IN ({statuses})
           AND started_at >= COALESCE((SELECT renewed_at FROM enrolments WHERE user_id = $1 AND course_id = $2), 0)"
    ))
    .bind(user)
    .bind(course)
    .bind(item)
    .fetch_one(&db.pool)
    .await?;
    Ok(n)
}

/// How many attempts at an item are finished, and the item's state, in
/// one round trip (the scenario and quiz pages need both).
async fn item_summary(
    db: &Db,
    user: i64,
    course: &str,
    item: &str,
) -> Result<(i64, Option<ItemState>), AppError> {
    let (finished, state): (i64, Option<String>) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM attempts WHERE user_id = $1 AND course_id = $2 AND item_id = $3 AND status = 'finished'
                   AND started_at >= COALESCE((SELECT renewed_at FROM enrolments WHERE user_id = $1 AND course_id = $2), 0)),
                (SELECT state FROM item_progress WHERE user_id = $1 AND course_id = $2 AND item_id = $3)",
    )
    .bind(user)
    .bind(course)
    .bind(item)
    .fetch_one(&db.pool)
    .await?;
    Ok((finished, state.as_deref().map(item_state)))
}

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, AppError> {
    serde_json::from_str(json).map_err(|e| {
        tracing::error!(error = %e, "attempt state does not decode");
        AppError::Internal
    })
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| {
        tracing::error!(error = %e, "cannot encode attempt state");
        AppError::Internal
    })
}

/// Starts a new attempt at a scenario or quiz. A quiz with an attempt in
/// progress keeps it (pressing Start twice does not use up an attempt);
/// a scenario starts afresh and the unfinished attempt is set aside.
pub async fn start_attempt(
    state: &AppState,
    user: &SessionUser,
    course_id: &str,
    item_id: &str,
    kind: &str,
) -> Result<StepResult, AppError> {
    let catalog = state.content.get();
    let course = find_course(&catalog, course_id)?;
    let (_, item) = find_item(course, item_id)?;
    if kind_str(item) != kind {
        return Err(AppError::not_found(if kind == "quiz" {
            "This quiz"
        } else {
            "This scenario"
        }));
    }
    let version = catalog
        .version(course_id, item_id)
        .ok_or_else(|| internal("a catalog item has no stored version"))?;
    let db = &state.db;
    let initial = match &item.body {
        ItemBody::Scenario(s) => encode(&ScenarioState::start(s))?,
        ItemBody::Quiz(q) => {
            if let Some(a) = latest_attempt(db, user.id, course_id, item_id).await? {
                if a.status == "active" {
                    return Ok(StepResult {
                        attempt: AttemptRef {
                            id: a.id,
                            step: a.step,
                        },
                        finished: false,
                        replayed: true,
                    });
                }
            }
            let used = count_attempts(db, user.id, course_id, item_id, "'finished'").await?;
            if !may_retry(q, used as usize) {
                return Err(AppError::Conflict(format!(
                    "You have used all {used} attempts at this quiz."
                )));
            }
            encode(&QuizState::start(q, rand::random()))?
        }
        ItemBody::Lesson(_) => return Err(AppError::not_found("This scenario")),
    };
    let t = now();
    let _turn = db.write_turn().await;
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "UPDATE attempts SET status = 'abandoned', updated_at = $4
         WHERE user_id = $1 AND course_id = $2 AND item_id = $3 AND status = 'active'",
    )
    .bind(user.id)
    .bind(course_id)
    .bind(item_id)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO attempts (user_id, course_id, item_id, version_id, kind, status, step, state, started_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'active', 0, $6, $7, $7) RETURNING id",
    )
    .bind(user.id)
    .bind(course_id)
    .bind(item_id)
    .bind(version.id)
    .bind(kind)
    .bind(&initial)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    touch_enrolment_tx(&mut tx, user.id, course_id, item_id, t).await?;
    set_item_state(
        &mut tx,
        user.id,
        course_id,
        item_id,
        ItemState::InProgress,
        None,
        t,
    )
    .await?;
    tx.commit().await?;
    Ok(StepResult {
        attempt: AttemptRef { id, step: 0 },
        finished: false,
        replayed: false,
    })
}

/// The attempt a step is for, checked to belong to this person.
async fn own_attempt(db: &Db, user: i64, attempt: i64) -> Result<AttemptRow, AppError> {
    let row: Option<AttemptRow> = sqlx::query_as(&format!(
        "SELECT {ATTEMPT_COLS} FROM attempts WHERE id = $1"
    ))
    .bind(attempt)
    .fetch_optional(&db.pool)
    .await?;
    // Someone else's attempt looks exactly like one that does not exist.
    row.filter(|a| a.user_id == user)
        .ok_or_else(|| AppError::not_found("This attempt"))
}

/// Checks a submission's step against the attempt. `Ok(None)`: go ahead.
/// `Ok(Some(result))`: a replay of a step already saved. `Err`: stale or
/// tampered.
async fn check_step(
    db: &Db,
    attempt: &AttemptRow,
    step: i64,
    request: &str,
) -> Result<Option<StepResult>, AppError> {
    if step < 0 || step > attempt.step {
        return Err(AppError::Invalid(
            "That step number does not belong to this attempt. Reload the page to continue.".into(),
        ));
    }
    if step == attempt.step && attempt.status == "active" {
        return Ok(None);
    }
    let saved: Option<(String, String)> = sqlx::query_as(
        "SELECT request, result FROM attempt_steps WHERE attempt_id = $1 AND step = $2",
    )
    .bind(attempt.id)
    .bind(step)
    .fetch_optional(&db.pool)
    .await?;
    match saved {
        Some((r, result)) if r == request => {
            let mut res: StepResult = decode(&result)?;
            res.replayed = true;
            Ok(Some(res))
        }
        _ if attempt.status == "abandoned" => Err(AppError::Conflict(
            "This attempt was replaced by a newer one. The page now shows where you are.".into(),
        )),
        _ if attempt.status == "finished" && step == attempt.step => Err(AppError::Conflict(
            "This attempt has finished. The page now shows its result.".into(),
        )),
        _ => Err(AppError::Conflict(
            "This attempt moved on (perhaps in another tab). The page now shows where you are."
                .into(),
        )),
    }
}

/// What a finished attempt records.
struct Finish {
    outcome: Option<String>,
    score: Option<i64>,
    passed: Option<bool>,
    competencies: Vec<(String, i64)>,
    item_state: ItemState,
}

/// Saves one step: the step row, the attempt's new state and, when the
/// attempt ends, its result and the learner's progress. All or nothing.
#[allow(clippy::too_many_arguments)]
async fn save_step(
    state: &AppState,
    user: &SessionUser,
    course: &Course,
    attempt: &AttemptRow,
    step: i64,
    request: &str,
    new_state: String,
    finish: Option<Finish>,
) -> Result<StepResult, AppError> {
    let result = StepResult {
        attempt: AttemptRef {
            id: attempt.id,
            step: step + 1,
        },
        finished: finish.is_some(),
        replayed: false,
    };
    let t = now();
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO attempt_steps (attempt_id, step, request, result, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(attempt.id)
    .bind(step)
    .bind(request)
    .bind(encode(&result)?)
    .bind(t)
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        drop(tx);
        if is_unique_violation(&e) {
            // Another request saved this step first: answer as if we were it.
            let fresh = own_attempt(&state.db, user.id, attempt.id).await?;
            return check_step(&state.db, &fresh, step, request)
                .await?
                .ok_or_else(|| internal("the step saved by another request is missing"));
        }
        return Err(AppError::from(e));
    }
    let status = if finish.is_some() {
        "finished"
    } else {
        "active"
    };
    let f = finish.as_ref();
    let updated = sqlx::query(
        "UPDATE attempts SET step = $3, state = $4, status = $5, outcome = $6, score = $7, passed = $8,
                updated_at = $9, finished_at = $10
         WHERE id = $1 AND step = $2 AND status = 'active'",
    )
    .bind(attempt.id)
    .bind(step)
    .bind(step + 1)
    .bind(&new_state)
    .bind(status)
    .bind(f.and_then(|f| f.outcome.clone()))
    .bind(f.and_then(|f| f.score))
    .bind(f.and_then(|f| f.passed).map(i64::from))
    .bind(t)
    .bind(f.map(|_| t))
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        drop(tx);
        return Err(AppError::Conflict(
            "This attempt moved on (perhaps in another tab). The page now shows where you are."
                .into(),
        ));
    }
    touch_enrolment_tx(&mut tx, user.id, &course.id, &attempt.item_id, t).await?;
    if let Some(f) = finish {
        for (c, v) in &f.competencies {
            sqlx::query(
                "INSERT INTO attempt_scores (attempt_id, competency, score) VALUES ($1, $2, $3)",
            )
            .bind(attempt.id)
            .bind(c)
            .bind(v)
            .execute(&mut *tx)
            .await?;
        }
        set_item_state(
            &mut tx,
            user.id,
            &course.id,
            &attempt.item_id,
            f.item_state,
            f.score,
            t,
        )
        .await?;
        if !f.competencies.is_empty() {
            super::dashboard::refresh_for_user(&mut tx, user.id, Some(&course.id)).await?;
        }
        if f.item_state == ItemState::Done {
            complete_course_if_done(&mut tx, course, user, t).await?;
        }
    }
    tx.commit().await?;
    Ok(result)
}

fn play_error(e: PlayError) -> AppError {
    match e {
        PlayError::Broken => internal("the scenario has no scene to play"),
        PlayError::Finished => AppError::Conflict(e.to_string()),
        _ => AppError::Invalid(e.to_string()),
    }
}

fn quiz_error(e: QuizError) -> AppError {
    match e {
        QuizError::Finished => AppError::Conflict(e.to_string()),
        _ => AppError::Invalid(e.to_string()),
    }
}

async fn attempt_content(
    state: &AppState,
    catalog: &Catalog,
    attempt: &AttemptRow,
) -> Result<Arc<Item>, AppError> {
    catalog
        .item_at_version(&state.db, &attempt.course_id, attempt.version_id)
        .await
}

pub async fn scenario_step(
    state: &AppState,
    user: &SessionUser,
    attempt_id: i64,
    step: i64,
    action: ScenarioAction,
) -> Result<StepResult, AppError> {
    let attempt = own_attempt(&state.db, user.id, attempt_id).await?;
    if attempt.kind != "scenario" {
        return Err(AppError::Invalid("This attempt is not a scenario.".into()));
    }
    let request = action.request();
    if let Some(replay) = check_step(&state.db, &attempt, step, &request).await? {
        return Ok(replay);
    }
    let catalog = state.content.get();
    let course = find_course(&catalog, &attempt.course_id)?;
    let item = attempt_content(state, &catalog, &attempt).await?;
    let ItemBody::Scenario(scenario) = &item.body else {
        return Err(internal(
            "a scenario attempt points at an item that is not a scenario",
        ));
    };
    let mut play: ScenarioState = decode(&attempt.state)?;
    match action {
        ScenarioAction::Choose(i) => {
            play.choose(scenario, i).map_err(play_error)?;
        }
        ScenarioAction::Back => play.back(scenario).map_err(play_error)?,
    }
    let finish = play.result(scenario).map(|r| Finish {
        outcome: Some(r.outcome.key().into()),
        score: r.score.map(i64::from),
        passed: None,
        competencies: r
            .competencies
            .iter()
            .map(|(c, v)| (c.clone(), i64::from(*v)))
            .collect(),
        item_state: ItemState::Done,
    });
    save_step(
        state,
        user,
        course,
        &attempt,
        step,
        &request,
        encode(&play)?,
        finish,
    )
    .await
}

pub async fn quiz_step(
    state: &AppState,
    user: &SessionUser,
    attempt_id: i64,
    step: i64,
    question: &str,
    picked: &[usize],
) -> Result<StepResult, AppError> {
    let attempt = own_attempt(&state.db, user.id, attempt_id).await?;
    if attempt.kind != "quiz" {
        return Err(AppError::Invalid("This attempt is not a quiz.".into()));
    }
    let mut sorted = picked.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let request = format!(
        "answer {question} {}",
        sorted
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    if let Some(replay) = check_step(&state.db, &attempt, step, &request).await? {
        return Ok(replay);
    }
    let catalog = state.content.get();
    let course = find_course(&catalog, &attempt.course_id)?;
    let item = attempt_content(state, &catalog, &attempt).await?;
    let ItemBody::Quiz(quiz) = &item.body else {
        return Err(internal(
            "a quiz attempt points at an item that is not a quiz",
        ));
    };
    let mut play: QuizState = decode(&attempt.state)?;
    let index = quiz
        .questions
        .iter()
        .position(|q| q.id == question)
        .filter(|i| play.questions.contains(i))
        .ok_or_else(|| AppError::Invalid("That question is not part of this attempt.".into()))?;
    play.answer(quiz, index, &sorted).map_err(quiz_error)?;
    let finish = if play.is_finished() {
        let passed = play.passed(quiz);
        let used = count_attempts(
            &state.db,
            user.id,
            &attempt.course_id,
            &attempt.item_id,
            "'finished'",
        )
        .await?
            + 1;
        Some(Finish {
            outcome: None,
            score: Some(i64::from(play.percent())),
            passed: Some(passed),
            competencies: Vec::new(),
            item_state: if passed {
                ItemState::Done
            } else if may_retry(quiz, used as usize) {
                ItemState::InProgress
            } else {
                ItemState::Failed
            },
        })
    } else {
        None
    };
    save_step(
        state,
        user,
        course,
        &attempt,
        step,
        &request,
        encode(&play)?,
        finish,
    )
    .await
}

// ---------------------------------------------------------------------------
// Scenario and quiz pages

fn meters(scenario: &Scenario, play: &ScenarioState) -> Vec<Meter> {
    let totals = play.totals(scenario);
    let last = play.moves.last();
    scenario
        .competencies
        .iter()
        .map(|c| {
            let range = scenario.score_ranges.get(c);
            Meter {
                competency: c.clone(),
                total: totals.get(c).copied().unwrap_or(0),
                delta: last.and_then(|m| m.effects.get(c)).copied().unwrap_or(0),
                min: range.map_or(0, |r| r.min),
                max: range.map_or(0, |r| r.max),
            }
        })
        .collect()
}

/// The conversation so far: every scene passed through, with the lines
/// whose conditions held at the time, and the replies chosen.
fn transcript(scenario: &Scenario, play: &ScenarioState) -> Vec<Turn> {
    let mut out = Vec::new();
    let mut so_far = ScenarioState::start(scenario);
    let blocks = |st: &ScenarioState, out: &mut Vec<Turn>| {
        if let Some(scene) = st.current(scenario) {
            let facts = st.progress(scenario);
            for b in &scene.blocks {
                if b.condition.as_ref().is_none_or(|c| c.holds(&facts)) {
                    out.push(Turn {
                        speaker: b.speaker.clone(),
                        html: b.html.clone(),
                        mine: false,
                    });
                }
            }
        }
    };
    for m in &play.moves {
        blocks(&so_far, &mut out);
        if let Some(c) = scenario
            .graph
            .scene(&m.scene)
            .and_then(|s| s.choices.get(m.choice))
        {
            out.push(Turn {
                speaker: None,
                html: crate::content::markdown::escape(&c.text),
                mine: true,
            });
        }
        so_far.moves.push(m.clone());
        so_far.scene = m.target.clone();
    }
    blocks(&so_far, &mut out);
    out
}

/// At an ending, its narration is the debrief: it moves from the
/// transcript to the ending's panel. What the customer says stays.
fn split_debrief(scenario: &Scenario, play: &ScenarioState, turns: &mut Vec<Turn>) -> Vec<Turn> {
    let Some(scene) = play.current(scenario).filter(|s| s.ending.is_some()) else {
        return Vec::new();
    };
    let facts = play.progress(scenario);
    let shown = scene
        .blocks
        .iter()
        .filter(|b| b.condition.as_ref().is_none_or(|c| c.holds(&facts)))
        .count();
    let tail = turns.split_off(turns.len().saturating_sub(shown));
    let (spoken, narration): (Vec<Turn>, Vec<Turn>) =
        tail.into_iter().partition(|t| t.speaker.is_some());
    turns.extend(spoken);
    narration
}

fn ending_view(scenario: &Scenario, play: &ScenarioState) -> Option<EndingView> {
    let result = play.result(scenario)?;
    let text = |scene: &str, i: usize| {
        scenario
            .graph
            .scene(scene)
            .and_then(|s| s.choices.get(i))
            .map(|c| c.text.clone())
            .unwrap_or_default()
    };
    let review = play
        .review(scenario)
        .into_iter()
        .map(|r| ReviewRow {
            scene: scenario
                .graph
                .scene(&r.scene)
                .map(|s| s.title.clone())
                .unwrap_or_default(),
            chosen: text(&r.scene, r.chosen),
            better: (r.lost > 0).then(|| text(&r.scene, r.best)),
            lost: r.lost,
        })
        .collect();
    let best_route = best_route(scenario)
        .into_iter()
        .map(|c| c.text.clone())
        .collect();
    Some(EndingView {
        outcome: result.outcome.label().into(),
        outcome_key: result.outcome.key().into(),
        score: result.score,
        best: result.best,
        review,
        best_route,
        debrief: Vec::new(),
    })
}

/// The course, the item's position, the learner's latest attempt at it and
/// the item as that attempt sees it (its pinned version), or the current
/// version when there is no attempt yet.
async fn open_item<'a>(
    state: &AppState,
    catalog: &'a Catalog,
    user: &SessionUser,
    course_id: &str,
    item_id: &str,
    kind: ItemKind,
) -> Result<(&'a Course, usize, Option<AttemptRow>, Arc<Item>), AppError> {
    let course = find_course(catalog, course_id)?;
    let (index, current) = find_item(course, item_id)?;
    if current.kind() != kind {
        return Err(AppError::not_found(match kind {
            ItemKind::Scenario => "This scenario",
            ItemKind::Quiz => "This quiz",
            ItemKind::Lesson => "This lesson",
        }));
    }
    let attempt = latest_attempt(&state.db, user.id, course_id, item_id).await?;
    let version = match &attempt {
        Some(a) => Some(a.version_id),
        None => catalog.version(course_id, item_id).map(|v| v.id),
    };
    let item = match version {
        Some(v) => catalog.item_at_version(&state.db, course_id, v).await?,
        None => Arc::new(current.clone()),
    };
    Ok((course, index, attempt, item))
}

pub async fn scenario_view(
    state: &AppState,
    user: &SessionUser,
    course_id: &str,
    item_id: &str,
) -> Result<ScenarioData, AppError> {
    let catalog = state.content.get();
    let (course, index, attempt, item) = open_item(
        state,
        &catalog,
        user,
        course_id,
        item_id,
        ItemKind::Scenario,
    )
    .await?;
    let db = &state.db;
    let ItemBody::Scenario(scenario) = &item.body else {
        return Err(internal(
            "a scenario attempt points at an item that is not a scenario",
        ));
    };
    let (finished_attempts, item_done) = item_summary(db, user.id, course_id, item_id).await?;
    let mut view = ScenarioData {
        place: place(course, index),
        persona: scenario.persona.name.clone(),
        situation: scenario.persona.situation.clone(),
        mood: scenario.persona.mood.clone(),
        channel: scenario.channel.label().into(),
        intro_html: scenario.intro_html.clone(),
        attempt: None,
        transcript: Vec::new(),
        scene_title: String::new(),
        feedback: None,
        meters: Vec::new(),
        choices: Vec::new(),
        can_go_back: false,
        ending: None,
        finished_attempts,
        done: item_done == Some(ItemState::Done),
    };
    let Some(a) = attempt else {
        return Ok(view);
    };
    let play: ScenarioState = decode(&a.state)?;
    view.attempt = Some(AttemptRef {
        id: a.id,
        step: a.step,
    });
    view.transcript = transcript(scenario, &play);
    let debrief = split_debrief(scenario, &play, &mut view.transcript);
    view.scene_title = play
        .current(scenario)
        .map(|s| s.title.clone())
        .unwrap_or_default();
    view.meters = meters(scenario, &play);
    view.feedback = play.moves.last().and_then(|m| {
        let c = scenario.graph.scene(&m.scene)?.choices.get(m.choice)?;
        Some(FeedbackView {
            said: c.text.clone(),
            html: c.feedback_html.clone(),
        })
    });
    if let Some(scene) = play.current(scenario) {
        view.choices = play
            .offered(scenario)
            .into_iter()
            .map(|i| ChoiceView {
                index: i,
                text: scene.choices[i].text.clone(),
            })
            .collect();
    }
    view.can_go_back = scenario.back && !play.moves.is_empty() && !play.is_finished(scenario);
    view.ending = ending_view(scenario, &play).map(|mut e| {
        e.debrief = debrief.into_iter().map(|t| t.html).collect();
        e
    });
    Ok(view)
}

fn question_view(quiz: &Quiz, play: &QuizState, pos: usize) -> Option<QuestionView> {
    let qi = *play.questions.get(pos)?;
    let q = quiz.questions.get(qi)?;
    Some(QuestionView {
        position: pos + 1,
        id: q.id.clone(),
        prompt_html: q.prompt_html.clone(),
        detail_html: q.detail_html.clone(),
        multiple: q.multiple,
        options: play.option_order[pos]
            .iter()
            .filter_map(|&o| {
                q.options.get(o).map(|opt| OptionView {
                    index: o,
                    html: opt.html.clone(),
                })
            })
            .collect(),
    })
}

fn answered_view(quiz: &Quiz, play: &QuizState) -> Option<AnsweredView> {
    let pos = play.answers.len().checked_sub(1)?;
    let a = &play.answers[pos];
    let q = quiz.questions.get(a.question)?;
    Some(AnsweredView {
        position: pos + 1,
        prompt_html: q.prompt_html.clone(),
        correct: a.correct,
        options: play.option_order[pos]
            .iter()
            .filter_map(|&o| {
                q.options.get(o).map(|opt| AnsweredOption {
                    html: opt.html.clone(),
                    picked: a.picked.contains(&o),
                    correct: opt.correct,
                    feedback_html: opt.feedback_html.clone(),
                })
            })
            .collect(),
    })
}

pub async fn quiz_view(
    state: &AppState,
    user: &SessionUser,
    course_id: &str,
    item_id: &str,
) -> Result<QuizData, AppError> {
    let catalog = state.content.get();
    let (course, index, attempt, item) =
        open_item(state, &catalog, user, course_id, item_id, ItemKind::Quiz).await?;
    let db = &state.db;
    let ItemBody::Quiz(quiz) = &item.body else {
        return Err(internal(
            "a quiz attempt points at an item that is not a quiz",
        ));
    };
    let (used, item_done) = item_summary(db, user.id, course_id, item_id).await?;
    let passed_before = item_done == Some(ItemState::Done);
    let mut view = QuizData {
        place: place(course, index),
        intro_html: quiz.intro_html.clone(),
        pass_percent: quiz.pass_percent,
        questions_per_attempt: quiz.questions_per_attempt(),
        attempt: None,
        attempts_used: used,
        attempts_max: quiz.attempts,
        can_retry: may_retry(quiz, used as usize),
        question: None,
        answered: None,
        result: None,
        passed_before,
    };
    let Some(a) = attempt else {
        return Ok(view);
    };
    let play: QuizState = decode(&a.state)?;
    view.attempt = Some(AttemptRef {
        id: a.id,
        step: a.step,
    });
    view.answered = answered_view(quiz, &play);
    view.question = play.current().and_then(|p| question_view(quiz, &play, p));
    if play.is_finished() {
        view.result = Some(QuizResultView {
            right: play.right(),
            total: play.questions.len(),
            percent: play.percent(),
            passed: play.passed(quiz),
        });
    }
    Ok(view)
}

// ---------------------------------------------------------------------------
// Certificates and notices

pub async fn certificate(
    state: &AppState,
    viewer: Option<i64>,
    code: &str,
) -> Result<CertificateView, AppError> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() > 20 {
        return Err(AppError::not_found("This certificate"));
    }
    let row: Option<(String, i64, String, String, i64)> = sqlx::query_as(
        "SELECT code, user_id, learner_name, course_title, issued_at FROM certificates WHERE code = $1",
    )
    .bind(&code)
    .fetch_optional(&state.db.pool)
    .await?;
    let (code, user_id, learner, course, issued_at) =
        row.ok_or_else(|| AppError::not_found("A certificate with this code"))?;
    Ok(CertificateView {
        code,
        learner,
        course,
        issued_at,
        mine: viewer == Some(user_id),
    })
}

pub async fn dismiss_notices(state: &AppState, user: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
        .bind(user)
        .bind(now())
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_codes_are_readable_and_distinct() {
        let a = certificate_code();
        assert_eq!(a.len(), 14, "{a}");
        assert_eq!(a.matches('-').count(), 2);
        assert!(a
            .chars()
            .all(|c| c == '-' || "ABCDEFGHJKMNPQRSTUVWXYZ23456789".contains(c)));
        assert_ne!(a, certificate_code());
    }
}
