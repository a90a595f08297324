//! Parsers for the four kinds of content file: `course.md`, lessons,
//! scenarios and quizzes. Each reads a [`Source`], reports every problem it
//! finds with its position, and returns what it could make of the file.

mod course;
mod ending;
mod items;
mod lesson;
mod quiz;
mod scenario;

use super::source::{is_id, Source};
use crate::domain::course::ItemKind;
pub use course::{parse_course, parse_header};
pub use ending::slug;
pub use items::MAX_COMPETENCIES;
pub use lesson::parse_lesson;
pub use quiz::parse_quiz;
pub use scenario::parse_scenario;

/// What every item file starts with.
#[derive(Clone, Debug)]
pub struct Header {
    pub id: String,
    pub kind: ItemKind,
    pub title: String,
    pub minutes: Option<u32>,
}

/// The front matter of `course.md` and its introduction.
#[derive(Clone, Debug)]
pub struct CourseHeader {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub minutes: u32,
    pub competencies: Vec<String>,
    /// Required item ids with their offsets; `None` means all items.
    pub required: Option<Vec<(String, usize)>>,
    /// The order learners meet the items in, by id, with offsets; items not
    /// listed follow in file-name order.
    pub order: Vec<(String, usize)>,
    pub description_html: String,
}

fn check_id(src: &mut Source, id: &str, at: usize, what: &str) -> bool {
    if is_id(id) {
        true
    } else {
        src.error_hint(
            at,
            format!("`{id}` is not a valid {what} id"),
            "ids start with a letter and use only letters, digits, `-` and `_`",
        );
        false
    }
}

/// An error where the body nests markup deeper than the renderer allows
/// (it flattens what is deeper, so the file still renders).
fn check_nesting(src: &mut Source, body_start: usize) {
    let body = src.text.get(body_start..).unwrap_or("");
    if let Some(at) = super::markdown::too_deep(body) {
        src.error_hint(
            body_start + at,
            format!(
                "quotes, lists, emphasis and HTML may nest at most {} levels",
                super::markdown::MAX_NESTING
            ),
            "flatten the structure: deeper levels are shown as plain text",
        );
    }
}
