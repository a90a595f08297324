//! Attempts and their steps.
//!
//! **Architecture invariant:** a learner's step changes the database only in
//! [`save_step`], in one transaction guarded by the step number.

pub(super) use super::outbound::{actor, scenario_statements, Outbound};
use super::progress::{complete_course_if_done, launched, set_item_state, touch_enrolment_tx};
use super::steps::StepContext;
use super::stored::StoredStep;
use super::{find_course, find_item, item_state, kind_str, AttemptRow, ATTEMPT_COLS};
use crate::api::auth::SessionUser;
use crate::api::learn::*;
use crate::api::AppError;
use crate::content::store::Catalog;
use crate::domain::completion::ItemState;
use crate::domain::course::{Course, ItemBody};
use crate::domain::play::{PlayError, ScenarioState};
use crate::domain::quiz_play::{may_retry, QuizError, QuizState};
use crate::server::db::{Db, Tx};
use crate::server::now;
use crate::server::sql::{internal, is_unique_violation};
use crate::server::xapi::Statement;
use crate::server::AppState;
use std::sync::Arc;

pub(super) async fn latest_attempt(
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

pub(super) async fn count_attempts(
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
pub(super) async fn item_summary(
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

pub(super) fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, AppError> {
    serde_json::from_str(json).map_err(|e| {
        tracing::error!(error = %e, "attempt state does not decode");
        AppError::Internal
    })
}

pub(super) fn encode<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
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
    let (user_id, course_id, item_id) = (user.id, course_id.to_owned(), item_id.to_owned());
    let (version_id, kind) = (version.id, kind.to_owned());
    let xapi = state.xapi.clone();
    let who = Arc::new((user.clone(), catalog.clone()));
    let id = db
        .grouped(move |tx| {
            let (course_id, item_id) = (course_id.clone(), item_id.clone());
            let (kind, initial) = (kind.clone(), initial.clone());
            let (xapi, who) = (xapi.clone(), who.clone());
            Box::pin(async move {
                let t = now();
                sqlx::query(
                    "UPDATE attempts SET status = 'abandoned', updated_at = $4
                     WHERE user_id = $1 AND course_id = $2 AND item_id = $3 AND status = 'active'",
                )
                .bind(user_id)
                .bind(&course_id)
                .bind(&item_id)
                .bind(t)
                .execute(&mut **tx)
                .await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO attempts (user_id, course_id, item_id, version_id, kind, status, step, state, started_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, 'active', 0, $6, $7, $7) RETURNING id",
                )
                .bind(user_id)
                .bind(&course_id)
                .bind(&item_id)
                .bind(version_id)
                .bind(&kind)
                .bind(&initial)
                .bind(t)
                .fetch_one(&mut **tx)
                .await?;
                if touch_enrolment_tx(tx, user_id, &course_id, &item_id, t).await? {
                    let (user, catalog) = &*who;
                    launched(tx, &xapi, user, find_course(catalog, &course_id)?).await?;
                }
                set_item_state(tx, user_id, &course_id, &item_id, ItemState::InProgress, None, t)
                    .await?;
                if let Some(b) = xapi.builder() {
                    let (user, catalog) = &*who;
                    let course = find_course(catalog, &course_id)?;
                    let (_, item) = find_item(course, &item_id)?;
                    let s = b.attempted(&actor(user), id, course, item);
                    xapi.queue(tx, user_id, &[s]).await?;
                }
                Ok(id)
            })
        })
        .await?;
    state.xapi.wake();
    Ok(StepResult {
        attempt: AttemptRef { id, step: 0 },
        finished: false,
        replayed: false,
    })
}

/// The attempt a step is for, checked to belong to this person.
pub(super) async fn own_attempt(db: &Db, user: i64, attempt: i64) -> Result<AttemptRow, AppError> {
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
pub(super) async fn check_step(
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
            let stored: StoredStep = decode(&result)?;
            Ok(Some(stored.to_wire(true)))
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
pub(super) struct Finish {
    pub(super) outcome: Option<String>,
    pub(super) score: Option<i64>,
    pub(super) passed: Option<bool>,
    /// Per competency: the total, and its share of the scenario's range.
    pub(super) competencies: Vec<(String, i64, Option<i64>)>,
    pub(super) item_state: ItemState,
}

/// Saves one step: the step row, the attempt's new state and, when the
/// attempt ends, its result and the learner's progress. All or nothing, in
/// the database's next group commit (`Db::grouped`): the answer comes after
/// the commit.
#[allow(clippy::too_many_arguments)]
pub(super) async fn save_step(
    state: &AppState,
    user: &SessionUser,
    cx: &StepContext,
    step: i64,
    request: &str,
    new_state: String,
    finish: Option<Finish>,
    statements: Vec<Statement>,
) -> Result<StepResult, AppError> {
    let attempt = &cx.attempt;
    let stored = StoredStep::new(attempt.id, step + 1, finish.is_some());
    // What the write needs, shared: the group may run it twice.
    let finishing = finish.is_some();
    let save = Arc::new(SaveStep {
        xapi: state.xapi.clone(),
        statements,
        mail: state.mail.clone(),
        user: user.clone(),
        catalog: cx.catalog.clone(),
        attempt_id: attempt.id,
        course_id: attempt.course_id.clone(),
        item_id: attempt.item_id.clone(),
        step,
        request: request.to_owned(),
        result: encode(&stored)?,
        new_state,
        finish,
    });
    let saved = state
        .db
        .grouped(move |tx| {
            let s = save.clone();
            Box::pin(async move {
                let t = now();
                let inserted = sqlx::query(
                    "INSERT INTO attempt_steps (attempt_id, step, request, result, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(s.attempt_id)
                .bind(s.step)
                .bind(&s.request)
                .bind(&s.result)
                .bind(t)
                .execute(&mut **tx)
                .await;
                match inserted {
                    Err(e) if is_unique_violation(&e) => return Ok(false),
                    Err(e) => return Err(AppError::from(e)),
                    Ok(_) => {}
                }
                let f = s.finish.as_ref();
                let status = if f.is_some() { "finished" } else { "active" };
                let updated = sqlx::query(
                    "UPDATE attempts SET step = $3, state = $4, status = $5, outcome = $6, score = $7, passed = $8,
                            updated_at = $9, finished_at = $10
                     WHERE id = $1 AND step = $2 AND status = 'active'",
                )
                .bind(s.attempt_id)
                .bind(s.step)
                .bind(s.step + 1)
                .bind(&s.new_state)
                .bind(status)
                .bind(f.and_then(|f| f.outcome.clone()))
                .bind(f.and_then(|f| f.score))
                .bind(f.and_then(|f| f.passed).map(i64::from))
                .bind(t)
                .bind(f.map(|_| t))
                .execute(&mut **tx)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(moved_on());
                }
                if touch_enrolment_tx(tx, s.user.id, &s.course_id, &s.item_id, t).await? {
                    let course = find_course(&s.catalog, &s.course_id)?;
                    launched(tx, &s.xapi, &s.user, course).await?;
                }
                s.xapi.queue(tx, s.user.id, &s.statements).await?;
                if let Some(f) = f {
                    let course = find_course(&s.catalog, &s.course_id)?;
                    let out = Outbound { mail: &s.mail, xapi: &s.xapi };
                    finish_attempt(tx, &out, &s.user, course, s.attempt_id, &s.item_id, f, t)
                        .await?;
                }
                Ok(true)
            })
        })
        .await?;
    if saved {
        if finishing {
            state.mail.wake();
        }
        state.xapi.wake();
        return Ok(stored.to_wire(false));
    }
    // Another request saved this step first: answer as if we were it.
    let fresh = own_attempt(&state.db, user.id, attempt.id).await?;
    check_step(&state.db, &fresh, step, request)
        .await?
        .ok_or_else(|| internal("the step saved by another request is missing"))
}

/// One step's write, as `save_step` hands it to the group commit.
struct SaveStep {
    xapi: crate::server::xapi::Xapi,
    /// The step's xAPI statements, made once (their ids too).
    statements: Vec<Statement>,
    mail: crate::server::mail::Mail,
    user: SessionUser,
    catalog: Arc<Catalog>,
    attempt_id: i64,
    course_id: String,
    item_id: String,
    step: i64,
    request: String,
    result: String,
    new_state: String,
    finish: Option<Finish>,
}

fn moved_on() -> AppError {
    AppError::Conflict(
        "This attempt moved on (perhaps in another tab). The page now shows where you are.".into(),
    )
}

/// What an attempt's last step records besides the step: the scores, the
/// item's state and, when the course is now complete, its certificate.
#[allow(clippy::too_many_arguments)]
async fn finish_attempt(
    tx: &mut Tx,
    out: &Outbound<'_>,
    user: &SessionUser,
    course: &Course,
    attempt_id: i64,
    item_id: &str,
    f: &Finish,
    t: i64,
) -> Result<(), AppError> {
    for (c, v, share) in &f.competencies {
        sqlx::query(
            "INSERT INTO attempt_scores (attempt_id, competency, score, share) VALUES ($1, $2, $3, $4)",
        )
        .bind(attempt_id)
        .bind(c)
        .bind(v)
        .bind(share)
        .execute(&mut **tx)
        .await?;
    }
    set_item_state(tx, user.id, &course.id, item_id, f.item_state, f.score, t).await?;
    crate::server::dashboard::add_attempt_scores(tx, user.id, &course.id, &f.competencies).await?;
    if f.item_state == ItemState::Done {
        complete_course_if_done(tx, out, course, user, t).await?;
    }
    Ok(())
}

pub(super) fn play_error(e: PlayError) -> AppError {
    match e {
        PlayError::Broken => internal("the scenario has no scene to play"),
        PlayError::Finished => AppError::Conflict(e.to_string()),
        _ => AppError::Invalid(e.to_string()),
    }
}

pub(super) fn quiz_error(e: QuizError) -> AppError {
    match e {
        QuizError::Finished => AppError::Conflict(e.to_string()),
        _ => AppError::Invalid(e.to_string()),
    }
}
