//! `figure-without-source`: a percentage or a statistic in a passage that
//! does not say where it comes from. A passage is a lesson's section
//! (heading to heading), a scene's text, one reply with its feedback, or
//! one quiz question with its options and feedback; the source must be in
//! the same passage, e.g. `(Source: Webex survey of more than 2,000
//! consumers)`.

use super::Source;
use crate::domain::course::ItemBody;

pub(super) fn review(src: &mut Source, body_start: usize, body: &ItemBody) {
    let replies_split = matches!(body, ItemBody::Scenario(_));
    check_text(src, body_start, replies_split);
}

/// Checks the markdown from `body_start`; with `replies_split`, each reply
/// of a scenario (a `- [` line and what follows it) is a passage of its own.
pub(super) fn check_text(src: &mut Source, body_start: usize, replies_split: bool) {
    let text = src.text.get(body_start..).unwrap_or("");
    let mut found: Vec<(usize, String)> = Vec::new();
    let mut passage_start = 0;
    let mut in_fence = false;
    let mut offset = 0;
    let mut passages: Vec<(usize, usize)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
        }
        let starts = !in_fence
            && offset > passage_start
            && (line.starts_with('#')
                || (replies_split
                    && (line.starts_with("- [")
                        || line.starts_with("* [")
                        || line.starts_with("+ ["))));
        if starts {
            passages.push((passage_start, offset));
            passage_start = offset;
        }
        offset += line.len();
    }
    passages.push((passage_start, text.len()));
    for (from, to) in passages {
        let passage = &text[from..to];
        if has_source(passage) {
            continue;
        }
        if let Some((at, figure)) = first_figure(passage) {
            found.push((body_start + from + at, figure));
        }
    }
    for (at, figure) in found {
        src.review(
            at,
            "figure-without-source",
            format!("`{figure}` has no source in this passage"),
            "say where it comes from in the same paragraph, reply or question, e.g. `(Source: Webex survey of more than 2,000 consumers)`; a story's own numbers (a price, a time) are not figures",
        );
    }
}

/// A quiz's own pass mark ("you need 75% to pass", "pass mark: 80%") is
/// a rule, not a finding.
fn is_pass_mark(passage: &str, at: usize) -> bool {
    let from = passage[..at]
        .char_indices()
        .rev()
        .nth(24)
        .map_or(0, |(i, _)| i);
    let to = passage[at..]
        .char_indices()
        .nth(24)
        .map_or(passage.len(), |(i, _)| at + i);
    passage[from..to].to_lowercase().contains("pass")
}

/// "Source: …", "Sources: …", "Source A: …": the word, then a colon a few
/// characters on, on the same line.
fn has_source(passage: &str) -> bool {
    let lower = passage.to_lowercase();
    lower.match_indices("source").any(|(i, _)| {
        lower[i + "source".len()..]
            .chars()
            .take(24)
            .take_while(|&c| c != '\n')
            .any(|c| c == ':')
    })
}

/// The first figure of a passage outside code: `64%`, `64 per cent`,
/// `1 in 3`, `3 out of 4`, `2,000` (not a price). Its offset and text.
pub(super) fn first_figure(passage: &str) -> Option<(usize, String)> {
    let bytes = passage.as_bytes();
    let mut in_code = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'`' {
            in_code = !in_code;
            i += 1;
            continue;
        }
        if in_code || !b.is_ascii_digit() {
            i += 1;
            continue;
        }
        let before = passage[..i].chars().next_back();
        let start = i;
        while i < bytes.len()
            && (bytes[i].is_ascii_digit()
                || ((bytes[i] == b',' || bytes[i] == b'.')
                    && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
        {
            i += 1;
        }
        if before.is_some_and(|c| c.is_alphanumeric() || c == '#' || c == '_' || c == '-') {
            continue;
        }
        let number = &passage[start..i];
        let rest = &passage[i..];
        let after = rest.trim_start_matches(' ');
        let lower: String = after.chars().take(12).collect::<String>().to_lowercase();
        let percent = if after.starts_with('%') {
            Some(format!("{number}%"))
        } else if lower.starts_with("per cent") || lower.starts_with("percent") {
            Some(format!("{number} per cent"))
        } else {
            None
        };
        if let Some(figure) = percent {
            if !is_pass_mark(passage, start) {
                return Some((start, figure));
            }
            continue;
        }
        for link in ["in ", "out of "] {
            if let Some(tail) = lower.strip_prefix(link) {
                if tail.starts_with(|c: char| c.is_ascii_digit()) {
                    let end = i + (rest.len() - after.len()) + link.len();
                    let digits = passage[end..]
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .count();
                    return Some((start, passage[start..end + digits].to_string()));
                }
            }
        }
        let price = before.is_some_and(|c| matches!(c, '£' | '$' | '€' | '¥'));
        if number.contains(',') && !price {
            return Some((start, number.to_string()));
        }
    }
    None
}
