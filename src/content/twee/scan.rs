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
    /// The condition it is shown under, translated.
    pub cond: Option<String>,
    /// Moves on without a click (`(goto:)`, `<<goto>>`).
    pub auto: bool,
    pub at: usize,
}

/// What a passage's text holds, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Choice(Choice),
    /// A numeric change made on entering the passage.
    Effect(String, i64, usize),
    /// Text under a translated condition.
    Cond(String, Vec<Piece>),
    /// Story code with no Rapport equivalent: kept as a comment, reported.
    Note(String, usize),
    /// Presentation only, removed (counted in one summary warning).
    Stripped(&'static str),
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

fn clean_name(s: &str) -> String {
    s.trim().to_owned()
}

/// A quoted string at the start of `s` ("…", '…' or `…`): its text and the
/// rest after it.
fn quoted(s: &str) -> Option<(String, &str)> {
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
fn strings(mut s: &str) -> Vec<String> {
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
fn matching(s: &str, open_at: usize, open: u8, close: u8, quotes: bool) -> Option<usize> {
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
    (tests > 0 && tests <= 16).then(|| out.join(" "))
}

fn negate(c: &str) -> String {
    format!("not ({c})")
}

/// Harlowe macro names ignore case, `-` and `_`.
fn harlowe_name(n: &str) -> String {
    n.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

const STYLE_MACROS: &[&str] = &[
    "textcolour",
    "textcolor",
    "colour",
    "color",
    "font",
    "align",
    "css",
    "textstyle",
    "transition",
    "t8n",
    "transitiontime",
    "t8ntime",
    "background",
    "bg",
    "textsize",
    "size",
    "hoverstyle",
    "textrotate",
    "opacity",
    "transitiondelay",
    "t8ndelay",
    "transitionskip",
    "transitiondepart",
    "transitionarrive",
    "box",
    "float",
    "border",
    "bordercolour",
    "b4r",
    "cornerradius",
    "hidden",
    "nobr",
];

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
        let b = s.as_bytes();
        let mut i = 0;
        let mut plain = 0;
        // The condition of the latest `(if:)` hook at this level, for `(else:)`.
        let mut last_if: Option<String> = None;
        while i < b.len() {
            let rest = &s[i..];
            let taken: Option<usize> = match b[i] {
                b'[' if rest.starts_with("[[") => self.link(s, i, base, out, &mut plain),
                b'(' => self.harlowe(s, i, base, depth, out, &mut plain, &mut last_if),
                b'<' if rest.starts_with("<<") => {
                    self.sugarcube(s, i, base, depth, out, &mut plain)
                }
                b'<' => self.html(s, i, base, depth, out, &mut plain),
                b'{' => self.chapbook_insert(s, i, base, out, &mut plain),
                b'[' if self.chapbook && (i == 0 || b[i - 1] == b'\n') => {
                    self.chapbook_modifier(s, i, base, depth, out, &mut plain)
                }
                b'@' if rest.starts_with("@@") => {
                    // SugarCube `@@.class;text@@`: keep the text.
                    Self::push_text(out, &s[plain..i]);
                    let inner_end = find_near(&rest[2..], "@@").map(|e| i + 2 + e);
                    inner_end.map(|e| {
                        let inner = &s[i + 2..e];
                        let text = inner.split_once(';').map_or(inner, |(_, t)| t);
                        self.scan_into(text, base + i + 2, depth + 1, out);
                        out.push(Piece::Stripped("styling"));
                        plain = e + 2;
                        e + 2
                    })
                }
                b'|' => {
                    // Harlowe named hook `|name>[…]`: keep the hook's text.
                    let name_len = rest[1..]
                        .bytes()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
                        .count();
                    if name_len > 0 && rest[1 + name_len..].starts_with(">[") {
                        Self::push_text(out, &s[plain..i]);
                        let open = i + 1 + name_len + 1;
                        match self.matching(s, open, b'[', b']', false) {
                            Some(end) => {
                                self.scan_into(
                                    &s[open + 1..end - 1],
                                    base + open + 1,
                                    depth + 1,
                                    out,
                                );
                                plain = end;
                                Some(end)
                            }
                            None => None,
                        }
                    } else {
                        None
                    }
                }
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
        Self::push_text(out, &s[plain..]);
    }

    fn link(
        &self,
        s: &str,
        i: usize,
        base: usize,
        out: &mut Vec<Piece>,
        plain: &mut usize,
    ) -> Option<usize> {
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
        out.push(Piece::Choice(Choice {
            label,
            target: Target::Passage(target),
            effects,
            feedback: String::new(),
            cond: None,
            auto: false,
            at: base + i,
        }));
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

    #[allow(clippy::too_many_arguments)]
    fn harlowe(
        &self,
        s: &str,
        i: usize,
        base: usize,
        depth: usize,
        out: &mut Vec<Piece>,
        plain: &mut usize,
        last_if: &mut Option<String>,
    ) -> Option<usize> {
        let name_len = s[i + 1..]
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
            .count();
        if name_len == 0 || !s[i + 1 + name_len..].starts_with(':') {
            return None;
        }
        let close = self.matching(s, i, b'(', b')', true)?;
        Self::push_text(out, &s[*plain..i]);
        let name = harlowe_name(&s[i + 1..i + 1 + name_len]);
        let args = &s[i + 2 + name_len..close - 1];
        let hook = self.hook_after(s, close);
        let after = hook.map_or(close, |(_, e)| e + 1);
        let at = base + i;
        let hook_pieces = || {
            let mut inner = Vec::new();
            if let Some((hs, he)) = hook {
                self.scan_into(&s[hs..he], base + hs, depth + 1, &mut inner);
            }
            inner
        };
        match name.as_str() {
            "linkgoto" | "clickgoto" | "linkrevealgoto" => {
                let a = strings(args);
                let (label, target) = match a.as_slice() {
                    [t] => (t.clone(), t.clone()),
                    [l, t, ..] => (l.clone(), t.clone()),
                    [] => {
                        out.push(Piece::Note(
                            format!("({}{args})", &s[i + 1..i + 2 + name_len]),
                            at,
                        ));
                        *plain = close;
                        return Some(close);
                    }
                };
                let inner = hook_pieces();
                let (feedback, effects) = feedback_of(&inner);
                out.push(Piece::Choice(Choice {
                    label,
                    target: Target::Passage(clean_name(&target)),
                    effects,
                    feedback,
                    cond: None,
                    auto: false,
                    at,
                }));
            }
            "goto" | "redirect" => {
                let a = strings(args);
                match a.first() {
                    Some(t) => out.push(Piece::Choice(Choice {
                        label: "Continue".into(),
                        target: Target::Passage(clean_name(t)),
                        effects: Vec::new(),
                        feedback: String::new(),
                        cond: None,
                        auto: true,
                        at,
                    })),
                    None => out.push(Piece::Note(s[i..close].to_owned(), at)),
                }
                *plain = close;
                return Some(close);
            }
            "link" | "linkreveal" | "linkrepeat" | "linkrerun" | "click" | "clickreplace"
            | "linkreplace" => {
                let label = strings(args)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| "Continue".into());
                let inner = hook_pieces();
                // A link whose hook moves on is a choice; one that only
                // reveals text keeps the text.
                if let Some(target) = inner.iter().find_map(|p| match p {
                    Piece::Choice(c) if c.auto => Some(c.target.clone()),
                    _ => None,
                }) {
                    let (feedback, effects) = feedback_of(&inner);
                    out.push(Piece::Choice(Choice {
                        label,
                        target,
                        effects,
                        feedback,
                        cond: None,
                        auto: false,
                        at,
                    }));
                } else {
                    Self::push_text(out, &label);
                    Self::push_text(out, " ");
                    out.extend(inner);
                }
            }
            "set" | "put" | "move" => {
                for a in split_top(args, ',') {
                    let a = if name == "put" {
                        // `(put: it + 1 into $x)` reads the other way round.
                        match a.split_once(" into ") {
                            Some((v, var)) => format!("{} to {}", var.trim(), v.trim()),
                            None => a.to_owned(),
                        }
                    } else {
                        a.to_owned()
                    };
                    match numeric_change(&a) {
                        Some((v, n)) => out.push(Piece::Effect(v, n, at)),
                        None => out.push(Piece::Note(format!("({name}: {})", a.trim()), at)),
                    }
                }
            }
            "if" | "unless" | "elseif" | "else" => {
                let translated = match name.as_str() {
                    "if" => condition(args),
                    "unless" => condition(args).map(|c| negate(&c)),
                    "elseif" => match (last_if.as_ref(), condition(args)) {
                        (Some(prev), Some(c)) => Some(format!("({c}) and not ({prev})")),
                        _ => None,
                    },
                    _ => last_if.as_ref().map(|p| negate(p)),
                };
                let inner = hook_pieces();
                match &translated {
                    Some(c) => out.push(Piece::Cond(c.clone(), inner)),
                    None => {
                        out.push(Piece::Note(format!("({name}:{args})"), at));
                        out.extend(inner);
                    }
                }
                *last_if = match (name.as_str(), translated) {
                    ("if" | "unless", c) => c,
                    ("elseif", Some(c)) => last_if.as_ref().map(|p| format!("({c}) or ({p})")),
                    _ => None,
                };
            }
            n if STYLE_MACROS.contains(&n) => {
                out.push(Piece::Stripped("styling macros"));
                let inner = hook_pieces();
                out.extend(inner);
            }
            _ => {
                out.push(Piece::Note(s[i..close].to_owned(), at));
                let inner = hook_pieces();
                out.extend(inner);
            }
        }
        *plain = after;
        Some(after)
    }

    fn sugarcube(
        &self,
        s: &str,
        i: usize,
        base: usize,
        depth: usize,
        out: &mut Vec<Piece>,
        plain: &mut usize,
    ) -> Option<usize> {
        let close = find_near(&s[i + 2..], ">>").map(|e| i + 2 + e)?;
        let inner = &s[i + 2..close];
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || *c == '/')
            .collect();
        if name.is_empty() {
            return None;
        }
        Self::push_text(out, &s[*plain..i]);
        let args = inner[name.len()..].trim();
        let at = base + i;
        let head_end = close + 2;
        let lname = name.to_lowercase();
        // Container macros: their body runs to the matching `<</name>>`.
        let container = matches!(
            lname.as_str(),
            "link"
                | "button"
                | "if"
                | "nobr"
                | "silently"
                | "linkappend"
                | "linkprepend"
                | "linkreplace"
                | "append"
                | "prepend"
                | "replace"
                | "span"
                | "do"
                | "type"
        );
        let gave_up = self.unclosed.borrow().get(&lname).is_some_and(|n| *n >= 8);
        let (body, after) = if container && !gave_up {
            match closing(s, head_end, &lname) {
                Some((be, ae)) => ((head_end, be), ae),
                None => {
                    *self.unclosed.borrow_mut().entry(lname.clone()).or_default() += 1;
                    ((head_end, head_end), head_end)
                }
            }
        } else {
            ((head_end, head_end), head_end)
        };
        let body_pieces = |this: &Self| {
            let mut v = Vec::new();
            if body.1 > body.0 {
                this.scan_into(&s[body.0..body.1], base + body.0, depth + 1, &mut v);
            }
            v
        };
        let choice = |label: String, target: Target, effects, feedback, auto| {
            Piece::Choice(Choice {
                label,
                target,
                effects,
                feedback,
                cond: None,
                auto,
                at,
            })
        };
        match lname.as_str() {
            "link" | "button" | "linkreplace" | "linkappend" | "linkprepend" => {
                let bodyp = body_pieces(self);
                let (feedback, effects) = feedback_of(&bodyp);
                let (label, target) = if args.starts_with("[[") {
                    let e = args.find("]]").unwrap_or(args.len());
                    let (l, t, _) = link_parts(&args[2..e.max(2)]);
                    (l, Some(Target::Passage(t)))
                } else {
                    let a = strings(args);
                    match a.as_slice() {
                        [l, t, ..] => (l.clone(), Some(Target::Passage(clean_name(t)))),
                        [l] => (l.clone(), None),
                        [] => ("Continue".into(), None),
                    }
                };
                let target = target.or_else(|| {
                    bodyp.iter().find_map(|p| match p {
                        Piece::Choice(c) if c.auto => Some(c.target.clone()),
                        _ => None,
                    })
                });
                match target {
                    Some(t) => out.push(choice(label, t, effects, feedback, false)),
                    None => {
                        Self::push_text(out, &label);
                        Self::push_text(out, " ");
                        out.extend(bodyp);
                    }
                }
            }
            "goto" => {
                let t = if args.starts_with("[[") {
                    let e = args.find("]]").unwrap_or(args.len());
                    Some(link_parts(&args[2..e.max(2)]).1)
                } else {
                    strings(args).into_iter().next()
                };
                match t {
                    Some(t) => out.push(choice(
                        "Continue".into(),
                        Target::Passage(clean_name(&t)),
                        Vec::new(),
                        String::new(),
                        true,
                    )),
                    None => out.push(Piece::Note(s[i..head_end].to_owned(), at)),
                }
            }
            "choice" => {
                if args.starts_with("[[") {
                    let e = args.find("]]").unwrap_or(args.len());
                    let (l, t, _) = link_parts(&args[2..e.max(2)]);
                    out.push(choice(
                        l,
                        Target::Passage(t),
                        Vec::new(),
                        String::new(),
                        false,
                    ));
                } else {
                    // `<<choice "passage" "text">>`, or SugarCube 1's
                    // `<<choice Passage "text">>` with the passage unquoted.
                    let (t, l) = if args.starts_with(['"', '\'']) {
                        let a = strings(args);
                        match a.as_slice() {
                            [t, l, ..] => (t.clone(), l.clone()),
                            [t] => (t.clone(), t.clone()),
                            [] => (args.to_owned(), args.to_owned()),
                        }
                    } else {
                        let (t, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
                        let l = strings(rest)
                            .into_iter()
                            .next()
                            .unwrap_or_else(|| t.to_owned());
                        (t.to_owned(), l)
                    };
                    out.push(choice(
                        l,
                        Target::Passage(clean_name(&t)),
                        Vec::new(),
                        String::new(),
                        false,
                    ));
                }
            }
            "actions" | "click" => {
                let mut rest = args;
                let mut any = false;
                while let Some(st) = rest.find("[[") {
                    let Some(e) = rest[st..].find("]]") else {
                        break;
                    };
                    let (l, t, _) = link_parts(&rest[st + 2..st + e]);
                    out.push(choice(
                        l,
                        Target::Passage(t),
                        Vec::new(),
                        String::new(),
                        false,
                    ));
                    any = true;
                    rest = &rest[st + e + 2..];
                }
                if !any {
                    for t in strings(args) {
                        out.push(choice(
                            t.clone(),
                            Target::Passage(clean_name(&t)),
                            Vec::new(),
                            String::new(),
                            false,
                        ));
                    }
                }
            }
            "back" | "return" => {
                let label = strings(args).into_iter().next().unwrap_or_else(|| {
                    if lname == "back" {
                        "Go back".into()
                    } else {
                        "Return".into()
                    }
                });
                out.push(choice(
                    label,
                    Target::Back,
                    Vec::new(),
                    String::new(),
                    false,
                ));
            }
            "restart" => {
                out.push(choice(
                    "Start again".into(),
                    Target::Restart,
                    Vec::new(),
                    String::new(),
                    false,
                ));
            }
            "set" | "run" => {
                for a in split_top(args, ';')
                    .into_iter()
                    .flat_map(|a| split_top(a, ','))
                {
                    match numeric_change(a) {
                        Some((v, n)) => out.push(Piece::Effect(v, n, at)),
                        None if !a.trim().is_empty() => {
                            out.push(Piece::Note(format!("<<{lname} {}>>", a.trim()), at))
                        }
                        None => {}
                    }
                }
            }
            "if" => {
                // Branches: `<<elseif …>>` and `<<else>>` split the body.
                let (bs, be) = body;
                let mut branches: Vec<(Option<String>, bool, usize, usize)> = Vec::new();
                let mut cond = condition(args);
                let mut ok = cond.is_some();
                let mut prev: Vec<String> = cond.iter().cloned().collect();
                let mut from = bs;
                let mut depth_if = 0usize;
                let mut k = bs;
                while k < be {
                    if s[k..].starts_with("<<if") {
                        depth_if += 1;
                    } else if s[k..].starts_with("<</if>>") {
                        depth_if = depth_if.saturating_sub(1);
                    } else if depth_if == 0
                        && (s[k..].starts_with("<<elseif")
                            || s[k..].starts_with("<<else>>")
                            || s[k..].starts_with("<<else "))
                    {
                        let tag_end = s[k..].find(">>").map_or(be, |e| k + e + 2);
                        branches.push((cond.clone(), ok, from, k));
                        let is_elseif = s[k..].starts_with("<<elseif");
                        let c = if is_elseif {
                            condition(&s[k + 8..tag_end - 2])
                        } else {
                            None
                        };
                        let negs: Vec<String> = prev.iter().map(|p| negate(p)).collect();
                        cond = match (is_elseif, c) {
                            (true, Some(c)) => Some(
                                std::iter::once(c.clone())
                                    .chain(negs)
                                    .collect::<Vec<_>>()
                                    .join(" and "),
                            ),
                            (false, _) if !negs.is_empty() => Some(negs.join(" and ")),
                            _ => None,
                        };
                        ok = ok && cond.is_some();
                        if let Some(c) = &cond {
                            prev.push(c.clone());
                        }
                        from = tag_end;
                        k = tag_end;
                        continue;
                    }
                    k += s[k..].chars().next().map_or(1, char::len_utf8);
                }
                branches.push((cond, ok, from, be));
                for (c, ok, f, t) in branches {
                    let mut v = Vec::new();
                    self.scan_into(&s[f..t], base + f, depth + 1, &mut v);
                    match c.filter(|_| ok) {
                        Some(c) => out.push(Piece::Cond(c, v)),
                        None => {
                            out.push(Piece::Note(format!("<<if {args}>> branch"), at));
                            out.extend(v);
                        }
                    }
                }
            }
            "nobr" | "silently" | "span" | "do" | "type" | "append" | "prepend" | "replace" => {
                out.push(Piece::Stripped("styling macros"));
                out.extend(body_pieces(self));
            }
            n if n.starts_with('/') => out.push(Piece::Stripped("styling macros")),
            _ => out.push(Piece::Note(s[i..head_end].to_owned(), at)),
        }
        *plain = after;
        Some(after)
    }

    fn html(
        &self,
        s: &str,
        i: usize,
        base: usize,
        depth: usize,
        out: &mut Vec<Piece>,
        plain: &mut usize,
    ) -> Option<usize> {
        let rest = &s[i..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(s.len(), |e| i + e + 3);
            Self::push_text(out, &s[*plain..i]);
            out.push(Piece::Stripped("comments"));
            *plain = end;
            return Some(end);
        }
        if rest.starts_with("<%") {
            let end = rest.find("%>").map_or(s.len(), |e| i + e + 2);
            Self::push_text(out, &s[*plain..i]);
            out.push(Piece::Note(s[i..end].to_owned(), base + i));
            *plain = end;
            return Some(end);
        }
        let closing_tag = rest.starts_with("</");
        let name_start = if closing_tag { 2 } else { 1 };
        let name: String = rest[name_start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        let tag_end = i + matching_tag_end(rest)?;
        let lname = name.to_lowercase();
        Self::push_text(out, &s[*plain..i]);
        let tag = &s[i..tag_end];
        let after = if closing_tag {
            out.push(Piece::Stripped("HTML"));
            tag_end
        } else {
            match lname.as_str() {
                "style" | "script" | "audio" | "video" | "iframe" | "object" | "svg" | "canvas" => {
                    let close = format!("</{lname}");
                    let end = if tag.ends_with("/>") {
                        tag_end
                    } else {
                        // Unclosed: the rest is the element's.
                        find_ci(&s[tag_end..], &close)
                            .and_then(|e| s[tag_end + e..].find('>').map(|g| tag_end + e + g + 1))
                            .unwrap_or(s.len())
                    };
                    out.push(Piece::Stripped(match lname.as_str() {
                        "style" => "style sheets",
                        "script" => "scripts",
                        _ => "media",
                    }));
                    end
                }
                "a" if tag.contains("data-passage") => {
                    let target = crate::content::twee::read::unescape(
                        &attr_value(tag, "data-passage").unwrap_or_default(),
                    );
                    let close = find_near(&s[tag_end..], "</a>").map_or(tag_end, |e| tag_end + e);
                    let mut label_pieces = Vec::new();
                    self.scan_into(
                        &s[tag_end..close],
                        base + tag_end,
                        depth + 1,
                        &mut label_pieces,
                    );
                    let label = label_pieces
                        .iter()
                        .filter_map(|p| match p {
                            Piece::Text(t) => Some(t.as_str()),
                            _ => None,
                        })
                        .collect::<String>();
                    let label = if label.trim().is_empty() {
                        target.clone()
                    } else {
                        label.trim().to_owned()
                    };
                    out.push(Piece::Choice(Choice {
                        label,
                        target: Target::Passage(clean_name(&target)),
                        effects: Vec::new(),
                        feedback: String::new(),
                        cond: None,
                        auto: false,
                        at: base + i,
                    }));
                    (close + 4).min(s.len())
                }
                "br" => {
                    Self::push_text(out, "\n");
                    tag_end
                }
                "img" | "source" | "track" | "embed" => {
                    out.push(Piece::Stripped("media"));
                    tag_end
                }
                "p" | "div" => {
                    Self::push_text(out, "\n\n");
                    out.push(Piece::Stripped("HTML"));
                    tag_end
                }
                _ => {
                    out.push(Piece::Stripped("HTML"));
                    tag_end
                }
            }
        };
        *plain = after;
        Some(after)
    }

    fn chapbook_insert(
        &self,
        s: &str,
        i: usize,
        base: usize,
        out: &mut Vec<Piece>,
        plain: &mut usize,
    ) -> Option<usize> {
        let rest = &s[i..];
        let end = find_near(rest, "}").map(|e| i + e + 1)?;
        let inner = s[i + 1..end - 1].trim();
        if inner.contains('\n') {
            return None;
        }
        let label_of = |inner: &str| {
            inner
                .find("label:")
                .and_then(|l| quoted(&inner[l + 6..]).map(|(v, _)| v))
        };
        let at = base + i;
        let piece = if let Some(r) = inner.strip_prefix("link to:") {
            let target = quoted(r)
                .map(|(v, _)| v)
                .unwrap_or_else(|| r.split(',').next().unwrap_or("").trim().to_owned());
            let label = label_of(inner).unwrap_or_else(|| target.clone());
            Piece::Choice(Choice {
                label,
                target: Target::Passage(clean_name(&target)),
                effects: Vec::new(),
                feedback: String::new(),
                cond: None,
                auto: false,
                at,
            })
        } else if inner.starts_with("back link") {
            Piece::Choice(Choice {
                label: label_of(inner).unwrap_or_else(|| "Go back".into()),
                target: Target::Back,
                effects: Vec::new(),
                feedback: String::new(),
                cond: None,
                auto: false,
                at,
            })
        } else if inner.starts_with("restart link") {
            Piece::Choice(Choice {
                label: label_of(inner).unwrap_or_else(|| "Start again".into()),
                target: Target::Restart,
                effects: Vec::new(),
                feedback: String::new(),
                cond: None,
                auto: false,
                at,
            })
        } else if self.chapbook
            && inner.split_whitespace().next().is_some_and(|w| {
                w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '_')
            })
        {
            Piece::Note(format!("{{{inner}}}"), at)
        } else {
            return None;
        };
        Self::push_text(out, &s[*plain..i]);
        out.push(piece);
        *plain = end;
        Some(end)
    }

    /// Chapbook's `[if x > 1]` … `[else]` … `[continue]` lines.
    fn chapbook_modifier(
        &self,
        s: &str,
        i: usize,
        base: usize,
        depth: usize,
        out: &mut Vec<Piece>,
        plain: &mut usize,
    ) -> Option<usize> {
        let line_end = s[i..].find('\n').map_or(s.len(), |e| i + e);
        let line = s[i..line_end].trim();
        if !line.ends_with(']') || line.starts_with("[[") {
            return None;
        }
        let word = line[1..line.len() - 1].trim();
        let cond = if let Some(c) = word.strip_prefix("if ") {
            condition(c)
        } else if let Some(c) = word.strip_prefix("unless ") {
            condition(c).map(|c| negate(&c))
        } else if word == "continue" || word == "cont" || word == "cont'd" {
            Self::push_text(out, &s[*plain..i]);
            *plain = line_end;
            return Some(line_end);
        } else {
            return None;
        };
        Self::push_text(out, &s[*plain..i]);
        // The modifier holds until the next modifier line.
        let mut end = line_end;
        while end < s.len() {
            let next_line = &s[end + 1..];
            if next_line.trim_start().starts_with('[')
                && !next_line.trim_start().starts_with("[[")
                && next_line
                    .lines()
                    .next()
                    .is_some_and(|l| l.trim_end().ends_with(']'))
            {
                break;
            }
            end = s[end + 1..].find('\n').map_or(s.len(), |e| end + 1 + e);
        }
        let mut v = Vec::new();
        self.scan_into(&s[line_end..end], base + line_end, depth + 1, &mut v);
        match cond {
            Some(c) => out.push(Piece::Cond(c, v)),
            None => {
                out.push(Piece::Note(line.to_owned(), base + i));
                out.extend(v);
            }
        }
        *plain = end;
        Some(end)
    }
}

/// The end (exclusive) of an HTML tag starting at `tag[0] == '<'`, skipping
/// quoted attribute values.
fn matching_tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tag.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i + 1),
            (None, '<') => return None,
            _ => {}
        }
        if i > 300 {
            return None;
        }
    }
    None
}

fn attr_value(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(name)? + name.len();
    let rest = tag[at..].trim_start().strip_prefix('=')?.trim_start();
    quoted(rest).map(|(v, _)| v)
}

/// `<</name>>` matching a container opened before `from`, with nesting:
/// (end of body, end after the closing tag).
fn closing(s: &str, from: usize, name: &str) -> Option<(usize, usize)> {
    let open = format!("<<{name}");
    let close = format!("<</{name}>>");
    let mut depth = 1usize;
    let mut k = from;
    loop {
        let next_close = s[k..].find(&close).map(|e| k + e)?;
        let next_open = s[k..next_close]
            .find(&open)
            .map(|e| k + e)
            .filter(|&o| s[o + open.len()..].starts_with([' ', '>']));
        match next_open {
            Some(o) => {
                depth += 1;
                k = o + open.len();
            }
            None => {
                depth -= 1;
                if depth == 0 {
                    return Some((next_close, next_close + close.len()));
                }
                k = next_close + close.len();
            }
        }
    }
}

/// Splits on `sep` outside quotes and brackets.
fn split_top(s: &str, sep: char) -> Vec<&str> {
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
fn feedback_of(pieces: &[Piece]) -> (String, Vec<(String, i64)>) {
    let mut text = String::new();
    let mut effects = Vec::new();
    for p in pieces {
        match p {
            Piece::Text(t) => text.push_str(t),
            Piece::Effect(v, n, _) => effects.push((v.clone(), *n)),
            Piece::Cond(_, inner) => {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn choices(p: &[Piece]) -> Vec<(String, Target)> {
        let mut v = Vec::new();
        for x in p {
            match x {
                Piece::Choice(c) => v.push((c.label.clone(), c.target.clone())),
                Piece::Cond(_, inner) => v.extend(choices(inner)),
                _ => {}
            }
        }
        v
    }

    fn t(s: &str) -> Target {
        Target::Passage(s.into())
    }

    #[test]
    fn link_forms_and_setters() {
        let p = Scanner::new(
            "a [[A]] b [[go->B]] [[C<-back]] [[x|D][$gold to it + 2]] <div>[[E]]</div>",
            "harlowe",
        )
        .scan();
        assert_eq!(
            choices(&p),
            vec![
                ("A".into(), t("A")),
                ("go".into(), t("B")),
                ("back".into(), t("C")),
                ("x".into(), t("D")),
                ("E".into(), t("E"))
            ]
        );
        let d = p
            .iter()
            .find_map(|x| match x {
                Piece::Choice(c) if c.label == "x" => Some(c.effects.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(d, vec![("gold".into(), 2)]);
    }

    #[test]
    fn harlowe_navigation_macros() {
        let p = Scanner::new(r#"(link-goto: "Run", "Away") (click-goto: "Door") (link: "Open it")[(set: $courage to it + 1)It creaks.(goto: "Hall")] (link-reveal-goto: "Look", "Room")[You look.]"#, "harlowe").scan();
        assert_eq!(
            choices(&p),
            vec![
                ("Run".into(), t("Away")),
                ("Door".into(), t("Door")),
                ("Open it".into(), t("Hall")),
                ("Look".into(), t("Room"))
            ]
        );
        let open = p
            .iter()
            .find_map(|x| match x {
                Piece::Choice(c) if c.label == "Open it" => Some(c.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(open.effects, vec![("courage".into(), 1)]);
        assert_eq!(open.feedback, "It creaks.");
        let auto = Scanner::new(r#"Wait. (goto: "Next")"#, "harlowe").scan();
        assert!(auto.iter().any(|x| matches!(x, Piece::Choice(c) if c.auto)));
    }

    #[test]
    fn sugarcube_navigation_macros() {
        let p = Scanner::new(r#"<<link "Pay" "Till">><<set $trust += 2>><</link>> <<link [[Leave|Street]]>><</link>> <<button "Ask" "Desk">><</button>> <<choice "Yard" "Go out">> <<actions [[Left]] [[Right|R]]>> <<back>> <<return>> <<goto "End">>"#, "sugarcube").scan();
        assert_eq!(
            choices(&p),
            vec![
                ("Pay".into(), t("Till")),
                ("Leave".into(), t("Street")),
                ("Ask".into(), t("Desk")),
                ("Go out".into(), t("Yard")),
                ("Left".into(), t("Left")),
                ("Right".into(), t("R")),
                ("Go back".into(), Target::Back),
                ("Return".into(), Target::Back),
                ("Continue".into(), t("End")),
            ]
        );
    }

    #[test]
    fn chapbook_and_snowman() {
        let p = Scanner::new("mood: mood + 1\n--\nHi {link to: 'Shop', label: 'Go shopping'} {back link} {restart link}", "chapbook").scan();
        assert_eq!(
            choices(&p),
            vec![
                ("Go shopping".into(), t("Shop")),
                ("Go back".into(), Target::Back),
                ("Start again".into(), Target::Restart)
            ]
        );
        assert!(p
            .iter()
            .any(|x| matches!(x, Piece::Effect(v, 1, _) if v == "mood")));
        let p = Scanner::new(
            r#"<a href="javascript:void(0)" data-passage="Cave">Enter the cave</a> [[Out]]"#,
            "snowman",
        )
        .scan();
        assert_eq!(
            choices(&p),
            vec![
                ("Enter the cave".into(), t("Cave")),
                ("Out".into(), t("Out"))
            ]
        );
    }

    #[test]
    fn conditions_translate_or_are_noted() {
        assert_eq!(condition("$x > 2").as_deref(), Some("x > 2"));
        assert_eq!(
            condition("$x gt 2 and $y lte 1").as_deref(),
            Some("x > 2 and y <= 1")
        );
        assert_eq!(condition("$x is not 3").as_deref(), Some("x != 3"));
        assert_eq!(condition("$x>=4").as_deref(), Some("x >= 4"));
        assert_eq!(condition("$name is \"Bob\""), None);
        let p = Scanner::new("(if: $x > 2)[Rich. [[Buy]]](else:)[Poor.]", "harlowe").scan();
        assert!(matches!(&p[0], Piece::Cond(c, _) if c == "x > 2"), "{p:?}");
        assert!(
            matches!(&p[1], Piece::Cond(c, _) if c == "not (x > 2)"),
            "{p:?}"
        );
        let p = Scanner::new(
            "<<if $x gt 2>>A [[B]]<<elseif $x gt 0>>C<<else>>D<</if>>",
            "sugarcube",
        )
        .scan();
        let conds: Vec<&str> = p
            .iter()
            .filter_map(|x| match x {
                Piece::Cond(c, _) => Some(c.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            conds,
            vec![
                "x > 2",
                "x > 0 and not (x > 2)",
                "not (x > 2) and not (x > 0 and not (x > 2))"
            ]
        );
        let p = Scanner::new("(if: $name is 'Bob')[Hi Bob]", "harlowe").scan();
        assert!(p.iter().any(|x| matches!(x, Piece::Note(..))));
        assert!(p
            .iter()
            .any(|x| matches!(x, Piece::Text(t) if t.contains("Hi Bob"))));
    }

    #[test]
    fn numeric_changes() {
        assert_eq!(numeric_change("$x to it + 1"), Some(("x".into(), 1)));
        assert_eq!(numeric_change("$x to $x - 3"), Some(("x".into(), -3)));
        assert_eq!(numeric_change("$trust += 2"), Some(("trust".into(), 2)));
        assert_eq!(numeric_change("$trust++"), Some(("trust".into(), 1)));
        assert_eq!(numeric_change("$x to 5"), None);
        assert_eq!(numeric_change("$name to \"Bo\""), None);
    }

    #[test]
    fn presentation_is_stripped_and_text_kept() {
        let p = Scanner::new("<style>p{color:red}</style>Hello <span class='x'>there</span>(text-colour: red)[ friend]<script>alert(1)</script><audio src='http://x/a.mp3'></audio>.", "harlowe").scan();
        let text: String = p
            .iter()
            .filter_map(|x| match x {
                Piece::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(text, "Hello there friend.");
        assert!(p
            .iter()
            .any(|x| matches!(x, Piece::Stripped("style sheets"))));
        assert!(p.iter().any(|x| matches!(x, Piece::Stripped("scripts"))));
    }

    /// Found by the benchmark: 1 MB of `(link: "a")[` that never closes
    /// took 18 s (each hook looked for its end to the end of the text).
    /// Many unclosed openings of every kind now cost linear time.
    #[test]
    fn unclosed_openings_cost_linear_time() {
        for unit in [
            "(link: \"a\")[",
            "(a: (b: ",
            "[[a ",
            "<<if $x gt 1>>",
            "<<link \"a\">>",
            "{link to: 'x' ",
            "<<<",
            "<a data-passage=\"x\">",
            "@@.a;",
        ] {
            let text = unit.repeat(200_000 / unit.len());
            let _ = Scanner::new(&text, "harlowe").scan();
            let _ = Scanner::new(&text, "chapbook").scan();
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = "(if: $x > 1)[".repeat(5000) + &"]".repeat(5000);
        let _ = Scanner::new(&deep, "harlowe").scan();
        let deep = "<<if $x gt 1>>".repeat(3000) + &"<</if>>".repeat(3000);
        let _ = Scanner::new(&deep, "sugarcube").scan();
    }
}
