//! A content file being read: its text, positions and the problems found
//! in it. Its front matter is read by [`super::front_matter`].

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
    /// For the reviewer's checks (`content::review`): which one, e.g.
    /// `longest-answer`, documented under that name in content/README.md.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<&'static str>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.severity
        )?;
        if let Some(c) = self.check {
            write!(f, "[{c}]")?;
        }
        write!(f, ": {}", self.message)?;
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
                check: None,
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
                        check: None,
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
                        check: None,
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
            check: None,
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

    /// A warning of one of the reviewer's checks (`content::review`).
    pub fn review(&mut self, offset: usize, check: &'static str, message: String, hint: &str) {
        let before = self.diagnostics.len();
        self.push(offset, Severity::Warning, message, Some(hint));
        if self.diagnostics.len() > before && before < MAX_DIAGNOSTICS {
            if let Some(d) = self.diagnostics.last_mut() {
                d.check = Some(check);
            }
        }
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

/// Lines with the byte offset where each starts (without the newline).
pub fn line_spans(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    text.split('\n').map(move |l| {
        let start = at;
        at += l.len() + 1;
        (start, l)
    })
}

/// Whether `s` is a valid id for a course, item, scene or choice.
pub fn is_id(s: &str) -> bool {
    crate::domain::condition::is_name(s)
}

/// `s` in lower-case ASCII words joined by `-`: "The late parcel!" →
/// "the-late-parcel". Anything else between words becomes one `-`.
pub fn kebab(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.truncate(out.trim_end_matches('-').len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::front_matter::*;

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
