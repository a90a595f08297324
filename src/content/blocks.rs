//! The top-level blocks of a markdown body, with their byte ranges, as
//! CommonMark sees them. Parsers for scenarios and quizzes walk these and
//! read the details of each block from its source text, which keeps every
//! message tied to an exact line and column.

use super::markdown::options;
use pulldown_cmark::{Event, Parser, Tag};
use std::ops::Range;

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Heading {
        level: u8,
        id: Option<String>,
        classes: Vec<String>,
        /// The heading's plain text (without `#` and `{…}`).
        text: String,
    },
    Paragraph,
    /// A list, with the range of each item.
    List(Vec<Range<usize>>),
    /// Anything else: quotes, code, tables, rules, HTML.
    Other,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub kind: Kind,
    /// Byte range in the whole file.
    pub range: Range<usize>,
}

/// Splits `text[start..]` into top-level blocks; ranges are file offsets.
pub fn top_level(text: &str, start: usize) -> Vec<Block> {
    let body = &text[start..];
    let mut out: Vec<Block> = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<Block> = None;
    for (ev, range) in Parser::new_ext(body, options()).into_offset_iter() {
        let range = range.start + start..range.end + start;
        match ev {
            Event::Start(tag) => {
                if depth == 0 {
                    let kind = match &tag {
                        Tag::Heading {
                            level, id, classes, ..
                        } => Kind::Heading {
                            level: *level as u8,
                            id: id.as_ref().map(|s| s.to_string()),
                            classes: classes.iter().map(|c| c.to_string()).collect(),
                            text: String::new(),
                        },
                        Tag::Paragraph => Kind::Paragraph,
                        Tag::List(_) => Kind::List(Vec::new()),
                        _ => Kind::Other,
                    };
                    current = Some(Block {
                        kind,
                        range: range.clone(),
                    });
                } else if depth == 1 && matches!(tag, Tag::Item) {
                    if let Some(Block {
                        kind: Kind::List(items),
                        ..
                    }) = current.as_mut()
                    {
                        items.push(range.clone());
                    }
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let Some(mut b) = current.take() {
                        b.range.end = b.range.end.max(range.end);
                        out.push(b);
                    }
                }
            }
            Event::Text(t) | Event::Code(t) if depth > 0 => {
                if let Some(Block {
                    kind: Kind::Heading { text, .. },
                    ..
                }) = current.as_mut()
                {
                    text.push_str(&t);
                }
            }
            _ if depth == 0 => out.push(Block {
                kind: Kind::Other,
                range,
            }),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_headings_paragraphs_and_lists() {
        let text = "---\n---\n## Start {#start .x}\n\nHello.\n\n- [a](#b)\n- [c](#d)\n\n> quote\n";
        let blocks = top_level(text, 8);
        assert_eq!(blocks.len(), 4);
        assert_eq!(
            blocks[0].kind,
            Kind::Heading {
                level: 2,
                id: Some("start".into()),
                classes: vec!["x".into()],
                text: "Start".into()
            }
        );
        assert_eq!(&text[blocks[1].range.clone()].trim_end(), &"Hello.");
        match &blocks[2].kind {
            Kind::List(items) => {
                assert_eq!(items.len(), 2);
                assert_eq!(text[items[1].clone()].trim_end(), "- [c](#d)");
            }
            k => panic!("{k:?}"),
        }
        assert_eq!(blocks[3].kind, Kind::Other);
    }
}
