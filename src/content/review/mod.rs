//! The reviewer inside `rapport check`: warnings about how a lesson,
//! scenario, quiz or course teaches, not about whether it parses. Each
//! check has a name (shown as `warning[name]` and in JSON as `check`) and
//! is documented under that name in content/README.md, "Checks on how
//! content teaches".
//!
//! | name | what it finds |
//! |---|---|
//! | `longest-answer` | the best reply (or a quiz's key) is the longest in most decisions |
//! | `one-right-answer` | every decision has one reply that gains and nothing is a trade-off |
//! | `mistake-pays` | a competency's top score needs a reply that first loses in it |
//! | `score-cannot-fail` | stepping back to the best ending, one score for every route, a loop that gains |
//! | `minutes` | `minutes` far from the time it takes to read (≈200 words a minute) |
//! | `figure-without-source` | a percentage or figure with no source in the same passage |
//! | `all-but-one` | a multiple-answer question where every option but one is right |
//!
//! The checks run on what the parser built (scenes, choices, questions),
//! with the positions it kept, plus the source text for figures. Each is
//! linear in the size of the file, or bounded by the graph searches'
//! budgets, so a hostile file costs no more than parsing it.

mod figures;
mod quiz;
mod scenario;
#[cfg(test)]
mod tests;
mod time;

use super::source::Source;
use crate::domain::course::{Course, ItemBody};

pub use time::estimate_minutes;

/// Reviews one item whose file parsed without errors.
pub fn item(src: &mut Source, body_start: usize, minutes: Option<u32>, body: &ItemBody) {
    match body {
        ItemBody::Lesson(_) => {}
        ItemBody::Scenario(s) => scenario::review(src, s),
        ItemBody::Quiz(q) => quiz::review(src, q),
    }
    time::review_item(src, minutes, body);
    figures::review(src, body_start, body);
}

/// Reviews a course as a whole (`src` is its course.md): the minutes it
/// announces against its items'.
pub fn course(src: &mut Source, course: &Course) {
    time::review_course(src, course);
    let body = body_start(src);
    figures::check_text(src, body, false);
}

/// Where the markdown starts after the front matter.
fn body_start(src: &Source) -> usize {
    let mut offset = 0;
    for (n, line) in src.text.split_inclusive('\n').enumerate() {
        offset += line.len();
        if n > 0 && line.trim_end() == "---" {
            return offset;
        }
    }
    0
}

/// The byte offset of `key:` in the front matter, or of the file's start.
fn key_offset(src: &Source, key: &str) -> usize {
    let text = src.text.as_str();
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        if n > 0 && trimmed == "---" {
            break;
        }
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with(':') {
                return offset;
            }
        }
        offset += line.len();
    }
    0
}

/// The byte offset of a 1-based line.
fn line_offset(src: &Source, line: usize) -> usize {
    src.line_start(line.max(1))
}

/// Text without tags and with the common entities decoded: what a learner
/// reads of a piece of sanitised HTML.
fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Words a reader reads: runs of characters with a letter or digit.
fn words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// A reply's text, shortened for a message.
fn short(text: &str) -> String {
    const MAX: usize = 48;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{}…", cut.trim_end())
    }
}

/// "lines 3, 9 and 14"
fn lines_list(lines: &[usize]) -> String {
    let shown: Vec<String> = lines.iter().take(8).map(usize::to_string).collect();
    let more = if lines.len() > 8 { ", …" } else { "" };
    match shown.len() {
        0 => String::new(),
        1 => format!("line {}", shown[0]),
        _ => format!("lines {}{more}", shown.join(", ")),
    }
}
