//! The scenario page: meters, transcript, ending and path review.

use super::attempts::{decode, item_summary};
use super::place;
use super::views::open_item;
use crate::api::auth::SessionUser;
use crate::api::learn::*;
use crate::api::AppError;
use crate::domain::completion::ItemState;
use crate::domain::course::{ItemBody, ItemKind, Scenario};
use crate::domain::play::{best_route, ScenarioState};
use crate::server::sql::internal;
use crate::server::AppState;

pub(super) fn meters(scenario: &Scenario, play: &ScenarioState) -> Vec<Meter> {
    let totals = play.totals(scenario);
    let last = play.moves.last();
    scenario
        .competencies
        .iter()
        .map(|c| {
            let range = scenario.score_ranges.get(c);
            Meter {
                competency: c.clone(),
                total: totals.get(c).copied().unwrap_or(0),
                delta: last.and_then(|m| m.effects.get(c)).copied().unwrap_or(0),
                min: range.map_or(0, |r| r.min),
                max: range.map_or(0, |r| r.max),
            }
        })
        .collect()
}

/// The conversation so far: every scene passed through, with the lines
/// whose conditions held at the time, and the replies chosen.
pub(super) fn transcript(scenario: &Scenario, play: &ScenarioState) -> Vec<Turn> {
    let mut out = Vec::new();
    let mut so_far = ScenarioState::start(scenario);
    let blocks = |st: &ScenarioState, out: &mut Vec<Turn>| {
        if let Some(scene) = st.current(scenario) {
            let facts = st.progress(scenario);
            for b in &scene.blocks {
                if b.condition.as_ref().is_none_or(|c| c.holds(&facts)) {
                    out.push(Turn {
                        speaker: b.speaker.clone(),
                        html: b.html.clone(),
                        mine: false,
                    });
                }
            }
        }
    };
    for m in &play.moves {
        blocks(&so_far, &mut out);
        if let Some(c) = scenario
            .graph
            .scene(&m.scene)
            .and_then(|s| s.choices.get(m.choice))
        {
            out.push(Turn {
                speaker: None,
                html: crate::content::markdown::escape(m.said.as_deref().unwrap_or(&c.text)),
                mine: true,
            });
        }
        so_far.moves.push(m.clone());
        so_far.scene = m.target.clone();
    }
    blocks(&so_far, &mut out);
    out
}

/// At an ending, its narration is the debrief: it moves from the
/// transcript to the ending's panel. What the customer says stays.
pub(super) fn split_debrief(
    scenario: &Scenario,
    play: &ScenarioState,
    turns: &mut Vec<Turn>,
) -> Vec<Turn> {
    let Some(scene) = play.current(scenario).filter(|s| s.ending.is_some()) else {
        return Vec::new();
    };
    let facts = play.progress(scenario);
    let shown = scene
        .blocks
        .iter()
        .filter(|b| b.condition.as_ref().is_none_or(|c| c.holds(&facts)))
        .count();
    let tail = turns.split_off(turns.len().saturating_sub(shown));
    let (spoken, narration): (Vec<Turn>, Vec<Turn>) =
        tail.into_iter().partition(|t| t.speaker.is_some());
    turns.extend(spoken);
    narration
}

pub(super) fn ending_view(scenario: &Scenario, play: &ScenarioState) -> Option<EndingView> {
    let result = play.result(scenario)?;
    let text = |scene: &str, i: usize| {
        scenario
            .graph
            .scene(scene)
            .and_then(|s| s.choices.get(i))
            .map(|c| c.text.clone())
            .unwrap_or_default()
    };
    let review = play
        .review(scenario)
        .into_iter()
        .map(|r| ReviewRow {
            scene: scenario
                .graph
                .scene(&r.scene)
                .map(|s| s.title.clone())
                .unwrap_or_default(),
            chosen: text(&r.scene, r.chosen),
            typed: r.said.clone(),
            better: (r.lost > 0).then(|| text(&r.scene, r.best)),
            lost: r.lost,
        })
        .collect();
    let best_route = best_route(scenario)
        .into_iter()
        .map(|c| c.text.clone())
        .collect();
    Some(EndingView {
        outcome: result.outcome,
        score: result.score,
        best: result.best,
        review,
        best_route,
        debrief: Vec::new(),
    })
}

pub async fn scenario_view(
    state: &AppState,
    user: &SessionUser,
    course_id: &str,
    item_id: &str,
) -> Result<ScenarioData, AppError> {
    let catalog = state.content.get();
    let (course, index, attempt, item) = open_item(
        state,
        &catalog,
        user,
        course_id,
        item_id,
        ItemKind::Scenario,
    )
    .await?;
    let db = &state.db;
    let ItemBody::Scenario(scenario) = &item.body else {
        return Err(internal(
            "a scenario attempt points at an item that is not a scenario",
        ));
    };
    let (finished_attempts, item_done) = item_summary(db, user.id, course_id, item_id).await?;
    let mut view = ScenarioData {
        place: place(course, index),
        persona: scenario.persona.name.clone(),
        situation: scenario.persona.situation.clone(),
        mood: scenario.persona.mood.clone(),
        channel: scenario.channel.label().into(),
        intro_html: scenario.intro_html.clone(),
        attempt: None,
        transcript: Vec::new(),
        scene_title: String::new(),
        feedback: None,
        meters: Vec::new(),
        choices: Vec::new(),
        can_go_back: false,
        typed_unavailable: false,
        typed: None,
        ending: None,
        finished_attempts,
        done: item_done == Some(ItemState::Done),
    };
    let Some(a) = attempt else {
        return Ok(view);
    };
    let play: ScenarioState = decode(&a.state)?;
    view.attempt = Some(AttemptRef {
        id: a.id,
        step: a.step,
    });
    view.transcript = transcript(scenario, &play);
    let debrief = split_debrief(scenario, &play, &mut view.transcript);
    view.scene_title = play
        .current(scenario)
        .map(|s| s.title.clone())
        .unwrap_or_default();
    view.meters = meters(scenario, &play);
    view.feedback = play.moves.last().and_then(|m| {
        let c = scenario.graph.scene(&m.scene)?.choices.get(m.choice)?;
        Some(match &m.said {
            Some(words) => FeedbackView {
                said: words.clone(),
                understood_as: Some(c.text.clone()),
                html: c.feedback_html.clone(),
            },
            None => FeedbackView {
                said: c.text.clone(),
                understood_as: None,
                html: c.feedback_html.clone(),
            },
        })
    });
    if let Some(scene) = play.current(scenario) {
        if scene.takes_typed_replies() {
            if state.understanding.available() {
                view.typed = Some(super::typed::typed_box(db, a.id, a.step).await?);
            } else {
                view.typed_unavailable = true;
            }
        }
        view.choices = play
            .offered(scenario)
            .into_iter()
            .map(|i| ChoiceView {
                index: i,
                text: scene.choices[i].text.clone(),
            })
            .collect();
    }
    view.can_go_back = scenario.back && !play.moves.is_empty() && !play.is_finished(scenario);
    view.ending = ending_view(scenario, &play).map(|mut e| {
        e.debrief = debrief.into_iter().map(|t| t.html).collect();
        e
    });
    Ok(view)
}
