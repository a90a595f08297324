//! Front matter, read and written side by side.
//!
//! [`FrontMatter::parse`] is the reader the checker uses: every key with
//! its position, every problem reported. [`set_front_matter`] is the
//! writer of the composition form: it changes one key and keeps every
//! other line of the file as it was, so a file stays the markdown a
//! trainer typed. [`quick_value`] is a lenient look-up for listings (the
//! library, history) that must not fail on a file that does not parse.

use super::source::{line_spans, Source};

/// A value in the front matter.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    /// Items with the byte offset of each.
    List(Vec<(String, usize)>),
}

#[derive(Clone, Debug)]
pub struct Field {
    pub key: String,
    pub value: Value,
    /// Byte offset of the key and of the value.
    pub key_at: usize,
    pub value_at: usize,
    used: bool,
}

/// The `---` block at the top of every content file: `key: value` lines,
/// lists as `[a, b]` or as `- item` lines under the key, `#` comments.
#[derive(Debug, Default)]
pub struct FrontMatter {
    pub fields: Vec<Field>,
    /// Byte offset where the markdown body starts.
    pub body_start: usize,
    /// Whether a front matter block was found at all.
    pub present: bool,
}

const FRONT_MATTER_HINT: &str =
    "start the file with front matter, e.g.\n  ---\n  id: my-scenario\n  kind: scenario\n  title: A title\n  ---";

impl FrontMatter {
    pub fn parse(src: &mut Source) -> FrontMatter {
        let mut fm = FrontMatter::default();
        if src.unreadable() {
            return fm;
        }
        let text = src.text.clone();
        let mut lines = line_spans(&text);
        match lines.next() {
            Some((_, l)) if l.trim_end() == "---" => {}
            _ => {
                src.error_hint(
                    0,
                    "the file has no front matter (a `---` line must come first)",
                    FRONT_MATTER_HINT,
                );
                return fm;
            }
        }
        fm.present = true;
        let mut closed = false;
        let mut list_key: Option<usize> = None;
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (at, line) in lines {
            let trimmed = line.trim();
            if line.trim_end() == "---" {
                fm.body_start = (at + line.len() + 1).min(text.len());
                closed = true;
                break;
            }
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            if let Some(item) =
                trimmed
                    .strip_prefix("- ")
                    .or(if trimmed == "-" { Some("") } else { None })
            {
                let item_at = at + indent + 2.min(trimmed.len());
                match list_key {
                    Some(k) => {
                        if let Value::List(items) = &mut fm.fields[k].value {
                            items.push((unquote(item.trim()).to_string(), item_at));
                        }
                    }
                    None => src.error_hint(
                        at + indent,
                        "a list item here belongs to no key",
                        "write the key on the line above, e.g. `competencies:`",
                    ),
                }
                continue;
            }
            list_key = None;
            let Some(colon) = line.find(':') else {
                src.error_hint(
                    at + indent,
                    format!("expected `key: value`, found `{trimmed}`"),
                    "front matter lines look like `title: Dana calls again`",
                );
                continue;
            };
            let key = line[..colon].trim();
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                src.error(at + indent, format!("`{key}` is not a valid key"));
                continue;
            }
            let raw = &line[colon + 1..];
            let value_at = at + colon + 1 + (raw.len() - raw.trim_start().len());
            let raw = raw.trim();
            if let Some(&prev_at) = seen.get(key) {
                let (first, _) = src.line_col(prev_at);
                src.error(
                    at + indent,
                    format!("`{key}` is given twice (first on line {first})"),
                );
                continue;
            }
            let value = if raw.is_empty() {
                list_key = Some(fm.fields.len());
                Value::List(Vec::new())
            } else if let Some(inner) = raw.strip_prefix('[') {
                match inner.strip_suffix(']') {
                    Some(inner) => {
                        let base = value_at + 1;
                        let mut items = Vec::new();
                        let mut offset = 0;
                        for part in inner.split(',') {
                            let lead = part.len() - part.trim_start().len();
                            if !part.trim().is_empty() {
                                items
                                    .push((unquote(part.trim()).to_string(), base + offset + lead));
                            }
                            offset += part.len() + 1;
                        }
                        Value::List(items)
                    }
                    None => {
                        src.error_hint(
                            value_at,
                            format!("the list of `{key}` is not closed with `]`"),
                            "write lists on one line as `[a, b, c]`",
                        );
                        continue;
                    }
                }
            } else {
                Value::Text(unquote(raw).to_string())
            };
            seen.insert(key.to_string(), at + indent);
            fm.fields.push(Field {
                key: key.to_string(),
                value,
                key_at: at + indent,
                value_at,
                used: false,
            });
        }
        if !closed {
            src.error_hint(
                0,
                "the front matter is not closed with a `---` line",
                FRONT_MATTER_HINT,
            );
            fm.body_start = text.len();
        }
        fm
    }

    fn take(&mut self, key: &str) -> Option<&mut Field> {
        let f = self.fields.iter_mut().find(|f| f.key == key)?;
        f.used = true;
        Some(f)
    }

    /// A required text value.
    pub fn text(&mut self, src: &mut Source, key: &str, example: &str) -> Option<(String, usize)> {
        match self.optional_text(src, key) {
            Some(v) => Some(v),
            None => {
                if self.present && !self.fields.iter().any(|f| f.key == key) {
                    src.error_hint(
                        0,
                        format!("the front matter has no `{key}`"),
                        &format!("add a line such as `{key}: {example}`"),
                    );
                }
                None
            }
        }
    }

    pub fn optional_text(&mut self, src: &mut Source, key: &str) -> Option<(String, usize)> {
        let f = self.take(key)?;
        match &f.value {
            Value::Text(t) if !t.is_empty() => Some((t.clone(), f.value_at)),
            _ => {
                let at = f.value_at;
                src.error(at, format!("`{key}` must be a single value, not a list"));
                None
            }
        }
    }

    pub fn list(&mut self, key: &str) -> Option<Vec<(String, usize)>> {
        let f = self.take(key)?;
        match &f.value {
            Value::List(items) => Some(items.clone()),
            // A single word is a list of one.
            Value::Text(t) => Some(vec![(t.clone(), f.value_at)]),
        }
    }

    pub fn number(
        &mut self,
        src: &mut Source,
        key: &str,
        range: std::ops::RangeInclusive<u32>,
    ) -> Option<u32> {
        let (v, at) = self.optional_text(src, key)?;
        match v.parse::<u32>() {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                src.error(
                    at,
                    format!(
                        "`{key}` must be a whole number from {} to {}, not `{v}`",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
        }
    }

    pub fn flag(&mut self, src: &mut Source, key: &str) -> Option<bool> {
        let (v, at) = self.optional_text(src, key)?;
        match v.as_str() {
            "true" | "yes" => Some(true),
            "false" | "no" => Some(false),
            _ => {
                src.error(at, format!("`{key}` must be `true` or `false`, not `{v}`"));
                None
            }
        }
    }

    /// Warns about keys nobody asked for: usually a typo.
    pub fn warn_unused(&self, src: &mut Source, known: &[&str]) {
        for f in self.fields.iter().filter(|f| !f.used) {
            src.warning_hint(
                f.key_at,
                format!("unknown front matter key `{}`", f.key),
                &format!("known keys here: {}", known.join(", ")),
            );
        }
    }
}

fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// `text` with front-matter key `key` set to `value` (already formatted,
/// see [`fm_scalar`] and [`fm_list`]), or removed when `value` is `None`.
/// The rest of the text, comments included, is kept as it was. A key that
/// is missing is added at the end of the front matter; a file without front
/// matter gets one.
pub fn set_front_matter(text: &str, key: &str, value: Option<&str>) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let new_line = value.map(|v| format!("{key}: {v}\n"));
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return match new_line {
            Some(l) => format!("---\n{l}---\n{text}"),
            None => text.to_string(),
        };
    }
    let close = lines
        .iter()
        .skip(1)
        .position(|l| l.trim_end() == "---")
        .map(|n| n + 1);
    let end = close.unwrap_or(lines.len());
    let is_key_line = |l: &str| {
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    };
    let mut out = String::with_capacity(text.len() + 32);
    let mut n = 0;
    let mut done = false;
    while n < lines.len() {
        let line = lines[n];
        if n > 0 && n < end && !done && is_key_line(line) {
            if let Some(l) = &new_line {
                out.push_str(l);
            }
            done = true;
            n += 1;
            // A block list under the key goes with it.
            while n < end {
                let t = lines[n].trim();
                if t == "-" || t.starts_with("- ") {
                    n += 1;
                } else {
                    break;
                }
            }
            continue;
        }
        if n == end && !done {
            if let Some(l) = &new_line {
                out.push_str(l);
            }
            done = true;
            if close.is_none() {
                out.push_str("---\n");
            }
        }
        out.push_str(line);
        if n + 1 == lines.len() && !line.ends_with('\n') && n < end {
            out.push('\n');
        }
        n += 1;
    }
    if !done {
        if let Some(l) = &new_line {
            out.push_str(l);
        }
        if close.is_none() {
            out.push_str("---\n");
        }
    }
    out
}

/// The values of a list-valued front-matter key, read with the real parser
/// (inline `[a, b]` or a block list); `None` when the key is missing.
pub fn front_matter_list(text: &str, key: &str) -> Option<Vec<String>> {
    let mut src = Source::new("front matter", text);
    let mut fm = FrontMatter::parse(&mut src);
    fm.list(key)
        .map(|l| l.into_iter().map(|(value, _)| value).collect())
}

/// A front-matter value that reads back as exactly `s` (on one line).
pub fn fm_scalar(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.starts_with(['[', '"', '\'']) || one_line.ends_with(['"', '\'']) {
        format!("\"{one_line}\"")
    } else {
        one_line
    }
}

/// A front-matter list such as `[intro, dana-calls, quiz]`.
pub fn fm_list<S: AsRef<str>>(items: &[S]) -> String {
    let parts: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("[{}]", parts.join(", "))
}

/// The first value of `key` in the front matter of `source`, unquoted;
/// `None` when there is no front matter or the key is missing or empty.
/// The `title:` of a file's front matter, read loosely (for drafts).
pub fn quick_value(source: &str, key: &str) -> Option<String> {
    let mut lines = source.lines();
    if lines.next()?.trim() != "---" {
        return None;
    }
    for line in lines {
        if line.trim() == "---" {
            break;
        }
        if let Some(v) = line
            .strip_prefix(key)
            .and_then(|r| r.trim_start().strip_prefix(':'))
        {
            let v = v.trim().trim_matches('"').to_string();
            return (!v.is_empty()).then_some(v);
        }
    }
    None
}

pub fn quick_title(source: &str) -> Option<String> {
    quick_value(source, "title")
}
