//! Opening, saving, publishing, withdrawing and discarding drafts.

use super::check::{check_bytes, check_parsed, too_large};
use super::{check_path, draft, file_kind, names, published};
use crate::api::authoring::*;
use crate::api::AppError;
use crate::content::front_matter::{quick_title, quick_value};
use crate::content::source::MAX_FILE_BYTES;
use crate::content::{self};
use crate::server::{now, AppState};

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

pub(super) fn parse_base(base: Option<&str>) -> Result<Option<i64>, AppError> {
    match base.map(str::trim) {
        None | Some("") => Ok(None),
        Some(b) => b.parse::<i64>().map(Some).map_err(|_| {
            AppError::BadRequest("the draft revision is not a number; reload the editor".into())
        }),
    }
}

/// A text that can be stored as a content file, or a clear refusal.
pub(super) fn usable_text(text: &str) -> Result<String, AppError> {
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

pub(super) enum Saved {
    Revision(i64),
    Conflict(i64),
}

pub(super) async fn save_draft(
    state: &AppState,
    me: i64,
    path: &str,
    text: &str,
    base: Option<i64>,
) -> Result<Saved, AppError> {
    let mut tx = state.db.begin_write().await?;
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
            crate::server::accounts::audit(&mut tx, Some(me), "content.draft_saved", path).await?;
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
    let result = check_parsed(state, path, &d.source).await?;
    refuse_errors(&result, "Not published")?;
    let mut tx = state.db.begin_write().await?;
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
    crate::server::accounts::audit(
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

pub(super) fn refuse_errors(result: &CheckResult, what: &str) -> Result<(), AppError> {
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
pub(super) async fn write_revision(
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
    if file_kind(name) == crate::domain::course::FileKind::Course {
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
    let title = quick_title(&file.source).unwrap_or_else(|| name.to_string());
    if crate::content::is_item_name(name) {
        if let Some(id) = quick_value(&file.source, "id") {
            let course = published(state, &format!("{folder}/course.md")).await?;
            let required = course
                .as_ref()
                .and_then(|c| content::front_matter::front_matter_list(&c.source, "required"));
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
                .filter(|n| crate::content::is_item_name(n) && format!("{prefix}{n}") != path)
                .count();
            if others == 0 && course.is_some() {
                return Err(AppError::Conflict(format!(
                    "“{title}” is the only item of its course; a course needs at least one. Publish another item first."
                )));
            }
        }
    }
    let mut tx = state.db.begin_write().await?;
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
    crate::server::accounts::audit(
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
    let mut tx = state.db.begin_write().await?;
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
    crate::server::accounts::audit(&mut tx, Some(me), "content.draft_discarded", path).await?;
    tx.commit().await?;
    Ok(())
}
