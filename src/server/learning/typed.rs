//! Typed replies in a scenario: the learner's own words, understood as one
//! of the scene's authored replies (see `server::understanding`).
//!
//! An understood reply is a step like a choice, saved by `save_step` with
//! the request `say <text>`, so a replay of the same text is the same step
//! and another text for a step already taken is 409. A reply that is not
//! understood saves no step: it is kept in `typed_tries` so the page can
//! give it back to be reworded, and so trainers see, without names, what
//! was not understood.

use super::attempts::{decode, encode, play_error, save_step, scenario_statements};
use super::steps::{begin_step, scenario_finish, Begun};
use super::AttemptRow;
use crate::api::auth::SessionUser;
use crate::api::learn::{AttemptRef, SayResult, StepResult, TryVerdict, TypedBox};
use crate::api::AppError;
use crate::domain::course::{ItemBody, ItemKind};
use crate::domain::play::{PlayError, ScenarioState};
use crate::server::db::Db;
use crate::server::now;
use crate::server::sql::internal;
use crate::server::understanding::{self, clean_reply, decide, EmbedError, Thresholds, Verdict};
use crate::server::AppState;

/// Tries kept per step of an attempt; past this the latest is overwritten.
const MAX_TRIES_PER_STEP: i64 = 30;

pub async fn scenario_say(
    state: &AppState,
    user: &SessionUser,
    attempt_id: i64,
    step: i64,
    raw: &str,
) -> Result<SayResult, AppError> {
    let said = clean_reply(raw)?;
    let request = format!("say {said}");
    let cx = match begin_step(state, user, attempt_id, step, ItemKind::Scenario, &request).await? {
        Begun::Fresh(cx) => cx,
        Begun::Replay(step) => {
            return Ok(SayResult {
                verdict: TryVerdict::Understood,
                step,
                try_id: 0,
            })
        }
    };
    let ItemBody::Scenario(scenario) = &cx.item.body else {
        return Err(internal(
            "a scenario attempt points at an item that is not a scenario",
        ));
    };
    let mut play: ScenarioState = decode(&cx.attempt.state)?;
    let scene = play
        .current(scenario)
        .ok_or_else(|| play_error(PlayError::Broken))?;
    if scene.ending.is_some() {
        return Err(play_error(PlayError::Finished));
    }
    if !scene.typed {
        return Err(AppError::Invalid(
            "This moment of the conversation takes one of the replies in the list.".into(),
        ));
    }
    let offered = play.offered(scenario);
    let verdict = match state
        .understanding
        .closeness(user.id, &state.db, scene, &offered, &said)
        .await
    {
        Ok(scores) => match decide(&scores, Thresholds::DEFAULT) {
            Verdict::Understood(i) => Ok(i),
            Verdict::Unsure => Err(TryVerdict::Unsure),
        },
        Err(EmbedError::Unavailable(why)) => {
            tracing::info!("a typed reply was not matched: {why:?}");
            Err(TryVerdict::Busy)
        }
        Err(EmbedError::Failed(e)) => return Err(e),
    };
    let scene_id = scene.id.clone();
    match verdict {
        Ok(choice) => {
            play.choose(scenario, choice).map_err(play_error)?;
            if let Some(m) = play.moves.last_mut() {
                m.said = Some(said.clone());
            }
            let finish = scenario_finish(scenario, &play);
            let scene_now = scenario
                .graph
                .scene(&scene_id)
                .ok_or_else(|| play_error(PlayError::Broken))?;
            let statements = scenario_statements(
                state,
                user,
                &cx,
                Some((scene_now, offered.as_slice(), choice, true)),
                finish.as_ref(),
            )?;
            let result = save_step(
                state,
                user,
                &cx,
                step,
                &request,
                encode(&play)?,
                finish,
                statements,
            )
            .await?;
            let try_id = if result.replayed {
                0
            } else {
                let t = Try {
                    scene: &scene_id,
                    said: &said,
                    verdict: TryVerdict::Understood,
                    choice: Some(choice),
                };
                record_try(&state.db, &cx.attempt, step, t).await?
            };
            Ok(SayResult {
                verdict: TryVerdict::Understood,
                step: result,
                try_id,
            })
        }
        Err(verdict) => {
            let t = Try {
                scene: &scene_id,
                said: &said,
                verdict,
                choice: None,
            };
            let try_id = record_try(&state.db, &cx.attempt, step, t).await?;
            Ok(SayResult {
                verdict,
                step: StepResult {
                    attempt: AttemptRef {
                        id: cx.attempt.id,
                        step,
                    },
                    finished: false,
                    replayed: false,
                },
                try_id,
            })
        }
    }
}

struct Try<'a> {
    scene: &'a str,
    said: &'a str,
    verdict: TryVerdict,
    choice: Option<usize>,
}

/// Records one typed reply. At most [`MAX_TRIES_PER_STEP`] rows per step:
/// the attempt's row is locked first (a no-op update), so parallel tries
/// count one at a time on both databases.
async fn record_try(db: &Db, attempt: &AttemptRow, step: i64, t: Try<'_>) -> Result<i64, AppError> {
    let _turn = db.write_turn().await;
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE attempts SET id = id WHERE id = $1")
        .bind(attempt.id)
        .execute(&mut *tx)
        .await?;
    let (count, last): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MAX(id) FROM typed_tries WHERE attempt_id = $1 AND step = $2",
    )
    .bind(attempt.id)
    .bind(step)
    .fetch_one(&mut *tx)
    .await?;
    let choice = t.choice.map(|c| c as i64);
    let id = match last {
        Some(last) if count >= MAX_TRIES_PER_STEP => {
            sqlx::query(
                "UPDATE typed_tries SET said = $2, verdict = $3, choice = $4, created_at = $5 WHERE id = $1",
            )
            .bind(last)
            .bind(t.said)
            .bind(t.verdict.as_str())
            .bind(choice)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            last
        }
        _ => {
            sqlx::query_scalar(
                "INSERT INTO typed_tries (attempt_id, step, course_id, item_id, scene, said, verdict, choice, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(attempt.id)
            .bind(step)
            .bind(&attempt.course_id)
            .bind(&attempt.item_id)
            .bind(t.scene)
            .bind(t.said)
            .bind(t.verdict.as_str())
            .bind(choice)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// The text box of the scene at `step`: with the last reply given back
/// when it was not understood.
pub(super) async fn typed_box(db: &Db, attempt: i64, step: i64) -> Result<TypedBox, AppError> {
    let last: Option<(String, String)> = sqlx::query_as(
        "SELECT said, verdict FROM typed_tries WHERE attempt_id = $1 AND step = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(attempt)
    .bind(step)
    .fetch_optional(&db.pool)
    .await?;
    let mut out = TypedBox {
        max_chars: understanding::MAX_CHARS,
        ..TypedBox::default()
    };
    if let Some((said, verdict)) = last {
        let verdict = TryVerdict::parse(&verdict);
        if verdict != Some(TryVerdict::Understood) {
            out.retry = Some(said);
            out.why = verdict;
        }
    }
    Ok(out)
}
