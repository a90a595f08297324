//! Learners take courses: My learning, the course outline, lessons, the
//! role-play player, quizzes and certificates.
//!
//! Every step a learner takes is a POST carrying the attempt id and the
//! step number the page showed. The server saves the step before it
//! answers; a replay of the same step gets the same answer and changes
//! nothing, and a step from an out-of-date page (a second tab) is refused
//! with the current state. See `crate::server::learning`.

use super::AppError;
use crate::domain::completion::{CourseStatus, ItemState};
use crate::domain::course::ItemKind;
use crate::domain::scenario::Outcome;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseCard {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub minutes: u32,
    pub percent: u32,
    pub status: CourseStatus,
    pub due_at: Option<i64>,
    pub assigned: bool,
    /// The item "Resume" / "Start" opens; `None` when nothing is left.
    pub resume: Option<String>,
    pub started: bool,
    pub completed_at: Option<i64>,
    pub certificate: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub id: i64,
    pub message: String,
    pub course_id: Option<String>,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyLearningData {
    pub name: String,
    pub assigned: Vec<CourseCard>,
    pub other: Vec<CourseCard>,
    pub notices: Vec<Notice>,
    pub now: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutlineItem {
    pub id: String,
    pub title: String,
    pub kind: ItemKind,
    pub minutes: Option<u32>,
    pub state: ItemState,
    pub required: bool,
    pub best_score: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseData {
    pub card: CourseCard,
    pub description_html: String,
    pub competencies: Vec<String>,
    pub items: Vec<OutlineItem>,
}

/// Where an item sits in its course, for headings and next/previous links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemPlace {
    pub course_id: String,
    pub course_title: String,
    pub item_id: String,
    pub title: String,
    pub position: usize,
    pub count: usize,
    /// (id, title) of the next item.
    pub next: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LessonData {
    pub place: ItemPlace,
    pub html: String,
    pub done: bool,
}

/// The attempt a page shows, and the step number a submission must carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRef {
    pub id: i64,
    pub step: i64,
}

/// One entry of the conversation so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// Who speaks; `None` for narration.
    pub speaker: Option<String>,
    pub html: String,
    /// A reply the learner chose.
    pub mine: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Meter {
    pub competency: String,
    pub total: i32,
    /// The change made by the last choice.
    pub delta: i32,
    /// The lowest and highest total reachable in this scenario.
    pub min: i32,
    pub max: i32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChoiceView {
    pub index: usize,
    pub text: String,
}

/// What the last choice did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedbackView {
    pub said: String,
    /// When the learner typed their reply: the authored reply it was
    /// understood as (and `said` is their own words).
    #[serde(default)]
    pub understood_as: Option<String>,
    pub html: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewRow {
    pub scene: String,
    pub chosen: String,
    /// What the learner typed, when they answered in their own words
    /// (`chosen` is the reply it was understood as).
    #[serde(default)]
    pub typed: Option<String>,
    /// The better reply, when this one lost points.
    pub better: Option<String>,
    pub lost: i32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndingView {
    pub outcome: Outcome,
    pub score: Option<i32>,
    pub best: Option<i32>,
    pub review: Vec<ReviewRow>,
    /// The replies of the best route from the start.
    pub best_route: Vec<String>,
    /// The ending's narration: what happened and why (sanitised HTML).
    pub debrief: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioData {
    pub place: ItemPlace,
    pub persona: String,
    pub situation: String,
    pub mood: String,
    pub channel: String,
    pub intro_html: String,
    pub attempt: Option<AttemptRef>,
    /// Earlier scenes and the replies chosen, then the current scene.
    pub transcript: Vec<Turn>,
    pub scene_title: String,
    pub feedback: Option<FeedbackView>,
    pub meters: Vec<Meter>,
    pub choices: Vec<ChoiceView>,
    pub can_go_back: bool,
    /// The scene accepts typed replies, but this version cannot understand
    /// them yet: the page says so above the list.
    pub typed_unavailable: bool,
    /// The scene accepts typed replies and they can be understood: the page
    /// shows the text box (and the list one click away).
    #[serde(default)]
    pub typed: Option<TypedBox>,
    pub ending: Option<EndingView>,
    /// Finished attempts so far (including this one if it ended).
    pub finished_attempts: i64,
    pub done: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptionView {
    pub index: usize,
    pub html: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    /// 1-based position in the attempt.
    pub position: usize,
    pub id: String,
    pub prompt_html: String,
    pub detail_html: String,
    pub multiple: bool,
    pub options: Vec<OptionView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnsweredOption {
    pub html: String,
    pub picked: bool,
    pub correct: bool,
    pub feedback_html: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnsweredView {
    pub position: usize,
    pub prompt_html: String,
    pub correct: bool,
    pub options: Vec<AnsweredOption>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuizResultView {
    pub right: usize,
    pub total: usize,
    pub percent: u32,
    pub passed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuizData {
    pub place: ItemPlace,
    pub intro_html: String,
    pub pass_percent: u32,
    pub questions_per_attempt: usize,
    pub attempt: Option<AttemptRef>,
    pub attempts_used: i64,
    pub attempts_max: Option<u32>,
    pub can_retry: bool,
    pub question: Option<QuestionView>,
    /// Feedback on the question answered last.
    pub answered: Option<AnsweredView>,
    pub result: Option<QuizResultView>,
    pub passed_before: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertificateView {
    pub code: String,
    pub learner: String,
    pub course: String,
    pub issued_at: i64,
    /// Whether the person looking is the holder (print button, links).
    pub mine: bool,
}

/// One item of a course, as its page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)]
pub enum ItemData {
    Lesson(LessonData),
    Scenario(ScenarioData),
    Quiz(QuizData),
}

/// The text box of a typed-reply scene.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TypedBox {
    /// The learner's last reply at this step, when it was not taken: it
    /// stays in the box to be reworded.
    pub retry: Option<String>,
    pub why: Option<TryVerdict>,
    /// The longest reply, in characters.
    pub max_chars: usize,
}

/// What became of one typed reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TryVerdict {
    /// Matched an authored reply: the step was taken.
    Understood,
    /// Not close enough to any reply, or as close to two: nothing saved.
    Unsure,
    /// Too many replies waiting to be understood: nothing saved.
    Busy,
}

impl TryVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            TryVerdict::Understood => "understood",
            TryVerdict::Unsure => "unsure",
            TryVerdict::Busy => "busy",
        }
    }

    pub fn parse(s: &str) -> Option<TryVerdict> {
        [TryVerdict::Understood, TryVerdict::Unsure, TryVerdict::Busy]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The answer to a typed reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SayResult {
    pub verdict: TryVerdict,
    /// Where the attempt now stands (moved on only when understood).
    pub step: StepResult,
    /// The try's number, so the page reloads to show it.
    pub try_id: i64,
}

/// The answer to a step: where the attempt now stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    pub attempt: AttemptRef,
    pub finished: bool,
    /// True when this was a replay of a step already saved.
    pub replayed: bool,
}

#[cfg(feature = "ssr")]
fn item_url(course: &str, item: &str) -> String {
    format!("/learn/{course}/{item}")
}

/// The page to show after a step: the item page, keyed by the step so the
/// page reloads its data.
#[cfg(feature = "ssr")]
fn after_step(course: &str, item: &str, result: &Result<StepResult, AppError>) {
    use crate::server::guard;
    let course = guard::path_segment(course);
    let item = guard::path_segment(item);
    let back = item_url(&course, &item);
    // `#now`: the feedback on the step just taken (without JavaScript the
    // browser scrolls there and Tab continues from it).
    guard::redirect_result(&back, result, |r| {
        if r.attempt.step > 0 {
            format!("{back}?s={}#now", r.attempt.step)
        } else {
            format!("{back}?s=0")
        }
    });
}

#[server(endpoint = "my_learning")]
pub async fn my_learning() -> Result<MyLearningData, AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let user = guard::require_user()?;
    learning::my_learning(&state, &user).await
}

#[server(endpoint = "course_view")]
pub async fn course_view(course: String) -> Result<CourseData, AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let user = guard::require_user()?;
    learning::course_view(&state, &user, &course).await
}

/// Whatever kind of item `item` is, its page's data.
#[server(endpoint = "learn_item")]
pub async fn learn_item(course: String, item: String) -> Result<ItemData, AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let user = guard::require_user()?;
    learning::item_data(&state, &user, &course, &item).await
}

/// Marks a lesson done and goes on to the next item (or the course page).
#[server(endpoint = "complete_lesson")]
pub async fn complete_lesson(course: String, item: String) -> Result<(), AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let user = guard::require_user()?;
    let result = learning::complete_lesson(&state, &user, &course, &item).await;
    let back = item_url(&guard::path_segment(&course), &guard::path_segment(&item));
    guard::redirect_result(&back, &result, |next| match next {
        Some(n) => item_url(&guard::path_segment(&course), &guard::path_segment(n)),
        None => format!("/learn/{}", guard::path_segment(&course)),
    });
    result.map(|_| ())
}

/// Starts a fresh attempt (abandoning an unfinished one).
#[server(endpoint = "start_scenario")]
pub async fn start_scenario(course: String, item: String) -> Result<StepResult, AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let user = guard::require_user()?;
    let result = learning::start_attempt(&state, &user, &course, &item, "scenario").await;
    after_step(&course, &item, &result);
    result
}

/// Takes choice `choice` in the scene shown at `step` of `attempt`.
#[server(endpoint = "choose")]
pub async fn choose(
    course: String,
    item: String,
    attempt: i64,
    step: i64,
    choice: usize,
) -> Result<StepResult, AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let user = guard::require_user()?;
    let result = learning::scenario_step(
        &state,
        &user,
        attempt,
        step,
        learning::ScenarioAction::Choose(choice),
    )
    .await;
    after_step(&course, &item, &result);
    result
}

/// A reply in the learner's own words for the scene shown at `step`:
/// taken as the authored reply it means, or (nothing saved) a request to
/// say it another way.
#[server(endpoint = "say")]
pub async fn say(
    course: String,
    item: String,
    attempt: i64,
    step: i64,
    said: String,
) -> Result<SayResult, AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let user = guard::require_user()?;
    let result = learning::scenario_say(&state, &user, attempt, step, &said).await;
    let course = guard::path_segment(&course);
    let item = guard::path_segment(&item);
    let back = item_url(&course, &item);
    guard::redirect_result(&back, &result, |r| match r.verdict {
        TryVerdict::Understood => format!("{back}?s={}#now", r.step.attempt.step),
        _ => format!("{back}?s={}&t={}#say", r.step.attempt.step, r.try_id),
    });
    result
}

/// Goes back one scene, when the scenario allows it.
#[server(endpoint = "step_back")]
pub async fn step_back(
    course: String,
    item: String,
    attempt: i64,
    step: i64,
) -> Result<StepResult, AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let user = guard::require_user()?;
    let result =
        learning::scenario_step(&state, &user, attempt, step, learning::ScenarioAction::Back).await;
    after_step(&course, &item, &result);
    result
}

#[server(endpoint = "start_quiz")]
pub async fn start_quiz(course: String, item: String) -> Result<StepResult, AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let user = guard::require_user()?;
    let result = learning::start_attempt(&state, &user, &course, &item, "quiz").await;
    after_step(&course, &item, &result);
    result
}

/// Answers question `question` (its id) of `attempt` at `step` with the
/// picked option indices (`picked[0]=2`, for checkboxes `picked[1]=3` …).
#[server(endpoint = "answer")]
pub async fn answer(
    course: String,
    item: String,
    attempt: i64,
    step: i64,
    question: String,
    picked: Option<Vec<usize>>,
) -> Result<StepResult, AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let user = guard::require_user()?;
    let result = learning::quiz_step(
        &state,
        &user,
        attempt,
        step,
        &question,
        &picked.unwrap_or_default(),
    )
    .await;
    after_step(&course, &item, &result);
    result
}

/// A certificate, for anyone who has its code (no sign-in needed).
#[server(endpoint = "certificate")]
pub async fn certificate(code: String) -> Result<CertificateView, AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let viewer = guard::request()?.user;
    learning::certificate(&state, viewer.as_ref().map(|u| u.id), &code).await
}

/// Marks the signed-in person's notifications as read.
#[server(endpoint = "dismiss_notices")]
pub async fn dismiss_notices() -> Result<(), AppError> {
    use crate::server::{guard, learning};
    let state = guard::state()?;
    let user = guard::require_user()?;
    let result = learning::dismiss_notices(&state, user.id).await;
    guard::redirect_result("/learn", &result, |_| "/learn".to_string());
    result
}
