//! Course composition from the browser: a form over `course.md` (title,
//! summary, time, competencies, the order of the items and which are
//! required) and the pass rules of the course's quizzes. The form writes
//! the same front-matter keys a trainer would type, as drafts of those
//! files, through the editor's save (so conflicts, checks before
//! publishing, history and the audit log work the same way).

use super::authoring::{self, check_path, draft, published};
use super::AppState;
use crate::api::authoring::*;
use crate::api::AppError;
use crate::content::front_matter::{fm_list, fm_scalar, front_matter_list, set_front_matter};
use crate::content::front_matter::{quick_title, quick_value};
use crate::domain::course::ItemKind;
use std::collections::{HashMap, HashSet};

/// The submitted form.
pub struct ComposeForm<'a> {
    pub folder: &'a str,
    pub base: Option<&'a str>,
    pub title: &'a str,
    pub summary: &'a str,
    pub minutes: &'a str,
    pub competencies: &'a str,
    pub rows: &'a [ComposeRow],
    pub intent: &'a str,
}

/// What the form asks for.
enum Intent<'a> {
    Save,
    Publish,
    /// Move the item at this path one place up (`true`) or down.
    Move(&'a str, bool),
}

fn intent(s: &str) -> Result<Intent<'_>, AppError> {
    match s.split_once(':') {
        None if s == "save" => Ok(Intent::Save),
        None if s == "publish" => Ok(Intent::Publish),
        Some(("up", path)) => Ok(Intent::Move(path, true)),
        Some(("down", path)) => Ok(Intent::Move(path, false)),
        _ => Err(AppError::BadRequest("unknown action".into())),
    }
}

/// A published item of the course: what the form shows, and the texts the
/// pass rules are written into.
struct ItemRow {
    view: CompositionItem,
    /// The draft when there is one, else the published text.
    current: String,
    published: String,
}

fn course_path(folder: &str) -> Result<String, AppError> {
    let path = format!("{folder}/course.md");
    check_path(&path)?;
    Ok(path)
}

/// The text of course.md the form works on (the draft when there is one)
/// and that draft's revision.
async fn course_text(
    state: &AppState,
    path: &str,
) -> Result<(String, String, bool, bool), AppError> {
    let file = published(state, path).await?;
    let d = draft(state, path).await?;
    let base = d
        .as_ref()
        .map(|d| d.revision.to_string())
        .unwrap_or_default();
    let (has_file, has_draft) = (file.is_some(), d.is_some());
    match (d, file) {
        (Some(d), _) => Ok((d.source, base, has_file, has_draft)),
        (None, Some(f)) => Ok((f.source, base, has_file, has_draft)),
        (None, None) => Err(AppError::NotFound(format!(
            "There is no course `{}` (no course.md). Start one from the library.",
            path.trim_end_matches("/course.md")
        ))),
    }
}

/// The published items of the folder in learners' order, and the files
/// that exist only as drafts (path, title).
async fn items(
    state: &AppState,
    folder: &str,
    course_text: &str,
) -> Result<(Vec<ItemRow>, Vec<(String, String)>), AppError> {
    let prefix = format!("{folder}/");
    let files: Vec<(String, String)> = sqlx::query_as(
        "SELECT path, source FROM content_files WHERE withdrawn_at IS NULL ORDER BY path",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let drafts: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT path, source, revision FROM content_drafts ORDER BY path")
            .fetch_all(&state.db.pool)
            .await?;
    let required: Option<HashSet<String>> = front_matter_list(course_text, "required")
        .filter(|r| !(r.len() == 1 && r[0] == "all"))
        .map(|r| r.into_iter().collect());
    // By path, so a folder of many files with many drafts costs a look-up
    // per file, not a scan of every draft.
    let draft_of: HashMap<&str, (&str, i64)> = drafts
        .iter()
        .map(|(p, s, r)| (p.as_str(), (s.as_str(), *r)))
        .collect();
    let file_paths: HashSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let mut out = Vec::new();
    for (path, source) in files.iter().filter(|(p, _)| p.starts_with(&prefix)) {
        let name = &path[prefix.len()..];
        if !crate::content::is_item_name(name) {
            continue;
        }
        let Some(id) = quick_value(source, "id") else {
            continue;
        };
        let draft = draft_of.get(path.as_str());
        // Pass rules are edited in the quiz's draft when it has one.
        let current = draft.map_or(source.as_str(), |(s, _)| s);
        // A file whose kind cannot be read is not an item of the course:
        // the course's check (below) names it and says why.
        let Some(kind) = quick_value(source, "kind").and_then(|k| ItemKind::parse(&k)) else {
            continue;
        };
        let quiz = kind == ItemKind::Quiz;
        let view = CompositionItem {
            path: path.clone(),
            title: quick_value(source, "title").unwrap_or_else(|| id.clone()),
            required: required.as_ref().is_none_or(|r| r.contains(&id)),
            id,
            pass: if quiz {
                quick_value(current, "pass")
                    .map(|p| p.trim_end_matches('%').trim().to_string())
                    .unwrap_or_default()
            } else {
                String::new()
            },
            attempts: if quiz {
                quick_value(current, "attempts").unwrap_or_default()
            } else {
                String::new()
            },
            kind,
            base: draft.map(|(_, r)| r.to_string()).unwrap_or_default(),
            draft_pending: draft.is_some(),
        };
        out.push(ItemRow {
            view,
            current: current.to_string(),
            published: source.clone(),
        });
    }
    let order = front_matter_list(course_text, "order").unwrap_or_default();
    let out = crate::content::apply_order(out, |i| i.view.id.as_str(), &order);
    let unpublished = drafts
        .iter()
        .filter(|(p, _, _)| p.starts_with(&prefix) && !file_paths.contains(p.as_str()))
        .filter(|(p, _, _)| crate::content::is_item_name(&p[prefix.len()..]))
        .map(|(p, s, _)| (p.clone(), quick_title(s).unwrap_or_else(|| p.clone())))
        .collect();
    Ok((out, unpublished))
}

pub async fn composition(state: &AppState, folder: &str) -> Result<Composition, AppError> {
    let path = course_path(folder)?;
    let (text, base, course_published, course_draft) = course_text(state, &path).await?;
    let (items, unpublished) = items(state, folder, &text).await?;
    let competencies = front_matter_list(&text, "competencies")
        .unwrap_or_default()
        .join(", ");
    let check = authoring::check(state, &path, &text).await?;
    Ok(Composition {
        folder: folder.to_string(),
        title: quick_value(&text, "title").unwrap_or_default(),
        summary: quick_value(&text, "summary").unwrap_or_default(),
        minutes: quick_value(&text, "minutes").unwrap_or_default(),
        competencies,
        base,
        course_published,
        course_draft,
        items: items.into_iter().map(|i| i.view).collect(),
        unpublished,
        diagnostics: check.diagnostics,
    })
}

fn number_in(value: &str, range: std::ops::RangeInclusive<u32>) -> Option<u32> {
    value
        .trim()
        .trim_end_matches('%')
        .trim()
        .parse()
        .ok()
        .filter(|n| range.contains(n))
}

/// Saves the composition; answers the URL to send the trainer to: the form
/// again with what happened, or for a save refused because someone saved
/// first, the editor showing both versions.
pub async fn compose(
    state: &AppState,
    me: i64,
    form: &ComposeForm<'_>,
) -> Result<String, AppError> {
    let path = course_path(form.folder)?;
    let intent = intent(form.intent)?;
    let (text, current_base, _, has_draft) = course_text(state, &path).await?;
    if form.base.unwrap_or("") != current_base {
        return Err(AppError::Conflict(
            "Someone changed this course since you opened the page; nothing was saved. Here is the latest: make your changes again."
                .into(),
        ));
    }
    let (current, _) = items(state, form.folder, &text).await?;
    // Every row must be one of this course's published items, once.
    let mut rows: Vec<(usize, &ComposeRow, &ItemRow)> = Vec::new();
    let n = form.rows.len();
    let by_path: HashMap<&str, &ItemRow> =
        current.iter().map(|i| (i.view.path.as_str(), i)).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    for row in form.rows {
        let found = by_path.get(row.path.as_str()).copied();
        let item = found.ok_or_else(|| {
            AppError::Invalid(format!(
                "`{}` is not a published item of this course; reload the page and try again.",
                row.path
            ))
        })?;
        if !seen.insert(row.path.as_str()) {
            return Err(AppError::Invalid(format!(
                "`{}` is in the form twice.",
                row.path
            )));
        }
        let position = number_in(&row.position, 1..=n as u32).ok_or_else(|| {
            AppError::Invalid(format!(
                "The position of “{}” must be a whole number from 1 to {n}.",
                item.view.title
            ))
        })?;
        rows.push((position as usize, row, item));
    }
    // Sorting is stable: two items given the same position keep the order
    // they had.
    rows.sort_by_key(|(position, _, _)| *position);
    let mut moved = false;
    if let Intent::Move(target, up) = intent {
        let at = rows
            .iter()
            .position(|(_, r, _)| r.path == target)
            .ok_or_else(|| AppError::Invalid(format!("`{target}` is not in this course.")))?;
        let to = if up {
            at.checked_sub(1)
        } else {
            (at + 1 < rows.len()).then_some(at + 1)
        };
        if let Some(to) = to {
            rows.swap(at, to);
            moved = true;
        }
    }
    let publish = matches!(intent, Intent::Publish);
    let required: Vec<&str> = rows
        .iter()
        .filter(|(_, r, _)| r.required.is_some())
        .map(|(_, _, i)| i.view.id.as_str())
        .collect();
    if !rows.is_empty() && required.is_empty() {
        return Err(AppError::Invalid(
            "Tick at least one required item: a course that requires nothing would be complete before it starts."
                .into(),
        ));
    }
    // Pass rules first, so nothing is saved when one of them is wrong.
    let mut quiz_saves: Vec<(String, String, Option<String>)> = Vec::new();
    for (
        _,
        row,
        ItemRow {
            view: item,
            current,
            ..
        },
    ) in &rows
    {
        if item.kind != ItemKind::Quiz {
            continue;
        }
        let pass = row.pass.as_deref().unwrap_or("").trim();
        let attempts = row.attempts.as_deref().unwrap_or("").trim();
        if pass == item.pass && attempts == item.attempts {
            continue;
        }
        let pass = number_in(pass, 1..=100).ok_or_else(|| {
            AppError::Invalid(format!(
                "The pass mark of “{}” must be a whole number from 1 to 100 (per cent).",
                item.title
            ))
        })?;
        let attempts = match attempts {
            "" => None,
            a => Some(number_in(a, 1..=100).ok_or_else(|| {
                AppError::Invalid(format!(
                    "The attempts of “{}” must be a whole number from 1 to 100, or empty for no limit.",
                    item.title
                ))
            })?),
        };
        if row.base.as_deref().unwrap_or("") != item.base {
            return Err(AppError::Conflict(format!(
                "Someone changed “{}” since you opened the page; nothing was saved. Here is the latest: make your changes again.",
                item.title
            )));
        }
        let source = set_front_matter(current, "pass", Some(&format!("{pass}%")));
        let source = set_front_matter(
            &source,
            "attempts",
            attempts.map(|a| a.to_string()).as_deref(),
        );
        let base = (!item.base.is_empty()).then(|| item.base.clone());
        quiz_saves.push((item.path.clone(), source, base));
    }
    if publish {
        // A quiz draft that differs from what is published only by the pass
        // rules this form saved earlier goes live with the course.
        for (_, _, row) in &rows {
            let item = &row.view;
            if item.kind != ItemKind::Quiz
                || !item.draft_pending
                || quiz_saves.iter().any(|q| q.0 == item.path)
            {
                continue;
            }
            let mut rules_only = row.published.clone();
            for key in ["pass", "attempts"] {
                rules_only =
                    set_front_matter(&rules_only, key, quick_value(&row.current, key).as_deref());
            }
            if rules_only == row.current {
                quiz_saves.push((
                    item.path.clone(),
                    row.current.clone(),
                    Some(item.base.clone()),
                ));
            }
        }
    }
    let competencies: Vec<&str> = form
        .competencies
        .split([',', ' ', '\n', '\t'])
        .filter(|c| !c.trim().is_empty())
        .collect();
    let order: Vec<&str> = rows.iter().map(|(_, _, i)| i.view.id.as_str()).collect();
    let mut new_text = text.clone();
    for (key, value) in [
        ("title", Some(fm_scalar(form.title))),
        ("summary", Some(fm_scalar(form.summary))),
        ("minutes", Some(fm_scalar(form.minutes))),
        ("competencies", Some(fm_list(&competencies))),
        ("order", (!order.is_empty()).then(|| fm_list(&order))),
        (
            "required",
            (required.len() < rows.len()).then(|| fm_list(&required)),
        ),
    ] {
        new_text = set_front_matter(&new_text, key, value.as_deref());
    }
    let mut what = "unchanged";
    // An unchanged course.md without a draft needs no save (publishing it
    // again would only add an identical revision).
    if new_text != text || has_draft {
        let base = (!current_base.is_empty()).then_some(current_base.as_str());
        let answer = authoring::save(state, me, &path, &new_text, base, publish).await?;
        if let Some(id) = answer.strip_prefix("conflict=") {
            return Ok(conflict_url(&path, id));
        }
        what = if publish { "published" } else { "saved" };
    }
    for (quiz, source, base) in quiz_saves {
        let answer = authoring::save(state, me, &quiz, &source, base.as_deref(), publish).await?;
        if let Some(id) = answer.strip_prefix("conflict=") {
            return Ok(conflict_url(&quiz, id));
        }
        what = if publish { "published" } else { "saved" };
    }
    if moved && what == "saved" {
        what = "moved";
    }
    Ok(super::guard::url_with(
        "/author/course",
        &[("folder", form.folder), ("composed", what)],
    ))
}

fn conflict_url(path: &str, id: &str) -> String {
    super::guard::url_with("/author/edit", &[("path", path), ("conflict", id)])
}
