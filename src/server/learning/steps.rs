//! The steps a learner takes in an attempt: a choice in a scenario, an
//! answer in a quiz (typed replies: `typed`). Each begins the same way (the
//! caller's own attempt, the step number checked, the content version it
//! started on), works out the new state and what it sends, and hands all of
//! it to `attempts::save_step`, the one place a step writes.

use super::attempts::{
    check_step, count_attempts, decode, encode, own_attempt, play_error, quiz_error, save_step,
    Finish,
};
use super::outbound::{actor, scenario_statements};
use super::{find_course, AttemptRow, ScenarioAction};
use crate::api::auth::SessionUser;
use crate::api::learn::*;
use crate::api::AppError;
use crate::content::store::Catalog;
use crate::domain::completion::ItemState;
use crate::domain::course::{Item, ItemBody, ItemKind, Scenario};
use crate::domain::play::ScenarioState;
use crate::domain::quiz_play::{may_retry, QuizState};
use crate::server::sql::internal;
use crate::server::AppState;
use std::sync::Arc;

pub(super) async fn attempt_content(
    state: &AppState,
    catalog: &Catalog,
    attempt: &AttemptRow,
) -> Result<Arc<Item>, AppError> {
    catalog
        .item_at_version(&state.db, &attempt.course_id, attempt.version_id)
        .await
}

/// A step that is not a replay: the learner's own attempt and the content
/// version it was started on.
pub(super) struct StepContext {
    pub(super) attempt: AttemptRow,
    pub(super) catalog: Arc<Catalog>,
    pub(super) item: Arc<Item>,
}

/// How a step begins: fresh, or as a replay of a step already saved
/// (answered as it was then).
pub(super) enum Begun {
    Fresh(StepContext),
    Replay(StepResult),
}

/// The common start of every step: the caller's own attempt at an item of
/// `kind`, and the step number checked.
pub(super) async fn begin_step(
    state: &AppState,
    user: &SessionUser,
    attempt_id: i64,
    step: i64,
    kind: ItemKind,
    request: &str,
) -> Result<Begun, AppError> {
    let attempt = own_attempt(&state.db, user.id, attempt_id).await?;
    if attempt.kind != kind.as_str() {
        return Err(AppError::Invalid(match kind {
            ItemKind::Quiz => "This attempt is not a quiz.".into(),
            _ => "This attempt is not a scenario.".into(),
        }));
    }
    if let Some(replay) = check_step(&state.db, &attempt, step, request).await? {
        return Ok(Begun::Replay(replay));
    }
    let catalog = state.content.get();
    find_course(&catalog, &attempt.course_id)?;
    let item = attempt_content(state, &catalog, &attempt).await?;
    Ok(Begun::Fresh(StepContext {
        attempt,
        catalog,
        item,
    }))
}

/// What the attempt records when `play` has reached an ending.
pub(super) fn scenario_finish(scenario: &Scenario, play: &ScenarioState) -> Option<Finish> {
    play.result(scenario).map(|r| Finish {
        outcome: Some(r.outcome.key().into()),
        score: r.score.map(i64::from),
        passed: None,
        competencies: r
            .competencies
            .iter()
            .map(|(c, v)| {
                let share = scenario.score_ranges.get(c).and_then(|r| r.share(*v));
                (c.clone(), i64::from(*v), share)
            })
            .collect(),
        item_state: ItemState::Done,
    })
}

pub async fn scenario_step(
    state: &AppState,
    user: &SessionUser,
    attempt_id: i64,
    step: i64,
    action: ScenarioAction,
) -> Result<StepResult, AppError> {
    let request = action.request();
    let cx = match begin_step(state, user, attempt_id, step, ItemKind::Scenario, &request).await? {
        Begun::Fresh(cx) => cx,
        Begun::Replay(replay) => return Ok(replay),
    };
    let ItemBody::Scenario(scenario) = &cx.item.body else {
        return Err(internal(
            "a scenario attempt points at an item that is not a scenario",
        ));
    };
    let mut play: ScenarioState = decode(&cx.attempt.state)?;
    let scene = play.current(scenario);
    let offered = play.offered(scenario);
    let mut chosen = None;
    match action {
        ScenarioAction::Choose(i) => {
            play.choose(scenario, i).map_err(play_error)?;
            chosen = Some(i);
        }
        ScenarioAction::Back => play.back(scenario).map_err(play_error)?,
    }
    let finish = scenario_finish(scenario, &play);
    let reply = scene
        .zip(chosen)
        .map(|(s, i)| (s, offered.as_slice(), i, false));
    let statements = scenario_statements(state, user, &cx, reply, finish.as_ref())?;
    save_step(
        state,
        user,
        &cx,
        step,
        &request,
        encode(&play)?,
        finish,
        statements,
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
    let cx = match begin_step(state, user, attempt_id, step, ItemKind::Quiz, &request).await? {
        Begun::Fresh(cx) => cx,
        Begun::Replay(replay) => return Ok(replay),
    };
    let ItemBody::Quiz(quiz) = &cx.item.body else {
        return Err(internal(
            "a quiz attempt points at an item that is not a quiz",
        ));
    };
    let attempt = &cx.attempt;
    let mut play: QuizState = decode(&attempt.state)?;
    let index = quiz
        .questions
        .iter()
        .position(|q| q.id == question)
        .filter(|i| play.questions.contains(i))
        .ok_or_else(|| AppError::Invalid("That question is not part of this attempt.".into()))?;
    play.answer(quiz, index, &sorted).map_err(quiz_error)?;
    let q = &quiz.questions[index];
    let right: Vec<usize> = (0..q.options.len())
        .filter(|k| q.options[*k].correct)
        .collect();
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
    let mut statements = Vec::new();
    if let Some(b) = state.xapi.builder() {
        let course = find_course(&cx.catalog, &attempt.course_id)?;
        let who = actor(user);
        statements.push(b.answered(
            &who,
            attempt.id,
            course,
            &cx.item,
            q,
            &sorted,
            sorted == right,
        ));
        if let (Some(f), Some(passed)) = (&finish, finish.as_ref().and_then(|f| f.passed)) {
            statements.push(b.quiz_result(
                &who,
                attempt.id,
                course,
                &cx.item,
                passed,
                f.score.unwrap_or(0),
            ));
        }
    }
    save_step(
        state,
        user,
        &cx,
        step,
        &request,
        encode(&play)?,
        finish,
        statements,
    )
    .await
}
