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
