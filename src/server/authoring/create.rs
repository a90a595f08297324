//! New files from a template, and Twine imports.

use super::check::heavy_turn;
use super::drafts::{save_draft, usable_text, Saved};
use super::{check_path, draft, published};
use crate::api::AppError;
use crate::content::front_matter::quick_title;
use crate::server::sql::internal;
use crate::server::AppState;

/// A file or folder name from what a trainer typed (at most 60
/// characters).
pub(super) fn slug(s: &str) -> String {
    let out = crate::content::source::kebab(s);
    out.trim_matches('-').chars().take(60).collect()
}

/// The starting text of a new file of `kind`, from `templates/*.md` with
/// `{id}` and `{title}` filled in.
pub(super) fn template(kind: &str, id: &str, title: &str) -> Option<String> {
    let text = match kind {
        "course" => include_str!("templates/course.md"),
        "lesson" => include_str!("templates/lesson.md"),
        "scenario" => include_str!("templates/scenario.md"),
        "quiz" => include_str!("templates/quiz.md"),
        _ => return None,
    };
    Some(fill(text, id, title))
}

/// Replaces `{id}` and `{title}` in one pass, so a title that itself
/// contains `{id}` stays as typed.
fn fill(text: &str, id: &str, title: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4 * title.len());
    let mut rest = text;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("{id}") {
            out.push_str(id);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{title}") {
            out.push_str(title);
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
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

/// Imports pasted or uploaded text as a new draft: markdown as is, a Twine
/// story (Twee, or Twine 2's HTML) through the importer.
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
    // A Twine 2 HTML file is a story whatever the radio button says.
    let format = if text.contains("<tw-storydata") {
        "twee"
    } else {
        format
    };
    let text = match format {
        "twee" => {
            // Converting a large story is CPU work: on the blocking pool,
            // one at a time with the live checks, never on the workers that
            // answer every other request.
            let turn = heavy_turn().await?;
            let converted =
                tokio::task::spawn_blocking(move || crate::content::twee::convert(&text))
                    .await
                    .map_err(internal)?;
            drop(turn);
            let imported = converted.map_err(|e| {
                AppError::Invalid(format!("The Twine story could not be read: {e}"))
            })?;
            let mut md = imported.markdown;
            if !imported.warnings.is_empty() {
                // The warnings go into a comment at the end, where the
                // trainer sees them in the editor.
                md.push_str("\n<!-- Import notes:\n");
                for w in &imported.warnings {
                    md.push_str(&format!(
                        "  Twine line {}: {}\n",
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
        quick_title(&text).map(|t| slug(&t)).unwrap_or_default()
    } else {
        slug(
            name.trim()
                .trim_end_matches(".md")
                .trim_end_matches(".html")
                .trim_end_matches(".htm")
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
