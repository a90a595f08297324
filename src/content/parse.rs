//! Parsers for the four kinds of content file: `course.md`, lessons,
//! scenarios and quizzes. Each reads a [`Source`], reports every problem it
//! finds with its position, and returns what it could make of the file.

use super::blocks::{top_level, Block, Kind};
use super::markdown::{placeholders, plain_text, render, render_body, render_inline, PLACEHOLDERS};
use super::source::{is_id, line_spans, FrontMatter, Source};
use crate::domain::condition::{Condition, Reference};
use crate::domain::course::{
    Channel, ItemKind, Lesson, Persona, Question, Quiz, QuizOption, Scenario, Scoring,
};
use crate::domain::scenario::{Block as SceneBlock, Choice, Ending, Outcome, ScenarioGraph, Scene};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What every item file starts with.
#[derive(Clone, Debug)]
pub struct Header {
    pub id: String,
    pub kind: ItemKind,
    pub title: String,
    pub minutes: Option<u32>,
}

/// The front matter of `course.md` and its introduction.
#[derive(Clone, Debug)]
pub struct CourseHeader {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub minutes: u32,
    pub competencies: Vec<String>,
    /// Required item ids with their offsets; `None` means all items.
    pub required: Option<Vec<(String, usize)>>,
    /// The order learners meet the items in, by id, with offsets; items not
    /// listed follow in file-name order.
    pub order: Vec<(String, usize)>,
    pub description_html: String,
}

fn check_id(src: &mut Source, id: &str, at: usize, what: &str) -> bool {
    if is_id(id) {
        true
    } else {
        src.error_hint(
            at,
            format!("`{id}` is not a valid {what} id"),
            "ids start with a letter and use only letters, digits, `-` and `_`",
        );
        false
    }
}

/// An error where the body nests markup deeper than the renderer allows
/// (it flattens what is deeper, so the file still renders).
fn check_nesting(src: &mut Source, body_start: usize) {
    let body = src.text.get(body_start..).unwrap_or("");
    if let Some(at) = super::markdown::too_deep(body) {
        src.error_hint(
            body_start + at,
            format!(
                "quotes, lists, emphasis and HTML may nest at most {} levels",
                super::markdown::MAX_NESTING
            ),
            "flatten the structure: deeper levels are shown as plain text",
        );
    }
}

pub fn parse_course(src: &mut Source) -> Option<CourseHeader> {
    let mut fm = FrontMatter::parse(src);
    if !fm.present {
        return None;
    }
    check_nesting(src, fm.body_start);
    if let Some((kind, at)) = fm.optional_text(src, "kind") {
        if kind != "course" {
            src.error(
                at,
                format!("`course.md` must have `kind: course`, not `{kind}`"),
            );
        }
    }
    let id = fm.text(src, "id", "empathetic-listening");
    let title = fm.text(src, "title", "Empathetic listening");
    let summary = fm.text(src, "summary", "One sentence on what the course teaches.");
    let minutes = fm.number(src, "minutes", 1..=600);
    if minutes.is_none() && !fm.fields.iter().any(|f| f.key == "minutes") {
        src.error_hint(
            0,
            "the front matter has no `minutes`",
            "add the estimated time, e.g. `minutes: 40`",
        );
    }
    let mut competencies = Vec::new();
    match fm.list("competencies") {
        Some(list) if !list.is_empty() => {
            for (c, at) in at_most_competencies(src, list) {
                if check_id(src, &c, at, "competency") {
                    if competencies.contains(&c) {
                        src.error(at, format!("competency `{c}` is listed twice"));
                    } else {
                        competencies.push(c);
                    }
                }
            }
        }
        _ => src.error_hint(
            0,
            "the course lists no `competencies`",
            "add e.g. `competencies: [empathy, ownership, honesty]`",
        ),
    }
    let required = fm.list("required").and_then(|l| {
        if l.len() == 1 && l[0].0 == "all" {
            None
        } else {
            Some(l)
        }
    });
    let order = fm.list("order").unwrap_or_default();
    fm.warn_unused(
        src,
        &[
            "id",
            "kind",
            "title",
            "summary",
            "minutes",
            "competencies",
            "required",
            "order",
        ],
    );
    let body = src.text[fm.body_start..].to_string();
    let description_html = render_body(&body, title.as_ref().map_or("", |t| t.0.as_str()));
    let (id, at) = id?;
    if !check_id(src, &id, at, "course") {
        return None;
    }
    Some(CourseHeader {
        id,
        title: title?.0,
        summary: summary?.0,
        minutes: minutes?,
        competencies,
        required,
        order,
        description_html,
    })
}

/// Reads the front matter every item has. Returns the header (if usable)
/// and the front matter, so the kind-specific parser can read the rest.
pub fn parse_header(src: &mut Source) -> (Option<Header>, FrontMatter) {
    let mut fm = FrontMatter::parse(src);
    if !fm.present {
        return (None, fm);
    }
    check_nesting(src, fm.body_start);
    let id = fm.text(src, "id", "my-item");
    let kind = match fm.text(src, "kind", "lesson") {
        Some((k, at)) => match ItemKind::parse(&k) {
            Some(k) => Some(k),
            None => {
                src.error_hint(
                    at,
                    format!("unknown kind `{k}`"),
                    "use `lesson`, `scenario` or `quiz`",
                );
                None
            }
        },
        None => None,
    };
    let title = fm.text(src, "title", "A title learners will see");
    let minutes = fm.number(src, "minutes", 1..=600);
    let header = match (id, kind, title) {
        (Some((id, at)), Some(kind), Some((title, _))) if check_id(src, &id, at, "item") => {
            Some(Header {
                id,
                kind,
                title,
                minutes,
            })
        }
        _ => None,
    };
    (header, fm)
}

const COMMON_KEYS: [&str; 4] = ["id", "kind", "title", "minutes"];

pub fn parse_lesson(src: &mut Source, fm: FrontMatter, title: &str) -> Option<Lesson> {
    fm.warn_unused(src, &COMMON_KEYS);
    let body = src.text[fm.body_start..].to_string();
    if body.trim().is_empty() {
        src.error(fm.body_start, "the lesson has no text");
        return None;
    }
    let mut templated = false;
    for (at, name) in placeholders(&body) {
        if PLACEHOLDERS.contains(&name) {
            templated = true;
        } else {
            src.error_hint(
                fm.body_start + at,
                format!("unknown placeholder `{{{{{name}}}}}`"),
                "placeholders are {{organisation}}, {{mission}}, {{vision}} and {{values}}",
            );
        }
    }
    Some(Lesson {
        html: render_body(&body, title),
        markdown: templated.then_some(body),
    })
}

/// A list item split into its parts, each with the byte offset it starts at.
struct ItemParts {
    /// The first line(s), after the list marker.
    head: String,
    head_at: usize,
    feedback: String,
    feedback_at: Option<usize>,
    effects: Option<(String, usize)>,
}

/// Reads a list item line by line: the head, `>` feedback lines and an
/// `Effects:` line, in any order after the head.
fn split_item(src: &mut Source, range: std::ops::Range<usize>) -> ItemParts {
    let text = src.text[range.clone()].to_string();
    let mut lines = line_spans(&text);
    let (_, first) = lines.next().unwrap_or((0, ""));
    let marker = first.len() - first.trim_start().len()
        + first
            .trim_start()
            .find(|c: char| !(c.is_ascii_digit() || "-*+.)".contains(c)))
            .unwrap_or(first.trim_start().len());
    let spaces = first[marker..].len() - first[marker..].trim_start().len();
    let indent = marker + spaces;
    let mut parts = ItemParts {
        head: first[indent..].to_string(),
        head_at: range.start + indent,
        feedback: String::new(),
        feedback_at: None,
        effects: None,
    };
    #[derive(PartialEq)]
    enum In {
        Head,
        Feedback,
        Other,
    }
    let mut state = In::Head;
    for (at, line) in lines {
        let lead = line.len() - line.trim_start().len();
        let content = &line[lead.min(indent)..];
        let trimmed = content.trim();
        let abs = range.start + at + lead;
        if trimmed.is_empty() {
            if state == In::Feedback {
                parts.feedback.push('\n');
            }
            state = In::Other;
            continue;
        }
        if let Some(q) = trimmed.strip_prefix('>') {
            parts.feedback_at.get_or_insert(abs);
            parts.feedback.push_str(q.strip_prefix(' ').unwrap_or(q));
            parts.feedback.push('\n');
            state = In::Feedback;
        } else if let Some(e) = strip_label(trimmed, "effects:") {
            if parts.effects.is_some() {
                src.error(abs, "a choice has one `Effects:` line");
            }
            let e_at = abs + (trimmed.len() - e.len());
            parts.effects = Some((e.to_string(), e_at));
            state = In::Other;
        } else if state == In::Head {
            parts.head.push(' ');
            parts.head.push_str(trimmed);
        } else if state == In::Feedback {
            // A lazy continuation line of the quote.
            parts.feedback.push_str(trimmed);
            parts.feedback.push('\n');
        } else {
            src.error_hint(
                abs,
                format!("unexpected line in a list item: `{}`", shorten(trimmed)),
                "after the first line, write the feedback as `> …` and the effects as `Effects: empathy +1`",
            );
        }
    }
    parts.feedback = parts.feedback.trim().to_string();
    parts
}

fn strip_label<'a>(s: &'a str, label: &str) -> Option<&'a str> {
    let head = s.get(..label.len())?;
    head.eq_ignore_ascii_case(label)
        .then(|| s[label.len()..].trim_start())
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The most competencies a course or scenario may list: every score walk
/// runs once per competency, so this bounds the work a file can ask for.
pub const MAX_COMPETENCIES: usize = 24;

/// The first [`MAX_COMPETENCIES`] entries of a `competencies` list, with an
/// error at the first one past the limit.
fn at_most_competencies(src: &mut Source, mut list: Vec<(String, usize)>) -> Vec<(String, usize)> {
    if list.len() > MAX_COMPETENCIES {
        src.error_hint(
            list[MAX_COMPETENCIES].1,
            format!("at most {MAX_COMPETENCIES} competencies may be listed"),
            "keep the few that the course really practises",
        );
        list.truncate(MAX_COMPETENCIES);
    }
    list
}

/// `empathy +2, ownership -1` (or `none`).
fn parse_effects(
    src: &mut Source,
    text: &str,
    at: usize,
    known: &[String],
) -> BTreeMap<String, i32> {
    let mut out = BTreeMap::new();
    if text.trim().eq_ignore_ascii_case("none") {
        return out;
    }
    let mut offset = 0;
    for part in text.split(',') {
        let lead = part.len() - part.trim_start().len();
        let part_at = at + offset + lead;
        offset += part.len() + 1;
        let p = part.trim();
        if p.is_empty() {
            src.error(
                part_at,
                "an empty effect; write effects as `empathy +2, honesty -1`",
            );
            continue;
        }
        let (name, amount) = match p.rsplit_once(char::is_whitespace) {
            Some((n, a)) => (n.trim(), a.trim()),
            None => (p, ""),
        };
        let value = match amount.parse::<i32>() {
            Ok(v) if (amount.starts_with('+') || amount.starts_with('-')) && v.abs() <= 100 => v,
            _ => {
                src.error_hint(
                    part_at,
                    format!("`{p}` is not an effect"),
                    "write a competency and a signed number, e.g. `empathy +2` or `honesty -1`",
                );
                continue;
            }
        };
        if !known.iter().any(|k| k == name) {
            src.error_hint(
                part_at,
                format!("unknown competency `{name}`"),
                &format!("this scenario's competencies: {}", known.join(", ")),
            );
            continue;
        }
        if out.insert(name.to_string(), value).is_some() {
            src.error(part_at, format!("`{name}` appears twice in these effects"));
        }
    }
    out
}

/// Reads a leading `{if …}` from `text`. Returns the condition and the rest.
fn leading_condition<'a>(
    src: &mut Source,
    text: &'a str,
    at: usize,
) -> (Option<Condition>, &'a str, bool) {
    let Some(rest) = text.strip_prefix("{if") else {
        return (None, text, true);
    };
    let Some(close) = rest.find('}') else {
        src.error_hint(
            at,
            "`{if` is not closed with `}`",
            "write conditions as `{if empathy >= 2}`",
        );
        return (None, text, false);
    };
    let cond_text = &rest[..close];
    let cond_at = at + 3;
    match Condition::parse(cond_text) {
        Ok(c) => (Some(c), rest[close + 1..].trim_start(), true),
        Err((pos, msg)) => {
            let off = src.advance_chars(cond_at, pos);
            src.error_hint(
                off,
                msg,
                "conditions look like `empathy >= 2`, `visited notes`, `chose apologise`, joined with and / or / not",
            );
            (None, rest[close + 1..].trim_start(), false)
        }
    }
}

/// A trailing `{if …}` after a choice link.
fn trailing_condition(src: &mut Source, text: &str, at: usize) -> (Option<Condition>, bool) {
    let t = text.trim();
    if t.is_empty() {
        return (None, true);
    }
    let lead = text.len() - text.trim_start().len();
    if t.starts_with("{if") {
        let (c, rest, ok) = leading_condition(src, t, at + lead);
        if !rest.trim().is_empty() && ok {
            src.error(
                at + lead + (t.len() - rest.len()),
                format!("unexpected `{}` after the condition", shorten(rest.trim())),
            );
        }
        (c, ok)
    } else {
        src.error_hint(
            at + lead,
            format!("unexpected `{}` after the choice link", shorten(t)),
            "only a condition such as `{if empathy >= 2}` may follow the link",
        );
        (None, false)
    }
}

/// `[text](#target "id")`: returns text, target, the target's offset,
/// the optional id and what follows the link.
struct Link<'a> {
    text: &'a str,
    target: &'a str,
    target_at: usize,
    title: Option<&'a str>,
    rest: &'a str,
    rest_at: usize,
}

fn parse_link(s: &str) -> Result<Link<'_>, (usize, String)> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'[') {
        return Err((0, "a choice starts with a link to a scene".into()));
    }
    let mut depth = 0;
    let mut close = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let close = close.ok_or((
        0,
        "the `[` of the choice is not closed with `]`".to_string(),
    ))?;
    if bytes.get(close + 1) != Some(&b'(') {
        return Err((
            close + 1,
            "the choice text must be followed by `(#scene-id)`".into(),
        ));
    }
    let inner_start = close + 2;
    let end = s[inner_start..].find(')').map(|e| inner_start + e).ok_or((
        close + 1,
        "the `(` of the link is not closed with `)`".to_string(),
    ))?;
    let inner = &s[inner_start..end];
    let (dest, title) = match inner.find(char::is_whitespace) {
        Some(sp) => {
            let t = inner[sp..].trim();
            let t = t
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .ok_or((
                    inner_start + sp + 1,
                    "a choice id is written in double quotes: `(#scene \"choice-id\")`".to_string(),
                ))?;
            (&inner[..sp], Some(t))
        }
        None => (inner, None),
    };
    let target = dest.strip_prefix('#').ok_or((
        inner_start,
        format!("a choice links to a scene of this file as `#scene-id`, not `{dest}`"),
    ))?;
    Ok(Link {
        text: &s[1..close],
        target,
        target_at: inner_start + 1,
        title,
        rest: &s[end + 1..],
        rest_at: end + 1,
    })
}

struct Pending {
    condition: Condition,
    at: usize,
}

pub fn parse_scenario(
    src: &mut Source,
    mut fm: FrontMatter,
    course_competencies: Option<&[String]>,
) -> Option<Scenario> {
    let persona_name = fm.text(src, "persona", "Dana Whitfield");
    let situation = fm.text(
        src,
        "situation",
        "Her broadband has dropped three times this week.",
    );
    let mood = fm.text(src, "mood", "frustrated");
    let channel = match fm.text(src, "channel", "phone") {
        Some((c, at)) => match Channel::parse(&c) {
            Some(c) => Some(c),
            None => {
                src.error_hint(
                    at,
                    format!("unknown channel `{c}`"),
                    "use in-person, phone, chat, email or video",
                );
                None
            }
        },
        None => None,
    };
    let scoring = match fm.optional_text(src, "scoring") {
        Some((s, at)) => Scoring::parse(&s).or_else(|| {
            src.error_hint(
                at,
                format!("unknown scoring `{s}`"),
                "use `choices`, `ending` or `none`",
            );
            None
        }),
        None => Some(Scoring::Choices),
    };
    let back = fm.flag(src, "back").unwrap_or(false);
    let mut competencies: Vec<String> = Vec::new();
    match fm.list("competencies") {
        Some(list) if !list.is_empty() => {
            for (c, at) in at_most_competencies(src, list) {
                if !check_id(src, &c, at, "competency") {
                    continue;
                }
                if let Some(course) = course_competencies {
                    if !course.contains(&c) {
                        src.error_hint(
                            at,
                            format!("unknown competency `{c}`: the course does not train it"),
                            &format!("the course's competencies: {}", course.join(", ")),
                        );
                        continue;
                    }
                }
                competencies.push(c);
            }
        }
        _ => src.error_hint(
            0,
            "the scenario lists no `competencies`",
            "add e.g. `competencies: [empathy, ownership]`",
        ),
    }
    fm.warn_unused(
        src,
        &[
            "id",
            "kind",
            "title",
            "minutes",
            "persona",
            "situation",
            "mood",
            "channel",
            "competencies",
            "scoring",
            "back",
        ],
    );
    let text = src.text.clone();
    let blocks = top_level(&text, fm.body_start);
    let mut intro = String::new();
    let mut scenes: Vec<Scene> = Vec::new();
    let mut scene_at: Vec<usize> = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut choice_ids: HashMap<String, usize> = HashMap::new();
    let mut used_competencies: HashSet<String> = HashSet::new();

    for block in &blocks {
        let slice = &text[block.range.clone()];
        let at = block.range.start;
        match &block.kind {
            Kind::Heading { level: 1, .. } if scenes.is_empty() => {}
            Kind::Heading {
                level: 2,
                id,
                text: title,
                ..
            } => {
                let id = match id {
                    Some(id) if is_id(id) => id.clone(),
                    Some(id) => {
                        check_id(src, id, at, "scene");
                        id.clone()
                    }
                    None => {
                        src.error_hint(
                            at,
                            format!("scene `{}` has no id", title.trim()),
                            &format!(
                                "add an id after the title: `## {} {{#{}}}`",
                                title.trim(),
                                slug(title)
                            ),
                        );
                        slug(title)
                    }
                };
                let (line, _) = src.line_col(at);
                scenes.push(Scene {
                    id,
                    title: title.trim().to_string(),
                    line,
                    ..Scene::default()
                });
                scene_at.push(at);
            }
            _ if scenes.is_empty() => {
                if matches!(block.kind, Kind::List(_)) && is_choice_list(slice) {
                    src.error_hint(
                        at,
                        "choices before the first scene",
                        "start a scene with a heading such as `## The call comes in {#start}`",
                    );
                }
                intro.push_str(&render(slice));
            }
            Kind::Heading { level: 1, .. } => {
                src.error_hint(
                    at,
                    "a `#` heading among the scenes",
                    "scenes are `##` headings; use `###` inside a scene",
                );
            }
            Kind::Paragraph => {
                let scene = scenes.len() - 1;
                let trimmed = slice.trim();
                if let Some(rest) = strip_label(trimmed, "ending:") {
                    let rest_at = at
                        + (trimmed.len() - rest.len())
                        + (slice.len() - slice.trim_start().len());
                    if scenes[scene].ending.is_some() {
                        src.error(at, "a scene has at most one `Ending:` line");
                    }
                    scenes[scene].ending = parse_ending(src, rest, rest_at, scoring);
                    if scenes[scene].ending.is_none() {
                        // Keep it an ending so the graph checks do not pile
                        // follow-up errors on the one already reported.
                        scenes[scene].ending = Some(Ending {
                            outcome: Outcome::Lost,
                            score: 0,
                        });
                    }
                    continue;
                }
                let (condition, rest, _) = leading_condition(src, trimmed, at);
                if let Some(c) = &condition {
                    pending.push(Pending {
                        condition: c.clone(),
                        at,
                    });
                }
                let (speaker, said) = speaker_line(rest);
                scenes[scene].blocks.push(SceneBlock {
                    speaker,
                    html: render(said),
                    condition,
                });
            }
            Kind::List(items) if is_choice_list(slice) => {
                let scene = scenes.len() - 1;
                for range in items {
                    let parts = split_item(src, range.clone());
                    let link = match parse_link(&parts.head) {
                        Ok(l) => l,
                        Err((off, msg)) => {
                            src.error_hint(
                                parts.head_at + off,
                                msg,
                                "write a choice as `- [What you say](#scene-id)`",
                            );
                            continue;
                        }
                    };
                    let target_at = parts.head_at + link.target_at;
                    if link.target.is_empty() {
                        src.error(target_at, "the choice links to `#` with no scene id");
                    }
                    let id = match link.title {
                        Some(t) if check_id(src, t, parts.head_at + link.target_at, "choice") => {
                            if let Some(first) = choice_ids.insert(t.to_string(), target_at) {
                                let (l, _) = src.line_col(first);
                                src.error(
                                    target_at,
                                    format!("choice id `{t}` is used twice (first on line {l})"),
                                );
                            }
                            Some(t.to_string())
                        }
                        _ => None,
                    };
                    let (condition, _) =
                        trailing_condition(src, link.rest, parts.head_at + link.rest_at);
                    if let Some(c) = &condition {
                        pending.push(Pending {
                            condition: c.clone(),
                            at: parts.head_at + link.rest_at,
                        });
                    }
                    let effects = match &parts.effects {
                        Some((e, e_at)) => parse_effects(src, e, *e_at, &competencies),
                        None => BTreeMap::new(),
                    };
                    used_competencies.extend(effects.keys().cloned());
                    if parts.feedback.is_empty() {
                        src.warning_hint(
                            parts.head_at,
                            format!(
                                "the choice `{}` has no feedback",
                                shorten(&plain_text(link.text))
                            ),
                            "add a line `> …` under the choice saying what it did for the customer",
                        );
                    }
                    let (line, col) = src.line_col(target_at);
                    scenes[scene].choices.push(Choice {
                        text: plain_text(link.text),
                        target: link.target.to_string(),
                        effects,
                        line,
                        col,
                        id,
                        condition,
                        feedback_html: render(&parts.feedback),
                    });
                }
            }
            _ => {
                let scene = scenes.len() - 1;
                scenes[scene].blocks.push(SceneBlock {
                    speaker: None,
                    html: render(slice),
                    condition: None,
                });
            }
        }
    }

    if scenes.is_empty() {
        src.error_hint(
            fm.body_start,
            "the scenario has no scenes",
            "each scene is a `##` heading with an id, e.g. `## The call comes in {#start}`",
        );
        return None;
    }

    // Conditions may name anything in the file, so they are checked last.
    let scene_ids: HashSet<&str> = scenes.iter().map(|s| s.id.as_str()).collect();
    for p in &pending {
        for r in p.condition.references() {
            let problem = match r {
                Reference::Competency(c) if !competencies.iter().any(|k| k == c) => Some(format!(
                    "the condition names `{c}`, which is not a competency of this scenario"
                )),
                Reference::Scene(s) if !scene_ids.contains(s) => Some(format!(
                    "the condition names scene `{s}`, which does not exist"
                )),
                Reference::Choice(c) if !choice_ids.contains_key(c) => Some(format!(
                    "the condition names choice `{c}`, but no choice has that id"
                )),
                _ => None,
            };
            if let Some(msg) = problem {
                src.error_hint(
                    p.at,
                    msg,
                    "give a choice an id in its link: `[text](#scene \"choice-id\")`",
                );
            }
        }
    }

    for (scene, &at) in scenes.iter().zip(&scene_at) {
        if !scene.choices.is_empty() && scene.choices.iter().all(|c| c.condition.is_some()) {
            src.warning_hint(
                at,
                format!("every choice in scene `{}` has a condition; when none holds the learner is stuck", scene.id),
                "leave at least one choice without a condition",
            );
        }
        if let Some(e) = &scene.ending {
            if scoring != Some(Scoring::Ending) && e.score != 0 {
                src.warning(
                    at,
                    format!(
                        "scene `{}` gives a score, but this scenario is scored by choices",
                        scene.id
                    ),
                );
            }
        }
    }
    for c in &competencies {
        if !used_competencies.contains(c) && scoring == Some(Scoring::Choices) {
            src.warning_hint(
                0,
                format!("no choice changes competency `{c}`"),
                "add effects such as `Effects: {c} +1`, or remove it from `competencies`",
            );
        }
    }

    let graph = ScenarioGraph { scenes };
    for issue in graph.issues() {
        let off = src.line_start(issue.line);
        let at = if issue.col > 1 {
            src.advance_chars(off, issue.col - 1)
        } else {
            off
        };
        src.error(at, issue.message);
    }
    let score_ranges = graph.score_ranges();
    Some(Scenario {
        persona: Persona {
            name: persona_name?.0,
            situation: situation?.0,
            mood: mood?.0,
        },
        channel: channel?,
        competencies,
        scoring: scoring?,
        back,
        intro_html: intro,
        graph,
        score_ranges,
    })
}

fn is_choice_list(slice: &str) -> bool {
    let t = slice.trim_start();
    let after_marker = t.trim_start_matches(|c: char| c.is_ascii_digit() || "-*+.)".contains(c));
    after_marker.trim_start().starts_with('[')
}

/// `**Dana:** text` → (Some("Dana"), "text").
fn speaker_line(text: &str) -> (Option<String>, &str) {
    if let Some(rest) = text.strip_prefix("**") {
        if let Some(end) = rest.find(":**") {
            let name = &rest[..end];
            if !name.is_empty() && name.len() <= 60 && !name.contains('\n') {
                return (Some(name.trim().to_string()), rest[end + 3..].trim_start());
            }
        }
    }
    (None, text)
}

/// `resolved, score 10`
fn parse_ending(
    src: &mut Source,
    text: &str,
    at: usize,
    scoring: Option<Scoring>,
) -> Option<Ending> {
    let mut parts = text.split(',');
    let outcome_text = parts.next().unwrap_or("").trim();
    let outcome = match Outcome::parse(outcome_text) {
        Some(o) => Some(o),
        None => {
            src.error_hint(
                at,
                format!("unknown outcome `{outcome_text}`"),
                "write `Ending: resolved`, `Ending: partly resolved` or `Ending: lost`, then optionally `, score 10`",
            );
            None
        }
    };
    let mut score = None;
    let mut offset = text.find(',').map_or(text.len(), |c| c + 1);
    for part in parts {
        let lead = part.len() - part.trim_start().len();
        let p = part.trim();
        let part_at = at + offset + lead;
        offset += part.len() + 1;
        match p
            .strip_prefix("score")
            .map(str::trim)
            .map(str::parse::<i32>)
        {
            Some(Ok(n)) if n.abs() <= 1000 => score = Some(n),
            _ => src.error_hint(
                part_at,
                format!("unexpected `{p}` in the ending"),
                "the ending's score is written `score 10`",
            ),
        }
    }
    if scoring == Some(Scoring::Ending) && score.is_none() && outcome.is_some() {
        src.error_hint(
            at,
            "this scenario is scored by ending, but the ending has no score",
            "add it: `Ending: resolved, score 10`",
        );
    }
    Some(Ending {
        outcome: outcome?,
        score: score.unwrap_or(0),
    })
}

pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        out
    } else {
        format!("s-{out}")
    }
}

pub fn parse_quiz(src: &mut Source, mut fm: FrontMatter) -> Option<Quiz> {
    let pass_percent = match fm.text(src, "pass", "80%") {
        Some((p, at)) => match p.trim_end_matches('%').trim().parse::<u32>() {
            Ok(n) if (1..=100).contains(&n) => Some(n),
            _ => {
                src.error_hint(
                    at,
                    format!("the pass mark `{p}` is out of range"),
                    "write a percentage from 1% to 100%, e.g. `pass: 80%`",
                );
                None
            }
        },
        None => None,
    };
    let shuffle = fm.flag(src, "shuffle").unwrap_or(false);
    let draw = fm
        .fields
        .iter()
        .find(|f| f.key == "draw")
        .map(|f| f.value_at);
    let draw_n = fm.number(src, "draw", 1..=1000);
    let attempts = fm.number(src, "attempts", 1..=100);
    fm.warn_unused(
        src,
        &[
            "id", "kind", "title", "minutes", "pass", "shuffle", "draw", "attempts",
        ],
    );

    let text = src.text.clone();
    let blocks = top_level(&text, fm.body_start);
    let mut intro = String::new();
    let mut questions: Vec<Question> = Vec::new();
    let mut q_at: Vec<usize> = Vec::new();
    let mut has_list: Vec<bool> = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for Block { kind, range } in &blocks {
        let slice = &text[range.clone()];
        let at = range.start;
        match kind {
            Kind::Heading { level: 1, .. } if questions.is_empty() => {}
            Kind::Heading {
                level: 2,
                id,
                classes,
                ..
            } => {
                let n = questions.len() + 1;
                let id = id.clone().unwrap_or_else(|| format!("q{n}"));
                if check_id(src, &id, at, "question") {
                    if let Some(first) = ids.insert(id.clone(), at) {
                        let (l, _) = src.line_col(first);
                        src.error(
                            at,
                            format!("question id `{id}` is used twice (first on line {l})"),
                        );
                    }
                }
                let line_text = slice.lines().next().unwrap_or("");
                let prompt = line_text.trim_start_matches('#').trim();
                let prompt = match prompt.rfind(" {") {
                    Some(i) if prompt.ends_with('}') => &prompt[..i],
                    _ => prompt,
                };
                let (line, _) = src.line_col(at);
                questions.push(Question {
                    id,
                    prompt_html: render_inline(prompt),
                    detail_html: String::new(),
                    multiple: classes.iter().any(|c| c == "multiple"),
                    options: Vec::new(),
                    line,
                });
                q_at.push(at);
                has_list.push(false);
            }
            _ if questions.is_empty() => intro.push_str(&render(slice)),
            Kind::List(items) if is_option_list(slice) => {
                let q = questions.len() - 1;
                if has_list[q] {
                    src.error(at, "a question has one list of options");
                    continue;
                }
                has_list[q] = true;
                for r in items {
                    let parts = split_item(src, r.clone());
                    let head = parts.head.trim_start();
                    let (correct, label) =
                        if let Some(rest) = head.strip_prefix("[x]").or(head.strip_prefix("[X]")) {
                            (true, rest)
                        } else if let Some(rest) = head.strip_prefix("[ ]") {
                            (false, rest)
                        } else {
                            src.error_hint(
                                parts.head_at,
                                "an option starts with `[ ]` or `[x]`",
                                "mark right options `- [x] …` and wrong ones `- [ ] …`",
                            );
                            continue;
                        };
                    if label.trim().is_empty() {
                        src.error(parts.head_at, "the option has no text");
                    }
                    if parts.effects.is_some() {
                        src.error(
                            parts.effects.as_ref().map_or(parts.head_at, |e| e.1),
                            "quiz options have no effects",
                        );
                    }
                    if parts.feedback.is_empty() {
                        src.warning_hint(
                            parts.head_at,
                            format!(
                                "the option `{}` has no feedback",
                                shorten(&plain_text(label))
                            ),
                            "add a line `> …` under the option explaining why it is right or wrong",
                        );
                    }
                    questions[q].options.push(QuizOption {
                        html: render_inline(label),
                        correct,
                        feedback_html: render(&parts.feedback),
                    });
                }
            }
            Kind::Heading { level: 1, .. } => {
                src.error_hint(
                    at,
                    "a `#` heading among the questions",
                    "questions are `##` headings",
                );
            }
            _ => {
                let q = questions.len() - 1;
                if has_list[q] {
                    src.warning(at, "text after the options is shown above them");
                }
                questions[q].detail_html.push_str(&render(slice));
            }
        }
    }
    if questions.is_empty() {
        src.error_hint(
            fm.body_start,
            "the quiz has no questions",
            "each question is a `##` heading followed by a task list of options",
        );
    }
    for (q, &at) in questions.iter_mut().zip(&q_at) {
        let right = q.options.iter().filter(|o| o.correct).count();
        if q.options.len() < 2 {
            src.error_hint(
                at,
                format!("question `{}` needs at least two options", q.id),
                "list the options under the question as `- [ ] …` / `- [x] …`",
            );
        } else if right == 0 {
            src.error_hint(
                at,
                format!("question `{}` has no correct option", q.id),
                "mark the right option(s) with `- [x]`",
            );
        } else if right == q.options.len() {
            src.warning(
                at,
                format!("every option of question `{}` is correct", q.id),
            );
        }
        if right > 1 {
            q.multiple = true;
        }
    }
    if let (Some(n), Some(at)) = (draw_n, draw) {
        if n as usize > questions.len() && !questions.is_empty() {
            src.error(
                at,
                format!(
                    "`draw: {n}` asks for more questions than the quiz has ({})",
                    questions.len()
                ),
            );
        }
    }
    Some(Quiz {
        pass_percent: pass_percent?,
        shuffle,
        draw: draw_n,
        attempts,
        intro_html: intro,
        questions,
    })
}

fn is_option_list(slice: &str) -> bool {
    let t = slice.trim_start();
    let after = t
        .trim_start_matches(|c: char| c.is_ascii_digit() || "-*+.)".contains(c))
        .trim_start();
    after.starts_with("[ ]") || after.starts_with("[x]") || after.starts_with("[X]")
}
