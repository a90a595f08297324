//! The quiz page: the question on show, the answer just given, the result.

use super::attempts::{decode, item_summary};
use super::place;
use super::views::open_item;
use crate::api::auth::SessionUser;
use crate::api::learn::*;
use crate::api::AppError;
use crate::domain::completion::ItemState;
use crate::domain::course::{ItemBody, ItemKind, Quiz};
use crate::domain::quiz_play::{may_retry, QuizState};
use crate::server::sql::internal;
use crate::server::AppState;

pub(super) fn question_view(quiz: &Quiz, play: &QuizState, pos: usize) -> Option<QuestionView> {
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

pub(super) fn answered_view(quiz: &Quiz, play: &QuizState) -> Option<AnsweredView> {
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
