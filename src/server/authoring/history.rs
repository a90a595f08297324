//! A file's published revisions, their diffs, and rolling back to one.

use super::check::{check_parsed, heavy_turn};
use super::drafts::{refuse_errors, write_revision};
use super::{check_path, names, published};
use crate::api::authoring::*;
use crate::api::AppError;
use crate::server::sql::internal;
use crate::server::AppState;

#[derive(sqlx::FromRow)]
pub(super) struct RevisionRow {
    pub(super) revision: i64,
    pub(super) origin: String,
    pub(super) published_by: Option<i64>,
    pub(super) published_at: i64,
    pub(super) lines_added: Option<i64>,
    pub(super) lines_removed: Option<i64>,
}

/// How long one history view may spend counting the changes of revisions
/// not counted yet; the rest are counted by the next views.
pub(super) const COUNTING_BUDGET: std::time::Duration = std::time::Duration::from_secs(3);

/// The longest one diff may run before it settles for a coarser result.
pub(super) const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_millis(500);

/// The source of one revision.
pub(super) async fn revision_source(
    state: &AppState,
    path: &str,
    revision: i64,
) -> Result<String, AppError> {
    sqlx::query_scalar("SELECT source FROM content_revisions WHERE path = $1 AND revision = $2")
        .bind(path)
        .bind(revision)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| internal("the revision counted a moment ago is gone"))
}

/// The diff of a revision against the one before it (`before` = None for
/// the first), computed on the blocking pool with a deadline.
pub(super) async fn revision_diff(
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
pub(super) fn count_changes(lines: &[DiffLine]) -> (usize, usize) {
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
    let result = check_parsed(state, path, &source).await?;
    refuse_errors(&result, "Not rolled back")?;
    let mut tx = state.db.begin_write().await?;
    let new_revision = write_revision(
        &mut tx,
        me,
        path,
        &source,
        "rollback",
        &format!("revision {revision} published again"),
    )
    .await?;
    crate::server::accounts::audit(
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
