//! Checking a file in the context of its course, on the blocking pool, one
//! check at a time.

use super::analytics::{count_choices, scenario_attempts, Counts};
use super::map::scenario_map;
use super::{check_path, draft, file_kind};
use crate::api::authoring::*;
use crate::api::content::ItemPreview;
use crate::api::AppError;
use crate::content::source::{Severity, Source, MAX_FILE_BYTES};
use crate::content::{self, markdown, TreeFile};
use crate::domain::course::{FileKind, ItemBody};
use crate::server::sql::internal;
use crate::server::AppState;
use std::collections::BTreeMap;

/// The files of one course folder as learners would get them if `path`
/// held `text`: the published files, with the drafted `course.md` when the
/// course itself is not published yet.
pub(super) async fn folder_tree(
    state: &AppState,
    path: &str,
    text: &[u8],
) -> Result<BTreeMap<String, Vec<u8>>, AppError> {
    let (folder, _) = check_path(path)?;
    let prefix = format!("{folder}/");
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT path, source FROM content_files WHERE withdrawn_at IS NULL")
            .fetch_all(&state.db.pool)
            .await?;
    let mut tree: BTreeMap<String, Vec<u8>> = rows
        .into_iter()
        .filter(|(p, _)| p.starts_with(&prefix))
        .map(|(p, s)| (p, s.into_bytes()))
        .collect();
    let course_md = format!("{folder}/course.md");
    if !tree.contains_key(&course_md) && path != course_md {
        if let Some(d) = draft(state, &course_md).await? {
            tree.insert(course_md, d.source.into_bytes());
        }
    }
    tree.insert(path.to_string(), text.to_vec());
    Ok(tree)
}

/// Checks `text` as the file `path` in the context of its course and
/// renders what learners would see, with the language model's warnings
/// about typed replies: the editor's problems list.
pub async fn check(state: &AppState, path: &str, text: &str) -> Result<CheckResult, AppError> {
    check_bytes(state, path, text.as_bytes(), false).await
}

/// The same without the language model's warnings (which are never errors):
/// for publishing, rolling back and play-testing, which need the errors or
/// the parsed item only.
pub(super) async fn check_parsed(
    state: &AppState,
    path: &str,
    text: &str,
) -> Result<CheckResult, AppError> {
    evaluate_in_course(state, path, text.as_bytes(), false).await
}

/// With `learner_counts`, the scenario map also shows what learners chose
/// (it reads every attempt of the published version: done when the editor
/// opens, not at every check while typing).
pub(super) async fn check_bytes(
    state: &AppState,
    path: &str,
    bytes: &[u8],
    learner_counts: bool,
) -> Result<CheckResult, AppError> {
    let mut result = evaluate_in_course(state, path, bytes, learner_counts).await?;
    if result.kind == FileKind::Scenario {
        typed_findings(state, path, bytes, &mut result).await;
    }
    Ok(result)
}

async fn evaluate_in_course(
    state: &AppState,
    path: &str,
    bytes: &[u8],
    learner_counts: bool,
) -> Result<CheckResult, AppError> {
    let (folder, name) = check_path(path)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(bytes.len()));
    }
    let tree = folder_tree(state, path, bytes).await?;
    let org = crate::content::store::organisation(&state.db).await?;
    let path_owned = path.to_string();
    let kind = file_kind(name);
    let folder = folder.to_string();
    let attempts = if kind == FileKind::Unknown && learner_counts {
        scenario_attempts(state, path).await?
    } else {
        Vec::new()
    };
    let turn = heavy_turn().await?;
    let result = tokio::task::spawn_blocking(move || {
        let counts = count_choices(&attempts);
        evaluate(&folder, &path_owned, kind, &tree, &org, &counts)
    })
    .await
    .map_err(internal)?;
    drop(turn);
    Ok(result)
}

/// The model's checks of typed replies (replies too close to tell apart),
/// added to the problems list. Phrasing vectors are stored, so after the
/// first check only edited phrasings cost an embedding.
async fn typed_findings(state: &AppState, path: &str, bytes: &[u8], result: &mut CheckResult) {
    let (Some(item), _) = content::load_item(path.into(), path.into(), bytes, None) else {
        return;
    };
    let crate::domain::course::ItemBody::Scenario(s) = &item.body else {
        return;
    };
    let findings = crate::server::understanding::check::check_scenario(
        &state.understanding,
        crate::server::guard::asker(),
        Some(&state.db),
        s,
    )
    .await;
    if findings.is_empty() {
        return;
    }
    result
        .diagnostics
        .extend(findings.into_iter().map(|f| DiagnosticView {
            line: f.line,
            col: f.col,
            error: false,
            message: f.message,
            hint: Some(f.hint),
            check: None,
        }));
    result.diagnostics.sort_by_key(|d| (d.line, d.col));
}

/// Checks and diffs of authors' text (CPU-bound, on the blocking pool):
/// one at a time per instance, so however many trainers press keys, the
/// other core stays free for everyone else's pages.
pub(super) static HEAVY_WORK: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

pub(super) async fn heavy_turn() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    HEAVY_WORK.acquire().await.map_err(internal)
}

pub(super) fn too_large(len: usize) -> AppError {
    AppError::Invalid(format!(
        "This text is {:.1} MB; a content file may be at most 1 MB. Split long material into several files.",
        len as f64 / 1_000_000.0
    ))
}

pub(super) fn evaluate(
    folder: &str,
    path: &str,
    kind: FileKind,
    tree: &BTreeMap<String, Vec<u8>>,
    org: &crate::domain::organisation::Organisation,
    counts: &Counts,
) -> CheckResult {
    let course_md = format!("{folder}/course.md");
    let course_file = match tree.get(&course_md) {
        Some(bytes) => Ok(TreeFile {
            shown: course_md.clone(),
            rel: course_md.clone(),
            bytes: bytes.clone(),
        }),
        None => Err({
            let src = Source::new(course_md.clone(), "");
            let mut r = content::FileReport::new(&src, FileKind::Course);
            r.diagnostics.push(content::source::Diagnostic {
                file: course_md.clone(),
                line: 1,
                col: 1,
                severity: Severity::Warning,
                message: "this folder has no course.md yet, so the course cannot be published"
                    .into(),
                hint: Some("create course.md in this folder first".into()),
                check: None,
            });
            r
        }),
    };
    let items: Vec<TreeFile> = tree
        .iter()
        .filter(|(p, _)| {
            p.rsplit_once('/')
                .is_some_and(|(_, n)| content::is_item_name(n))
        })
        .map(|(p, b)| TreeFile {
            shown: p.clone(),
            rel: p.clone(),
            bytes: b.clone(),
        })
        .collect();
    let (course, reports) = content::build_course(course_file, &items);
    let mine = reports.iter().find(|r| r.file == path);
    let mut diagnostics: Vec<DiagnosticView> = mine
        .map(|r| {
            r.diagnostics
                .iter()
                .map(|d| DiagnosticView {
                    line: d.line,
                    col: d.col,
                    error: d.severity == Severity::Error,
                    message: d.message.clone(),
                    hint: d.hint.clone(),
                    check: d.check.map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default();
    if kind == FileKind::Unknown && tree.get(&course_md).is_none() {
        diagnostics.push(DiagnosticView {
            line: 1,
            col: 1,
            error: false,
            message: "this folder has no course.md yet; learners see the file once the course is published".into(),
            hint: None,
            check: None,
        });
    }
    let bytes = tree.get(path).cloned().unwrap_or_default();
    let mut result = CheckResult {
        diagnostics,
        kind,
        preview: None,
        course: None,
        map: None,
    };
    match kind {
        FileKind::Course => {
            let mut src = Source::from_bytes(path.to_string(), &bytes);
            if let Some(h) = crate::content::parse::parse_course(&mut src) {
                result.course = Some(CoursePreview {
                    title: h.title,
                    summary: h.summary,
                    description_html: h.description_html,
                    items: course
                        .map(|c| c.items.iter().map(|i| i.title.clone()).collect())
                        .unwrap_or_default(),
                });
            }
        }
        FileKind::Unknown => {
            let competencies = course.as_ref().map(|c| c.competencies.clone());
            let parsed = content::parse_item(path.to_string(), &bytes, competencies.as_deref());
            result.kind = parsed.report.kind;
            if let (Some(h), Some(body)) = (parsed.header, parsed.body) {
                let lesson_html = match &body {
                    ItemBody::Lesson(l) => Some(match &l.markdown {
                        Some(md) => markdown::render_template(md, &h.title, |n| org.field(n)),
                        None => l.html.clone(),
                    }),
                    _ => None,
                };
                if let ItemBody::Scenario(s) = &body {
                    result.map = Some(scenario_map(path, s, counts));
                }
                result.preview = Some(ItemPreview {
                    course_id: course.as_ref().map(|c| c.id.clone()).unwrap_or_default(),
                    course_title: course
                        .as_ref()
                        .map(|c| c.title.clone())
                        .unwrap_or_else(|| folder.to_string()),
                    version: 0,
                    item: crate::domain::course::Item {
                        id: h.id,
                        title: h.title,
                        minutes: h.minutes,
                        file: path.to_string(),
                        hash: String::new(),
                        body,
                    },
                    lesson_html,
                });
            }
        }
        _ => {
            result.preview = None;
        }
    }
    result
}
