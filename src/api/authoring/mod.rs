//! Authoring in the browser: the library of files, the editor (drafts,
//! checks, preview, scenario map), publishing, history and roll-back, and
//! play-testing a draft. Trainers and admins only; the rules live in
//! `crate::server::authoring`.

use super::content::ItemPreview;
use super::AppError;
use crate::domain::course::{FileKind, ItemKind};
use crate::domain::scenario::Outcome;
use leptos::prelude::*;

mod map;
pub use map::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LibraryEntry {
    pub path: String,
    pub folder: String,
    pub kind: FileKind,
    pub title: String,
    pub status: FileStatus,
    /// Published revision of the file (1, 2, …).
    pub revision: Option<i64>,
    /// The version learners get (items only).
    pub version: Option<i64>,
    pub errors: usize,
    pub warnings: usize,
    pub editor: Option<String>,
    pub edited_at: i64,
}

/// Where a file of the library stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Learners get it; no draft waits.
    Published,
    /// Never published.
    Draft,
    /// Published, with a draft waiting to be published over it.
    DraftPending,
    /// Withdrawn from learners; its last text is kept as a draft.
    Withdrawn,
}

impl FileStatus {
    /// The words the library shows.
    pub fn label(self) -> &'static str {
        match self {
            FileStatus::Published => "published",
            FileStatus::Draft => "draft",
            FileStatus::DraftPending => "published, draft pending",
            FileStatus::Withdrawn => "withdrawn",
        }
    }

    /// The CSS class of its tag.
    pub fn css(self) -> &'static str {
        match self {
            FileStatus::Published | FileStatus::DraftPending => "status-tag status-published",
            FileStatus::Draft => "status-tag status-draft",
            FileStatus::Withdrawn => "status-tag status-withdrawn",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LibraryData {
    pub entries: Vec<LibraryEntry>,
    /// Course folders with their titles, for "new file".
    pub folders: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticView {
    pub line: usize,
    pub col: usize,
    pub error: bool,
    pub message: String,
    pub hint: Option<String>,
    /// The reviewer's check that raised it (content/README.md, "Checks").
    #[serde(default)]
    pub check: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoursePreview {
    pub title: String,
    pub summary: String,
    pub description_html: String,
    pub items: Vec<String>,
}

/// What the validator and the preview say about a text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub diagnostics: Vec<DiagnosticView>,
    pub kind: FileKind,
    pub preview: Option<ItemPreview>,
    pub course: Option<CoursePreview>,
    pub map: Option<ScenarioMap>,
}

impl CheckResult {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.error).count()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftInfo {
    pub revision: i64,
    pub editor: Option<String>,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictInfo {
    /// The text whose save was refused.
    pub mine: String,
    /// The draft saved in the meantime.
    pub theirs: String,
    pub their_editor: Option<String>,
    pub their_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditorData {
    pub path: String,
    pub published: Option<i64>,
    pub draft: Option<DraftInfo>,
    pub conflict: Option<ConflictInfo>,
    /// What the text area shows.
    pub text: String,
    /// The draft revision this text is based on ("" when none).
    pub base: String,
    pub check: CheckResult,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevisionView {
    pub revision: i64,
    pub origin: String,
    pub editor: Option<String>,
    pub at: i64,
    pub current: bool,
    /// Lines added and removed against the revision before; `None` while
    /// not counted yet (counting is spread over views, a few at a time).
    pub added: Option<usize>,
    pub removed: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiffLine {
    /// ' ', '+' or '-'.
    pub tag: char,
    pub old: Option<usize>,
    pub new: Option<usize>,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryData {
    pub path: String,
    pub revisions: Vec<RevisionView>,
    /// The revision shown, and its changes against the one before.
    pub shown: Option<i64>,
    pub diff: Vec<DiffLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayLine {
    pub speaker: Option<String>,
    pub html: String,
    /// A reply of the learner's.
    pub mine: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaytestView {
    pub path: String,
    pub title: String,
    pub persona: String,
    pub situation: String,
    pub from_draft: bool,
    pub moves: String,
    pub transcript: Vec<PlayLine>,
    pub feedback_html: Option<String>,
    pub scene_title: String,
    /// (index, text, moves query for taking it)
    pub choices: Vec<(usize, String, String)>,
    pub totals: Vec<(String, i32)>,
    pub ending: Option<Outcome>,
    pub score: Option<i32>,
    pub best: Option<i32>,
    pub back: Option<String>,
    /// The scene accepts typed replies: how a typed text would be read.
    #[serde(default)]
    pub typed: Option<PlayTyped>,
}

/// A play-test of a typed-reply scene.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlayTyped {
    /// False when the model is not installed here.
    pub available: bool,
    /// The text tried, if any.
    pub said: String,
    /// Per offered reply: its text, closeness (0..1 shown as a bar and a
    /// number), and the moves that take it.
    pub scores: Vec<(String, f32, String)>,
    /// The reply the text would be understood as, if any (index in `scores`).
    pub understood: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionStats {
    pub id: String,
    pub prompt_html: String,
    pub answered: i64,
    pub correct_share: Option<u32>,
    /// (option html, correct, share of answers that picked it)
    pub options: Vec<(String, bool, Option<u32>)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analytics {
    pub path: String,
    pub title: String,
    pub kind: ItemKind,
    pub attempts: i64,
    pub finished: i64,
    /// Ending label → attempts.
    pub endings: Vec<(String, i64)>,
    pub map: Option<ScenarioMap>,
    pub questions: Vec<QuestionStats>,
    /// Scenes that accept typed replies: how replies fared.
    #[serde(default)]
    pub typed: Vec<TypedSceneStats>,
}

/// How typed replies fared in one scene (counts and texts only, no names).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TypedSceneStats {
    pub scene: String,
    /// Steps whose first typed reply was understood.
    pub at_once: i64,
    /// Steps understood after one or more replies that were not.
    pub after_retry: i64,
    /// Steps where the learner typed, was not understood, and chose from
    /// the list.
    pub fell_back: i64,
    /// Replies that were not understood, most frequent first (at most 20).
    pub not_understood: Vec<(String, i64)>,
}

/// The library: every file, published or draft.
#[server(endpoint = "author_library")]
pub async fn author_library() -> Result<LibraryData, AppError> {
    use crate::server::{authoring, guard};
    let state = guard::state()?;
    guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
    authoring::library(&state).await
}

/// The editor's data for one file; `conflict` is a refused save to show.
#[server(endpoint = "author_open")]
pub async fn author_open(path: String, conflict: Option<i64>) -> Result<EditorData, AppError> {
    use crate::server::{authoring, guard};
    let state = guard::state()?;
    let me = guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
    authoring::open(&state, me.id, &path, conflict).await
}

/// Checks a text and renders its preview without saving it (the live
/// preview).
#[server(endpoint = "author_check")]
pub async fn author_check(path: String, source: String) -> Result<CheckResult, AppError> {
    use crate::server::{authoring, guard};
    let state = guard::state()?;
    guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
    authoring::check(&state, &path, &source).await
}

/// Saves the draft (`intent` = "save") or saves and publishes it
/// ("publish"). `base` is the draft revision the text started from.
#[server(endpoint = "author_save")]
pub async fn author_save(
    path: String,
    source: String,
    base: Option<String>,
    intent: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{authoring, guard};
    let back = guard::url_with("/author/edit", &[("path", &path)]);
    let result = async {
        let state = guard::state()?;
        let me = guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
        authoring::save(
            &state,
            me.id,
            &path,
            &source,
            base.as_deref(),
            intent.as_deref() == Some("publish"),
        )
        .await
    }
    .await;
    match &result {
        Ok(query) => guard::redirect(&format!("{back}&{query}")),
        Err(e) => guard::redirect(&guard::url_with(&back, &[("error", &e.to_string())])),
    }
    result
}

/// Throws away the draft, keeping what is published.
#[server(endpoint = "author_discard")]
pub async fn author_discard(path: String, base: String) -> Result<(), AppError> {
    use crate::server::{authoring, guard};
    let back = guard::url_with("/author/edit", &[("path", &path)]);
    let result = async {
        let state = guard::state()?;
        let me = guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
        authoring::discard(&state, me.id, &path, &base).await
    }
    .await;
    guard::redirect_result(&back, &result, |_| format!("{back}&discarded=1"));
    result
}

/// Withdraws a published item from learners (its text stays as a draft;
/// publishing it again brings it back). `confirm` must be ticked.
#[server(endpoint = "author_withdraw")]
pub async fn author_withdraw(path: String, confirm: Option<String>) -> Result<(), AppError> {
    use crate::server::{authoring, guard};
    let back = guard::url_with("/author/edit", &[("path", &path)]);
    let result = async {
        let state = guard::state()?;
        let me = guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
        if confirm.is_none() {
            return Err(AppError::Invalid(
                "Nothing was withdrawn: tick the box to confirm that learners should no longer get this file."
                    .into(),
            ));
        }
        authoring::withdraw(&state, me.id, &path).await
    }
    .await;
    guard::redirect_result(&back, &result, |_| format!("{back}&withdrawn=1"));
    result
}

/// Starts a new file (a draft from a template): `folder` is an existing
/// course folder or a new one, `kind` lesson/scenario/quiz/course.
#[server(endpoint = "author_create")]
pub async fn author_create(
    folder: String,
    new_folder: Option<String>,
    kind: String,
    name: String,
) -> Result<String, AppError> {
    use crate::server::{authoring, guard};
    let result = async {
        let state = guard::state()?;
        let me = guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
        let folder = match new_folder.as_deref().map(str::trim) {
            Some(f) if !f.is_empty() => f.to_string(),
            _ => folder.clone(),
        };
        authoring::create(&state, me.id, &folder, &kind, &name).await
    }
    .await;
    guard::redirect_result("/author", &result, |path| {
        guard::url_with("/author/edit", &[("path", path)])
    });
    result
}

/// Imports a markdown file or a Twee 3 story pasted or uploaded as text.
#[server(endpoint = "author_import")]
pub async fn author_import(
    folder: String,
    name: String,
    format: String,
    source: String,
) -> Result<String, AppError> {
    use crate::server::{authoring, guard};
    let result = async {
        let state = guard::state()?;
        let me = guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
        authoring::import(&state, me.id, &folder, &name, &format, &source).await
    }
    .await;
    guard::redirect_result("/author", &result, |path| {
        guard::url_with("/author/edit", &[("path", path), ("imported", "1")])
    });
    result
}

/// Every published revision of a file, and the changes of one of them.
#[server(endpoint = "author_history")]
pub async fn author_history(path: String, revision: Option<i64>) -> Result<HistoryData, AppError> {
    use crate::server::{authoring, guard};
    let state = guard::state()?;
    guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
    authoring::history(&state, &path, revision).await
}

/// Publishes an older revision again.
#[server(endpoint = "author_rollback")]
pub async fn author_rollback(path: String, revision: i64) -> Result<i64, AppError> {
    use crate::server::{authoring, guard};
    let back = guard::url_with("/author/history", &[("path", &path)]);
    let result = async {
        let state = guard::state()?;
        let me = guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
        authoring::rollback(&state, me.id, &path, revision).await
    }
    .await;
    guard::redirect_result(&back, &result, |r| format!("{back}&published={r}"));
    result
}

/// One step of a play-test: the draft (or the published file) replayed
/// along `moves` (choice indices separated by dots). Nothing is stored.
#[server(endpoint = "author_playtest")]
pub async fn author_playtest(
    path: String,
    moves: String,
    #[server(default)] said: Option<String>,
) -> Result<PlaytestView, AppError> {
    use crate::server::{authoring, guard};
    let state = guard::state()?;
    guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
    authoring::playtest(&state, &path, &moves, said.as_deref()).await
}

/// How a typed text would be read in one scene of the text in the editor
/// (saved or not): the closeness to each of the scene's replies. Nothing is
/// stored.
#[server(endpoint = "author_try_reply")]
pub async fn author_try_reply(
    path: String,
    source: String,
    scene: String,
    said: String,
) -> Result<PlayTyped, AppError> {
    use crate::server::{authoring, guard};
    let state = guard::state()?;
    guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
    authoring::try_reply(&state, &path, &source, &scene, &said).await
}

/// What learners chose: aggregated counts for a scenario or quiz.
#[server(endpoint = "author_analytics")]
pub async fn author_analytics(path: String) -> Result<Analytics, AppError> {
    use crate::server::{authoring, guard};
    let state = guard::state()?;
    guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
    authoring::analytics(&state, &path).await
}

/// One item of a course on the composition form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompositionItem {
    pub path: String,
    pub id: String,
    pub title: String,
    pub kind: ItemKind,
    pub required: bool,
    /// Quizzes: the pass mark (percent) and attempts ("" = no limit).
    pub pass: String,
    pub attempts: String,
    /// The quiz's draft revision its values were read from ("" = none).
    pub base: String,
    /// The item has a draft that is not published yet.
    pub draft_pending: bool,
}

/// A course as the composition form shows it: what `course.md` says (its
/// draft when there is one) and its published items in learners' order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Composition {
    pub folder: String,
    pub title: String,
    pub summary: String,
    pub minutes: String,
    pub competencies: String,
    /// The draft revision of course.md the form was read from ("" = none).
    pub base: String,
    pub course_published: bool,
    pub course_draft: bool,
    pub items: Vec<CompositionItem>,
    /// Files of the folder that exist only as drafts: (path, title).
    pub unpublished: Vec<(String, String)>,
    /// The problems of course.md as the form would save it.
    pub diagnostics: Vec<DiagnosticView>,
}

/// The course's own fields on the composition form (`about[title]`, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseAbout {
    pub title: String,
    pub summary: String,
    pub minutes: String,
    pub competencies: String,
}

/// One item row of the submitted composition form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComposeRow {
    pub path: String,
    pub position: String,
    pub required: Option<String>,
    pub pass: Option<String>,
    pub attempts: Option<String>,
    pub base: Option<String>,
}

/// The composition form of the course in `folder`.
#[server(endpoint = "author_composition")]
pub async fn author_composition(folder: String) -> Result<Composition, AppError> {
    use crate::server::{compose, guard};
    let state = guard::state()?;
    guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
    compose::composition(&state, &folder).await
}

/// Saves the course's composition: title, summary, time, competencies, the
/// items' order and which are required (course.md), and each quiz's pass
/// mark and attempts. `intent`: "save" (drafts), "publish", or
/// "up:PATH" / "down:PATH" to move one item and save the draft.
#[server(endpoint = "author_compose")]
pub async fn author_compose(
    folder: String,
    base: Option<String>,
    about: CourseAbout,
    items: Option<Vec<ComposeRow>>,
    intent: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{compose, guard};
    let back = guard::url_with("/author/course", &[("folder", &folder)]);
    let result = async {
        let state = guard::state()?;
        let me = guard::require_role(&[crate::domain::Role::Trainer, crate::domain::Role::Admin])?;
        let form = compose::ComposeForm {
            folder: &folder,
            base: base.as_deref(),
            title: &about.title,
            summary: &about.summary,
            minutes: &about.minutes,
            competencies: &about.competencies,
            rows: items.as_deref().unwrap_or_default(),
            intent: intent.as_deref().unwrap_or("save"),
        };
        compose::compose(&state, me.id, &form).await
    }
    .await;
    match &result {
        Ok(to) => guard::redirect(to),
        Err(e) => guard::redirect(&guard::url_with(&back, &[("error", &e.to_string())])),
    }
    result
}
