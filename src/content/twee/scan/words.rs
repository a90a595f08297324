//! The small readers the story formats share: quoted strings, brackets,
//! link parts, variables, numeric changes and conditions.

use super::Piece;

pub(super) fn clean_name(s: &str) -> String {
    s.trim().to_owned()
}

/// A quoted string at the start of `s` ("…", '…' or `…`): its text and the
/// rest after it.
pub(super) fn quoted(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    let q = s.chars().next()?;
    if !matches!(q, '"' | '\'' | '`') {
        return None;
    }
    let mut out = String::new();
    let mut chars = s[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if let Some((_, n)) = chars.next() {
                out.push(n);
            }
        } else if c == q {
            return Some((out, &s[1 + i + 1..]));
        } else {
            out.push(c);
        }
    }
    None
}

/// All quoted strings in `s`, in order.
pub(super) fn strings(mut s: &str) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let t = s.trim_start().trim_start_matches(',').trim_start();
        match quoted(t) {
            Some((v, rest)) => {
                out.push(v);
                s = rest;
            }
            None => {
                // Skip one word (a variable, `to`, …) and look again.
                let skip = t
                    .find(|c: char| c.is_whitespace() || c == ',')
                    .unwrap_or(t.len());
                if skip == 0 {
                    return out;
                }
                s = &t[skip..];
            }
        }
    }
}

/// The end (exclusive) of a bracketed group opened at `open_at` (which holds
/// `open`), counting nesting; quotes are skipped when `quotes`.
pub(super) fn matching(
    s: &str,
    open_at: usize,
    open: u8,
    close: u8,
    quotes: bool,
) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = open_at;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else if quotes && (c == b'"' || c == b'\'') {
            quote = Some(c);
        } else if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(i + 1);
            }
        }
        i += 1;
    }
    None
}

/// `[[…]]` inner text: label, target and setter (`][…`).
pub fn link_parts(inner: &str) -> (String, String, Option<String>) {
    let (link, setter) = match inner.find("][") {
        Some(i) => (&inner[..i], Some(inner[i + 2..].to_owned())),
        None => (inner, None),
    };
    let (label, target) = if let Some((l, t)) = link.rsplit_once("->") {
        (l, t)
    } else if let Some((t, l)) = link.split_once("<-") {
        (l, t)
    } else if let Some((l, t)) = link.split_once('|') {
        (l, t)
    } else {
        (link, link)
    };
    (label.trim().to_owned(), clean_name(target), setter)
}

/// A variable name as a competency: `$gold_coins` → `gold-coins`.
pub fn var_name(v: &str) -> Option<String> {
    let v = v.trim().trim_start_matches(['$', '_']);
    let v = v.strip_prefix("s.").unwrap_or(v);
    if v.is_empty()
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    Some(crate::content::parse::slug(v))
}

/// `$x to it + 2`, `$x to $x - 1`, `$x += 2`, `$x -= 1`, `$x++`, `$x = $x + 3`:
/// the variable and the change. Anything else: None.
pub fn numeric_change(assign: &str) -> Option<(String, i64)> {
    let a = assign.trim().trim_end_matches(';').trim();
    let num = |s: &str| s.trim().parse::<i64>().ok().filter(|n| n.abs() <= 100);
    if let Some(v) = a.strip_suffix("++") {
        return Some((var_name(v)?, 1));
    }
    if let Some(v) = a.strip_suffix("--") {
        return Some((var_name(v)?, -1));
    }
    for (op, sign) in [("+=", 1), ("-=", -1)] {
        if let Some((v, n)) = a.split_once(op) {
            return Some((var_name(v)?, sign * num(n)?));
        }
    }
    let (v, rhs) = a.split_once(" to ").or_else(|| a.split_once('='))?;
    let var = var_name(v)?;
    let rhs = rhs.trim();
    let rest = rhs
        .strip_prefix("it")
        .or_else(|| rhs.strip_prefix(v.trim()))?
        .trim();
    if let Some(n) = rest.strip_prefix('+') {
        return Some((var, num(n)?));
    }
    if let Some(n) = rest.strip_prefix('-') {
        return Some((var, -num(n)?));
    }
    None
}

/// The longest condition translated, alone or joined with the ones it
/// depends on (an `elseif` with the branches before it, a hook inside
/// another): longer ones are kept as comments. Without a bound, a chain of
/// `elseif`s or nested hooks made conditions that grew with every branch.
pub const MAX_CONDITION: usize = 400;

/// `c` if it is within [`MAX_CONDITION`].
pub fn bounded(c: String) -> Option<String> {
    (c.len() <= MAX_CONDITION).then_some(c)
}

/// A condition in Harlowe, SugarCube or Chapbook terms, as Rapport's:
/// comparisons of a variable with a whole number, joined by and/or/not.
pub fn condition(c: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    let words: Vec<&str> = c
        .split_whitespace()
        .flat_map(|w| {
            // `($x>2)` and friends: split off brackets.
            let w = w.trim_matches(|ch| ch == '(' || ch == ')');
            std::iter::once(w)
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut i = 0;
    let mut tests = 0;
    while i < words.len() {
        let w = words[i];
        match w {
            "and" | "&&" => out.push("and".into()),
            "or" | "||" => out.push("or".into()),
            "not" | "!" => out.push("not".into()),
            _ => {
                // `$x op n` (op maybe two words: `is not`), or `$x>2`.
                let (var, op, n, used) = if let Some(p) = w.find(['>', '<', '=', '!']) {
                    let (v, rest) = w.split_at(p);
                    let opn: String = rest.chars().take_while(|c| "<>=!".contains(*c)).collect();
                    let num = &rest[opn.len()..];
                    if num.is_empty() {
                        (
                            v.to_owned(),
                            opn,
                            words.get(i + 1).copied().unwrap_or(""),
                            2,
                        )
                    } else {
                        (v.to_owned(), opn, num, 1)
                    }
                } else {
                    let op = words.get(i + 1).copied().unwrap_or("");
                    if op == "is" && words.get(i + 2) == Some(&"not") {
                        (
                            w.to_owned(),
                            "!=".to_owned(),
                            words.get(i + 3).copied().unwrap_or(""),
                            4,
                        )
                    } else if op == "is"
                        && matches!(
                            words.get(i + 2),
                            Some(&">") | Some(&"<") | Some(&">=") | Some(&"<=")
                        )
                    {
                        (
                            w.to_owned(),
                            words[i + 2].to_owned(),
                            words.get(i + 3).copied().unwrap_or(""),
                            4,
                        )
                    } else {
                        (
                            w.to_owned(),
                            op.to_owned(),
                            words.get(i + 2).copied().unwrap_or(""),
                            3,
                        )
                    }
                };
                let op = match op.as_str() {
                    ">" | "gt" => ">",
                    ">=" | "gte" => ">=",
                    "<" | "lt" => "<",
                    "<=" | "lte" => "<=",
                    "is" | "eq" | "==" | "===" | "=" => "==",
                    "isnot" | "neq" | "!=" | "!==" => "!=",
                    _ => return None,
                };
                let var = var_name(&var)?;
                let n: i64 = n.parse().ok()?;
                out.push(format!("{var} {op} {n}"));
                tests += 1;
                i += used;
                continue;
            }
        }
        i += 1;
    }
    (tests > 0 && tests <= 16)
        .then(|| out.join(" "))
        .and_then(bounded)
}

pub(super) fn negate(c: &str) -> String {
    format!("not ({c})")
}

/// Splits on `sep` outside quotes and brackets.
pub(super) fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut from) = (0i32, None, 0);
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                out.push(&s[from..i]);
                from = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[from..]);
    out
}

/// A hook's text as a choice's feedback, and its numeric changes as the
/// choice's effects.
pub(super) fn feedback_of(pieces: &[Piece]) -> (String, Vec<(String, i64)>) {
    let mut text = String::new();
    let mut effects = Vec::new();
    for p in pieces {
        match p {
            Piece::Text(t) => text.push_str(t),
            Piece::Effect(v, n, _) => effects.push((v.clone(), *n)),
            Piece::Cond(_, inner, _) => {
                let (t, _) = feedback_of(inner);
                text.push_str(&t);
            }
            _ => {}
        }
    }
    (
        text.split_whitespace().collect::<Vec<_>>().join(" "),
        effects,
    )
}
