//! Reading one passage's text: the ways the story moves on (links in every
//! form and each story format's navigation macros), the state it keeps
//! (numeric changes, simple conditions), and what is only presentation.
//! Linear in the text for each level of nesting; nesting is cut at
//! `MAX_DEPTH` (deeper text is kept as it is).

const MAX_DEPTH: usize = 24;
/// How far an opening (`[[`, `<<`, `<`, `{`) looks for its end: links,
/// macros and tags are short, and a bounded look keeps a text full of
/// unclosed openings linear.
const REACH: usize = 500;

/// `needle` in the first `REACH` bytes of `hay` (or all of it when `far`).
fn find_near(hay: &str, needle: &str) -> Option<usize> {
    let mut end = hay.len().min(REACH);
    while !hay.is_char_boundary(end) {
        end -= 1;
    }
    hay[..end].find(needle)
}

/// Case-insensitive `find` of an ASCII needle, without copying.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    hay.as_bytes()
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
}

/// Where a choice leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Passage(String),
    /// The previous passage (`<<back>>`, `<<return>>`, `{back link}`).
    Back,
    /// The start (`{restart link}`, `<<restart>>`).
    Restart,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub target: Target,
    /// Numeric changes the click makes, by variable.
    pub effects: Vec<(String, i64)>,
    /// Text shown once it is clicked (a hook's text): the choice's feedback.
    pub feedback: String,
    /// The condition it is shown under, translated (shared by every choice
    /// under it).
    pub cond: Option<std::sync::Arc<str>>,
    /// Moves on without a click (`(goto:)`, `<<goto>>`).
    pub auto: bool,
    pub at: usize,
}

impl Choice {
    /// A click on `label` that leads to `target` (at byte `at` of the text).
    pub fn to(label: impl Into<String>, target: Target, at: usize) -> Piece {
        Piece::Choice(Choice {
            label: label.into(),
            target,
            effects: Vec::new(),
            feedback: String::new(),
            cond: None,
            auto: false,
            at,
        })
    }

    /// A click that also shows `feedback` and makes `effects`.
    pub fn revealing(
        label: impl Into<String>,
        target: Target,
        (feedback, effects): (String, Vec<(String, i64)>),
        at: usize,
    ) -> Piece {
        match Choice::to(label, target, at) {
            Piece::Choice(c) => Piece::Choice(Choice {
                feedback,
                effects,
                ..c
            }),
            p => p,
        }
    }

    /// A move that happens without a click.
    pub fn auto(target: Target, at: usize) -> Piece {
        match Choice::to("Continue", target, at) {
            Piece::Choice(c) => Piece::Choice(Choice { auto: true, ..c }),
            p => p,
        }
    }
}

/// What a passage's text holds, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Choice(Choice),
    /// A numeric change made on entering the passage.
    Effect(String, i64, usize),
    /// Text under a translated condition.
    Cond(String, Vec<Piece>, usize),
    /// Story code with no Rapport equivalent: kept as a comment, reported.
    Note(String, usize),
    /// Presentation only, removed (counted in one summary warning).
    Stripped(&'static str),
}

/// One level of the scan: its text, where that starts in the passage, how
/// deep it is, where its pieces go, where the plain text not yet pushed
/// begins, and the condition of the latest `(if:)` hook at this level (for
/// `(else:)`).
pub(super) struct Level<'s, 'o> {
    pub(super) s: &'s str,
    pub(super) base: usize,
    pub(super) depth: usize,
    pub(super) out: &'o mut Vec<Piece>,
    pub(super) plain: usize,
    pub(super) last_if: Option<String>,
}

pub struct Scanner<'a> {
    src: &'a str,
    chapbook: bool,
    /// Containers (`<<if>>`, `<<link>>`, …) whose closing tag was not
    /// found, by name: after a few, that name is not looked for again, so
    /// many unclosed openings cost linear time.
    unclosed: std::cell::RefCell<std::collections::HashMap<String, u32>>,
    /// The same for Harlowe's brackets: after a few `(` or `[` that never
    /// close, none is looked for again.
    unclosed_brackets: std::cell::Cell<u32>,
}

mod harlowe;
mod markup;
mod sugarcube;
#[cfg(test)]
mod tests;
mod words;

use words::*;
pub use words::{condition, link_parts, numeric_change, var_name, MAX_CONDITION};

impl<'a> Scanner<'a> {
    pub fn new(src: &'a str, format: &str) -> Self {
        Scanner {
            src,
            chapbook: format.starts_with("chapbook"),
            unclosed: Default::default(),
            unclosed_brackets: Default::default(),
        }
    }

    /// The pieces of the whole text.
    pub fn scan(&self) -> Vec<Piece> {
        let mut text = self.src;
        let mut base = 0;
        let mut out = Vec::new();
        if self.chapbook {
            // Chapbook's vars section: `name: value` lines above `--`.
            if let Some(end) = text
                .find("\n--\n")
                .or_else(|| text.starts_with("--\n").then_some(0))
            {
                let vars = &text[..end];
                let mut off = 0;
                for line in vars.split_inclusive('\n') {
                    let l = line.trim();
                    if let Some((name, value)) = l.split_once(':') {
                        let name = name.trim();
                        let v = value.trim();
                        match numeric_change(&format!("{name} to {v}")) {
                            Some((var, n)) => out.push(Piece::Effect(var, n, off)),
                            None if !l.is_empty() => out.push(Piece::Note(l.to_owned(), off)),
                            None => {}
                        }
                    }
                    off += line.len();
                }
                let skip = if end == 0 { 3 } else { end + 4 };
                base = skip;
                text = &text[skip..];
            }
        }
        self.scan_into(text, base, 0, &mut out);
        out
    }

    fn push_text(out: &mut Vec<Piece>, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Some(Piece::Text(t)) = out.last_mut() {
            t.push_str(s);
        } else {
            out.push(Piece::Text(s.to_owned()));
        }
    }

    /// Scans `s` (which starts at byte `base` of the passage) into `out`.
    fn scan_into(&self, s: &str, base: usize, depth: usize, out: &mut Vec<Piece>) {
        if depth >= MAX_DEPTH {
            Self::push_text(out, s);
            return;
        }
        let mut lv = Level {
            s,
            base,
            depth,
            out,
            plain: 0,
            last_if: None,
        };
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let rest = &s[i..];
            let taken: Option<usize> = match b[i] {
                b'[' if rest.starts_with("[[") => self.link(&mut lv, i),
                b'(' => self.harlowe(&mut lv, i),
                b'<' if rest.starts_with("<<") => self.sugarcube(&mut lv, i),
                b'<' => self.html(&mut lv, i),
                b'{' => self.chapbook_insert(&mut lv, i),
                b'[' if self.chapbook && (i == 0 || b[i - 1] == b'\n') => {
                    self.chapbook_modifier(&mut lv, i)
                }
                b'@' if rest.starts_with("@@") => self.styled(&mut lv, i),
                b'|' => self.named_hook(&mut lv, i),
                _ => None,
            };
            match taken {
                Some(next) => {
                    i = next;
                }
                None => {
                    i += rest.chars().next().map_or(1, char::len_utf8);
                }
            }
        }
        Self::push_text(lv.out, &s[lv.plain..]);
    }

    /// SugarCube `@@.class;text@@`: keeps the text.
    fn styled(&self, lv: &mut Level<'_, '_>, i: usize) -> Option<usize> {
        let (s, base, depth) = (lv.s, lv.base, lv.depth);
        let e = find_near(&s[i + 2..], "@@").map(|e| i + 2 + e)?;
        Self::push_text(lv.out, &s[lv.plain..i]);
        let inner = &s[i + 2..e];
        let text = inner.split_once(';').map_or(inner, |(_, t)| t);
        self.scan_into(text, base + i + 2, depth + 1, lv.out);
        lv.out.push(Piece::Stripped("styling"));
        lv.plain = e + 2;
        Some(e + 2)
    }

    /// Harlowe named hook `|name>[…]`: keeps the hook's text.
    fn named_hook(&self, lv: &mut Level<'_, '_>, i: usize) -> Option<usize> {
        let (s, base, depth) = (lv.s, lv.base, lv.depth);
        let rest = &s[i..];
        let name_len = rest[1..]
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
            .count();
        if name_len == 0 || !rest[1 + name_len..].starts_with(">[") {
            return None;
        }
        let open = i + 1 + name_len + 1;
        let end = self.matching(s, open, b'[', b']', false)?;
        Self::push_text(lv.out, &s[lv.plain..i]);
        self.scan_into(&s[open + 1..end - 1], base + open + 1, depth + 1, lv.out);
        lv.plain = end;
        Some(end)
    }

    fn link(&self, lv: &mut Level<'_, '_>, i: usize) -> Option<usize> {
        let (s, base) = (lv.s, lv.base);
        let out = &mut *lv.out;
        let plain = &mut lv.plain;
        let end = find_near(&s[i + 2..], "]]").map(|e| i + 2 + e)?;
        let inner = &s[i + 2..end];
        if inner.contains('\n') {
            return None;
        }
        Self::push_text(out, &s[*plain..i]);
        let (label, target, setter) = link_parts(inner);
        let mut effects = Vec::new();
        if let Some(setter) = setter {
            for a in setter.split([';', ',']) {
                match numeric_change(a) {
                    Some(e) => effects.push(e),
                    None if !a.trim().is_empty() => {
                        out.push(Piece::Note(format!("link setter `{}`", a.trim()), base + i))
                    }
                    None => {}
                }
            }
        }
        out.push(Choice::revealing(
            label,
            Target::Passage(target),
            (String::new(), effects),
            base + i,
        ));
        *plain = end + 2;
        Some(end + 2)
    }

    /// A hook right after position `at` (`[…]`, spaces allowed before it):
    /// its inner range.
    fn hook_after(&self, s: &str, at: usize) -> Option<(usize, usize)> {
        let ws = s[at..].len() - s[at..].trim_start_matches([' ', '\t']).len();
        let open = at + ws;
        let rest = &s[open..];
        // `[[` right after a macro is a link, not a hook, unless the hook
        // itself starts with a link (`[[[a]]]`).
        if !rest.starts_with('[') || (rest.starts_with("[[") && !rest.starts_with("[[[")) {
            return None;
        }
        let end = self.matching(s, open, b'[', b']', false)?;
        Some((open + 1, end - 1))
    }

    /// `matching`, giving up for good after 8 brackets that never closed.
    fn matching(
        &self,
        s: &str,
        open_at: usize,
        open: u8,
        close: u8,
        quotes: bool,
    ) -> Option<usize> {
        if self.unclosed_brackets.get() >= 8 {
            return None;
        }
        let found = matching(s, open_at, open, close, quotes);
        if found.is_none() {
            self.unclosed_brackets.set(self.unclosed_brackets.get() + 1);
        }
        found
    }
}
