//! A content file being read: its text, positions, the problems found in
//! it, and its front matter.

use serde::Serialize;
use std::fmt;

/// Files larger than this are refused: no lesson or scenario needs it, and
/// it keeps a stray upload from tying up the server.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// The most problems listed for one file (one more line says that more follow).
pub const MAX_DIAGNOSTICS: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem in a file, at a line and column (both from 1; columns count
/// characters, not bytes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.col, self.severity, self.message
        )?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// The text of one file with a line index, collecting diagnostics.
pub struct Source {
    pub file: String,
    pub text: String,
    line_starts: Vec<usize>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Source {
    /// Reads raw bytes as a content file. Bytes that are not UTF-8 text
    /// give an error at their position and an empty text, never a panic.
    pub fn from_bytes(file: impl Into<String>, bytes: &[u8]) -> Source {
        let file = file.into();
        let mut diagnostics = Vec::new();
        let text = if bytes.len() > MAX_FILE_BYTES {
            diagnostics.push(Diagnostic {
                file: file.clone(),
                line: 1,
                col: 1,
                severity: Severity::Error,
                message: format!(
                    "the file is {} bytes; content files may be at most {} bytes",
                    bytes.len(),
                    MAX_FILE_BYTES
                ),
                hint: Some("split long material into several lessons".into()),
            });
            String::new()
        } else {
            match std::str::from_utf8(bytes) {
                Ok(t) if t.contains('\0') => {
                    let (line, col) = line_col_in(t, t.find('\0').unwrap_or(0));
                    diagnostics.push(Diagnostic {
                        file: file.clone(),
                        line,
                        col,
                        severity: Severity::Error,
                        message: "the file contains NUL bytes; is it a binary file?".into(),
                        hint: Some("content files are markdown text".into()),
                    });
                    String::new()
                }
                Ok(t) => t
                    .strip_prefix('\u{feff}')
                    .unwrap_or(t)
                    .replace("\r\n", "\n"),
                Err(e) => {
                    let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
                    let (line, col) = line_col_in(valid, valid.len());
                    diagnostics.push(Diagnostic {
                        file: file.clone(),
                        line,
                        col,
                        severity: Severity::Error,
                        message: "the file is not valid UTF-8 text".into(),
                        hint: Some("save the file as UTF-8".into()),
                    });
                    String::new()
                }
            }
        };
        Source::with_text(file, text, diagnostics)
    }

    pub fn new(file: impl Into<String>, text: &str) -> Source {
        Source::from_bytes(file, text.as_bytes())
    }

    fn with_text(file: String, text: String, diagnostics: Vec<Diagnostic>) -> Source {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source {
            file,
            text,
            line_starts,
            diagnostics,
        }
    }

    /// Whether reading the bytes already failed (nothing more to check).
    pub fn unreadable(&self) -> bool {
        self.text.is_empty() && self.has_errors()
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Line and column (from 1) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line + 1, col)
    }

    /// The byte offset where a line (from 1) starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    pub fn push(&mut self, offset: usize, severity: Severity, message: String, hint: Option<&str>) {
        // A file can hold a problem on every line; listing the first few
        // hundred is enough to act on, and bounds the work of finding
        // positions and of every page that shows the list.
        if self.diagnostics.len() > MAX_DIAGNOSTICS {
            if severity == Severity::Error {
                if let Some(last) = self.diagnostics.last_mut() {
                    last.severity = Severity::Error;
                }
            }
            return;
        }
        let (message, hint) = if self.diagnostics.len() == MAX_DIAGNOSTICS {
            (
                format!("more problems from here on; only the first {MAX_DIAGNOSTICS} are listed"),
                Some("fix these and check again"),
            )
        } else {
            (message, hint)
        };
        let (line, col) = self.line_col(offset);
        self.diagnostics.push(Diagnostic {
            file: self.file.clone(),
            line,
            col,
            severity,
            message,
            hint: hint.map(str::to_string),
        });
    }

    pub fn error(&mut self, offset: usize, message: impl Into<String>) {
        self.push(offset, Severity::Error, message.into(), None);
    }

    pub fn error_hint(&mut self, offset: usize, message: impl Into<String>, hint: &str) {
        self.push(offset, Severity::Error, message.into(), Some(hint));
    }

    pub fn warning(&mut self, offset: usize, message: impl Into<String>) {
        self.push(offset, Severity::Warning, message.into(), None);
    }

    pub fn warning_hint(&mut self, offset: usize, message: impl Into<String>, hint: &str) {
        self.push(offset, Severity::Warning, message.into(), Some(hint));
    }

    /// Byte offset of the `n`th character (from 0) after `offset`.
    pub fn advance_chars(&self, offset: usize, n: usize) -> usize {
        let rest = self.text.get(offset..).unwrap_or("");
        offset + rest.char_indices().nth(n).map_or(rest.len(), |(i, _)| i)
    }
}

fn line_col_in(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

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

/// Lines with the byte offset where each starts (without the newline).
pub fn line_spans(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    text.split('\n').map(move |l| {
        let start = at;
        at += l.len() + 1;
        (start, l)
    })
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

/// Whether `s` is a valid id for a course, item, scene or choice.
pub fn is_id(s: &str) -> bool {
    crate::domain::condition::is_name(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_keys_are_set_replaced_and_removed() {
        let text = "---\nid: c\n# a comment\nrequired:\n  - a\n  - b\ntitle: C\n---\n# Body\nrequired: not front matter\n";
        let set = set_front_matter(text, "required", Some(&fm_list(&["b"])));
        assert_eq!(set, "---\nid: c\n# a comment\nrequired: [b]\ntitle: C\n---\n# Body\nrequired: not front matter\n");
        let removed = set_front_matter(text, "required", None);
        assert_eq!(
            removed,
            "---\nid: c\n# a comment\ntitle: C\n---\n# Body\nrequired: not front matter\n"
        );
        let added = set_front_matter(text, "order", Some("[b, a]"));
        assert!(
            added.contains("title: C\norder: [b, a]\n---\n# Body"),
            "{added}"
        );
        // `required` must not match `requiredx`, and no front matter gets one.
        assert_eq!(
            set_front_matter("---\nrequiredx: 1\n---\n", "required", None),
            "---\nrequiredx: 1\n---\n"
        );
        assert_eq!(
            set_front_matter("# Body\n", "id", Some("c")),
            "---\nid: c\n---\n# Body\n"
        );
        // Whatever a trainer types, the parser reads back the same value.
        for title in [
            "Plain",
            "[not a list]",
            "\"quoted\"",
            "Dana: again",
            "two\nlines",
        ] {
            let text = set_front_matter("---\nid: c\n---\n", "title", Some(&fm_scalar(title)));
            let mut src = Source::new("a.md", &text);
            let mut fm = FrontMatter::parse(&mut src);
            let want = title.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(fm.text(&mut src, "title", "x").unwrap().0, want, "{text}");
        }
    }

    #[test]
    fn reads_keys_lists_and_positions() {
        let mut src = Source::new(
            "a.md",
            "---\nid: dana\ntitle: \"Dana: again\"\ncompetencies: [empathy, ownership]\nvalues:\n  - one\n  - two\n---\n# Body\n",
        );
        let mut fm = FrontMatter::parse(&mut src);
        assert!(src.diagnostics.is_empty(), "{:?}", src.diagnostics);
        assert_eq!(fm.text(&mut src, "title", "x").unwrap().0, "Dana: again");
        let comps = fm.list("competencies").unwrap();
        assert_eq!(comps[1].0, "ownership");
        assert_eq!(src.line_col(comps[1].1), (4, 25));
        let values = fm.list("values").unwrap();
        assert_eq!(values.len(), 2);
        assert_eq!(src.line_col(values[1].1), (7, 5));
        assert_eq!(&src.text[fm.body_start..], "# Body\n");
        fm.warn_unused(&mut src, &["title"]);
        assert_eq!(src.diagnostics.len(), 1);
        assert_eq!((src.diagnostics[0].line, src.diagnostics[0].col), (2, 1));
    }

    #[test]
    fn broken_front_matter_is_reported_with_positions() {
        let mut src = Source::new("a.md", "---\nid: a\nid: b\njust words\nlist: [a, b\n");
        FrontMatter::parse(&mut src);
        let found: Vec<(usize, usize, &str)> = src
            .diagnostics
            .iter()
            .map(|d| (d.line, d.col, d.message.as_str()))
            .collect();
        assert_eq!(found[0], (3, 1, "`id` is given twice (first on line 2)"));
        assert_eq!(found[1].0, 4);
        assert!(found[1].2.contains("expected `key: value`"));
        assert_eq!((found[2].0, found[2].1), (5, 7));
        assert_eq!(
            found[3].2,
            "the front matter is not closed with a `---` line"
        );
    }

    #[test]
    fn bytes_that_are_not_text_are_errors_with_positions() {
        let src = Source::from_bytes("a.md", b"---\nid: \xff\n");
        assert_eq!((src.diagnostics[0].line, src.diagnostics[0].col), (2, 5));
        assert!(src.unreadable());
        let src = Source::from_bytes("a.md", b"ab\0c");
        assert!(src.diagnostics[0].message.contains("NUL"));
        let src = Source::from_bytes("a.md", &vec![b'a'; MAX_FILE_BYTES + 1]);
        assert!(src.diagnostics[0].message.contains("at most"));
        let mut src = Source::from_bytes("a.md", b"");
        FrontMatter::parse(&mut src);
        assert!(src.diagnostics[0].message.contains("no front matter"));
    }

    #[test]
    fn columns_count_characters() {
        let src = Source::new("a.md", "héllo\nwörld x");
        assert_eq!(src.line_col(src.text.find('x').unwrap()), (2, 7));
    }
}
