//! Scenarios: scenes with speakers and choices, built into a
//! [`ScenarioGraph`] and checked.

use super::check_id;
use super::ending::{parse_ending, slug};
use super::items::{
    at_most_competencies, leading_condition, parse_effects, parse_link, shorten, split_item,
    strip_label, trailing_condition,
};
use crate::content::blocks::{top_level, Kind};
use crate::content::front_matter::FrontMatter;
use crate::content::markdown::{plain_text, render};
use crate::content::source::{is_id, Source};
use crate::domain::condition::{Condition, Reference};
use crate::domain::course::{Channel, Persona, Scenario, Scoring};
use crate::domain::scenario::{Block as SceneBlock, Choice, Ending, Outcome, ScenarioGraph, Scene};
use std::collections::{BTreeMap, HashMap, HashSet};

pub(super) struct Pending {
    pub(super) condition: Condition,
    pub(super) at: usize,
}

pub fn parse_scenario(
    src: &mut Source,
    mut fm: FrontMatter,
    course_competencies: Option<&[String]>,
) -> Option<Scenario> {
    let templated = super::lesson::check_placeholders(src, fm.body_start);
    let header = read_header(src, &mut fm, course_competencies);
    let text = src.text.clone();
    let mut b = Builder::new(&header);
    for block in &top_level(&text, fm.body_start) {
        b.block(
            src,
            &text[block.range.clone()],
            block.range.start,
            &block.kind,
        );
    }
    if b.scenes.is_empty() {
        src.error_hint(
            fm.body_start,
            "the scenario has no scenes",
            "each scene is a `##` heading with an id, e.g. `## The call comes in {#start}`",
        );
        return None;
    }
    b.check_conditions(src);
    b.check_scenes(src);
    let (graph, intro_html) = b.into_graph(src);
    let score_ranges = graph.score_ranges();
    Some(Scenario {
        persona: Persona {
            name: header.persona?,
            situation: header.situation?,
            mood: header.mood?,
        },
        channel: header.channel?,
        competencies: header.competencies,
        scoring: header.scoring?,
        back: header.back,
        intro_html,
        graph,
        score_ranges,
        templated,
    })
}

/// What the front matter says. `None`: a required value is missing or
/// wrong (the error is already reported).
struct Header {
    persona: Option<String>,
    situation: Option<String>,
    mood: Option<String>,
    channel: Option<Channel>,
    scoring: Option<Scoring>,
    back: bool,
    competencies: Vec<String>,
    /// `replies: typed`: every scene accepts typed replies (where it was
    /// said, for messages).
    typed: Option<usize>,
}

fn read_header(
    src: &mut Source,
    fm: &mut FrontMatter,
    course_competencies: Option<&[String]>,
) -> Header {
    let persona = fm.text(src, "persona", "Dana Whitfield");
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
    let typed = match fm.optional_text(src, "replies") {
        Some((r, at)) => match replies_mode(&r) {
            Some(true) => Some(at),
            Some(false) => None,
            None => {
                src.error_hint(at, format!("unknown replies `{r}`"), REPLIES_HINT);
                None
            }
        },
        None => None,
    };
    let competencies = read_competencies(src, fm, course_competencies);
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
            "replies",
        ],
    );
    Header {
        persona: persona.map(|p| p.0),
        situation: situation.map(|s| s.0),
        mood: mood.map(|m| m.0),
        channel,
        scoring,
        back,
        competencies,
        typed,
    }
}

const REPLIES_HINT: &str =
    "use `typed` (the learner may type a reply in their own words) or `choose` (the list only)";

/// `typed` → true, `choose` → false.
fn replies_mode(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "typed" => Some(true),
        "choose" => Some(false),
        _ => None,
    }
}

/// The scenario's competencies, each one the course trains.
fn read_competencies(
    src: &mut Source,
    fm: &mut FrontMatter,
    course_competencies: Option<&[String]>,
) -> Vec<String> {
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
    competencies
}

/// The scenes as the body's blocks are read, top to bottom.
struct Builder<'h> {
    competencies: &'h [String],
    scoring: Option<Scoring>,
    /// Scenes accept typed replies unless they say otherwise.
    typed_default: bool,
    intro: String,
    scenes: Vec<Scene>,
    /// Where each scene's heading starts, for messages.
    scene_at: Vec<usize>,
    /// Conditions, checked once every scene and choice id is known.
    pending: Vec<Pending>,
    choice_ids: HashMap<String, usize>,
    used_competencies: HashSet<String>,
}

impl<'h> Builder<'h> {
    fn new(header: &'h Header) -> Self {
        Builder {
            competencies: &header.competencies,
            scoring: header.scoring,
            typed_default: header.typed.is_some(),
            intro: String::new(),
            scenes: Vec::new(),
            scene_at: Vec::new(),
            pending: Vec::new(),
            choice_ids: HashMap::new(),
            used_competencies: HashSet::new(),
        }
    }

    fn block(&mut self, src: &mut Source, slice: &str, at: usize, kind: &Kind) {
        match kind {
            Kind::Heading { level: 1, .. } if self.scenes.is_empty() => {}
            Kind::Heading {
                level: 2,
                id,
                text: title,
                ..
            } => self.scene(src, at, id.as_deref(), title),
            _ if self.scenes.is_empty() => {
                if matches!(kind, Kind::List(_)) && is_choice_list(slice) {
                    src.error_hint(
                        at,
                        "choices before the first scene",
                        "start a scene with a heading such as `## The call comes in {#start}`",
                    );
                }
                self.intro.push_str(&render(slice));
            }
            Kind::Heading { level: 1, .. } => {
                src.error_hint(
                    at,
                    "a `#` heading among the scenes",
                    "scenes are `##` headings; use `###` inside a scene",
                );
            }
            Kind::Paragraph => self.paragraph(src, slice, at),
            Kind::List(items) if is_choice_list(slice) => {
                for range in items {
                    self.choice(src, range.clone());
                }
            }
            _ => self.current().blocks.push(SceneBlock {
                speaker: None,
                html: render(slice),
                condition: None,
            }),
        }
    }

    /// The scene being read; there is one (blocks before the first scene
    /// are the introduction).
    fn current(&mut self) -> &mut Scene {
        let last = self.scenes.len() - 1;
        &mut self.scenes[last]
    }

    fn scene(&mut self, src: &mut Source, at: usize, id: Option<&str>, title: &str) {
        let id = match id {
            Some(id) if is_id(id) => id.to_string(),
            Some(id) => {
                check_id(src, id, at, "scene");
                id.to_string()
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
        self.scenes.push(Scene {
            id,
            title: title.trim().to_string(),
            line,
            typed: self.typed_default,
            ..Scene::default()
        });
        self.scene_at.push(at);
    }

    /// A line someone says, narration, or the scene's `Ending:`.
    fn paragraph(&mut self, src: &mut Source, slice: &str, at: usize) {
        let trimmed = slice.trim();
        if let Some(rest) = strip_label(trimmed, "ending:") {
            let rest_at =
                at + (trimmed.len() - rest.len()) + (slice.len() - slice.trim_start().len());
            if self.current().ending.is_some() {
                src.error(at, "a scene has at most one `Ending:` line");
            }
            let ending = parse_ending(src, rest, rest_at, self.scoring);
            // A broken ending stays an ending, so that the graph checks do
            // not pile follow-up errors on the one already reported.
            self.current().ending = Some(ending.unwrap_or(Ending {
                outcome: Outcome::Lost,
                score: 0,
            }));
            return;
        }
        if let Some(rest) = strip_label(trimmed, "replies:") {
            let rest_at =
                at + (trimmed.len() - rest.len()) + (slice.len() - slice.trim_start().len());
            match replies_mode(rest) {
                Some(typed) => self.current().typed = typed,
                None => src.error_hint(
                    rest_at,
                    format!("unknown replies `{}`", shorten(rest)),
                    REPLIES_HINT,
                ),
            }
            return;
        }
        let (condition, rest, _) = leading_condition(src, trimmed, at);
        if let Some(c) = &condition {
            self.pending.push(Pending {
                condition: c.clone(),
                at,
            });
        }
        let (speaker, said) = speaker_line(rest);
        self.current().blocks.push(SceneBlock {
            speaker,
            html: render(said),
            condition,
        });
    }

    /// One item of a choice list: `- [What you say](#target "id") if …`,
    /// its feedback and its effects.
    fn choice(&mut self, src: &mut Source, range: std::ops::Range<usize>) {
        let parts = split_item(src, range);
        let link = match parse_link(&parts.head) {
            Ok(l) => l,
            Err((off, msg)) => {
                src.error_hint(
                    parts.head_at + off,
                    msg,
                    "write a choice as `- [What you say](#scene-id)`",
                );
                return;
            }
        };
        let target_at = parts.head_at + link.target_at;
        if link.target.is_empty() {
            src.error(target_at, "the choice links to `#` with no scene id");
        }
        let id = match link.title {
            Some(t) if check_id(src, t, target_at, "choice") => {
                if let Some(first) = self.choice_ids.insert(t.to_string(), target_at) {
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
        let (condition, _) = trailing_condition(src, link.rest, parts.head_at + link.rest_at);
        if let Some(c) = &condition {
            self.pending.push(Pending {
                condition: c.clone(),
                at: parts.head_at + link.rest_at,
            });
        }
        let effects = match &parts.effects {
            Some((e, e_at)) => parse_effects(src, e, *e_at, self.competencies),
            None => BTreeMap::new(),
        };
        self.used_competencies.extend(effects.keys().cloned());
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
        let choice = Choice {
            text: plain_text(link.text),
            target: link.target.to_string(),
            effects,
            line,
            col,
            id,
            condition,
            feedback_html: render(&parts.feedback),
            phrasings: parts.also.into_iter().map(|(p, _)| p).collect(),
        };
        self.current().choices.push(choice);
    }

    /// Conditions may name anything in the file, so they are checked last.
    fn check_conditions(&self, src: &mut Source) {
        let scene_ids: HashSet<&str> = self.scenes.iter().map(|s| s.id.as_str()).collect();
        for p in &self.pending {
            for r in p.condition.references() {
                let problem = match r {
                    Reference::Competency(c) if !self.competencies.iter().any(|k| k == c) => {
                        Some(format!(
                            "the condition names `{c}`, which is not a competency of this scenario"
                        ))
                    }
                    Reference::Scene(s) if !scene_ids.contains(s) => Some(format!(
                        "the condition names scene `{s}`, which does not exist"
                    )),
                    Reference::Choice(c) if !self.choice_ids.contains_key(c) => Some(format!(
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
    }

    /// Scenes where a learner would be stuck, scores that would not count,
    /// competencies nothing changes.
    fn check_scenes(&self, src: &mut Source) {
        for (scene, &at) in self.scenes.iter().zip(&self.scene_at) {
            if !scene.choices.is_empty() && scene.choices.iter().all(|c| c.condition.is_some()) {
                src.warning_hint(
                    at,
                    format!("every choice in scene `{}` has a condition; when none holds the learner is stuck", scene.id),
                    "leave at least one choice without a condition",
                );
            }
            if let Some(e) = &scene.ending {
                if self.scoring != Some(Scoring::Ending) && e.score != 0 {
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
        self.check_typed(src);
        for c in self.competencies {
            if !self.used_competencies.contains(c) && self.scoring == Some(Scoring::Choices) {
                src.warning_hint(
                    0,
                    format!("no choice changes competency `{c}`"),
                    "add effects such as `Effects: {c} +1`, or remove it from `competencies`",
                );
            }
        }
    }

    /// Typed replies: enough phrasings per reply where they are accepted,
    /// none where they would go unused. (Whether replies can be told apart
    /// needs the model: `server::understanding::check`.)
    fn check_typed(&self, src: &mut Source) {
        for scene in &self.scenes {
            for c in &scene.choices {
                let at = offset_of(src, c.line, c.col);
                if scene.typed && c.phrasings.len() < MIN_PHRASINGS {
                    src.warning_hint(
                        at,
                        format!(
                            "the reply `{}` has {} other phrasing{}; where typed replies are accepted, give each reply at least {MIN_PHRASINGS}",
                            shorten(&c.text),
                            c.phrasings.len(),
                            if c.phrasings.len() == 1 { "" } else { "s" }
                        ),
                        "add lines such as `Also: \"…\"` under the reply, in the words staff would really type",
                    );
                } else if !scene.typed && !c.phrasings.is_empty() {
                    src.warning_hint(
                        at,
                        format!(
                            "scene `{}` does not accept typed replies, so the `Also:` phrasings of `{}` are not used",
                            scene.id,
                            shorten(&c.text)
                        ),
                        "add `replies: typed` to the front matter, or a line `Replies: typed` to the scene",
                    );
                }
            }
        }
    }

    /// The scenes as a graph, with the graph's own checks reported
    /// (reachability, dead ends, loops), and the introduction.
    fn into_graph(self, src: &mut Source) -> (ScenarioGraph, String) {
        let graph = ScenarioGraph {
            scenes: self.scenes,
        };
        for issue in graph.issues() {
            let at = offset_of(src, issue.line, issue.col);
            if issue.warning {
                src.warning(at, issue.message);
            } else {
                src.error(at, issue.message);
            }
        }
        (graph, self.intro)
    }
}

/// Where typed replies are accepted, each reply wants this many `Also:`
/// phrasings.
const MIN_PHRASINGS: usize = 3;

/// The byte offset of a 1-based line and column (the positions the graph
/// and its choices keep).
fn offset_of(src: &Source, line: usize, col: usize) -> usize {
    let off = src.line_start(line);
    if col > 1 {
        src.advance_chars(off, col - 1)
    } else {
        off
    }
}

pub(super) fn is_choice_list(slice: &str) -> bool {
    let t = slice.trim_start();
    let after_marker = t.trim_start_matches(|c: char| c.is_ascii_digit() || "-*+.)".contains(c));
    after_marker.trim_start().starts_with('[')
}

/// `**Dana:** text` → (Some("Dana"), "text").
pub(super) fn speaker_line(text: &str) -> (Option<String>, &str) {
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
