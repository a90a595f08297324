//! Markdown to safe HTML. Everything a trainer writes passes through here
//! once, when content loads: pulldown-cmark renders it and ammonia removes
//! whatever could run in a learner's browser (scripts, event handlers,
//! `javascript:` links, styles, frames, forms).

use pulldown_cmark::{html, Options, Parser};
use std::collections::HashSet;
use std::sync::OnceLock;

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
            .link_rel(Some("noopener noreferrer"))
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tags(["input"])
            .add_tag_attribute_values("input", "type", ["checkbox"]);
        b
    })
}

/// Renders block markdown to sanitised HTML.
pub fn render(markdown: &str) -> String {
    to_html(Parser::new_ext(markdown, options()), markdown.len())
}

/// Sanitised HTML of markdown events.
fn to_html<'a>(events: impl Iterator<Item = pulldown_cmark::Event<'a>>, len: usize) -> String {
    let mut out = String::with_capacity(len * 3 / 2);
    html::push_html(&mut out, events);
    sanitize(&out)
}

/// Renders the body of a page that already shows `title` as its one `<h1>`
/// (a lesson, a course's introduction): a first heading that repeats the
/// title is left out, and the other headings move one level down, so
/// `# Part` becomes an `<h2>` under the page's heading.
pub fn render_body(markdown: &str, title: &str) -> String {
    use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};
    let down = |level: HeadingLevel| match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    };
    let mut events: Vec<Event> = Parser::new_ext(markdown, options()).collect();
    if let Some(Event::Start(Tag::Heading { .. })) = events.first() {
        if let Some(end) = events
            .iter()
            .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
        {
            let text: String = events[1..end]
                .iter()
                .filter_map(|e| match e {
                    Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                    _ => None,
                })
                .collect();
            let same = |a: &str, b: &str| a.split_whitespace().eq(b.split_whitespace());
            if same(&text.to_lowercase(), &title.to_lowercase()) {
                events.drain(..=end);
            }
        }
    }
    let events = events.into_iter().map(|e| match e {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: down(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(down(level))),
        other => other,
    });
    to_html(events, markdown.len())
}

/// Renders a short piece (a choice, a quiz option) without the paragraph
/// around it.
pub fn render_inline(markdown: &str) -> String {
    let html = render(markdown.trim());
    let t = html.trim();
    match t.strip_prefix("<p>").and_then(|t| t.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => t.to_string(),
    }
}

/// Text made safe to place inside HTML or SVG markup.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn sanitize(html: &str) -> String {
    cleaner().clean(html).to_string()
}

/// Markdown to plain text, for titles and screen-reader labels.
pub fn plain_text(markdown: &str) -> String {
    use pulldown_cmark::Event;
    let mut out = String::new();
    for ev in Parser::new_ext(markdown, options()) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// The organisation's own words that template lessons use.
pub const PLACEHOLDERS: [&str; 4] = ["organisation", "mission", "vision", "values"];

/// Finds `{{name}}` placeholders: (byte offset, name).
pub fn placeholders(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{") {
        let start = from + start;
        match text[start + 2..].find("}}") {
            Some(len) if len <= 40 && !text[start + 2..start + 2 + len].contains('\n') => {
                out.push((start, text[start + 2..start + 2 + len].trim()));
                from = start + 4 + len;
            }
            _ => from = start + 2,
        }
    }
    out
}

/// Replaces the placeholders in lesson markdown with the organisation's
/// texts (themselves markdown), then renders and sanitises the whole.
pub fn render_template(
    markdown: &str,
    title: &str,
    fill: impl Fn(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut last = 0;
    for (at, name) in placeholders(markdown) {
        let end = at + markdown[at..].find("}}").map_or(0, |e| e + 2);
        out.push_str(&markdown[last..at]);
        match fill(name) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&markdown[at..end]),
        }
        last = end;
    }
    out.push_str(&markdown[last..]);
    render_body(&out, title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_keeps_safe_markup() {
        let html = render("# Hi\n\nSome *emphasis* and [a link](https://example.com).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h1>Hi</h1>"));
        assert!(html.contains("<em>emphasis</em>"));
        assert!(
            html.contains("<a href=\"https://example.com\" rel=\"noopener noreferrer\">a link</a>")
        );
        assert!(html.contains("<table>"));
    }

    #[test]
    fn inline_drops_the_paragraph() {
        assert_eq!(render_inline("Say *sorry*"), "Say <em>sorry</em>");
    }

    #[test]
    fn finds_placeholders() {
        let p = placeholders("Our {{ mission }} and {{values}} but {{ not closed");
        assert_eq!(p, vec![(4, "mission"), (22, "values")]);
    }

    #[test]
    fn page_bodies_leave_the_one_h1_to_the_page() {
        let html = render_body(
            "# Listening  is the job\n\nText.\n\n## What customers notice\n\n# Another part {#part}\n",
            "Listening is the job",
        );
        assert!(!html.contains("Listening"), "{html}");
        assert!(!html.contains("<h1"), "{html}");
        assert!(html.contains("<h3>What customers notice</h3>"), "{html}");
        assert!(html.contains("<h2>Another part</h2>"), "{html}");
        // A first heading that is not the title stays, one level down.
        let html = render_body("# Before you start\n\nText.\n", "Listening is the job");
        assert!(html.starts_with("<h2>Before you start</h2>"), "{html}");
    }

    #[test]
    fn template_fills_and_sanitises_the_organisation_text() {
        let html = render_template("Mission: {{mission}}", "T", |name| {
            (name == "mission").then(|| "<script>alert(1)</script>**Care**".to_string())
        });
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("<strong>Care</strong>"), "{html}");
    }
}
