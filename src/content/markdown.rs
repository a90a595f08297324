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
    let parser = Parser::new_ext(markdown, options());
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    sanitize(&out)
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
pub fn render_template(markdown: &str, fill: impl Fn(&str) -> Option<String>) -> String {
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
    render(&out)
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
    fn template_fills_and_sanitises_the_organisation_text() {
        let html = render_template("Mission: {{mission}}", |name| {
            (name == "mission").then(|| "<script>alert(1)</script>**Care**".to_string())
        });
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("<strong>Care</strong>"), "{html}");
    }
}
