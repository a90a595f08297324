//! Playing a scenario: the state of one attempt, the choices on offer,
//! moving on, stepping back, the score, and the review of the route taken
//! beside the best one available.
//!
//! The state is plain data (stored as JSON with the attempt); every rule
//! that changes it lives here, so it can be tested without a server.

use super::condition::Facts;
use super::course::{Scenario, Scoring};
use super::scenario::{Outcome, ScenarioGraph, Scene};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One choice made: where, what, and how it moved each competency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Move {
    pub scene: String,
    /// Index of the choice within its scene (as written in the file).
    pub choice: usize,
    pub target: String,
    pub effects: BTreeMap<String, i32>,
    /// What the learner typed, when they answered in their own words
    /// (the choice is the reply it was understood as).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said: Option<String>,
}

/// Where an attempt stands.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScenarioState {
    /// The scene the learner is in.
    pub scene: String,
    pub moves: Vec<Move>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlayError {
    /// The attempt is already at an ending.
    Finished,
    /// The choice is not on offer in the current scene (unknown index or
    /// its condition does not hold).
    NotOffered,
    /// Stepping back is not allowed here.
    NoBack,
    /// The attempt's scene is not in the scenario (content changed under it).
    Broken,
}

impl std::fmt::Display for PlayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PlayError::Finished => {
                "This conversation has already ended. Start again to try another route."
            }
            PlayError::NotOffered => {
                "That reply is not one of the choices in this part of the conversation."
            }
            PlayError::NoBack => "This conversation cannot be taken back.",
            PlayError::Broken => "This attempt no longer matches its scenario.",
        })
    }
}

/// Facts for conditions, computed from the moves so far.
pub struct Progress<'a> {
    scores: BTreeMap<String, i32>,
    visited: Vec<&'a str>,
    chosen: Vec<&'a str>,
}

impl Facts for Progress<'_> {
    fn score(&self, competency: &str) -> i32 {
        self.scores.get(competency).copied().unwrap_or(0)
    }
    fn visited(&self, scene: &str) -> bool {
        self.visited.contains(&scene)
    }
    fn chose(&self, choice: &str) -> bool {
        self.chosen.contains(&choice)
    }
}

/// A finished attempt's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Result {
    pub outcome: Outcome,
    /// `None` when the scenario is not scored.
    pub score: Option<i32>,
    /// The best score available on any route, for "7 of 10".
    pub best: Option<i32>,
    pub competencies: BTreeMap<String, i32>,
}

/// One step of the path review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewStep {
    pub scene: String,
    pub chosen: usize,
    /// The choice that led to the best result from this scene.
    pub best: usize,
    /// Points lost against the best choice here (0 when it was the best).
    pub lost: i32,
    /// What the learner typed, when they answered in their own words.
    pub said: Option<String>,
}

impl ScenarioState {
    pub fn start(scenario: &Scenario) -> ScenarioState {
        ScenarioState {
            scene: scenario
                .graph
                .scenes
                .first()
                .map(|s| s.id.clone())
                .unwrap_or_default(),
            moves: Vec::new(),
        }
    }

    pub fn progress<'a>(&'a self, scenario: &'a Scenario) -> Progress<'a> {
        let mut scores: BTreeMap<String, i32> = scenario
            .competencies
            .iter()
            .map(|c| (c.clone(), 0))
            .collect();
        let mut visited = Vec::with_capacity(self.moves.len() + 1);
        let mut chosen = Vec::new();
        for m in &self.moves {
            visited.push(m.scene.as_str());
            for (c, v) in &m.effects {
                *scores.entry(c.clone()).or_insert(0) += v;
            }
            if let Some(id) = scenario
                .graph
                .scene(&m.scene)
                .and_then(|s| s.choices.get(m.choice))
                .and_then(|c| c.id.as_deref())
            {
                chosen.push(id);
            }
        }
        visited.push(self.scene.as_str());
        Progress {
            scores,
            visited,
            chosen,
        }
    }

    pub fn current<'a>(&self, scenario: &'a Scenario) -> Option<&'a Scene> {
        scenario.graph.scene(&self.scene)
    }

    pub fn is_finished(&self, scenario: &Scenario) -> bool {
        self.current(scenario).is_some_and(|s| s.ending.is_some())
    }

    /// Indices of the choices on offer now, in file order.
    pub fn offered(&self, scenario: &Scenario) -> Vec<usize> {
        let Some(scene) = self.current(scenario) else {
            return Vec::new();
        };
        let facts = self.progress(scenario);
        scene
            .choices
            .iter()
            .enumerate()
            .filter(|(_, c)| c.condition.as_ref().is_none_or(|k| k.holds(&facts)))
            .map(|(i, _)| i)
            .collect()
    }

    /// Takes choice `index` of the current scene.
    pub fn choose(
        &mut self,
        scenario: &Scenario,
        index: usize,
    ) -> std::result::Result<&Move, PlayError> {
        let scene = self.current(scenario).ok_or(PlayError::Broken)?;
        if scene.ending.is_some() {
            return Err(PlayError::Finished);
        }
        if !self.offered(scenario).contains(&index) {
            return Err(PlayError::NotOffered);
        }
        let choice = &scene.choices[index];
        if scenario.graph.scene(&choice.target).is_none() {
            return Err(PlayError::Broken);
        }
        self.moves.push(Move {
            scene: scene.id.clone(),
            choice: index,
            target: choice.target.clone(),
            effects: choice.effects.clone(),
            said: None,
        });
        self.scene = choice.target.clone();
        Ok(self.moves.last().expect("just pushed"))
    }

    /// Undoes the last choice, when the scenario allows going back and the
    /// conversation has not ended.
    pub fn back(&mut self, scenario: &Scenario) -> std::result::Result<(), PlayError> {
        if !scenario.back {
            return Err(PlayError::NoBack);
        }
        if self.is_finished(scenario) {
            return Err(PlayError::Finished);
        }
        let last = self.moves.pop().ok_or(PlayError::NoBack)?;
        self.scene = last.scene;
        Ok(())
    }

    /// Running totals per competency.
    pub fn totals(&self, scenario: &Scenario) -> BTreeMap<String, i32> {
        self.progress(scenario).scores
    }

    /// The result, once the attempt is at an ending.
    pub fn result(&self, scenario: &Scenario) -> Option<Result> {
        let ending = self.current(scenario)?.ending.as_ref()?;
        let totals = self.totals(scenario);
        let values = best_values(scenario);
        let best = values
            .get(scenario.graph.scenes.first()?.id.as_str())
            .copied();
        let score = match scenario.scoring {
            Scoring::None => None,
            Scoring::Ending => Some(ending.score),
            Scoring::Choices => Some(totals.values().sum()),
        };
        Some(Result {
            outcome: ending.outcome,
            score,
            best: if scenario.scoring == Scoring::None {
                None
            } else {
                best
            },
            competencies: totals,
        })
    }

    /// For each move: the best choice in that scene and the points lost
    /// by not taking it. Conditions are ignored here: the review shows
    /// what the scene could offer a learner who had earned it.
    pub fn review(&self, scenario: &Scenario) -> Vec<ReviewStep> {
        let values = best_values(scenario);
        let scenes = scenario.graph.by_id();
        self.moves
            .iter()
            .filter_map(|m| {
                let scene = *scenes.get(m.scene.as_str())?;
                let worth = |i: usize| -> Option<i32> {
                    let c = scene.choices.get(i)?;
                    let rest = values.get(c.target.as_str())?;
                    Some(gain(scenario.scoring, &c.effects) + rest)
                };
                let (best, best_value) = (0..scene.choices.len())
                    .filter_map(|i| worth(i).map(|v| (i, v)))
                    .max_by_key(|&(i, v)| (v, std::cmp::Reverse(i)))?;
                let mine = worth(m.choice).unwrap_or(best_value);
                Some(ReviewStep {
                    scene: m.scene.clone(),
                    chosen: m.choice,
                    best,
                    lost: (best_value - mine).max(0),
                    said: m.said.clone(),
                })
            })
            .collect()
    }
}

/// What a choice adds to the score in this scoring mode.
fn gain(scoring: Scoring, effects: &BTreeMap<String, i32>) -> i32 {
    match scoring {
        Scoring::Choices => effects.values().sum(),
        Scoring::Ending | Scoring::None => 0,
    }
}

/// Edge relaxations the best-value computation may spend on a scenario
/// with loops (a few milliseconds); without loops one exact pass is used.
pub const BEST_VALUES_BUDGET: usize = 4_000_000;

/// The best score still available from each scene: for endings their
/// score (when scored by ending), otherwise the best choice's gain plus the
/// best value of where it leads. Without loops this is one pass in reverse
/// topological order; with loops it is computed by relaxation over walks of
/// at most as many steps as there are scenes (so loops cannot run away),
/// within [`BEST_VALUES_BUDGET`] relaxations.
pub fn best_values(scenario: &Scenario) -> HashMap<&str, i32> {
    let graph: &ScenarioGraph = &scenario.graph;
    let n = graph.scenes.len();
    let index: HashMap<&str, usize> = graph
        .scenes
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .rev()
        .collect();
    // Choices by scene: (target index, gain).
    let edges: Vec<Vec<(usize, i32)>> = graph
        .scenes
        .iter()
        .map(|s| {
            s.choices
                .iter()
                .filter_map(|c| {
                    let t = *index.get(c.target.as_str())?;
                    Some((t, gain(scenario.scoring, &c.effects)))
                })
                .collect()
        })
        .collect();
    let mut value: Vec<Option<i32>> = graph
        .scenes
        .iter()
        .map(|s| {
            s.ending.as_ref().map(|e| {
                if scenario.scoring == Scoring::Ending {
                    e.score
                } else {
                    0
                }
            })
        })
        .collect();
    let relax = |i: usize, value: &[Option<i32>]| -> Option<i32> {
        edges[i]
            .iter()
            .filter_map(|&(t, g)| value[t].map(|v| v.saturating_add(g)))
            .max()
    };
    let is_ending = |i: usize| graph.scenes[i].ending.is_some();
    if let Some(order) = super::scenario::topological_order(&edges) {
        for &i in order.iter().rev() {
            if !is_ending(i) {
                value[i] = relax(i, &value);
            }
        }
    } else {
        let edge_count = edges.iter().map(Vec::len).sum::<usize>().max(1);
        let rounds = n.min((BEST_VALUES_BUDGET / edge_count).max(1));
        for _ in 0..rounds {
            let mut changed = false;
            for i in (0..n).filter(|&i| !is_ending(i)) {
                if let Some(b) = relax(i, &value) {
                    if value[i] != Some(b) {
                        value[i] = Some(b);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }
    graph
        .scenes
        .iter()
        .zip(value)
        .filter_map(|(s, v)| Some((s.id.as_str(), v?)))
        .collect()
}

/// The best route from the start: at each scene the choice with the best
/// value, until an ending (or as many steps as there are scenes).
pub fn best_route(scenario: &Scenario) -> Vec<&super::scenario::Choice> {
    let values = best_values(scenario);
    let scenes = scenario.graph.by_id();
    let worth = |c: &super::scenario::Choice| {
        values
            .get(c.target.as_str())
            .map(|v| v.saturating_add(gain(scenario.scoring, &c.effects)))
    };
    let mut route = Vec::new();
    let mut at = scenario.graph.scenes.first();
    while let Some(scene) = at.filter(|s| s.ending.is_none()) {
        if route.len() >= scenario.graph.scenes.len() {
            break;
        }
        let Some(best) = scene
            .choices
            .iter()
            .filter(|c| worth(c).is_some())
            .max_by_key(|c| worth(c))
        else {
            break;
        };
        route.push(best);
        at = scenes.get(best.target.as_str()).copied();
    }
    route
}

impl ScenarioGraph {
    pub fn scene(&self, id: &str) -> Option<&Scene> {
        self.scenes.iter().find(|s| s.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::condition::Condition;
    use crate::domain::course::{Channel, Persona};
    use crate::domain::scenario::{Choice, Ending};

    fn choice(text: &str, target: &str, effects: &[(&str, i32)]) -> Choice {
        Choice {
            text: text.into(),
            target: target.into(),
            effects: effects.iter().map(|(c, v)| (c.to_string(), *v)).collect(),
            ..Choice::default()
        }
    }

    fn scene(id: &str, choices: Vec<Choice>) -> Scene {
        Scene {
            id: id.into(),
            choices,
            ..Scene::default()
        }
    }

    fn ending(id: &str, outcome: Outcome, score: i32) -> Scene {
        Scene {
            id: id.into(),
            ending: Some(Ending { outcome, score }),
            ..Scene::default()
        }
    }

    /// start ─ listen (+2) ─> calm ─ fix (+1) ─> won
    ///       └ script (−1) ─> cross ─ apologise (+1, id sorry) ─> calm
    ///                              └ argue (−2) ─> gone
    /// calm also offers "bonus" (+3) to won, only if empathy >= 2.
    fn sample(scoring: Scoring, back: bool) -> Scenario {
        let mut bonus = choice("Bonus", "won", &[("empathy", 3)]);
        bonus.condition = Some(Condition::parse("empathy >= 2").expect("condition"));
        let mut sorry = choice("Apologise", "calm", &[("empathy", 1)]);
        sorry.id = Some("sorry".into());
        Scenario {
            persona: Persona {
                name: "Dana".into(),
                situation: "s".into(),
                mood: "m".into(),
            },
            channel: Channel::Phone,
            competencies: vec!["empathy".into(), "honesty".into()],
            scoring,
            back,
            intro_html: String::new(),
            graph: ScenarioGraph {
                scenes: vec![
                    scene(
                        "start",
                        vec![
                            choice("Listen", "calm", &[("empathy", 2)]),
                            choice("Script", "cross", &[("empathy", -1)]),
                        ],
                    ),
                    scene(
                        "cross",
                        vec![
                            sorry,
                            choice("Argue", "gone", &[("empathy", -2), ("honesty", -1)]),
                        ],
                    ),
                    scene("calm", vec![choice("Fix", "won", &[("honesty", 1)]), bonus]),
                    ending("won", Outcome::Resolved, 10),
                    ending("gone", Outcome::Lost, 0),
                ],
            },
            score_ranges: BTreeMap::new(),
            templated: false,
        }
    }

    #[test]
    fn choices_move_scores_and_scenes() {
        let s = sample(Scoring::Choices, false);
        let mut st = ScenarioState::start(&s);
        assert_eq!(st.scene, "start");
        assert_eq!(st.offered(&s), vec![0, 1]);
        st.choose(&s, 0).expect("listen");
        assert_eq!(st.scene, "calm");
        assert_eq!(st.totals(&s)["empathy"], 2);
        // empathy is 2: the conditional bonus is on offer.
        assert_eq!(st.offered(&s), vec![0, 1]);
        st.choose(&s, 1).expect("bonus");
        let r = st.result(&s).expect("finished");
        assert_eq!(r.outcome, Outcome::Resolved);
        assert_eq!(r.score, Some(5));
        assert_eq!(r.best, Some(5));
        assert_eq!(st.choose(&s, 0), Err(PlayError::Finished));
    }

    #[test]
    fn a_choice_whose_condition_fails_is_not_offered() {
        let s = sample(Scoring::Choices, false);
        let mut st = ScenarioState::start(&s);
        st.choose(&s, 1).expect("script");
        st.choose(&s, 0).expect("sorry");
        // empathy is 0: only "Fix" is offered in calm.
        assert_eq!(st.offered(&s), vec![0]);
        assert_eq!(st.choose(&s, 1), Err(PlayError::NotOffered));
        assert_eq!(st.choose(&s, 7), Err(PlayError::NotOffered));
        assert!(st.progress(&s).chose("sorry"));
        assert!(st.progress(&s).visited("cross"));
        assert!(!st.progress(&s).visited("gone"));
    }

    #[test]
    fn scoring_by_ending_and_none() {
        let s = sample(Scoring::Ending, false);
        let mut st = ScenarioState::start(&s);
        st.choose(&s, 1).expect("script");
        st.choose(&s, 1).expect("argue");
        let r = st.result(&s).expect("finished");
        assert_eq!(
            (r.outcome, r.score, r.best),
            (Outcome::Lost, Some(0), Some(10))
        );
        assert_eq!(r.competencies["empathy"], -3);
        let n = sample(Scoring::None, false);
        let mut st = ScenarioState::start(&n);
        st.choose(&n, 0).expect("listen");
        st.choose(&n, 0).expect("fix");
        assert_eq!(st.result(&n).expect("done").score, None);
    }

    #[test]
    fn review_shows_where_points_were_lost() {
        let s = sample(Scoring::Choices, false);
        let mut st = ScenarioState::start(&s);
        st.choose(&s, 1).expect("script");
        st.choose(&s, 0).expect("sorry");
        st.choose(&s, 0).expect("fix");
        let review = st.review(&s);
        // From start the best is Listen then Bonus (2 + 3 = 5); Script
        // leads at best to −1 + 1 + 3 = 3: two points lost.
        assert_eq!(review[0].best, 0);
        assert_eq!(review[0].lost, 2);
        assert_eq!(review[1].lost, 0);
        // In calm, Fix (+1) instead of Bonus (+3).
        assert_eq!((review[2].best, review[2].lost), (1, 2));
    }

    #[test]
    fn back_only_when_allowed_and_not_after_the_end() {
        let s = sample(Scoring::Choices, false);
        let mut st = ScenarioState::start(&s);
        st.choose(&s, 0).expect("listen");
        assert_eq!(st.back(&s), Err(PlayError::NoBack));
        let s = sample(Scoring::Choices, true);
        let mut st = ScenarioState::start(&s);
        assert_eq!(st.back(&s), Err(PlayError::NoBack));
        st.choose(&s, 0).expect("listen");
        st.back(&s).expect("back");
        assert_eq!(st.scene, "start");
        assert_eq!(st.totals(&s)["empathy"], 0);
        st.choose(&s, 0).expect("listen");
        st.choose(&s, 0).expect("fix");
        assert_eq!(st.back(&s), Err(PlayError::Finished));
    }

    #[test]
    fn the_best_route_takes_the_highest_scoring_replies() {
        let s = sample(Scoring::Choices, false);
        let texts: Vec<&str> = best_route(&s).iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["Listen", "Bonus"]);
    }

    #[test]
    fn best_values_terminate_on_loops() {
        let mut s = sample(Scoring::Choices, false);
        // calm can loop back to start with +1 each time.
        s.graph.scenes[2]
            .choices
            .push(choice("Loop", "start", &[("empathy", 1)]));
        let v = best_values(&s);
        assert!(v["start"] > 0);
    }
}
