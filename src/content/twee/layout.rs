//! A passage's pieces laid out for writing: paragraphs under their
//! conditions, choices, the changes made on entering, notes; and the text
//! helpers that keep story text from reading as Rapport's own syntax.

use super::scan::{Choice, Piece};
use std::fmt::Write;
use std::sync::Arc;

/// Keeps passage text from being read as our own syntax.
pub(super) fn neutralise(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        let directive = ["ending:", "effects:", "replies:", "also:"]
            .iter()
            .any(|d| t.get(..d.len()).is_some_and(|h| h.eq_ignore_ascii_case(d)));
        if t.starts_with('#')
            || t.starts_with("- [")
            || t.starts_with("* [")
            || t.starts_with("+ [")
            || t.starts_with('{')
            || t.starts_with('>')
        {
            out.push('\\');
        } else if directive {
            // The first letter as a character reference: the same text,
            // no longer a directive.
            let first = t.chars().next().unwrap_or(' ');
            let _ = write!(out, "&#{};", first as u32);
            out.push_str(&t[first.len_utf8()..]);
            out.push('\n');
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn comment(s: &str) -> String {
    format!(
        "<!-- twine: {} -->",
        one_line(s)
            .replace("--", "–")
            .chars()
            .take(200)
            .collect::<String>()
    )
}

/// How deep a condition's brackets go, how many tests it makes and how
/// long it is (each hook under it keeps its own joined copy).
pub(super) fn too_complex(c: &str) -> bool {
    let mut depth = 0i32;
    let mut max = 0;
    for ch in c.chars() {
        match ch {
            '(' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' => depth -= 1,
            _ => {}
        }
    }
    let tests = c.matches(['<', '>', '=']).count();
    max > 14 || tests > 32 || c.len() > 2 * super::scan::MAX_CONDITION
}

pub(super) fn and(a: Option<&str>, b: &str) -> String {
    match a {
        Some(a) => format!("({a}) and ({b})"),
        None => b.to_owned(),
    }
}

/// One passage's pieces, laid out for writing: paragraphs (with their
/// condition), choices (with theirs), entry effects, notes. A condition is
/// shared by everything under it (`Arc`), not copied once per paragraph or
/// choice: 1 MB of links under a long condition stays 1 MB.
#[derive(Default)]
pub(super) struct Laid {
    pub(super) paragraphs: Vec<(Option<Arc<str>>, String)>,
    pub(super) choices: Vec<Choice>,
    pub(super) entry: Vec<(String, i64, usize)>,
    pub(super) notes: Vec<(usize, String)>,
    pub(super) stripped: Vec<&'static str>,
    pub(super) conditions: Vec<(usize, Arc<str>)>,
}

pub(super) fn lay(pieces: Vec<Piece>, cond: Option<Arc<str>>, out: &mut Laid) {
    let mut text = String::new();
    let flush = |text: &mut String, out: &mut Laid| {
        for para in text.split("\n\n") {
            if !para.trim().is_empty() {
                out.paragraphs.push((cond.clone(), para.trim().to_owned()));
            }
        }
        text.clear();
    };
    for p in pieces {
        match p {
            Piece::Text(t) => text.push_str(&t),
            Piece::Choice(mut c) => {
                if let Some(k) = &cond {
                    c.cond = Some(match &c.cond {
                        Some(own) => and(Some(&**own), k).into(),
                        None => k.clone(),
                    });
                }
                out.choices.push(c);
            }
            Piece::Effect(v, n, at) => {
                if cond.is_some() {
                    out.notes
                        .push((at, format!("a change of {v} under a condition ({v} {n:+})")));
                } else {
                    out.entry.push((v, n, at));
                }
            }
            Piece::Cond(c, inner, at) => {
                flush(&mut text, out);
                let c = and(cond.as_deref(), &c);
                if too_complex(&c) {
                    out.notes
                        .push((at, format!("a condition too deep to translate: {c}")));
                    lay(inner, cond.clone(), out);
                } else {
                    let c: Arc<str> = c.into();
                    out.conditions.push((at, c.clone()));
                    lay(inner, Some(c), out);
                }
            }
            Piece::Note(n, at) => {
                text.push_str(&comment(&n));
                out.notes.push((at, n));
            }
            Piece::Stripped(k) => out.stripped.push(k),
        }
    }
    flush(&mut text, out);
}
