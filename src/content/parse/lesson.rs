//! Lessons: markdown with organisation placeholders.

use super::course::COMMON_KEYS;
use crate::content::front_matter::FrontMatter;
use crate::content::markdown::{placeholders, render_body, PLACEHOLDERS};
use crate::content::source::Source;
use crate::domain::course::Lesson;

pub fn parse_lesson(src: &mut Source, fm: FrontMatter, title: &str) -> Option<Lesson> {
    fm.warn_unused(src, &COMMON_KEYS);
    let body = src.text[fm.body_start..].to_string();
    if body.trim().is_empty() {
        src.error(fm.body_start, "the lesson has no text");
        return None;
    }
    let templated = check_placeholders(src, fm.body_start);
    Some(Lesson {
        html: render_body(&body, title),
        markdown: templated.then_some(body),
    })
}

/// Reports every unknown `{{name}}` in the text after `from` (the body) at
/// its place; true when the body uses a known placeholder.
pub fn check_placeholders(src: &mut Source, from: usize) -> bool {
    let body = src.text[from..].to_string();
    let mut templated = false;
    for (at, name) in placeholders(&body) {
        if PLACEHOLDERS.contains(&name) {
            templated = true;
        } else {
            src.error_hint(
                from + at,
                format!("unknown placeholder `{{{{{name}}}}}`"),
                "placeholders are {{organisation}}, {{mission}}, {{vision}} and {{values}}",
            );
        }
    }
    templated
}
