//! `course.md`, and the front matter every item file starts with.

use super::items::at_most_competencies;
use super::{check_id, check_nesting, CourseHeader, Header};
use crate::content::front_matter::FrontMatter;
use crate::content::markdown::render_body;
use crate::content::source::Source;
use crate::domain::course::ItemKind;

pub fn parse_course(src: &mut Source) -> Option<CourseHeader> {
    let mut fm = FrontMatter::parse(src);
    if !fm.present {
        return None;
    }
    check_nesting(src, fm.body_start);
    if let Some((kind, at)) = fm.optional_text(src, "kind") {
        if kind != "course" {
            src.error(
                at,
                format!("`course.md` must have `kind: course`, not `{kind}`"),
            );
        }
    }
    let id = fm.text(src, "id", "empathetic-listening");
    let title = fm.text(src, "title", "Empathetic listening");
    let summary = fm.text(src, "summary", "One sentence on what the course teaches.");
    let minutes = fm.number(src, "minutes", 1..=600);
    if minutes.is_none() && !fm.fields.iter().any(|f| f.key == "minutes") {
        src.error_hint(
            0,
            "the front matter has no `minutes`",
            "add the estimated time, e.g. `minutes: 40`",
        );
    }
    let mut competencies = Vec::new();
    match fm.list("competencies") {
        Some(list) if !list.is_empty() => {
            for (c, at) in at_most_competencies(src, list) {
                if check_id(src, &c, at, "competency") {
                    if competencies.contains(&c) {
                        src.error(at, format!("competency `{c}` is listed twice"));
                    } else {
                        competencies.push(c);
                    }
                }
            }
        }
        _ => src.error_hint(
            0,
            "the course lists no `competencies`",
            "add e.g. `competencies: [empathy, ownership, honesty]`",
        ),
    }
    let required = fm.list("required").and_then(|l| {
        if l.len() == 1 && l[0].0 == "all" {
            None
        } else {
            Some(l)
        }
    });
    let order = fm.list("order").unwrap_or_default();
    fm.warn_unused(
        src,
        &[
            "id",
            "kind",
            "title",
            "summary",
            "minutes",
            "competencies",
            "required",
            "order",
        ],
    );
    let body = src.text[fm.body_start..].to_string();
    let description_html = render_body(&body, title.as_ref().map_or("", |t| t.0.as_str()));
    let (id, at) = id?;
    if !check_id(src, &id, at, "course") {
        return None;
    }
    Some(CourseHeader {
        id,
        title: title?.0,
        summary: summary?.0,
        minutes: minutes?,
        competencies,
        required,
        order,
        description_html,
    })
}

/// Reads the front matter every item has. Returns the header (if usable)
/// and the front matter, so the kind-specific parser can read the rest.
pub fn parse_header(src: &mut Source) -> (Option<Header>, FrontMatter) {
    let mut fm = FrontMatter::parse(src);
    if !fm.present {
        return (None, fm);
    }
    check_nesting(src, fm.body_start);
    let id = fm.text(src, "id", "my-item");
    let kind = match fm.text(src, "kind", "lesson") {
        Some((k, at)) => match ItemKind::parse(&k) {
            Some(k) => Some(k),
            None => {
                src.error_hint(
                    at,
                    format!("unknown kind `{k}`"),
                    "use `lesson`, `scenario` or `quiz`",
                );
                None
            }
        },
        None => None,
    };
    let title = fm.text(src, "title", "A title learners will see");
    let minutes = fm.number(src, "minutes", 1..=600);
    let header = match (id, kind, title) {
        (Some((id, at)), Some(kind), Some((title, _))) if check_id(src, &id, at, "item") => {
            Some(Header {
                id,
                kind,
                title,
                minutes,
            })
        }
        _ => None,
    };
    (header, fm)
}

pub(super) const COMMON_KEYS: [&str; 4] = ["id", "kind", "title", "minutes"];
