//! HTML (links by `data-passage`, presentation to strip), Snowman's
//! `<% … %>`, and Chapbook's inserts and modifiers.

use super::words::*;
use super::{find_ci, find_near, Choice, Level, Piece, Scanner, Target};

impl Scanner<'_> {
    pub(super) fn html(&self, lv: &mut Level<'_, '_>, i: usize) -> Option<usize> {
        let (s, base, depth) = (lv.s, lv.base, lv.depth);
        let out = &mut *lv.out;
        let plain = &mut lv.plain;
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
                    out.push(Choice::to(
                        label,
                        Target::Passage(clean_name(&target)),
                        base + i,
                    ));
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

    pub(super) fn chapbook_insert(&self, lv: &mut Level<'_, '_>, i: usize) -> Option<usize> {
        let (s, base) = (lv.s, lv.base);
        let out = &mut *lv.out;
        let plain = &mut lv.plain;
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
            Choice::to(label, Target::Passage(clean_name(&target)), at)
        } else if inner.starts_with("back link") {
            Choice::to(
                label_of(inner).unwrap_or_else(|| "Go back".into()),
                Target::Back,
                at,
            )
        } else if inner.starts_with("restart link") {
            Choice::to(
                label_of(inner).unwrap_or_else(|| "Start again".into()),
                Target::Restart,
                at,
            )
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
    pub(super) fn chapbook_modifier(&self, lv: &mut Level<'_, '_>, i: usize) -> Option<usize> {
        let (s, base, depth) = (lv.s, lv.base, lv.depth);
        let out = &mut *lv.out;
        let plain = &mut lv.plain;
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
            Some(c) => out.push(Piece::Cond(c, v, base + i)),
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
pub(super) fn matching_tag_end(tag: &str) -> Option<usize> {
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

pub(super) fn attr_value(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(name)? + name.len();
    let rest = tag[at..].trim_start().strip_prefix('=')?.trim_start();
    quoted(rest).map(|(v, _)| v)
}
