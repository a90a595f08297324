//! Enrolments, item states and course completion: what a finished lesson
//! or attempt changes, inside the step's transaction.

use super::{find_course, find_item, item_state};
use crate::api::auth::SessionUser;
use crate::api::AppError;
use crate::domain::completion::{self, ItemState};
use crate::domain::course::{Course, ItemKind};
use crate::server::now;
use crate::server::AppState;
use sqlx::{Any, Transaction};
use std::collections::HashMap;

/// Remembers where the learner is, for Resume. Starts the enrolment; a
/// new enrolment changes the team's dashboard figures, so they are
/// recounted (rarely: once per learner and course). True when this call
/// started the enrolment (the course was launched).
pub(super) async fn touch_enrolment_tx(
    tx: &mut Transaction<'_, Any>,
    user: i64,
    course: &str,
    item: &str,
    t: i64,
) -> Result<bool, AppError> {
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
        return Ok(false);
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
        crate::server::dashboard::refresh_for_user(tx, user, Some(course)).await?;
    }
    Ok(inserted.rows_affected() > 0)
}

/// The course's `launched` statement, queued in the transaction that
/// started the learner's enrolment (once per learner and course).
pub(super) async fn launched(
    tx: &mut Transaction<'_, Any>,
    xapi: &crate::server::xapi::Xapi,
    user: &SessionUser,
    course: &Course,
) -> Result<(), AppError> {
    if let Some(b) = xapi.builder() {
        let s = b.launched(&super::attempts::actor(user), course);
        xapi.queue(tx, user.id, &[s]).await?;
    }
    Ok(())
}

/// Records an item's state; a done item stays done, the best score stays.
pub(super) async fn set_item_state(
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
pub(super) async fn complete_course_if_done(
    tx: &mut Transaction<'_, Any>,
    out: &super::attempts::Outbound<'_>,
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
        crate::server::dashboard::refresh_for_user(tx, user.id, Some(&course.id)).await?;
        if let Some(b) = out.xapi.builder() {
            let s = b.course_completed(&super::attempts::actor(user), course);
            out.xapi.queue(tx, user.id, &[s]).await?;
        }
        use crate::server::mail::{Body, Kind, Outgoing};
        out.mail.queue(
            tx,
            Outgoing {
                kind: Kind::Certificate,
                user_id: Some(user.id),
                to: &user.email,
                to_name: &user.name,
                subject: format!("Your certificate for “{}”", course.title),
                body: Body::default()
                    .para(format!("You completed “{}”. Well done.", course.title))
                    .para(format!(
                        "Your certificate code is {code}. Anyone you show the certificate to can check it on its page."
                    ))
                    .action("See your certificate", format!("/certificates/{code}")),
                dedupe: Some(format!("certificate:{code}")),
            },
        )
        .await?;
    }
    Ok(())
}

/// 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L).
pub(super) fn certificate_code() -> String {
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
    let mut tx = state.db.begin_write().await?;
    if touch_enrolment_tx(&mut tx, user.id, course_id, item_id, t).await? {
        launched(&mut tx, &state.xapi, user, course).await?;
    }
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
    if let Some(b) = state.xapi.builder() {
        let s = b.experienced(&super::attempts::actor(user), course, item);
        state.xapi.queue(&mut tx, user.id, &[s]).await?;
    }
    let out = super::attempts::Outbound {
        mail: &state.mail,
        xapi: &state.xapi,
    };
    complete_course_if_done(&mut tx, &out, course, user, t).await?;
    tx.commit().await?;
    state.mail.wake();
    state.xapi.wake();
    Ok(course.items.get(index + 1).map(|n| n.id.clone()))
}
