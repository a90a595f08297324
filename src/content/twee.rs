//! Twine import: a Twee 3 story becomes a Rapport scenario file.
//!
//! Passages become scenes, links become choices, the StoryData `start`
//! passage becomes the first scene and passages without links become
//! endings. Story-format code (SugarCube `<<…>>`, Harlowe `(set: …)`,
//! Snowman `<% … %>`) has no equivalent and is dropped with a warning, as
//! are links to missing passages and passages no route reaches.

use super::parse::slug;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write;

/// The most warnings listed for one import.
pub const MAX_WARNINGS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

#[derive(Debug)]
pub struct Imported {
    pub id: String,
    pub markdown: String,
    pub scenes: usize,
    pub warnings: Vec<Warning>,
}

#[derive(Debug)]
struct Passage {
    name: String,
    tags: Vec<String>,
    text: String,
    line: usize,
}

#[derive(Debug)]
struct Link {
    text: String,
    target: String,
}

/// Splits `:: Name [tags] {meta}` headers and passage text.
fn passages(source: &str) -> Vec<Passage> {
    let mut out: Vec<Passage> = Vec::new();
    for (i, line) in source.lines().enumerate() {
        if let Some(header) = line.strip_prefix("::") {
            let (name, tags) = split_header(header);
            out.push(Passage {
                name,
                tags,
                text: String::new(),
                line: i + 1,
            });
        } else if let Some(p) = out.last_mut() {
            p.text.push_str(line);
            p.text.push('\n');
        }
    }
    for p in &mut out {
        p.text = p.text.trim().to_string();
    }
    out
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

/// Finds `[[…]]` links and returns them with the text where each link is
/// replaced by its label.
fn links(text: &str) -> (Vec<Link>, String) {
    let mut out = Vec::new();
    let mut rest = text;
    let mut plain = String::new();
    while let Some(start) = rest.find("[[") {
        let Some(len) = rest[start + 2..].find("]]") else {
            break;
        };
        plain.push_str(&rest[..start]);
        let inner = &rest[start + 2..start + 2 + len];
        let (label, target) = if let Some((l, t)) = inner.split_once("->") {
            (l, t)
        } else if let Some((t, l)) = inner.split_once("<-") {
            (l, t)
        } else if let Some((l, t)) = inner.split_once('|') {
            (l, t)
        } else {
            (inner, inner)
        };
        out.push(Link {
            text: label.trim().to_string(),
            target: target.trim().to_string(),
        });
        rest = &rest[start + 4 + len..];
    }
    plain.push_str(rest);
    (out, plain)
}

/// Removes story-format code, returning what it removed. Linear in the
/// text: each kind of opening is searched for once past the last one used,
/// never again from the start of what is left.
fn strip_macros(text: &str) -> (String, Vec<String>) {
    let mut dropped = Vec::new();
    let mut out = String::with_capacity(text.len());
    // Next known position (absolute) of each opening; recomputed only when
    // the reading position has passed it.
    let find_from = |pat: &str, from: usize| text[from..].find(pat).map(|i| from + i);
    let mut next_sugar = find_from("<<", 0);
    let mut next_snow = find_from("<%", 0);
    let mut harlowe_from = 0;
    let mut next_harlowe = harlowe_macro(text, &mut harlowe_from);
    let mut at = 0;
    loop {
        if next_sugar.is_some_and(|i| i < at) {
            next_sugar = find_from("<<", at);
        }
        if next_snow.is_some_and(|i| i < at) {
            next_snow = find_from("<%", at);
        }
        if next_harlowe.is_some_and(|i| i < at) {
            harlowe_from = harlowe_from.max(at);
            next_harlowe = harlowe_macro(text, &mut harlowe_from);
        }
        let next = [
            next_sugar.map(|i| (i, "<<", ">>")),
            next_snow.map(|i| (i, "<%", "%>")),
            next_harlowe.map(|i| (i, "(", ")")),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(i, _, _)| *i);
        let Some((i, open, close)) = next else {
            out.push_str(&text[at..]);
            break;
        };
        out.push_str(&text[at..i]);
        let after_at = i + open.len();
        let after = &text[after_at..];
        let end = after.find(close).map_or(after.len(), |e| e + close.len());
        dropped.push(format!("{open}{}", &after[..end]));
        at = after_at + end;
        // Harlowe hooks `(if: …)[text]` keep their text.
        let rest = &text[at..];
        if open == "(" && rest.starts_with('[') {
            if let Some(e) = rest.find(']') {
                out.push_str(&rest[1..e]);
                at += e + 1;
            }
        }
    }
    (out, dropped)
}

/// Position of the next Harlowe macro such as `(set:` or `(if:` at or after
/// `*from`; `*from` moves past every `(` that was not one, so repeated calls
/// read the text once.
fn harlowe_macro(s: &str, from: &mut usize) -> Option<usize> {
    while let Some(i) = s[*from..].find('(') {
        let at = *from + i;
        let name_len = s[at + 1..]
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'-')
            .count();
        if name_len > 0 && s[at + 1 + name_len..].starts_with(':') {
            *from = at;
            return Some(at);
        }
        *from = at + 1;
    }
    *from = s.len();
    None
}

/// Keeps passage text from being read as our own syntax.
fn neutralise(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with("- [") || t.starts_with("* [") {
            out.push('\\');
        } else if t
            .get(..7)
            .is_some_and(|h| h.eq_ignore_ascii_case("ending:"))
        {
            out.push_str("&#69;");
            out.push_str(&t[1..]);
            out.push('\n');
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn convert(source: &str) -> Result<Imported, String> {
    let all = passages(source);
    let mut warnings = Vec::new();
    let title = all
        .iter()
        .find(|p| p.name == "StoryTitle")
        .map(|p| one_line(&p.text))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "Imported story".to_string());
    let data = all.iter().find(|p| p.name == "StoryData");
    let start_name = data
        .and_then(|p| serde_json::from_str::<serde_json::Value>(&p.text).ok())
        .and_then(|v| v.get("start").and_then(|s| s.as_str()).map(str::to_string));
    let story: Vec<&Passage> = all
        .iter()
        .filter(|p| {
            p.name != "StoryTitle"
                && p.name != "StoryData"
                && !p.tags.iter().any(|t| {
                    matches!(
                        t.as_str(),
                        "script" | "stylesheet" | "widget" | "startup" | "header" | "footer"
                    )
                })
        })
        .collect();
    if story.is_empty() {
        return Err("1: the file has no story passages (lines starting with `::`)".into());
    }
    let start = match &start_name {
        Some(s) => story.iter().position(|p| &p.name == s).ok_or_else(|| {
            format!("1: StoryData names the start passage `{s}`, which does not exist")
        })?,
        None => {
            let i = story.iter().position(|p| p.name == "Start").unwrap_or(0);
            warnings.push(Warning {
                line: story[i].line,
                message: format!(
                    "no StoryData start passage; starting at `{}`",
                    story[i].name
                ),
            });
            i
        }
    };
    let by_name: HashMap<&str, usize> = story
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();

    // Reachability from the start, so unreachable passages can be left out.
    let parsed: Vec<(Vec<Link>, String)> = story.iter().map(|p| links(&p.text)).collect();
    let mut seen = HashSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(i) = queue.pop_front() {
        for l in &parsed[i].0 {
            if let Some(&t) = by_name.get(l.target.as_str()) {
                if seen.insert(t) {
                    queue.push_back(t);
                }
            }
        }
    }

    let mut ids: HashMap<usize, String> = HashMap::new();
    let mut used = HashSet::new();
    // The next number to try per slug, so many passages with one name cost
    // linear time, not a search from 2 each.
    let mut next_number: HashMap<String, usize> = HashMap::new();
    for (i, p) in story.iter().enumerate() {
        let base = slug(&p.name);
        let mut id = base.clone();
        while !used.insert(id.clone()) {
            let n = next_number.entry(base.clone()).or_insert(2);
            id = format!("{base}-{n}");
            *n += 1;
        }
        ids.insert(i, id);
    }

    let mut order: Vec<usize> = vec![start];
    order.extend((0..story.len()).filter(|&i| i != start && seen.contains(&i)));
    for (i, p) in story.iter().enumerate() {
        if !seen.contains(&i) {
            warnings.push(Warning {
                line: p.line,
                message: format!(
                    "passage `{}` cannot be reached from the start; left out",
                    p.name
                ),
            });
        }
    }

    let id = slug(&title);
    let mut md = String::new();
    let _ = write!(
        md,
        "---\nid: {id}\nkind: scenario\ntitle: {}\npersona: The customer\nsituation: Imported from Twine; describe who the customer is and what happened.\nmood: unknown\nchannel: chat\ncompetencies: [empathy]\nscoring: none\n---\n\n# {}\n\n",
        title.replace(['\n', ':'], " "),
        title
    );
    let mut dropped_total = 0;
    for &i in &order {
        let p = story[i];
        let (plinks, plain) = &parsed[i];
        let (text, dropped) = strip_macros(plain);
        for d in &dropped {
            dropped_total += 1;
            warnings.push(Warning {
                line: p.line,
                message: format!(
                    "passage `{}`: dropped story-format code `{}`",
                    p.name,
                    one_line(d).chars().take(60).collect::<String>()
                ),
            });
        }
        let _ = write!(
            md,
            "## {} {{#{}}}\n\n",
            one_line(&p.name).replace(['{', '}'], ""),
            ids[&i]
        );
        let body = neutralise(text.trim());
        if !body.trim().is_empty() {
            md.push_str(body.trim_end());
            md.push_str("\n\n");
        }
        let mut choices = 0;
        for l in plinks {
            match by_name.get(l.target.as_str()) {
                Some(t) => {
                    let label = if l.text.is_empty() {
                        &l.target
                    } else {
                        &l.text
                    };
                    let _ = writeln!(
                        md,
                        "- [{}](#{})",
                        one_line(label).replace(['[', ']'], ""),
                        ids[t]
                    );
                    choices += 1;
                }
                None => warnings.push(Warning {
                    line: p.line,
                    message: format!(
                        "passage `{}` links to `{}`, which does not exist; link left out",
                        p.name, l.target
                    ),
                }),
            }
        }
        if choices == 0 {
            md.push_str("Ending: resolved\n");
            warnings.push(Warning {
                line: p.line,
                message: format!("passage `{}` has no links and becomes an ending; set its outcome (resolved, partly resolved or lost)", p.name),
            });
        }
        md.push('\n');
    }
    if dropped_total > 0 {
        warnings.push(Warning {
            line: 1,
            message: format!("{dropped_total} piece(s) of story-format code were dropped; use `{{if …}}` conditions and `Effects:` lines instead"),
        });
    }
    if warnings.len() > MAX_WARNINGS {
        let more = warnings.len() - MAX_WARNINGS;
        warnings.truncate(MAX_WARNINGS);
        warnings.push(Warning {
            line: 1,
            message: format!("{more} more warning(s) not listed"),
        });
    }
    warnings.push(Warning {
        line: 1,
        message: "fill in the persona, situation, mood, channel and competencies, and add feedback and effects to each choice".into(),
    });
    Ok(Imported {
        id,
        markdown: md.trim_end().to_string() + "\n",
        scenes: order.len(),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = r#":: StoryTitle
Dana's refund

:: StoryData
{
  "ifid": "D674C58C-DEFA-4F70-B7A2-27742230C0FC",
  "format": "SugarCube",
  "start": "Call"
}

:: Call [start] {"position":"100,100"}
Dana is upset. <<set $angry to true>>
[[Apologise->Sorry]]
[[Transfer her|Queue]]
[[Sorry<-Say sorry again]]

:: Sorry
She calms down. (if: $angry)[She sighs.]
[[Fix it]]
[[Missing passage]]

:: Fix it
Done.

:: Queue
She hangs up.

:: Orphan
Nobody comes here.
"#;

    #[test]
    fn converts_passages_links_and_start() {
        let out = convert(STORY).unwrap();
        let md = &out.markdown;
        assert!(
            md.starts_with("---\nid: dana-s-refund\nkind: scenario\n"),
            "{md}"
        );
        let call = md.find("## Call {#call}").unwrap();
        assert!(call < md.find("## Sorry {#sorry}").unwrap());
        assert!(md.contains("- [Apologise](#sorry)"));
        assert!(md.contains("- [Transfer her](#queue)"));
        assert!(md.contains("- [Say sorry again](#sorry)"));
        assert!(md.contains("- [Fix it](#fix-it)"));
        assert!(md.contains("She calms down. She sighs."), "{md}");
        assert!(!md.contains("<<set"));
        assert!(!md.contains("Orphan"));
        assert_eq!(out.scenes, 4);
        let w: Vec<&str> = out.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(
            w.iter()
                .any(|m| m.contains("dropped story-format code `<<set $angry to true>>`")),
            "{w:?}"
        );
        assert!(w
            .iter()
            .any(|m| m.contains("`Missing passage`, which does not exist")));
        assert!(w.iter().any(|m| m.contains("`Orphan` cannot be reached")));
        assert!(w
            .iter()
            .any(|m| m.contains("`Queue` has no links and becomes an ending")));
    }

    #[test]
    fn the_result_passes_the_checker_without_errors() {
        let out = convert(STORY).unwrap();
        let (item, report) =
            crate::content::load_item("x.md".into(), "x.md".into(), out.markdown.as_bytes(), None);
        assert_eq!(
            report.errors(),
            0,
            "{:#?}\n{}",
            report.diagnostics,
            out.markdown
        );
        assert!(item.is_some());
    }

    #[test]
    fn a_missing_start_is_an_error() {
        let e = convert(":: StoryData\n{\"start\": \"Nope\"}\n:: A\nhi\n").unwrap_err();
        assert!(e.contains("`Nope`"), "{e}");
        assert!(convert("just text").is_err());
    }

    /// Found by `cargo fuzz`: a line whose 7th byte falls inside a
    /// multi-byte character was sliced there and panicked.
    #[test]
    fn lines_with_multibyte_characters_near_the_start_convert() {
        for (line, kept) in [
            ("abcdé€x", "abcdé€x"),
            ("ab\u{FFFD}cdefg", "cdefg"),
            ("Ending: fine", "nding: fine"),
            ("ÉNDING: too", "NDING: too"),
        ] {
            let story = format!(":: Start\n{line}\n[[Next]]\n:: Next\nThe end.\n");
            let out = convert(&story).expect("converts");
            assert!(out.markdown.contains(kept), "{}", out.markdown);
        }
    }
}
