//! Reading a story: Twee 3 and older Twee files (`:: Name [tags] {meta}`),
//! and Twine 2's published HTML and archive files (`<tw-storydata>` with
//! `<tw-passagedata>` elements). Linear in the input.

/// One passage as written, with the line its text starts on.
#[derive(Debug, Clone)]
pub struct Passage {
    pub name: String,
    pub tags: Vec<String>,
    pub text: String,
    /// The line of the passage's header (Twee) or element (HTML).
    pub line: usize,
    /// The line the text's first line is on.
    pub text_line: usize,
}

/// A story as read.
#[derive(Debug, Default)]
pub struct Story {
    pub title: Option<String>,
    /// The start passage's name, when the file says.
    pub start: Option<String>,
    /// Harlowe, SugarCube, Snowman, Chapbook, … (lower case), when known.
    pub format: String,
    pub passages: Vec<Passage>,
    pub html: bool,
}

pub fn read(source: &str) -> Result<Story, String> {
    if source.contains("<tw-storydata") {
        read_html(source)
    } else {
        Ok(read_twee(source))
    }
}

fn read_twee(source: &str) -> Story {
    let mut story = Story::default();
    for (i, line) in source.lines().enumerate() {
        if let Some(header) = line.strip_prefix("::") {
            let (name, tags) = split_header(header);
            story.passages.push(Passage {
                name,
                tags,
                text: String::new(),
                line: i + 1,
                text_line: i + 2,
            });
        } else if let Some(p) = story.passages.last_mut() {
            p.text.push_str(line);
            p.text.push('\n');
        }
    }
    for p in &mut story.passages {
        // Leading blank lines move the text's first line down.
        let lead = p.text.len() - p.text.trim_start_matches(['\n', '\r']).len();
        p.text_line += p.text[..lead].matches('\n').count();
        p.text = p.text.trim().to_string();
    }
    if let Some(t) = story.passages.iter().find(|p| p.name == "StoryTitle") {
        story.title = Some(t.text.lines().next().unwrap_or("").trim().to_owned());
    }
    if let Some(d) = story.passages.iter().find(|p| p.name == "StoryData") {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&d.text) {
            story.start = v.get("start").and_then(|s| s.as_str()).map(str::to_owned);
            story.format = v
                .get("format")
                .and_then(|s| s.as_str())
                .unwrap_or("")
                .to_lowercase();
        }
    }
    if story.format.is_empty() {
        // Twee 1 and 2 files name no format; their macros say which.
        let any = |pat: &[&str]| {
            story
                .passages
                .iter()
                .any(|p| pat.iter().any(|m| p.text.contains(m)))
        };
        story.format = if any(&["<<"]) {
            "sugarcube".into()
        } else if any(&["(link-goto:", "(set:", "(if:"]) {
            "harlowe".into()
        } else {
            String::new()
        };
    }
    story
}

fn split_header(header: &str) -> (String, Vec<String>) {
    let mut name = String::new();
    let mut chars = header.trim().chars().peekable();
    let mut tags = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    name.push(n);
                }
            }
            '[' => {
                let t: String = chars.by_ref().take_while(|&c| c != ']').collect();
                tags = t.split_whitespace().map(str::to_string).collect();
            }
            '{' => break,
            _ => name.push(c),
        }
    }
    (name.trim().to_string(), tags)
}

/// The value of `name="…"` (or single quotes) in a tag's attributes.
fn attr(tag: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at == 0 || tag.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = tag[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let rest = rest[1..].trim_start();
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            let v: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '>')
                .collect();
            return Some(unescape(&v));
        }
        let end = rest[1..].find(quote)?;
        return Some(unescape(&rest[1..1 + end]));
    }
    None
}

/// HTML character references (named ones Twine writes, and numeric ones).
pub fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..]
            .char_indices()
            .take(10)
            .find(|(_, c)| *c == ';')
            .map(|(j, _)| j + 1);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn line_at(source: &str, byte: usize, cache: &mut (usize, usize)) -> usize {
    // Lines counted incrementally: positions only move forward.
    let (pos, line) = *cache;
    let n = source[pos..byte].matches('\n').count();
    *cache = (byte, line + n);
    line + n
}

fn read_html(source: &str) -> Result<Story, String> {
    let mut story = Story {
        html: true,
        ..Story::default()
    };
    let s = source
        .find("<tw-storydata")
        .ok_or("no <tw-storydata> element")?;
    let open_end = source[s..]
        .find('>')
        .map(|e| s + e)
        .ok_or("the <tw-storydata> element is not closed")?;
    let head = &source[s..open_end];
    story.title = attr(head, "name");
    story.format = attr(head, "format").unwrap_or_default().to_lowercase();
    let start_pid = attr(head, "startnode");
    let end = source[open_end..]
        .find("</tw-storydata>")
        .map_or(source.len(), |e| open_end + e);
    let body = &source[open_end..end];
    let mut cache = (0, 1);
    let mut at = 0;
    let mut start = None;
    while let Some(i) = body[at..].find("<tw-passagedata") {
        let tag_start = at + i;
        let Some(tag_end) = body[tag_start..].find('>').map(|e| tag_start + e) else {
            break;
        };
        let tag = &body[tag_start..tag_end];
        let close = body[tag_end..]
            .find("</tw-passagedata>")
            .map_or(body.len(), |e| tag_end + e);
        let raw = &body[tag_end + 1..close.max(tag_end + 1)];
        let line = line_at(source, open_end + tag_start, &mut cache);
        let name = attr(tag, "name").unwrap_or_default();
        if attr(tag, "pid").is_some() && attr(tag, "pid") == start_pid {
            start = Some(name.clone());
        }
        story.passages.push(Passage {
            name,
            tags: attr(tag, "tags")
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            text: unescape(raw).trim().to_owned(),
            line,
            text_line: line,
        });
        at = (close + "</tw-passagedata>".len()).min(body.len());
    }
    if story.passages.is_empty() {
        return Err("1: the Twine file has no passages (<tw-passagedata> elements)".into());
    }
    story.start = start;
    Ok(story)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twine_html_reads_passages_start_and_escapes() {
        let html = r#"<html><body>
<tw-storydata name="Café &amp; co" startnode="2" format="Harlowe" format-version="3.3.8">
<style role="stylesheet" id="twine-user-stylesheet" type="text/twine-css"></style>
<tw-passagedata pid="1" name="Intro" tags="" position="1,1">Hello &lt;b&gt;there&lt;/b&gt; [[Next]]</tw-passagedata>
<tw-passagedata pid="2" name="Start &quot;here&quot;" tags="a b" position="2,2">It&#39;s [[Intro]]</tw-passagedata>
</tw-storydata></body></html>"#;
        let s = read(html).unwrap();
        assert!(s.html);
        assert_eq!(s.title.as_deref(), Some("Café & co"));
        assert_eq!(s.format, "harlowe");
        assert_eq!(s.start.as_deref(), Some("Start \"here\""));
        assert_eq!(s.passages[0].text, "Hello <b>there</b> [[Next]]");
        assert_eq!(s.passages[1].text, "It's [[Intro]]");
        assert_eq!(s.passages[1].tags, vec!["a", "b"]);
        assert_eq!(s.passages[0].line, 4);
    }

    #[test]
    fn twee_reads_headers_tags_and_story_data() {
        let s = read(":: StoryTitle\nT\n\n:: StoryData\n{\"start\": \"B\", \"format\": \"SugarCube\"}\n:: A [x y] {\"position\":\"1,1\"}\n\n\nhi\n:: B\nyo").unwrap();
        assert_eq!(s.title.as_deref(), Some("T"));
        assert_eq!(s.start.as_deref(), Some("B"));
        assert_eq!(s.format, "sugarcube");
        assert_eq!(s.passages[2].tags, vec!["x", "y"]);
        assert_eq!(s.passages[2].text_line, 9);
    }

    #[test]
    fn unescape_leaves_unknown_references() {
        assert_eq!(unescape("a &bogus; &#x41;&#66;"), "a &bogus; AB");
        assert_eq!(unescape("&"), "&");
    }
}
