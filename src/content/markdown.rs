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
            // Task lists (`- [x] done`) are the only inputs content may
            // hold: `type` passes only as `checkbox` and every input is
            // made a disabled checkbox, so `<input type=text>` or
            // `<input type=password>` cannot be drawn into a lesson.
            .add_tags(["input"])
            .add_tag_attributes("input", ["checked"])
            .add_tag_attribute_values("input", "type", ["checkbox"])
            .set_tag_attribute_value("input", "type", "checkbox")
            .set_tag_attribute_value("input", "disabled", "");
        b
    })
}

/// Renders block markdown to sanitised HTML.
pub fn render(markdown: &str) -> String {
    to_html(Parser::new_ext(markdown, options()), markdown.len())
}

/// How deeply markdown (quotes, lists, emphasis, links) and raw HTML may
/// nest in content. The HTML sanitiser's work grows with the square of the
/// nesting (each tag looks through the open elements), so without a limit
/// a page of `- - - - …` or `<div><div>…` costs minutes; no lesson needs
/// more than a few levels.
pub const MAX_NESTING: usize = 32;

/// Tags a piece of raw HTML opens and closes: (deepest level reached
/// relative to its start, net change).
fn html_nesting(html: &str) -> (usize, isize) {
    const VOID: [&str; 14] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr",
    ];
    let (mut level, mut peak) = (0isize, 0isize);
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(at) = html[i..].find('<') {
        i += at + 1;
        match bytes.get(i) {
            Some(b'/') => level -= 1,
            Some(c) if c.is_ascii_alphabetic() => {
                let name_len = bytes[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .count();
                let name = html[i..i + name_len].to_ascii_lowercase();
                let end = html[i..].find('>').map_or(html.len(), |e| i + e);
                let self_closing = end > 0 && bytes.get(end - 1) == Some(&b'/');
                if !VOID.contains(&name.as_str()) && !self_closing {
                    level += 1;
                    peak = peak.max(level);
                }
            }
            _ => {}
        }
    }
    (peak.max(0) as usize, level)
}

/// The byte offset of the first place where `markdown` nests deeper than
/// [`MAX_NESTING`], for the validator to point at.
pub fn too_deep(markdown: &str) -> Option<usize> {
    use pulldown_cmark::Event;
    let (mut depth, mut html_depth) = (0usize, 0usize);
    for (ev, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        match ev {
            Event::Start(_) => {
                depth += 1;
                if depth + html_depth > MAX_NESTING {
                    return Some(range.start);
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Html(t) | Event::InlineHtml(t) => {
                let (peak, delta) = html_nesting(&t);
                if depth + html_depth + peak > MAX_NESTING {
                    return Some(range.start);
                }
                html_depth = (html_depth as isize + delta).max(0) as usize;
            }
            _ => {}
        }
    }
    None
}

/// Sanitised HTML of markdown events. Markup nested deeper than
/// [`MAX_NESTING`] is flattened (its text stays) and raw HTML that would
/// go deeper is shown as text, so the sanitiser's work stays bounded
/// whatever the text; the validator reports the place (see `too_deep`).
fn to_html<'a>(events: impl Iterator<Item = pulldown_cmark::Event<'a>>, len: usize) -> String {
    use pulldown_cmark::Event;
    let mut depth = 0usize;
    let mut html_depth = 0usize;
    let mut flattened: Vec<bool> = Vec::new();
    let events = events.filter_map(|ev| match ev {
        Event::Start(tag) => {
            let flat = depth + html_depth >= MAX_NESTING;
            flattened.push(flat);
            depth += 1;
            (!flat).then_some(Event::Start(tag))
        }
        Event::End(tag) => {
            depth = depth.saturating_sub(1);
            let flat = flattened.pop().unwrap_or(false);
            (!flat).then_some(Event::End(tag))
        }
        Event::Html(t) | Event::InlineHtml(t) => {
            let (peak, delta) = html_nesting(&t);
            if depth + html_depth + peak > MAX_NESTING {
                Some(Event::Text(t))
            } else {
                html_depth = (html_depth as isize + delta).max(0) as usize;
                Some(Event::InlineHtml(t))
            }
        }
        other => Some(other),
    });
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

/// Fills the placeholders left in scenario and quiz text, which is rendered
/// when content loads, before the organisation's words are known. In HTML
/// (`html`), a placeholder alone in a paragraph becomes the field's
/// rendered markdown and one inside a line its text, escaped; plain text
/// (a reply, a title) gets the field's text. A list reads "A; B; C".
pub fn fill_placeholders(text: &str, html: bool, field: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, name) in placeholders(text) {
        let Some(value) = field(name) else {
            continue;
        };
        let end = at + text[at..].find("}}").map_or(0, |e| e + 2);
        let before = &text[last..at];
        // The name is plain text; the other fields are markdown.
        let markdown = name != "organisation";
        let alone = markdown && html && before.ends_with("<p>") && text[end..].starts_with("</p>");
        if alone {
            out.push_str(&before[..before.len() - "<p>".len()]);
            out.push_str(&render(&value));
            last = end + "</p>".len();
            continue;
        }
        out.push_str(before);
        let words = if markdown { words_of(&value) } else { value };
        out.push_str(&if html { escape(&words) } else { words });
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Markdown as one line of text, list items joined by "; ".
fn words_of(markdown: &str) -> String {
    use pulldown_cmark::{Event, TagEnd};
    let mut out = String::new();
    for ev in Parser::new_ext(markdown, options()) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Item) => out.push_str("; "),
            Event::End(TagEnd::Paragraph) => out.push(' '),
            _ => {}
        }
    }
    out.trim().trim_end_matches(';').trim().to_string()
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
    fn fills_placeholders_in_rendered_text() {
        let field = |name: &str| match name {
            "organisation" => Some("Bits & <Bobs>".to_string()),
            "values" => Some("- **Straight talking**\n- Owning it\n".to_string()),
            _ => None,
        };
        let html = render("Welcome to {{organisation}}.\n\n{{values}}\n\nKeep {{other}}.");
        let filled = fill_placeholders(&html, true, field);
        assert!(
            filled.contains("Welcome to Bits &amp; &lt;Bobs&gt;."),
            "{filled}"
        );
        assert!(
            filled.contains("<ul>") && filled.contains("<strong>Straight talking</strong>"),
            "{filled}"
        );
        assert!(
            !filled.contains("<p><ul>"),
            "a block replaces its paragraph: {filled}"
        );
        assert!(filled.contains("{{other}}"), "unknown names stay: {filled}");
        let plain = fill_placeholders("Act on {{values}} at {{organisation}}", false, field);
        assert_eq!(plain, "Act on Straight talking; Owning it at Bits & <Bobs>");
    }

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
    fn inputs_can_only_be_disabled_checkboxes() {
        for hostile in [
            "<input type=\"text\" name=\"q\">",
            "<input type=\"password\" autofocus>",
            "<input type=\"submit\" formaction=\"https://evil.test\">",
            "<input>",
        ] {
            let html = sanitize(hostile);
            assert!(
                html.contains("type=\"checkbox\"") && html.contains("disabled"),
                "{hostile} -> {html}"
            );
            assert_eq!(html.matches("type=").count(), 1, "{hostile} -> {html}");
            assert!(
                !html.contains("name=") && !html.contains("formaction"),
                "{html}"
            );
        }
        let list = render("- [x] done\n- [ ] to do\n");
        assert_eq!(list.matches("type=\"checkbox\"").count(), 2, "{list}");
        assert!(list.contains("checked"), "{list}");
    }

    #[test]
    fn deep_nesting_costs_no_deep_stack() {
        // Blockquotes, lists, emphasis and raw HTML nested far deeper than
        // any recursion could survive on a small thread stack.
        let n = 50_000;
        let inputs = [
            ">".repeat(n) + " deep",
            "- ".repeat(n) + "deep",
            "<div>".repeat(n) + "deep",
            "*a ".repeat(n),
            "[".repeat(n) + "x" + &"](y)".repeat(n),
        ];
        let started = std::time::Instant::now();
        let run = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || {
                inputs
                    .iter()
                    .enumerate()
                    .map(|(k, i)| {
                        // The first three really nest; the others are text.
                        assert_eq!(too_deep(i).is_some(), k < 3, "{}", &i[..20]);
                        render(i).len()
                    })
                    .sum::<usize>()
            })
            .unwrap();
        assert!(run.join().expect("no stack overflow") > 0);
        // Linear: without the limit the sanitiser took minutes here.
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        assert_eq!(
            too_deep("> a\n>> b\n\n- x\n  - y\n\n<div><p>ok</p></div>"),
            None
        );
        let html = render(&format!(
            "{}deep{}",
            "<div>".repeat(40),
            "</div>".repeat(40)
        ));
        assert!(
            html.contains("&lt;div&gt;"),
            "the deepest raw HTML becomes text"
        );
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
