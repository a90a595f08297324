//! New files from a template, and Twine imports.

use super::drafts::{save_draft, usable_text, Saved};
use super::{check_path, draft, published};
use crate::api::AppError;
use crate::content::front_matter::quick_title;
use crate::server::sql::internal;
use crate::server::AppState;

pub(super) fn slug(s: &str) -> String {
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

pub(super) fn template(kind: &str, id: &str, title: &str) -> Option<String> {
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
        quick_title(&text).map(|t| slug(&t)).unwrap_or_default()
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
