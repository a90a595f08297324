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

mod analytics;
mod check;
mod create;
mod download;
mod drafts;
mod history;
mod library;
mod map;
mod playtest;
#[cfg(test)]
mod tests;

use super::AppState;
use crate::api::AppError;
use crate::content::{self};
use crate::domain::course::FileKind;
pub use analytics::analytics;
pub use check::check;
pub use create::{create, import};
pub use download::{course_zip, crc32, download, zip_stored};
pub use drafts::{discard, open, publish, save, withdraw};
pub use history::{diff_lines, history, rollback};
pub use library::library;
pub use playtest::{playtest, try_reply};
use std::collections::HashMap;

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

/// What a file holds, by its name alone. An item file is
/// [`FileKind::Unknown`] until its front matter is read.
pub(super) fn file_kind(name: &str) -> FileKind {
    if name.eq_ignore_ascii_case("course.md") {
        FileKind::Course
    } else if content::is_item_name(name) {
        FileKind::Unknown
    } else {
        FileKind::Notes
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
