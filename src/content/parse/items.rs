//! What scenario choices and quiz options are made of: a list item's
//! parts, effects, conditions and links.

use crate::content::source::{line_spans, Source};
use crate::domain::condition::Condition;
use std::collections::BTreeMap;

/// A list item split into its parts, each with the byte offset it starts at.
pub(super) struct ItemParts {
    /// The first line(s), after the list marker.
    pub(super) head: String,
    pub(super) head_at: usize,
    pub(super) feedback: String,
    pub(super) feedback_at: Option<usize>,
    pub(super) effects: Option<(String, usize)>,
    /// `Also: "…"` lines: other phrasings of a reply, with where each
    /// phrasing starts.
    pub(super) also: Vec<(String, usize)>,
}

/// Reads a list item line by line: the head, `>` feedback lines, an
/// `Effects:` line and `Also:` lines, in any order after the head.
pub(super) fn split_item(src: &mut Source, range: std::ops::Range<usize>) -> ItemParts {
    let text = src.text[range.clone()].to_string();
    let mut lines = line_spans(&text);
    let (_, first) = lines.next().unwrap_or((0, ""));
    let marker = first.len() - first.trim_start().len()
        + first
            .trim_start()
            .find(|c: char| !(c.is_ascii_digit() || "-*+.)".contains(c)))
            .unwrap_or(first.trim_start().len());
    let spaces = first[marker..].len() - first[marker..].trim_start().len();
    let indent = marker + spaces;
    let mut parts = ItemParts {
        head: first[indent..].to_string(),
        head_at: range.start + indent,
        feedback: String::new(),
        feedback_at: None,
        effects: None,
        also: Vec::new(),
    };
    #[derive(PartialEq)]
    enum In {
        Head,
        Feedback,
        Other,
    }
    let mut state = In::Head;
    for (at, line) in lines {
        let lead = line.len() - line.trim_start().len();
        let content = &line[lead.min(indent)..];
        let trimmed = content.trim();
        let abs = range.start + at + lead;
        if trimmed.is_empty() {
            if state == In::Feedback {
                parts.feedback.push('\n');
            }
            state = In::Other;
            continue;
        }
        if let Some(q) = trimmed.strip_prefix('>') {
            parts.feedback_at.get_or_insert(abs);
            parts.feedback.push_str(q.strip_prefix(' ').unwrap_or(q));
            parts.feedback.push('\n');
            state = In::Feedback;
        } else if let Some(e) = strip_label(trimmed, "effects:") {
            if parts.effects.is_some() {
                src.error(abs, "a choice has one `Effects:` line");
            }
            let e_at = abs + (trimmed.len() - e.len());
            parts.effects = Some((e.to_string(), e_at));
            state = In::Other;
        } else if let Some(a) = strip_label(trimmed, "also:") {
            let a_at = abs + (trimmed.len() - a.len());
            match unquote(a) {
                Some(p) => parts.also.push((p.to_string(), a_at)),
                None => src.error_hint(
                    a_at,
                    "an `Also:` line has no words",
                    "write another way to say the reply: `Also: \"Sorry, that's not good enough\"`",
                ),
            }
            state = In::Other;
        } else if state == In::Head {
            parts.head.push(' ');
            parts.head.push_str(trimmed);
        } else if state == In::Feedback {
            // A lazy continuation line of the quote.
            parts.feedback.push_str(trimmed);
            parts.feedback.push('\n');
        } else {
            src.error_hint(
                abs,
                format!("unexpected line in a list item: `{}`", shorten(trimmed)),
                "after the first line, write the feedback as `> …` and the effects as `Effects: empathy +1`",
            );
        }
    }
    parts.feedback = parts.feedback.trim().to_string();
    parts
}

/// The words of an `Also:` line without the quotes around them
/// (straight or curly), or `None` when nothing is left.
fn unquote(s: &str) -> Option<&str> {
    let t = s.trim();
    let t = t
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| t.strip_prefix('“').and_then(|r| r.strip_suffix('”')))
        .unwrap_or(t)
        .trim();
    (!t.is_empty()).then_some(t)
}

pub(super) fn strip_label<'a>(s: &'a str, label: &str) -> Option<&'a str> {
    let head = s.get(..label.len())?;
    head.eq_ignore_ascii_case(label)
        .then(|| s[label.len()..].trim_start())
}

pub(super) fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The most competencies a course or scenario may list: every score walk
/// runs once per competency, so this bounds the work a file can ask for.
pub const MAX_COMPETENCIES: usize = 24;

/// The first [`MAX_COMPETENCIES`] entries of a `competencies` list, with an
/// error at the first one past the limit.
pub(super) fn at_most_competencies(
    src: &mut Source,
    mut list: Vec<(String, usize)>,
) -> Vec<(String, usize)> {
    if list.len() > MAX_COMPETENCIES {
        src.error_hint(
            list[MAX_COMPETENCIES].1,
            format!("at most {MAX_COMPETENCIES} competencies may be listed"),
            "keep the few that the course really practises",
        );
        list.truncate(MAX_COMPETENCIES);
    }
    list
}

/// `empathy +2, ownership -1` (or `none`).
pub(super) fn parse_effects(
    src: &mut Source,
    text: &str,
    at: usize,
    known: &[String],
) -> BTreeMap<String, i32> {
    let mut out = BTreeMap::new();
    if text.trim().eq_ignore_ascii_case("none") {
        return out;
    }
    let mut offset = 0;
    for part in text.split(',') {
        let lead = part.len() - part.trim_start().len();
        let part_at = at + offset + lead;
        offset += part.len() + 1;
        let p = part.trim();
        if p.is_empty() {
            src.error(
                part_at,
                "an empty effect; write effects as `empathy +2, honesty -1`",
            );
            continue;
        }
        let (name, amount) = match p.rsplit_once(char::is_whitespace) {
            Some((n, a)) => (n.trim(), a.trim()),
            None => (p, ""),
        };
        let value = match amount.parse::<i32>() {
            Ok(v) if (amount.starts_with('+') || amount.starts_with('-')) && v.abs() <= 100 => v,
            _ => {
                src.error_hint(
                    part_at,
                    format!("`{p}` is not an effect"),
                    "write a competency and a signed number, e.g. `empathy +2` or `honesty -1`",
                );
                continue;
            }
        };
        if !known.iter().any(|k| k == name) {
            src.error_hint(
                part_at,
                format!("unknown competency `{name}`"),
                &format!("this scenario's competencies: {}", known.join(", ")),
            );
            continue;
        }
        if out.insert(name.to_string(), value).is_some() {
            src.error(part_at, format!("`{name}` appears twice in these effects"));
        }
    }
    out
}

/// Reads a leading `{if …}` from `text`. Returns the condition and the rest.
pub(super) fn leading_condition<'a>(
    src: &mut Source,
    text: &'a str,
    at: usize,
) -> (Option<Condition>, &'a str, bool) {
    let Some(rest) = text.strip_prefix("{if") else {
        return (None, text, true);
    };
    let Some(close) = rest.find('}') else {
        src.error_hint(
            at,
            "`{if` is not closed with `}`",
            "write conditions as `{if empathy >= 2}`",
        );
        return (None, text, false);
    };
    let cond_text = &rest[..close];
    let cond_at = at + 3;
    match Condition::parse(cond_text) {
        Ok(c) => (Some(c), rest[close + 1..].trim_start(), true),
        Err((pos, msg)) => {
            let off = src.advance_chars(cond_at, pos);
            src.error_hint(
                off,
                msg,
                "conditions look like `empathy >= 2`, `visited notes`, `chose apologise`, joined with and / or / not",
            );
            (None, rest[close + 1..].trim_start(), false)
        }
    }
}

/// A trailing `{if …}` after a choice link.
pub(super) fn trailing_condition(
    src: &mut Source,
    text: &str,
    at: usize,
) -> (Option<Condition>, bool) {
    let t = text.trim();
    if t.is_empty() {
        return (None, true);
    }
    let lead = text.len() - text.trim_start().len();
    if t.starts_with("{if") {
        let (c, rest, ok) = leading_condition(src, t, at + lead);
        if !rest.trim().is_empty() && ok {
            src.error(
                at + lead + (t.len() - rest.len()),
                format!("unexpected `{}` after the condition", shorten(rest.trim())),
            );
        }
        (c, ok)
    } else {
        src.error_hint(
            at + lead,
            format!("unexpected `{}` after the choice link", shorten(t)),
            "only a condition such as `{if empathy >= 2}` may follow the link",
        );
        (None, false)
    }
}

/// `[text](#target "id")`: returns text, target, the target's offset,
/// the optional id and what follows the link.
pub(super) struct Link<'a> {
    pub(super) text: &'a str,
    pub(super) target: &'a str,
    pub(super) target_at: usize,
    pub(super) title: Option<&'a str>,
    pub(super) rest: &'a str,
    pub(super) rest_at: usize,
}

pub(super) fn parse_link(s: &str) -> Result<Link<'_>, (usize, String)> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'[') {
        return Err((0, "a choice starts with a link to a scene".into()));
    }
    let mut depth = 0;
    let mut close = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let close = close.ok_or((
        0,
        "the `[` of the choice is not closed with `]`".to_string(),
    ))?;
    if bytes.get(close + 1) != Some(&b'(') {
        return Err((
            close + 1,
            "the choice text must be followed by `(#scene-id)`".into(),
        ));
    }
    let inner_start = close + 2;
    let end = s[inner_start..].find(')').map(|e| inner_start + e).ok_or((
        close + 1,
        "the `(` of the link is not closed with `)`".to_string(),
    ))?;
    let inner = &s[inner_start..end];
    let (dest, title) = match inner.find(char::is_whitespace) {
        Some(sp) => {
            let t = inner[sp..].trim();
            let t = t
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .ok_or((
                    inner_start + sp + 1,
                    "a choice id is written in double quotes: `(#scene \"choice-id\")`".to_string(),
                ))?;
            (&inner[..sp], Some(t))
        }
        None => (inner, None),
    };
    let target = dest.strip_prefix('#').ok_or((
        inner_start,
        format!("a choice links to a scene of this file as `#scene-id`, not `{dest}`"),
    ))?;
    Ok(Link {
        text: &s[1..close],
        target,
        target_at: inner_start + 1,
        title,
        rest: &s[end + 1..],
        rest_at: end + 1,
    })
}
