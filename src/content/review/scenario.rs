//! Checks on a scenario's choices and scores: whether the practice can be
//! gamed (pick the longest line, spot the one reply that gains), whether
//! mistakes pay, and whether the score can fail or grow without end.

use super::{key_offset, line_offset, lines_list, short, Source};
use crate::domain::course::{Scenario, Scoring};
use crate::domain::play::best_values;
use crate::domain::scenario::{Choice, Scene, ROUTE_SEARCH_BUDGET};
use std::collections::BTreeSet;

/// A decision needs at least this many scenes before "most" of them can
/// say anything about the scenario.
const MIN_DECISIONS: usize = 3;

pub(super) fn review(src: &mut Source, s: &Scenario) {
    longest_answer(src, s);
    one_right_answer(src, s);
    mistake_pays(src, s);
    score_cannot_fail(src, s);
}

fn effects(c: &Choice) -> String {
    c.effects
        .iter()
        .map(|(k, v)| format!("{k} {v:+}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The competencies a scenario names or scores.
fn competencies(s: &Scenario) -> BTreeSet<&str> {
    let mut names: BTreeSet<&str> = s.competencies.iter().map(String::as_str).collect();
    names.extend(s.score_ranges.keys().map(String::as_str));
    names
}

/// One share of the route searches' budget per competency (plus one for the
/// total), so a scenario with many competencies costs no more to review
/// than one with a single competency.
fn budget(s: &Scenario) -> u64 {
    ROUTE_SEARCH_BUDGET / (competencies(s).len() as u64 + 1)
}

fn net(c: &Choice) -> i32 {
    c.effects.values().fold(0i32, |a, &v| a.saturating_add(v))
}

/// Scenes where the learner decides between two or more replies.
fn decisions(s: &Scenario) -> impl Iterator<Item = &Scene> {
    s.graph
        .scenes
        .iter()
        .filter(|sc| sc.ending.is_none() && sc.choices.len() >= 2)
}

fn choice_at(src: &Source, c: &Choice) -> usize {
    let start = line_offset(src, c.line);
    let text = src.text.get(start..).unwrap_or("");
    // The reply's text starts after `- [`.
    start + text.find('[').map_or(0, |i| i + 1).min(text.len())
}

fn longest_answer(src: &mut Source, s: &Scenario) {
    let values = best_values(s);
    // What taking a reply is worth: its points and the best still
    // reachable after it, as the scenario is scored.
    let worth = |c: &Choice| -> Option<i64> {
        let after = i64::from(*values.get(c.target.as_str())?);
        Some(match s.scoring {
            Scoring::Choices => i64::from(net(c)) + after,
            Scoring::Ending => after,
            Scoring::None => i64::from(net(c)),
        })
    };
    let mut considered = 0;
    let mut hits: Vec<(usize, &Choice)> = Vec::new();
    for scene in decisions(s) {
        let worths: Vec<Option<i64>> = scene.choices.iter().map(worth).collect();
        let Some(top) = worths.iter().flatten().copied().max() else {
            continue;
        };
        let tops: Vec<usize> = (0..worths.len())
            .filter(|&i| worths[i] == Some(top))
            .collect();
        if tops.len() != 1 {
            continue;
        }
        considered += 1;
        let best = tops[0];
        let len = |i: usize| scene.choices[i].text.chars().count();
        if (0..scene.choices.len()).all(|i| i == best || len(i) < len(best)) {
            hits.push((scene.line, &scene.choices[best]));
        }
    }
    if considered >= MIN_DECISIONS && hits.len() * 2 > considered {
        let lines: Vec<usize> = hits.iter().map(|(_, c)| c.line).collect();
        let at = choice_at(src, hits[0].1);
        src.review(
            at,
            "longest-answer",
            format!(
                "the best reply is also the longest in {} of {considered} decisions ({}): a learner can score well by picking the longest line",
                hits.len(),
                lines_list(&lines)
            ),
            "make the best reply as short as the others, and let weaker replies run long (a scripted explanation, a long apology)",
        );
    }
}

fn one_right_answer(src: &mut Source, s: &Scenario) {
    let scenes: Vec<&Scene> = decisions(s).collect();
    if scenes.len() < MIN_DECISIONS {
        return;
    }
    let any_effects = scenes.iter().any(|sc| {
        sc.choices
            .iter()
            .any(|c| c.effects.values().any(|&v| v != 0))
    });
    if !any_effects {
        return;
    }
    // Replies offered only to some learners (`{if …}`) are a bonus, not a
    // second good option for everyone.
    let single = scenes.iter().all(|sc| {
        sc.choices
            .iter()
            .filter(|c| c.condition.is_none() && net(c) > 0)
            .count()
            == 1
    });
    let trade_off = s.graph.scenes.iter().any(|sc| {
        sc.choices
            .iter()
            .any(|c| c.effects.values().any(|&v| v > 0) && c.effects.values().any(|&v| v < 0))
    });
    if single && !trade_off {
        let at = line_offset(src, scenes[0].line);
        src.review(
            at,
            "one-right-answer",
            format!(
                "in all {} decisions exactly one reply gains points and no reply trades one competency against another: the learner only has to spot the right answer",
                scenes.len()
            ),
            "give some decisions two defensible replies (one warmer, one more honest) or a good/better/best choice, e.g. `Effects: empathy +2, honesty -1`",
        );
    }
}

fn mistake_pays(src: &mut Source, s: &Scenario) {
    let budget = budget(s);
    for comp in competencies(s) {
        let Some(range) = s.score_ranges.get(comp) else {
            continue;
        };
        if range.max <= 0 {
            continue;
        }
        let weight = |c: &Choice| c.effects.get(comp).copied().unwrap_or(0);
        // A mistake: a reply that loses points overall, or in this
        // competency.
        let mistaken = |c: &Choice| net(c) < 0 || weight(c) < 0;
        let clean = s
            .graph
            .range_by(&|c| !mistaken(c), &weight, budget)
            .map(|r| r.max);
        if clean.is_some_and(|m| m >= range.max) {
            continue;
        }
        let mistake = s
            .graph
            .best_route_by(&weight)
            .and_then(|route| route.into_iter().find(|c| mistaken(c)));
        let (at, which) = match mistake {
            Some(c) => (
                choice_at(src, c),
                format!(" (line {}: `{}`, {})", c.line, short(&c.text), effects(c)),
            ),
            None => (
                s.graph
                    .scenes
                    .first()
                    .map_or(0, |sc| line_offset(src, sc.line)),
                String::new(),
            ),
        };
        let without = match clean {
            Some(m) => format!("a route without a mistake reaches at most {m}"),
            None => "no route avoids a mistake".to_string(),
        };
        src.review(
            at,
            "mistake-pays",
            format!(
                "the highest `{comp}` ({}) is only reached by a route that makes a mistake first{which}; {without}",
                range.max
            ),
            "a repair should win back points, not beat getting it right first: lower the repair's gain, or let the route that never makes the mistake score at least as well",
        );
    }
}

fn score_cannot_fail(src: &mut Source, s: &Scenario) {
    let reachable = s.graph.reachable();
    let ending_scores: Vec<i32> = s
        .graph
        .scenes
        .iter()
        .enumerate()
        .filter(|(i, _)| reachable.contains(i))
        .filter_map(|(_, sc)| sc.ending.as_ref().map(|e| e.score))
        .collect();
    let top = ending_scores.iter().copied().max();
    if s.scoring == Scoring::Ending && s.back {
        src.review(
            key_offset(src, "back"),
            "score-cannot-fail",
            format!(
                "with `back: true` a learner can step back from any ending and choose again, so every route can reach the top score{}: scored by the ending, the score then says nothing",
                top.map(|t| format!(" ({t})")).unwrap_or_default()
            ),
            "remove `back: true`, or score by choices (`scoring: choices`) so that stepping back is not a free retry",
        );
    }
    let range = match s.scoring {
        Scoring::None => None,
        Scoring::Ending => {
            let low = ending_scores.iter().copied().min();
            low.zip(top)
        }
        Scoring::Choices => s
            .graph
            .range_by(&|_| true, &net, budget(s))
            .map(|r| (r.min, r.max)),
    };
    // With no decision to make there is only one route: nothing to tell apart.
    let decides = decisions(s).next().is_some();
    let flat = decides && range.is_some_and(|(low, high)| low == high);
    if let (Some((_, high)), true) = (range, flat) {
        src.review(
            scoring_at(src, s),
            "score-cannot-fail",
            format!("every route scores {high}: the worst route scores the same as the best"),
            "give endings different scores (`Ending: lost, score 2`) or replies different effects, so the score tells routes apart",
        );
    }
    if s.scoring == Scoring::Ending && decides && !s.back && !flat {
        worst_replies_score_top(src, s, top);
    }
    for comp in competencies(s) {
        let weight = |c: &Choice| c.effects.get(comp).copied().unwrap_or(0);
        if let Some(i) = s.graph.gaining_loop(&weight, budget(s)) {
            let scene = &s.graph.scenes[i];
            src.review(
                line_offset(src, scene.line),
                "score-cannot-fail",
                format!(
                    "the loop through scene `{}` gains `{comp}` every time round: a learner can raise the score without limit",
                    scene.id
                ),
                "make the way back cost what the way round gained (or gain nothing), or lead the loop forward to an ending",
            );
            break;
        }
    }
}

/// Where a finding about the score points: the `scoring` line, or the
/// first scene when the front matter has none (scored by choices).
fn scoring_at(src: &Source, s: &Scenario) -> usize {
    match key_offset(src, "scoring") {
        0 => s
            .graph
            .scenes
            .first()
            .map_or(0, |sc| line_offset(src, sc.line)),
        at => at,
    }
}

/// Scored by the ending: the route with the worst replies (the lowest sum
/// of effects) can still reach an ending with the top score.
fn worst_replies_score_top(src: &mut Source, s: &Scenario, top: Option<i32>) {
    let (Some(top), Some(lowest)) = (top, s.graph.lowest_to_each(&net)) else {
        return;
    };
    let endings: Vec<(i64, i32)> = s
        .graph
        .scenes
        .iter()
        .zip(&lowest)
        .filter_map(|(sc, low)| Some(((*low)?, sc.ending.as_ref()?.score)))
        .collect();
    let Some(worst) = endings.iter().map(|&(l, _)| l).min() else {
        return;
    };
    let best_worth = endings.iter().map(|&(l, _)| l).max().unwrap_or(worst);
    if worst < best_worth && endings.iter().any(|&(l, sc)| l == worst && sc == top) {
        src.review(
            scoring_at(src, s),
            "score-cannot-fail",
            format!(
                "the route with the worst replies (effects adding up to {worst}) still reaches an ending that scores the top score ({top}): the worst route scores the same as the best"
            ),
            "let the replies decide the ending: lead the worst replies to a worse ending, or score by choices (`scoring: choices`)",
        );
    }
}
