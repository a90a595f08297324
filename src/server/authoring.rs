//! Authoring rules: drafts, checks in the context of the course, publishing
//! (immutable revisions), history and roll-back, play-tests and what
//! learners chose.
//!
//! The database holds the source of every file (`content_files`); a draft
//! (`content_drafts`) is one shared text per file with a revision that
//! grows at every save, so a save based on an older draft is refused and
//! the refused text kept (`content_conflicts`). Publishing writes a new
//! revision, bumps `content_epoch` and rebuilds the catalog; learners in
//! the middle of an attempt stay on the version they started (attempts are
//! pinned to `content_versions`).

use super::sql::internal;
use super::{now, AppState};
use crate::api::authoring::*;
use crate::api::content::ItemPreview;
use crate::api::AppError;
use crate::content::source::{Severity, Source, MAX_FILE_BYTES};
use crate::content::{self, markdown, TreeFile};
use crate::domain::course::{ItemBody, Scenario};
use crate::domain::play::ScenarioState;
use std::collections::{BTreeMap, HashMap};

/// `folder/file.md`: two plain segments, so a path can never leave the
/// content tree or name something that is not a markdown file.
pub fn check_path(path: &str) -> Result<(&str, &str), AppError> {
    let bad = || {
        AppError::Invalid(format!(
            "`{path}` is not a content file path; paths look like `course-folder/01-file-name.md`."
        ))
    };
    let (folder, name) = path.split_once('/').ok_or_else(bad)?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.len() <= 80
            && !s.starts_with('.')
            && !s.starts_with('-')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if !plain(folder) || folder.contains('.') || !plain(name) || !name.ends_with(".md") {
        return Err(bad());
    }
    Ok((folder, name))
}

pub(super) fn file_kind(name: &str) -> &'static str {
    if name.eq_ignore_ascii_case("course.md") {
        "course"
    } else if content::is_item_name(name) {
        "item"
    } else {
        "notes"
    }
}

/// Display names of the given users, in one query.
async fn names(state: &AppState, ids: &[i64]) -> Result<HashMap<i64, String>, AppError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, name FROM users WHERE id IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
    for id in &ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(&state.db.pool).await?.into_iter().collect())
}

#[derive(sqlx::FromRow)]
pub(super) struct FileRow {
    pub(super) path: String,
    pub(super) source: String,
    pub(super) revision: i64,
    pub(super) published_by: Option<i64>,
    pub(super) published_at: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct DraftRow {
    pub(super) path: String,
    pub(super) source: String,
    pub(super) revision: i64,
    pub(super) updated_by: Option<i64>,
    pub(super) updated_at: i64,
}

pub(super) async fn published(state: &AppState, path: &str) -> Result<Option<FileRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT path, source, revision, published_by, published_at FROM content_files
         WHERE path = $1 AND withdrawn_at IS NULL",
    )
    .bind(path)
    .fetch_optional(&state.db.pool)
    .await?)
}

pub(super) async fn draft(state: &AppState, path: &str) -> Result<Option<DraftRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT path, source, revision, updated_by, updated_at FROM content_drafts WHERE path = $1",
    )
    .bind(path)
    .fetch_optional(&state.db.pool)
    .await?)
}

pub async fn library(state: &AppState) -> Result<LibraryData, AppError> {
    let files: Vec<FileRow> = sqlx::query_as(
        "SELECT path, source, revision, published_by, published_at FROM content_files WHERE withdrawn_at IS NULL",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let drafts: Vec<DraftRow> =
        sqlx::query_as("SELECT path, source, revision, updated_by, updated_at FROM content_drafts")
            .fetch_all(&state.db.pool)
            .await?;
    let withdrawn: Vec<(String,)> =
        sqlx::query_as("SELECT path FROM content_files WHERE withdrawn_at IS NOT NULL")
            .fetch_all(&state.db.pool)
            .await?;
    let catalog = state.content.get();
    let reports: HashMap<&str, &content::FileReport> = catalog
        .library
        .files
        .iter()
        .map(|r| (r.file.as_str(), r))
        .collect();
    let mut ids: Vec<i64> = files.iter().filter_map(|f| f.published_by).collect();
    ids.extend(drafts.iter().filter_map(|d| d.updated_by));
    let who = names(state, &ids).await?;
    let mut entries: BTreeMap<String, LibraryEntry> = BTreeMap::new();
    for f in &files {
        let (folder, name) = f.path.split_once('/').unwrap_or(("", &f.path));
        let report = reports.get(f.path.as_str());
        let item = catalog.library.courses.iter().find_map(|c| {
            c.items
                .iter()
                .find(|i| i.file == f.path)
                .map(|i| (c.id.clone(), i.id.clone()))
        });
        entries.insert(
            f.path.clone(),
            LibraryEntry {
                path: f.path.clone(),
                folder: folder.to_string(),
                kind: report
                    .map(|r| r.kind.to_string())
                    .unwrap_or_else(|| file_kind(name).to_string()),
                title: report
                    .and_then(|r| r.title.clone())
                    .unwrap_or_else(|| name.to_string()),
                status: "published".into(),
                revision: Some(f.revision),
                version: item
                    .and_then(|(c, i)| catalog.version(&c, &i))
                    .map(|v| v.number),
                errors: report.map_or(0, |r| r.errors()),
                warnings: report.map_or(0, |r| r.warnings()),
                editor: f.published_by.and_then(|id| who.get(&id).cloned()),
                edited_at: f.published_at,
            },
        );
    }
    for d in &drafts {
        let (folder, name) = d.path.split_once('/').unwrap_or(("", &d.path));
        let editor = d.updated_by.and_then(|id| who.get(&id).cloned());
        match entries.get_mut(&d.path) {
            Some(e) => {
                e.status = "published, draft pending".into();
                e.editor = editor;
                e.edited_at = d.updated_at;
            }
            None => {
                let title = title_of(&d.source).unwrap_or_else(|| name.to_string());
                entries.insert(
                    d.path.clone(),
                    LibraryEntry {
                        path: d.path.clone(),
                        folder: folder.to_string(),
                        kind: kind_of(&d.source, name),
                        title,
                        status: if withdrawn.iter().any(|(p,)| p == &d.path) {
                            "withdrawn".into()
                        } else {
                            "draft".into()
                        },
                        revision: None,
                        version: None,
                        errors: 0,
                        warnings: 0,
                        editor,
                        edited_at: d.updated_at,
                    },
                );
            }
        }
    }
    let mut folders: BTreeMap<String, String> = BTreeMap::new();
    for e in entries.values() {
        if e.kind == "course" {
            folders.insert(e.folder.clone(), e.title.clone());
        } else {
            folders
                .entry(e.folder.clone())
                .or_insert_with(|| e.folder.clone());
        }
    }
    Ok(LibraryData {
        entries: entries.into_values().collect(),
        folders: folders.into_iter().collect(),
    })
}

/// The `title:` of a file's front matter, read loosely (for drafts).
pub(super) fn front_value(source: &str, key: &str) -> Option<String> {
    let mut lines = source.lines();
    if lines.next()?.trim() != "---" {
        return None;
    }
    for line in lines {
        if line.trim() == "---" {
            break;
        }
        if let Some(v) = line
            .strip_prefix(key)
            .and_then(|r| r.trim_start().strip_prefix(':'))
        {
            let v = v.trim().trim_matches('"').to_string();
            return (!v.is_empty()).then_some(v);
        }
    }
    None
}

pub(super) fn title_of(source: &str) -> Option<String> {
    front_value(source, "title")
}

fn kind_of(source: &str, name: &str) -> String {
    front_value(source, "kind").unwrap_or_else(|| file_kind(name).to_string())
}

/// The files of one course folder as learners would get them if `path`
/// held `text`: the published files, with the drafted `course.md` when the
/// course itself is not published yet.
async fn folder_tree(
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
/// renders what learners would see.
pub async fn check(state: &AppState, path: &str, text: &str) -> Result<CheckResult, AppError> {
    check_bytes(state, path, text.as_bytes(), false).await
}

/// With `learner_counts`, the scenario map also shows what learners chose
/// (it reads every attempt of the published version: done when the editor
/// opens, not at every check while typing).
async fn check_bytes(
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
    let counts = if kind == "item" && learner_counts {
        scenario_counts(state, path).await?
    } else {
        Counts::default()
    };
    let _turn = heavy_turn().await?;
    tokio::task::spawn_blocking(move || evaluate(&folder, &path_owned, kind, &tree, &org, &counts))
        .await
        .map_err(internal)
}

/// Checks and diffs of authors' text (CPU-bound, on the blocking pool):
/// one at a time per instance, so however many trainers press keys, the
/// other core stays free for everyone else's pages.
static HEAVY_WORK: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

async fn heavy_turn() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    HEAVY_WORK.acquire().await.map_err(internal)
}

fn too_large(len: usize) -> AppError {
    AppError::Invalid(format!(
        "This text is {:.1} MB; a content file may be at most 1 MB. Split long material into several files.",
        len as f64 / 1_000_000.0
    ))
}

fn evaluate(
    folder: &str,
    path: &str,
    kind: &str,
    tree: &BTreeMap<String, Vec<u8>>,
    org: &crate::api::organisation::Organisation,
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
            let mut r = content::FileReport::new(&src, "course");
            r.diagnostics.push(content::source::Diagnostic {
                file: course_md.clone(),
                line: 1,
                col: 1,
                severity: Severity::Warning,
                message: "this folder has no course.md yet, so the course cannot be published"
                    .into(),
                hint: Some("create course.md in this folder first".into()),
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
                })
                .collect()
        })
        .unwrap_or_default();
    if kind == "item" && tree.get(&course_md).is_none() {
        diagnostics.push(DiagnosticView {
            line: 1,
            col: 1,
            error: false,
            message: "this folder has no course.md yet; learners see the file once the course is published".into(),
            hint: None,
        });
    }
    let bytes = tree.get(path).cloned().unwrap_or_default();
    let mut result = CheckResult {
        diagnostics,
        kind: kind.to_string(),
        preview: None,
        course: None,
        map: None,
    };
    match kind {
        "course" => {
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
        "item" => {
            let competencies = course.as_ref().map(|c| c.competencies.clone());
            let parsed = content::parse_item(path.to_string(), &bytes, competencies.as_deref());
            result.kind = parsed.report.kind.to_string();
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

pub async fn open(
    state: &AppState,
    me: i64,
    path: &str,
    conflict: Option<i64>,
) -> Result<EditorData, AppError> {
    check_path(path)?;
    let file = published(state, path).await?;
    let d = draft(state, path).await?;
    if file.is_none() && d.is_none() {
        return Err(AppError::NotFound(format!(
            "There is no file `{path}`. Start one from the library."
        )));
    }
    let mut ids: Vec<i64> = d.iter().filter_map(|d| d.updated_by).collect();
    ids.extend(file.iter().filter_map(|f| f.published_by));
    let who = names(state, &ids).await?;
    let mut conflict_info = None;
    if let Some(id) = conflict {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT source FROM content_conflicts WHERE id = $1 AND user_id = $2 AND path = $3",
        )
        .bind(id)
        .bind(me)
        .bind(path)
        .fetch_optional(&state.db.pool)
        .await?;
        if let Some((mine,)) = row {
            let (theirs, their_editor, their_at) = match (&d, &file) {
                (Some(d), _) => (
                    d.source.clone(),
                    d.updated_by.and_then(|id| who.get(&id).cloned()),
                    d.updated_at,
                ),
                (None, Some(f)) => (
                    f.source.clone(),
                    f.published_by.and_then(|id| who.get(&id).cloned()),
                    f.published_at,
                ),
                (None, None) => (String::new(), None, 0),
            };
            conflict_info = Some(ConflictInfo {
                mine,
                theirs,
                their_editor,
                their_at,
            });
        }
    }
    let text = match (&conflict_info, &d, &file) {
        (Some(c), _, _) => c.mine.clone(),
        (None, Some(d), _) => d.source.clone(),
        (None, None, Some(f)) => f.source.clone(),
        (None, None, None) => String::new(),
    };
    let check = check_bytes(state, path, text.as_bytes(), true).await?;
    Ok(EditorData {
        path: path.to_string(),
        published: file.as_ref().map(|f| f.revision),
        draft: d.as_ref().map(|d| DraftInfo {
            revision: d.revision,
            editor: d.updated_by.and_then(|id| who.get(&id).cloned()),
            at: d.updated_at,
        }),
        conflict: conflict_info,
        text,
        base: d.map(|d| d.revision.to_string()).unwrap_or_default(),
        check,
    })
}

fn parse_base(base: Option<&str>) -> Result<Option<i64>, AppError> {
    match base.map(str::trim) {
        None | Some("") => Ok(None),
        Some(b) => b.parse::<i64>().map(Some).map_err(|_| {
            AppError::BadRequest("the draft revision is not a number; reload the editor".into())
        }),
    }
}

/// A text that can be stored as a content file, or a clear refusal.
fn usable_text(text: &str) -> Result<String, AppError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(too_large(text.len()));
    }
    if text.contains('\0') {
        return Err(AppError::Invalid(
            "The text contains NUL characters; is it a binary file? Content files are markdown text."
                .into(),
        ));
    }
    Ok(text.replace("\r\n", "\n"))
}

enum Saved {
    Revision(i64),
    Conflict(i64),
}

async fn save_draft(
    state: &AppState,
    me: i64,
    path: &str,
    text: &str,
    base: Option<i64>,
) -> Result<Saved, AppError> {
    let mut tx = state.db.pool.begin().await?;
    let at = now();
    let saved: Option<(i64,)> = match base {
        Some(b) => sqlx::query_as(
            "UPDATE content_drafts SET source = $2, revision = revision + 1, updated_by = $3, updated_at = $4
             WHERE path = $1 AND revision = $5 RETURNING revision",
        )
        .bind(path)
        .bind(text)
        .bind(me)
        .bind(at)
        .bind(b)
        .fetch_optional(&mut *tx)
        .await?,
        None => {
            let base_revision = published(state, path).await?.map(|f| f.revision);
            sqlx::query_as(
                "INSERT INTO content_drafts (path, source, revision, base_revision, updated_by, updated_at)
                 VALUES ($1, $2, 1, $3, $4, $5) ON CONFLICT (path) DO NOTHING RETURNING revision",
            )
            .bind(path)
            .bind(text)
            .bind(base_revision)
            .bind(me)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?
        }
    };
    let out = match saved {
        Some((r,)) => {
            super::store::audit(&mut tx, Some(me), "content.draft_saved", path).await?;
            Saved::Revision(r)
        }
        None => {
            // Someone saved (or published) since this text was opened: keep
            // it for the editor to show beside theirs.
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO content_conflicts (path, user_id, source, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(path)
            .bind(me)
            .bind(text)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            Saved::Conflict(id)
        }
    };
    tx.commit().await?;
    Ok(out)
}

/// Saves the draft and, with `publish`, publishes it. Answers the query
/// string the editor is sent back to.
pub async fn save(
    state: &AppState,
    me: i64,
    path: &str,
    text: &str,
    base: Option<&str>,
    publish_too: bool,
) -> Result<String, AppError> {
    check_path(path)?;
    let text = usable_text(text)?;
    let base = parse_base(base)?;
    if base.is_none()
        && published(state, path).await?.is_none()
        && draft(state, path).await?.is_none()
    {
        return Err(AppError::NotFound(format!(
            "There is no file `{path}`. Start one from the library."
        )));
    }
    // An unchanged text is not a new draft revision.
    let current = draft(state, path).await?;
    let revision = match &current {
        Some(d) if Some(d.revision) == base && d.source == text => d.revision,
        _ => match save_draft(state, me, path, &text, base).await? {
            Saved::Revision(r) => r,
            Saved::Conflict(id) => return Ok(format!("conflict={id}")),
        },
    };
    if !publish_too {
        return Ok("saved=1".into());
    }
    let published = publish(state, me, path, revision).await?;
    Ok(format!("published={published}"))
}

/// Publishes draft revision `revision` of `path`; refused while the draft
/// has errors or has moved on.
pub async fn publish(
    state: &AppState,
    me: i64,
    path: &str,
    revision: i64,
) -> Result<i64, AppError> {
    let d = draft(state, path)
        .await?
        .filter(|d| d.revision == revision)
        .ok_or_else(|| {
            AppError::Conflict(
                "The draft changed since you opened it; nothing was published. Check the latest draft and publish again."
                    .into(),
            )
        })?;
    let result = check(state, path, &d.source).await?;
    refuse_errors(&result, "Not published")?;
    let mut tx = state.db.pool.begin().await?;
    let new_revision = write_revision(&mut tx, me, path, &d.source, "browser", "").await?;
    let deleted = sqlx::query("DELETE FROM content_drafts WHERE path = $1 AND revision = $2")
        .bind(path)
        .bind(revision)
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "Someone saved the draft while you published; nothing was published. Check the latest draft and publish again."
                .into(),
        ));
    }
    super::store::audit(
        &mut tx,
        Some(me),
        "content.published",
        &format!("{path} revision {new_revision}"),
    )
    .await?;
    tx.commit().await?;
    state.content.reload(&state.db).await?;
    Ok(new_revision)
}

fn refuse_errors(result: &CheckResult, what: &str) -> Result<(), AppError> {
    let errors = result.errors();
    if errors == 0 {
        return Ok(());
    }
    let first = result
        .diagnostics
        .iter()
        .find(|d| d.error)
        .map(|d| format!(" The first, on line {}: {}.", d.line, d.message))
        .unwrap_or_default();
    Err(AppError::Invalid(format!(
        "{what}: the text has {errors} error{}; learners keep the published version.{first}",
        if errors == 1 { "" } else { "s" }
    )))
}

/// Writes a new published revision inside `tx` and bumps the epoch.
async fn write_revision(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    me: i64,
    path: &str,
    text: &str,
    origin: &str,
    note: &str,
) -> Result<i64, AppError> {
    let at = now();
    let (revision,): (i64,) = sqlx::query_as(
        "INSERT INTO content_files (path, source, revision, folder_hash, published_by, published_at)
         VALUES ($1, $2, (SELECT COALESCE(MAX(revision), 0) + 1 FROM content_revisions WHERE path = $1), NULL, $3, $4)
         ON CONFLICT (path) DO UPDATE SET source = excluded.source, revision = content_files.revision + 1,
             published_by = excluded.published_by, published_at = excluded.published_at,
             withdrawn_at = NULL, withdrawn_by = NULL
         RETURNING revision",
    )
    .bind(path)
    .bind(text)
    .bind(me)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO content_revisions (path, revision, source, origin, note, published_by, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(path)
    .bind(revision)
    .bind(text)
    .bind(origin)
    .bind(note)
    .bind(me)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE content_epoch SET epoch = epoch + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(revision)
}

/// Withdraws a published item: learners no longer get it (their results
/// so far are kept), its history stays, and its text stays as a draft, so
/// publishing it again brings it back. Refused for `course.md`, for an
/// item the course names as required, and for a course's last item.
pub async fn withdraw(state: &AppState, me: i64, path: &str) -> Result<(), AppError> {
    let (folder, name) = check_path(path)?;
    if file_kind(name) == "course" {
        return Err(AppError::Invalid(
            "A course's course.md cannot be withdrawn here: withdrawing a whole course is not available in the browser. Withdraw its items one by one, or remove the folder from content/."
                .into(),
        ));
    }
    let file = published(state, path).await?.ok_or_else(|| {
        AppError::NotFound(format!(
            "`{path}` is not published, so there is nothing to withdraw. To throw away a draft, discard it."
        ))
    })?;
    let title = title_of(&file.source).unwrap_or_else(|| name.to_string());
    if file_kind(name) == "item" {
        if let Some(id) = front_value(&file.source, "id") {
            let course = published(state, &format!("{folder}/course.md")).await?;
            let required = course
                .as_ref()
                .and_then(|c| content::source::front_matter_list(&c.source, "required"));
            if required.is_some_and(|r| r.contains(&id)) {
                return Err(AppError::Conflict(format!(
                    "“{title}” is a required item of its course, so withdrawing it would break the course. Untick “Required” for it on the course's Arrange page and publish, then withdraw it."
                )));
            }
            let prefix = format!("{folder}/");
            let served: Vec<(String,)> =
                sqlx::query_as("SELECT path FROM content_files WHERE withdrawn_at IS NULL")
                    .fetch_all(&state.db.pool)
                    .await?;
            let others = served
                .iter()
                .filter_map(|(p,)| p.strip_prefix(&prefix))
                .filter(|n| file_kind(n) == "item" && format!("{prefix}{n}") != path)
                .count();
            if others == 0 && course.is_some() {
                return Err(AppError::Conflict(format!(
                    "“{title}” is the only item of its course; a course needs at least one. Publish another item first."
                )));
            }
        }
    }
    let mut tx = state.db.pool.begin().await?;
    let at = now();
    // The text stays editable as a draft (an existing draft is kept).
    sqlx::query(
        "INSERT INTO content_drafts (path, source, revision, base_revision, updated_by, updated_at)
         VALUES ($1, $2, 1, NULL, $3, $4) ON CONFLICT (path) DO NOTHING",
    )
    .bind(path)
    .bind(&file.source)
    .bind(me)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    let done = sqlx::query(
        "UPDATE content_files SET withdrawn_at = $2, withdrawn_by = $3 WHERE path = $1 AND withdrawn_at IS NULL",
    )
    .bind(path)
    .bind(at)
    .bind(me)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::Conflict(format!(
            "`{path}` was withdrawn already."
        )));
    }
    sqlx::query("UPDATE content_epoch SET epoch = epoch + 1 WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    super::store::audit(
        &mut tx,
        Some(me),
        "content.withdrawn",
        &format!("{path} revision {}", file.revision),
    )
    .await?;
    tx.commit().await?;
    state.content.reload(&state.db).await?;
    Ok(())
}

pub async fn discard(state: &AppState, me: i64, path: &str, base: &str) -> Result<(), AppError> {
    check_path(path)?;
    let base = parse_base(Some(base))?
        .ok_or_else(|| AppError::Invalid("There is no draft to discard.".into()))?;
    let mut tx = state.db.pool.begin().await?;
    let done = sqlx::query("DELETE FROM content_drafts WHERE path = $1 AND revision = $2")
        .bind(path)
        .bind(base)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "The draft changed since you opened it, so it was not discarded. Look at the latest draft first."
                .into(),
        ));
    }
    super::store::audit(&mut tx, Some(me), "content.draft_discarded", path).await?;
    tx.commit().await?;
    Ok(())
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_matches('-').chars().take(60).collect()
}

fn template(kind: &str, id: &str, title: &str) -> Option<String> {
    Some(match kind {
        "course" => format!(
            "---\nid: {id}\nkind: course\ntitle: {title}\nsummary: One sentence on what learners will be able to do.\nminutes: 30\ncompetencies: [empathy, ownership, honesty]\nrequired: all\n---\n\n# {title}\n\nWhat this course is about, and what completing it takes.\n"
        ),
        "lesson" => format!(
            "---\nid: {id}\nkind: lesson\ntitle: {title}\nminutes: 5\n---\n\n# {title}\n\nWrite the lesson here.\n"
        ),
        "scenario" => format!(
            "---\nid: {id}\nkind: scenario\ntitle: {title}\npersona: Sam Carter\nsituation: A customer whose order is late.\nmood: frustrated\nchannel: phone\ncompetencies: [empathy]\nscoring: choices\n---\n\nA short introduction for the learner.\n\n## The call {{#start}}\n\n**Sam:** My order was meant to arrive on Friday. Where is it?\n\n- [I'm sorry it hasn't arrived. Let me look it up now.](#resolved)\n  > You acknowledged the problem and took ownership.\n  Effects: empathy +2\n- [Deliveries are often late at the moment.](#lost)\n  > This explains nothing and sounds like an excuse.\n  Effects: empathy -1\n\n## Sorted {{#resolved}}\n\n**Sam:** Thanks, that's all I wanted.\n\nEnding: resolved\n\n## Lost {{#lost}}\n\n**Sam:** I'll take my business elsewhere.\n\nEnding: lost\n"
        ),
        "quiz" => format!(
            "---\nid: {id}\nkind: quiz\ntitle: {title}\npass: 75\n---\n\nA short introduction.\n\n## What does a customer remember most? {{#q1}}\n\n- [x] Whether someone listened\n  > Right: feeling heard stays with people.\n- [ ] The exact wording of the policy\n  > Few customers remember the policy itself.\n"
        ),
        _ => return None,
    })
}

/// Starts a new file as a draft. Answers its path.
pub async fn create(
    state: &AppState,
    me: i64,
    folder: &str,
    kind: &str,
    name: &str,
) -> Result<String, AppError> {
    let folder_slug = slug(folder);
    if folder_slug.is_empty() {
        return Err(AppError::Invalid(
            "Choose a course folder, or name a new one.".into(),
        ));
    }
    let (file, id, title) = if kind == "course" {
        let title = if name.trim().is_empty() {
            folder.trim().to_string()
        } else {
            name.trim().to_string()
        };
        ("course.md".to_string(), folder_slug.clone(), title)
    } else {
        if !matches!(kind, "lesson" | "scenario" | "quiz") {
            return Err(AppError::Invalid(
                "Choose what to create: a lesson, a scenario, a quiz or a course.".into(),
            ));
        }
        let id = slug(name);
        if id.is_empty() || !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(AppError::Invalid(
                "Give the new file a title that starts with a letter, e.g. \"The late parcel\"."
                    .into(),
            ));
        }
        // Files sort by name; number the new one after the others.
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT path FROM content_files UNION SELECT path FROM content_drafts")
                .fetch_all(&state.db.pool)
                .await?;
        let prefix = format!("{folder_slug}/");
        let next = rows
            .iter()
            .filter_map(|(p,)| p.strip_prefix(&prefix))
            .filter_map(|n| n.split('-').next()?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        (format!("{next:02}-{id}.md"), id, name.trim().to_string())
    };
    let path = format!("{folder_slug}/{file}");
    check_path(&path)?;
    if published(state, &path).await?.is_some() || draft(state, &path).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "`{path}` already exists; open it from the library."
        )));
    }
    let text =
        template(kind, &id, &title).ok_or_else(|| internal(format!("no template for {kind:?}")))?;
    match save_draft(state, me, &path, &text, None).await? {
        Saved::Revision(_) => Ok(path),
        Saved::Conflict(_) => Err(AppError::Conflict(format!(
            "`{path}` was just created by someone else; open it from the library."
        ))),
    }
}

/// Imports pasted or uploaded text as a new draft: markdown as is, a Twee 3
/// story through the importer.
pub async fn import(
    state: &AppState,
    me: i64,
    folder: &str,
    name: &str,
    format: &str,
    source: &str,
) -> Result<String, AppError> {
    let text = usable_text(source)?;
    if text.trim().is_empty() {
        return Err(AppError::Invalid(
            "The file is empty; choose a markdown file or a Twee story.".into(),
        ));
    }
    let folder_slug = slug(folder);
    let text = match format {
        "twee" => {
            let imported = crate::content::twee::convert(&text)
                .map_err(|e| AppError::Invalid(format!("The Twee story could not be read: {e}")))?;
            let mut md = imported.markdown;
            if !imported.warnings.is_empty() {
                // The warnings go into a comment at the end, where the
                // trainer sees them in the editor.
                md.push_str("\n<!-- Import notes:\n");
                for w in &imported.warnings {
                    md.push_str(&format!(
                        "  Twee line {}: {}\n",
                        w.line,
                        w.message.replace("--", "–")
                    ));
                }
                md.push_str("-->\n");
            }
            md
        }
        "markdown" => text,
        _ => {
            return Err(AppError::Invalid(
                "Choose the format: markdown or Twee 3.".into(),
            ))
        }
    };
    let stem = if name.trim().is_empty() {
        title_of(&text).map(|t| slug(&t)).unwrap_or_default()
    } else {
        slug(
            name.trim()
                .trim_end_matches(".md")
                .trim_end_matches(".twee")
                .trim_end_matches(".tw")
                .trim_end_matches(".txt"),
        )
    };
    if stem.is_empty() {
        return Err(AppError::Invalid(
            "Give the imported file a name, e.g. 03-the-late-parcel.".into(),
        ));
    }
    let path = format!("{folder_slug}/{stem}.md");
    check_path(&path)?;
    if published(state, &path).await?.is_some() || draft(state, &path).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "`{path}` already exists; choose another name or paste the text into its editor."
        )));
    }
    match save_draft(state, me, &path, &text, None).await? {
        Saved::Revision(_) => Ok(path),
        Saved::Conflict(_) => Err(AppError::Conflict(format!("`{path}` already exists."))),
    }
}

#[derive(sqlx::FromRow)]
struct RevisionRow {
    revision: i64,
    origin: String,
    published_by: Option<i64>,
    published_at: i64,
    lines_added: Option<i64>,
    lines_removed: Option<i64>,
}

/// How long one history view may spend counting the changes of revisions
/// not counted yet; the rest are counted by the next views.
const COUNTING_BUDGET: std::time::Duration = std::time::Duration::from_secs(3);

/// The longest one diff may run before it settles for a coarser result.
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_millis(500);

/// The source of one revision.
async fn revision_source(state: &AppState, path: &str, revision: i64) -> Result<String, AppError> {
    sqlx::query_scalar("SELECT source FROM content_revisions WHERE path = $1 AND revision = $2")
        .bind(path)
        .bind(revision)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| internal("the revision counted a moment ago is gone"))
}

/// The diff of a revision against the one before it (`before` = None for
/// the first), computed on the blocking pool with a deadline.
async fn revision_diff(
    state: &AppState,
    path: &str,
    before: Option<i64>,
    revision: i64,
) -> Result<Vec<DiffLine>, AppError> {
    let old = match before {
        Some(b) => revision_source(state, path, b).await?,
        None => String::new(),
    };
    let new = revision_source(state, path, revision).await?;
    let _turn = heavy_turn().await?;
    tokio::task::spawn_blocking(move || diff_lines(&old, &new))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "history: the diff task failed");
            AppError::Internal
        })
}

/// The history of a file: revisions newest first with their counts, and
/// the diff of the one shown. Only the metadata of every revision is read;
/// sources are read two at a time, diffs run on the blocking pool with a
/// deadline, and counts are kept once computed, so a long history of
/// large files costs each view a bounded amount of work.
pub async fn history(
    state: &AppState,
    path: &str,
    shown: Option<i64>,
) -> Result<HistoryData, AppError> {
    check_path(path)?;
    let mut rows: Vec<RevisionRow> = sqlx::query_as(
        "SELECT revision, origin, published_by, published_at, lines_added, lines_removed
           FROM content_revisions WHERE path = $1 ORDER BY revision",
    )
    .bind(path)
    .fetch_all(&state.db.pool)
    .await?;
    if rows.is_empty() {
        return Err(AppError::NotFound(format!(
            "`{path}` has not been published yet, so it has no history."
        )));
    }
    let current = published(state, path).await?.map(|f| f.revision);
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.published_by).collect();
    let who = names(state, &ids).await?;
    let shown = shown
        .filter(|s| rows.iter().any(|r| r.revision == *s))
        .unwrap_or(rows[rows.len() - 1].revision);
    let shown_at = rows.iter().position(|r| r.revision == shown).unwrap_or(0);
    let numbers: Vec<i64> = rows.iter().map(|r| r.revision).collect();
    let before = |i: usize| (i > 0).then(|| numbers[i - 1]);
    let diff = revision_diff(state, path, before(shown_at), shown).await?;
    let started = std::time::Instant::now();
    for i in (0..rows.len()).rev() {
        if rows[i].lines_added.is_some() && rows[i].lines_removed.is_some() {
            continue;
        }
        let counted = if i == shown_at {
            Some(count_changes(&diff))
        } else if started.elapsed() < COUNTING_BUDGET {
            let lines = revision_diff(state, path, before(i), numbers[i]).await?;
            Some(count_changes(&lines))
        } else {
            None
        };
        if let Some((added, removed)) = counted {
            sqlx::query(
                "UPDATE content_revisions SET lines_added = $1, lines_removed = $2
                  WHERE path = $3 AND revision = $4",
            )
            .bind(added as i64)
            .bind(removed as i64)
            .bind(path)
            .bind(rows[i].revision)
            .execute(&state.db.pool)
            .await?;
            rows[i].lines_added = Some(added as i64);
            rows[i].lines_removed = Some(removed as i64);
        }
    }
    let mut revisions: Vec<RevisionView> = rows
        .iter()
        .map(|r| RevisionView {
            revision: r.revision,
            origin: r.origin.clone(),
            editor: r.published_by.and_then(|id| who.get(&id).cloned()),
            at: r.published_at,
            current: Some(r.revision) == current,
            added: r.lines_added.map(|n| n as usize),
            removed: r.lines_removed.map(|n| n as usize),
        })
        .collect();
    revisions.reverse();
    Ok(HistoryData {
        path: path.to_string(),
        revisions,
        shown: Some(shown),
        diff,
    })
}

/// Lines added and removed in a diff.
fn count_changes(lines: &[DiffLine]) -> (usize, usize) {
    (
        lines.iter().filter(|l| l.tag == '+').count(),
        lines.iter().filter(|l| l.tag == '-').count(),
    )
}

/// A line diff of two texts (unchanged lines kept for context).
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    use similar::{ChangeTag, TextDiff};
    let diff = TextDiff::configure()
        .timeout(DIFF_DEADLINE)
        .diff_lines(old, new);
    diff.iter_all_changes()
        .map(|c| DiffLine {
            tag: match c.tag() {
                ChangeTag::Equal => ' ',
                ChangeTag::Insert => '+',
                ChangeTag::Delete => '-',
            },
            old: c.old_index().map(|i| i + 1),
            new: c.new_index().map(|i| i + 1),
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect()
}

pub async fn rollback(
    state: &AppState,
    me: i64,
    path: &str,
    revision: i64,
) -> Result<i64, AppError> {
    check_path(path)?;
    let row: Option<(String,)> =
        sqlx::query_as("SELECT source FROM content_revisions WHERE path = $1 AND revision = $2")
            .bind(path)
            .bind(revision)
            .fetch_optional(&state.db.pool)
            .await?;
    let (source,) =
        row.ok_or_else(|| AppError::NotFound(format!("`{path}` has no revision {revision}.")))?;
    let result = check(state, path, &source).await?;
    refuse_errors(&result, "Not rolled back")?;
    let mut tx = state.db.pool.begin().await?;
    let new_revision = write_revision(
        &mut tx,
        me,
        path,
        &source,
        "rollback",
        &format!("revision {revision} published again"),
    )
    .await?;
    super::store::audit(
        &mut tx,
        Some(me),
        "content.rolled_back",
        &format!("{path} revision {revision} as {new_revision}"),
    )
    .await?;
    tx.commit().await?;
    state.content.reload(&state.db).await?;
    Ok(new_revision)
}

/// The scenario of `path`: the draft if there is one, else what is
/// published.
async fn scenario_of(state: &AppState, path: &str) -> Result<(Scenario, String, bool), AppError> {
    check_path(path)?;
    let (text, from_draft) = match draft(state, path).await? {
        Some(d) => (d.source, true),
        None => match published(state, path).await? {
            Some(f) => (f.source, false),
            None => return Err(AppError::not_found("This file")),
        },
    };
    let result = check(state, path, &text).await?;
    let Some(preview) = result.preview else {
        return Err(AppError::Invalid(
            "This file cannot be played: fix its front matter first.".into(),
        ));
    };
    let title = preview.item.title.clone();
    match preview.item.body {
        ItemBody::Scenario(s) => {
            if s.graph.scenes.is_empty() {
                return Err(AppError::Invalid("This scenario has no scenes yet.".into()));
            }
            Ok((s, title, from_draft))
        }
        _ => Err(AppError::Invalid(
            "Only scenarios can be play-tested; lessons and quizzes show in the preview.".into(),
        )),
    }
}

pub async fn playtest(state: &AppState, path: &str, moves: &str) -> Result<PlaytestView, AppError> {
    let (scenario, title, from_draft) = scenario_of(state, path).await?;
    let mut play = ScenarioState::start(&scenario);
    let mut taken: Vec<usize> = Vec::new();
    let mut transcript: Vec<PlayLine> = Vec::new();
    let mut feedback = None;
    let push_scene = |play: &ScenarioState, transcript: &mut Vec<PlayLine>| {
        if let Some(scene) = play.current(&scenario) {
            let facts = play.progress(&scenario);
            for b in &scene.blocks {
                if b.condition.as_ref().is_none_or(|c| c.holds(&facts)) {
                    transcript.push(PlayLine {
                        speaker: b.speaker.clone(),
                        html: b.html.clone(),
                        mine: false,
                    });
                }
            }
        }
    };
    push_scene(&play, &mut transcript);
    for part in moves.split('.').filter(|p| !p.is_empty()).take(500) {
        let index: usize = part.parse().map_err(|_| {
            AppError::Invalid("This play-test link is damaged; start again.".into())
        })?;
        let scene = play
            .current(&scenario)
            .ok_or_else(|| internal("play-test: no current scene"))?;
        let choice = scene.choices.get(index).cloned();
        match play.choose(&scenario, index) {
            Ok(_) => {
                let choice =
                    choice.ok_or_else(|| internal("play-test: the chosen reply vanished"))?;
                transcript.push(PlayLine {
                    speaker: None,
                    html: markdown::escape(&choice.text),
                    mine: true,
                });
                feedback = Some(choice.feedback_html.clone());
                taken.push(index);
                push_scene(&play, &mut transcript);
            }
            Err(e) => {
                return Err(AppError::Invalid(format!(
                    "{e} The draft may have changed since this step; start the play-test again."
                )))
            }
        }
    }
    let joined = |extra: Option<usize>| {
        let mut v: Vec<String> = taken.iter().map(|i| i.to_string()).collect();
        if let Some(e) = extra {
            v.push(e.to_string());
        }
        v.join(".")
    };
    let scene = play
        .current(&scenario)
        .ok_or_else(|| internal("play-test: no current scene"))?;
    let choices = play
        .offered(&scenario)
        .into_iter()
        .map(|i| (i, scene.choices[i].text.clone(), joined(Some(i))))
        .collect();
    let result = play.result(&scenario);
    let back = (!taken.is_empty()).then(|| {
        taken[..taken.len() - 1]
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(".")
    });
    Ok(PlaytestView {
        path: path.to_string(),
        title,
        persona: scenario.persona.name.clone(),
        situation: scenario.persona.situation.clone(),
        from_draft,
        moves: joined(None),
        transcript,
        feedback_html: feedback,
        scene_title: scene.title.clone(),
        choices,
        totals: play.totals(&scenario).into_iter().collect(),
        ending: result.as_ref().map(|r| r.outcome.label().to_string()),
        score: result.as_ref().and_then(|r| r.score),
        best: result.as_ref().and_then(|r| r.best),
        back,
    })
}

/// What learners did on the published version of a scenario: choices by
/// (scene, index), endings by scene, unfinished attempts by scene.
#[derive(Default)]
struct Counts {
    attempts: i64,
    choices: HashMap<(String, usize), i64>,
    ended: HashMap<String, i64>,
    dropped: HashMap<String, i64>,
}

/// The published version of the item at `path`, if it is live.
fn live_version(state: &AppState, path: &str) -> Option<(String, String, i64)> {
    let catalog = state.content.get();
    catalog.courses().iter().find_map(|c| {
        let item = c.items.iter().find(|i| i.file == path)?;
        let v = catalog.version(&c.id, &item.id)?;
        Some((c.id.clone(), item.id.clone(), v.id))
    })
}

async fn scenario_counts(state: &AppState, path: &str) -> Result<Counts, AppError> {
    let mut counts = Counts::default();
    let Some((_, _, version_id)) = live_version(state, path) else {
        return Ok(counts);
    };
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT status, state FROM attempts WHERE version_id = $1 AND kind = 'scenario' AND status <> 'abandoned'",
    )
    .bind(version_id)
    .fetch_all(&state.db.pool)
    .await?;
    for (status, json) in rows {
        let Ok(play) = serde_json::from_str::<ScenarioState>(&json) else {
            continue;
        };
        counts.attempts += 1;
        for m in &play.moves {
            *counts
                .choices
                .entry((m.scene.clone(), m.choice))
                .or_default() += 1;
        }
        if status == "finished" {
            *counts.ended.entry(play.scene.clone()).or_default() += 1;
        } else {
            *counts.dropped.entry(play.scene.clone()).or_default() += 1;
        }
    }
    Ok(counts)
}

pub async fn analytics(state: &AppState, path: &str) -> Result<Analytics, AppError> {
    check_path(path)?;
    let catalog = state.content.get();
    let (course_id, item_id, version_id) = live_version(state, path).ok_or_else(|| {
        AppError::NotFound(format!(
            "`{path}` is not published as part of a course, so learners have not taken it."
        ))
    })?;
    let item = catalog
        .course(&course_id)
        .and_then(|c| c.item(&item_id))
        .ok_or_else(|| internal("analytics: the checked item is not in the catalog"))?;
    let mut out = Analytics {
        path: path.to_string(),
        title: item.title.clone(),
        kind: item.kind().as_str().to_string(),
        attempts: 0,
        finished: 0,
        endings: Vec::new(),
        map: None,
        questions: Vec::new(),
    };
    match &item.body {
        ItemBody::Scenario(s) => {
            let counts = scenario_counts(state, path).await?;
            out.attempts = counts.attempts;
            out.finished = counts.ended.values().sum();
            let mut endings: BTreeMap<String, i64> = BTreeMap::new();
            for scene in &s.graph.scenes {
                if let Some(e) = &scene.ending {
                    *endings
                        .entry(format!("{} ({})", scene.title, e.outcome.label()))
                        .or_default() += counts.ended.get(&scene.id).copied().unwrap_or(0);
                }
            }
            out.endings = endings.into_iter().collect();
            out.map = Some(scenario_map(path, s, &counts));
        }
        ItemBody::Quiz(q) => {
            let attempts: Vec<(String, String)> = sqlx::query_as(
                "SELECT status, state FROM attempts WHERE version_id = $1 AND kind = 'quiz'",
            )
            .bind(version_id)
            .fetch_all(&state.db.pool)
            .await?;
            out.attempts = attempts.len() as i64;
            out.finished = attempts.iter().filter(|(s, _)| s == "finished").count() as i64;
            let mut answered: HashMap<usize, i64> = HashMap::new();
            let mut right: HashMap<usize, i64> = HashMap::new();
            let mut picked: HashMap<(usize, usize), i64> = HashMap::new();
            for (_, json) in &attempts {
                let Ok(play) = serde_json::from_str::<crate::domain::quiz_play::QuizState>(json)
                else {
                    continue;
                };
                for a in &play.answers {
                    *answered.entry(a.question).or_default() += 1;
                    if a.correct {
                        *right.entry(a.question).or_default() += 1;
                    }
                    for &o in &a.picked {
                        *picked.entry((a.question, o)).or_default() += 1;
                    }
                }
            }
            let share = |n: i64, of: i64| (of > 0).then(|| ((n * 100 + of / 2) / of) as u32);
            out.questions = q
                .questions
                .iter()
                .enumerate()
                .map(|(qi, question)| {
                    let n = answered.get(&qi).copied().unwrap_or(0);
                    QuestionStats {
                        id: question.id.clone(),
                        prompt_html: question.prompt_html.clone(),
                        answered: n,
                        correct_share: share(right.get(&qi).copied().unwrap_or(0), n),
                        options: question
                            .options
                            .iter()
                            .enumerate()
                            .map(|(i, o)| {
                                (
                                    o.html.clone(),
                                    o.correct,
                                    share(picked.get(&(qi, i)).copied().unwrap_or(0), n),
                                )
                            })
                            .collect(),
                    }
                })
                .collect();
        }
        ItemBody::Lesson(_) => {
            return Err(AppError::Invalid(
                "Lessons have no choices to count; open a scenario or a quiz.".into(),
            ))
        }
    }
    Ok(out)
}

/// The scenario map: scenes in columns by their distance from the start,
/// unreachable scenes in a last column, each a link to its line in the
/// editor; choices as arrows, thicker the more learners took them.
fn scenario_map(path: &str, s: &Scenario, counts: &Counts) -> ScenarioMap {
    let scenes = &s.graph.scenes;
    let index: HashMap<&str, usize> = scenes
        .iter()
        .enumerate()
        .map(|(i, sc)| (sc.id.as_str(), i))
        .collect();
    let reachable = s.graph.reachable();
    let finish = s.graph.can_finish();
    // Depth by breadth-first search from the start.
    let mut depth: Vec<Option<usize>> = vec![None; scenes.len()];
    let mut queue = std::collections::VecDeque::new();
    if !scenes.is_empty() {
        depth[0] = Some(0);
        queue.push_back(0);
    }
    while let Some(i) = queue.pop_front() {
        let d = depth[i].unwrap_or(0);
        for c in &scenes[i].choices {
            if let Some(&t) = index.get(c.target.as_str()) {
                if depth[t].is_none() {
                    depth[t] = Some(d + 1);
                    queue.push_back(t);
                }
            }
        }
    }
    let max_depth = depth.iter().flatten().copied().max().unwrap_or(0);
    let column = |i: usize| depth[i].unwrap_or(max_depth + 1);
    let mut rows_in: HashMap<usize, usize> = HashMap::new();
    let mut pos: Vec<(usize, usize)> = Vec::with_capacity(scenes.len());
    for i in 0..scenes.len() {
        let col = column(i);
        let row = rows_in.entry(col).or_insert(0);
        pos.push((col, *row));
        *row += 1;
    }
    const W: usize = 190;
    const H: usize = 56;
    const GAP_X: usize = 70;
    const GAP_Y: usize = 22;
    let cols = pos.iter().map(|p| p.0).max().map_or(1, |m| m + 1);
    let rows = rows_in.values().copied().max().unwrap_or(1);
    let width = cols * (W + GAP_X) + GAP_X;
    let height = rows * (H + GAP_Y) + GAP_Y + 30;
    let xy = |i: usize| {
        let (c, r) = pos[i];
        (GAP_X / 2 + c * (W + GAP_X), 30 + GAP_Y + r * (H + GAP_Y))
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"scenario-map\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"group\" aria-labelledby=\"map-title\"><title id=\"map-title\">Map of {} scenes; the table below lists the same</title>\
<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"map-arrow\"/></marker>\
<pattern id=\"hatch-lost\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" class=\"map-lost\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" class=\"map-hatch\"/></pattern>\
<pattern id=\"dots-partly\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" class=\"map-partly\"/><circle cx=\"3\" cy=\"3\" r=\"1.2\" class=\"map-hatch\"/></pattern></defs>",
        scenes.len()
    );
    for c in 0..cols {
        let label = if c > max_depth {
            "unreachable".to_string()
        } else if c == 0 {
            "start".to_string()
        } else {
            format!("step {c}")
        };
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"20\" class=\"map-col\">{label}</text>",
            GAP_X / 2 + c * (W + GAP_X)
        ));
    }
    let mut out_scenes = Vec::new();
    // Edges first, so nodes sit on top.
    for (i, sc) in scenes.iter().enumerate() {
        let total: i64 = (0..sc.choices.len())
            .map(|k| {
                counts
                    .choices
                    .get(&(sc.id.clone(), k))
                    .copied()
                    .unwrap_or(0)
            })
            .sum();
        let mut choices = Vec::new();
        for (k, c) in sc.choices.iter().enumerate() {
            let taken = counts
                .choices
                .get(&(sc.id.clone(), k))
                .copied()
                .unwrap_or(0);
            let share = (total > 0).then(|| ((taken * 100 + total / 2) / total) as u32);
            if let Some(&t) = index.get(c.target.as_str()) {
                let (x1, y1) = xy(i);
                let (x2, y2) = xy(t);
                let stroke = 1.5 + share.map_or(0.0, |p| p as f64 / 12.0);
                let (sx, sy, ex, ey) = if pos[t].0 > pos[i].0 {
                    (x1 + W, y1 + H / 2, x2, y2 + H / 2)
                } else {
                    // Back or sideways: leave from the bottom, arrive at the top.
                    (x1 + W / 2, y1 + H, x2 + W / 2, y2)
                };
                let bend = if pos[t].0 > pos[i].0 {
                    GAP_X as i64 / 2
                } else {
                    40
                };
                let class = if pos[t].0 > pos[i].0 {
                    "map-edge"
                } else {
                    "map-edge map-back"
                };
                svg.push_str(&format!(
                    "<path d=\"M{sx},{sy} C{},{sy} {},{ey} {ex},{ey}\" class=\"{class}\" stroke-width=\"{stroke:.1}\" marker-end=\"url(#arrow)\"><title>{}</title></path>",
                    sx as i64 + bend,
                    ex as i64 - bend,
                    markdown::escape(&format!(
                        "{} → {}{}",
                        c.text,
                        c.target,
                        share.map(|p| format!(" · {p}% of learners here")).unwrap_or_default()
                    ))
                ));
                if let Some(p) = share {
                    svg.push_str(&format!(
                        "<text x=\"{}\" y=\"{}\" class=\"map-share\">{p}%</text>",
                        (sx + ex) / 2,
                        (sy + ey) / 2 - 3
                    ));
                }
            }
            choices.push(MapChoice {
                text: c.text.clone(),
                target: c.target.clone(),
                line: c.line,
                taken,
                share,
            });
        }
        out_scenes.push(MapScene {
            id: sc.id.clone(),
            title: sc.title.clone(),
            line: sc.line,
            start: i == 0,
            ending: sc.ending.as_ref().map(|e| e.outcome.key().to_string()),
            unreachable: !reachable.contains(&i),
            dead_end: sc.ending.is_none() && !finish.contains(&i),
            choices,
            dropped: counts.dropped.get(&sc.id).copied().unwrap_or(0),
            ended: counts.ended.get(&sc.id).copied().unwrap_or(0),
        });
    }
    for (i, m) in out_scenes.iter().enumerate() {
        let (x, y) = xy(i);
        let (class, tag) = match (&m.ending, m.unreachable, m.dead_end) {
            (_, true, _) => ("map-node map-unreachable", "unreachable".to_string()),
            (Some(o), _, _) => (
                match o.as_str() {
                    "resolved" => "map-node map-resolved",
                    "partly_resolved" => "map-node map-partly",
                    _ => "map-node map-lost-node",
                },
                format!(
                    "ending: {}",
                    crate::domain::scenario::Outcome::parse(o).map_or(o.as_str(), |o| o.label())
                ),
            ),
            (None, _, true) => ("map-node map-dead", "dead end".to_string()),
            (None, _, _) if m.start => ("map-node map-start", "start".to_string()),
            _ => ("map-node", format!("{} choices", m.choices.len())),
        };
        let href = format!(
            "/author/edit?path={}&amp;line={}#source",
            crate::components::encode(path),
            m.line
        );
        let title: String = m.title.chars().take(24).collect();
        let title = if title.len() < m.title.len() {
            format!("{title}…")
        } else {
            title
        };
        svg.push_str(&format!(
            "<a href=\"{href}\" class=\"map-link\"><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{H}\" rx=\"6\" class=\"{class}\"/><text x=\"{}\" y=\"{}\" class=\"map-title\">{}</text><text x=\"{}\" y=\"{}\" class=\"map-tag\">#{} · {}</text></a>",
            markdown::escape(&format!("{} (#{}), line {}: {}", m.title, m.id, m.line, tag)),
            x + 8,
            y + 22,
            markdown::escape(&title),
            x + 8,
            y + 42,
            markdown::escape(&m.id.chars().take(14).collect::<String>()),
            markdown::escape(&tag),
        ));
    }
    svg.push_str("</svg>");
    ScenarioMap {
        path: path.to_string(),
        svg,
        scenes: out_scenes,
        attempts: counts.attempts,
    }
}

/// The source of a file for download: the draft when `draft`, else the
/// published one.
pub async fn download(state: &AppState, path: &str, want_draft: bool) -> Result<String, AppError> {
    check_path(path)?;
    if want_draft {
        if let Some(d) = draft(state, path).await? {
            return Ok(d.source);
        }
    }
    published(state, path)
        .await?
        .map(|f| f.source)
        .ok_or_else(|| AppError::not_found("This file"))
}

/// A course folder's published files as a zip in the `content/` layout.
pub async fn course_zip(state: &AppState, folder: &str) -> Result<Vec<u8>, AppError> {
    check_path(&format!("{folder}/course.md"))?;
    let prefix = format!("{folder}/");
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT path, source FROM content_files WHERE withdrawn_at IS NULL")
            .fetch_all(&state.db.pool)
            .await?;
    let files: Vec<(String, Vec<u8>)> = rows
        .into_iter()
        .filter(|(p, _)| p.starts_with(&prefix))
        .map(|(p, s)| (p, s.into_bytes()))
        .collect();
    if files.is_empty() {
        return Err(AppError::NotFound(format!(
            "There is no published course folder `{folder}`."
        )));
    }
    Ok(zip_stored(&files, now()))
}

/// A zip archive with the files stored (not compressed): small text files,
/// and no extra dependency.
pub fn zip_stored(files: &[(String, Vec<u8>)], at: i64) -> Vec<u8> {
    let (date, time) = dos_time(at);
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let crc = crc32(data);
        let offset = out.len() as u32;
        let n = name.as_bytes();
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
        out.extend_from_slice(&0u16.to_le_bytes()); // stored
        out.extend_from_slice(&time.to_le_bytes());
        out.extend_from_slice(&date.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(n.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(n);
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&0x0800u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&time.to_le_bytes());
        central.extend_from_slice(&date.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(n.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attrs
        central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(n);
    }
    let central_at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn dos_time(at: i64) -> (u16, u16) {
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    let (y, m, d) = crate::domain::time::civil_from_days(days);
    let date = (((y - 1980).clamp(0, 127) as u16) << 9) | ((m as u16) << 5) | d as u16;
    let time = (((secs / 3600) as u16) << 11)
        | ((((secs % 3600) / 60) as u16) << 5)
        | ((secs % 60) / 2) as u16;
    (date, time)
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_content_tree() {
        assert!(check_path("brand-values/01-why.md").is_ok());
        for bad in [
            "../etc/passwd",
            "brand-values/../../x.md",
            "brand-values/x.txt",
            "a/b/c.md",
            "/abs.md",
            "x.md",
            ".hidden/x.md",
            "brand-values/.x.md",
            "br and/x.md",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_map_marks_start_endings_unreachable_scenes_and_dead_ends() {
        let text = "---\nid: m\nkind: scenario\ntitle: M\npersona: P\nsituation: S\nmood: m\nchannel: phone\ncompetencies: [empathy]\n---\n\n## Start {#start}\n\n- [Good](#win)\n  > ok\n- [Loop](#loop)\n  > hm\n\n## Loop {#loop}\n\n- [Again](#loop2)\n  > hm\n\n## Loop two {#loop2}\n\n- [Back](#loop)\n  > hm\n\n## Win {#win}\n\nEnding: resolved\n\n## Island & <co> {#island}\n\nEnding: lost\n";
        let parsed = crate::content::parse_item("m.md".into(), text.as_bytes(), None);
        let Some(ItemBody::Scenario(s)) = parsed.body else {
            panic!("a scenario: {:?}", parsed.report.diagnostics)
        };
        let mut counts = Counts::default();
        counts.choices.insert(("start".into(), 0), 3);
        counts.choices.insert(("start".into(), 1), 1);
        let map = scenario_map("c/m.md", &s, &counts);
        let by_id = |id: &str| map.scenes.iter().find(|m| m.id == id).expect(id);
        assert!(by_id("start").start);
        assert_eq!(by_id("win").ending.as_deref(), Some("resolved"));
        assert!(by_id("island").unreachable);
        assert!(by_id("loop").dead_end && by_id("loop2").dead_end);
        assert!(!by_id("start").dead_end && !by_id("win").dead_end);
        assert_eq!(by_id("start").choices[0].share, Some(75));
        assert_eq!(by_id("start").choices[1].share, Some(25));
        assert!(map.svg.contains("map-unreachable") && map.svg.contains("map-dead"));
        assert!(map.svg.contains("75%"));
        // Titles are escaped; every node links to its line in the editor.
        let island = &by_id("island").title;
        assert!(island.contains('&'), "{island}");
        assert!(map.svg.contains(&markdown::escape(island)) && !map.svg.contains("& "));
        assert!(map
            .svg
            .contains(&format!("line={}#source", by_id("win").line)));
    }

    #[test]
    fn crc32_matches_the_reference_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn zip_lists_every_file() {
        let z = zip_stored(
            &[
                ("c/course.md".into(), b"hello".to_vec()),
                ("c/01-a.md".into(), b"world!".to_vec()),
            ],
            1_700_000_000,
        );
        assert_eq!(&z[..4], b"PK\x03\x04");
        let end = &z[z.len() - 22..];
        assert_eq!(&end[..4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([end[10], end[11]]), 2);
        assert!(z.windows(11).any(|w| w == b"c/course.md"));
    }

    #[test]
    fn diff_marks_added_and_removed_lines() {
        let d = diff_lines("a\nb\nc\n", "a\nB\nc\nd\n");
        let tags: String = d.iter().map(|l| l.tag).collect();
        assert_eq!(tags, " -+ +");
        assert_eq!(d[2].text, "B");
        assert_eq!(d[2].new, Some(2));
    }

    #[test]
    fn front_matter_is_read_loosely_for_drafts() {
        let src = "---\nid: x\nkind: quiz\ntitle: \"A quiz\"\n---\n";
        assert_eq!(title_of(src).as_deref(), Some("A quiz"));
        assert_eq!(kind_of(src, "01-x.md"), "quiz");
        assert_eq!(kind_of("no front matter", "course.md"), "course");
    }
}
