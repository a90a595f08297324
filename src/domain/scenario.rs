//! Branching role-play scenarios as a graph, and the analysis the validator
//! and the player rest on: which scenes can be reached, where a learner can
//! get stuck, and the lowest and highest score reachable per competency.
//!
//! The markdown parser builds these values; nothing here knows about text
//! positions beyond the `line` it is handed, so the rules can be tested on
//! their own.

use super::condition::Condition;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// What the learner says, as plain text.
    pub text: String,
    /// The id of the scene this choice leads to.
    pub target: String,
    /// Points per competency, e.g. `empathy +2`.
    pub effects: BTreeMap<String, i32>,
    /// Source line of the choice, for messages.
    pub line: usize,
    /// Source column of the choice's target, for messages.
    #[serde(default)]
    pub col: usize,
    /// Optional id, so that conditions can ask whether it was chosen.
    #[serde(default)]
    pub id: Option<String>,
    /// Shown only when this holds.
    #[serde(default)]
    pub condition: Option<Condition>,
    /// Sanitised HTML shown after the choice is made.
    #[serde(default)]
    pub feedback_html: String,
}

/// How a conversation can end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Resolved,
    PartlyResolved,
    Lost,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Resolved, Outcome::PartlyResolved, Outcome::Lost];

    /// The stored form (`attempts.outcome`, CSS classes): matches serde's.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Resolved => "resolved",
            Outcome::PartlyResolved => "partly_resolved",
            Outcome::Lost => "lost",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Resolved => "resolved",
            Outcome::PartlyResolved => "partly resolved",
            Outcome::Lost => "customer lost",
        }
    }

    /// Accepts the words trainers write after `Ending:`.
    pub fn parse(s: &str) -> Option<Outcome> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], " ")
            .as_str()
        {
            "resolved" => Some(Outcome::Resolved),
            "partly resolved" | "partially resolved" => Some(Outcome::PartlyResolved),
            "lost" | "customer lost" => Some(Outcome::Lost),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ending {
    pub outcome: Outcome,
    pub score: i32,
}

/// A piece of a scene: narration, or a line spoken by someone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Block {
    /// Who speaks, for a line of dialogue; `None` for narration.
    pub speaker: Option<String>,
    /// Sanitised HTML.
    pub html: String,
    /// Shown only when this holds.
    pub condition: Option<Condition>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    pub id: String,
    pub choices: Vec<Choice>,
    pub ending: Option<Ending>,
    pub line: usize,
    #[serde(default)]
    pub title: String,
    /// What happens in the scene; for an ending, the debrief.
    #[serde(default)]
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioGraph {
    /// The first scene is where the learner starts.
    pub scenes: Vec<Scene>,
}

/// One problem found in a graph, tied to the line it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphIssue {
    pub line: usize,
    /// Column from 1; 1 when the issue is about a whole scene.
    pub col: usize,
    pub message: String,
}

/// Lowest and highest total a learner can reach in one competency on a
/// route from the start to an ending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreRange {
    pub min: i32,
    pub max: i32,
}

impl ScenarioGraph {
    /// Scenes by id (the first of a duplicated id wins, as in `scene`).
    pub fn by_id(&self) -> HashMap<&str, &Scene> {
        self.scenes
            .iter()
            .rev()
            .map(|s| (s.id.as_str(), s))
            .collect()
    }

    fn index(&self) -> HashMap<&str, usize> {
        self.scenes
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect()
    }

    /// Edges by scene index; choices to unknown scenes are left out.
    fn edges(&self) -> Vec<Vec<(usize, &Choice)>> {
        let idx = self.index();
        self.scenes
            .iter()
            .map(|s| {
                s.choices
                    .iter()
                    .filter_map(|c| idx.get(c.target.as_str()).map(|&t| (t, c)))
                    .collect()
            })
            .collect()
    }

    /// Indices of the scenes a learner can reach from the start.
    pub fn reachable(&self) -> HashSet<usize> {
        let edges = self.edges();
        let mut seen = HashSet::new();
        let mut queue = VecDeque::new();
        if !self.scenes.is_empty() {
            seen.insert(0);
            queue.push_back(0);
        }
        while let Some(i) = queue.pop_front() {
            for &(t, _) in &edges[i] {
                if seen.insert(t) {
                    queue.push_back(t);
                }
            }
        }
        seen
    }

    /// Scenes from which some ending can still be reached.
    pub fn can_finish(&self) -> HashSet<usize> {
        let edges = self.edges();
        let mut incoming: Vec<Vec<usize>> = vec![Vec::new(); self.scenes.len()];
        for (from, outs) in edges.iter().enumerate() {
            for &(to, _) in outs {
                incoming[to].push(from);
            }
        }
        let mut ok: HashSet<usize> = (0..self.scenes.len())
            .filter(|&i| self.scenes[i].ending.is_some())
            .collect();
        let mut queue: VecDeque<usize> = ok.iter().copied().collect();
        while let Some(i) = queue.pop_front() {
            for &p in &incoming[i] {
                if ok.insert(p) {
                    queue.push_back(p);
                }
            }
        }
        ok
    }

    /// Everything structurally wrong with the graph.
    pub fn issues(&self) -> Vec<GraphIssue> {
        let mut out = Vec::new();
        if self.scenes.is_empty() {
            out.push(GraphIssue {
                line: 1,
                col: 1,
                message: "the scenario has no scenes".into(),
            });
            return out;
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for s in &self.scenes {
            if let Some(first) = seen.insert(s.id.as_str(), s.line) {
                out.push(GraphIssue {
                    line: s.line,
                    col: 1,
                    message: format!("scene id `{}` is used twice (first on line {first})", s.id),
                });
            }
        }
        let idx = self.index();
        for s in &self.scenes {
            for c in &s.choices {
                if !idx.contains_key(c.target.as_str()) {
                    out.push(GraphIssue {
                        line: c.line,
                        col: c.col.max(1),
                        message: format!(
                            "choice leads to scene `{}`, which does not exist",
                            c.target
                        ),
                    });
                }
            }
            if s.ending.is_none() && s.choices.is_empty() {
                out.push(GraphIssue {
                    line: s.line,
                    col: 1,
                    message: format!("scene `{}` has no choices and is not an ending", s.id),
                });
            }
            if s.ending.is_some() && !s.choices.is_empty() {
                out.push(GraphIssue {
                    line: s.line,
                    col: 1,
                    message: format!("scene `{}` is an ending but also offers choices", s.id),
                });
            }
        }
        let reachable = self.reachable();
        for (i, s) in self.scenes.iter().enumerate() {
            if !reachable.contains(&i) {
                out.push(GraphIssue {
                    line: s.line,
                    col: 1,
                    message: format!("no route from the start reaches scene `{}`", s.id),
                });
            }
        }
        let finish = self.can_finish();
        if !finish.contains(&0) {
            out.push(GraphIssue {
                line: self.scenes[0].line,
                col: 1,
                message: "no ending can be reached from the start".into(),
            });
        } else {
            for (i, s) in self.scenes.iter().enumerate() {
                if reachable.contains(&i)
                    && !finish.contains(&i)
                    && !(s.ending.is_none() && s.choices.is_empty())
                {
                    out.push(GraphIssue {
                        line: s.line,
                        col: 1,
                        message: format!("from scene `{}` no ending can be reached: the learner is caught in a loop", s.id),
                    });
                }
            }
        }
        out
    }

    /// For each competency, the lowest and highest total over routes from
    /// the start to an ending. A route visits each scene at most once, so a
    /// loop cannot inflate a score.
    pub fn score_ranges(&self) -> BTreeMap<String, ScoreRange> {
        let edges = self.edges();
        let competencies: Vec<String> = {
            let mut set: Vec<String> = self
                .scenes
                .iter()
                .flat_map(|s| s.choices.iter().flat_map(|c| c.effects.keys().cloned()))
                .collect();
            set.sort();
            set.dedup();
            set
        };
        let mut ranges: BTreeMap<String, ScoreRange> = BTreeMap::new();
        if self.scenes.is_empty() {
            return ranges;
        }
        let acyclic = topological_order(&edges).is_some();
        // One budget for the whole scenario, shared by its competencies, so
        // the work is bounded however many there are.
        let per_competency = ROUTE_SEARCH_BUDGET / competencies.len().max(1) as u64;
        for comp in competencies {
            let best = if acyclic {
                dag_range(&edges, &self.scenes, &comp)
            } else {
                let mut best: Option<ScoreRange> = None;
                let mut budget = per_competency.max(1);
                walk(self, &edges, &comp, &mut best, &mut budget);
                best
            };
            if let Some(r) = best {
                ranges.insert(comp, r);
            }
        }
        ranges
    }
}

/// Scenes entered, at most, by the search for score ranges in a scenario
/// with loops (about a tenth of a second of work).
pub const ROUTE_SEARCH_BUDGET: u64 = 2_000_000;

/// Scene indices in an order where every choice leads forward, or `None`
/// when the graph has a loop.
pub(crate) fn topological_order<T>(edges: &[Vec<(usize, T)>]) -> Option<Vec<usize>> {
    let n = edges.len();
    let mut indegree = vec![0usize; n];
    for outs in edges {
        for &(t, _) in outs {
            indegree[t] += 1;
        }
    }
    let mut queue: VecDeque<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = queue.pop_front() {
        order.push(i);
        for &(t, _) in &edges[i] {
            indegree[t] -= 1;
            if indegree[t] == 0 {
                queue.push_back(t);
            }
        }
    }
    (order.len() == n).then_some(order)
}

/// Exact range over every route when there are no loops: one pass in
/// reverse topological order, linear in the size of the graph.
fn dag_range(edges: &[Vec<(usize, &Choice)>], scenes: &[Scene], comp: &str) -> Option<ScoreRange> {
    let order = topological_order(edges)?;
    let mut from: Vec<Option<ScoreRange>> = vec![None; scenes.len()];
    for &i in order.iter().rev() {
        if scenes[i].ending.is_some() {
            from[i] = Some(ScoreRange { min: 0, max: 0 });
            continue;
        }
        let mut r: Option<ScoreRange> = None;
        for &(t, c) in &edges[i] {
            if let Some(sub) = from[t] {
                let gain = c.effects.get(comp).copied().unwrap_or(0);
                let (lo, hi) = (sub.min.saturating_add(gain), sub.max.saturating_add(gain));
                r = Some(match r {
                    None => ScoreRange { min: lo, max: hi },
                    Some(r) => ScoreRange {
                        min: r.min.min(lo),
                        max: r.max.max(hi),
                    },
                });
            }
        }
        from[i] = r;
    }
    from[0]
}

/// Depth-first search over simple routes. `budget` bounds the work on huge
/// graphs; the figures are then the best found within it. The search keeps
/// its own stack, so a route through every scene of a very large scenario
/// costs heap, never the thread's stack.
fn walk(
    g: &ScenarioGraph,
    edges: &[Vec<(usize, &Choice)>],
    comp: &str,
    best: &mut Option<ScoreRange>,
    budget: &mut u64,
) {
    if g.scenes.is_empty() {
        return;
    }
    let mut on_path = vec![false; g.scenes.len()];
    // (scene, total on arriving, index of the next choice to try)
    let mut stack: Vec<(usize, i32, usize)> = vec![(0, 0, 0)];
    let mut entering = true;
    while let Some(&mut (at, total, ref mut next)) = stack.last_mut() {
        if entering {
            if *budget == 0 {
                return;
            }
            *budget -= 1;
            if g.scenes[at].ending.is_some() {
                let r = best.get_or_insert(ScoreRange {
                    min: total,
                    max: total,
                });
                r.min = r.min.min(total);
                r.max = r.max.max(total);
                stack.pop();
                entering = false;
                continue;
            }
            on_path[at] = true;
        }
        match edges[at][*next..].iter().position(|&(to, _)| !on_path[to]) {
            Some(skip) => {
                let (to, choice) = edges[at][*next + skip];
                *next += skip + 1;
                let gain = choice.effects.get(comp).copied().unwrap_or(0);
                stack.push((to, total.saturating_add(gain), 0));
                entering = true;
            }
            None => {
                on_path[at] = false;
                stack.pop();
                entering = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(target: &str, effects: &[(&str, i32)], line: usize) -> Choice {
        Choice {
            text: format!("go to {target}"),
            target: target.into(),
            effects: effects.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            line,
            ..Choice::default()
        }
    }

    fn scene(id: &str, line: usize, choices: Vec<Choice>) -> Scene {
        Scene {
            id: id.into(),
            choices,
            line,
            ..Scene::default()
        }
    }

    fn ending(id: &str, line: usize, score: i32) -> Scene {
        Scene {
            id: id.into(),
            ending: Some(Ending {
                outcome: Outcome::Resolved,
                score,
            }),
            line,
            ..Scene::default()
        }
    }

    fn sample() -> ScenarioGraph {
        ScenarioGraph {
            scenes: vec![
                scene(
                    "start",
                    1,
                    vec![
                        choice("listen", &[("empathy", 2)], 3),
                        choice("script", &[("empathy", -1)], 5),
                    ],
                ),
                scene(
                    "listen",
                    8,
                    vec![
                        choice("resolved", &[("ownership", 1)], 10),
                        choice("start", &[], 11),
                    ],
                ),
                scene("script", 14, vec![choice("lost", &[("empathy", -2)], 16)]),
                ending("resolved", 20, 10),
                ending("lost", 24, 0),
            ],
        }
    }

    #[test]
    fn a_sound_graph_has_no_issues() {
        assert_eq!(sample().issues(), vec![]);
    }

    #[test]
    fn score_ranges_cover_every_route_once_per_scene() {
        let r = sample().score_ranges();
        // start→listen→resolved: +2; start→script→lost: -3. The loop back to
        // the start cannot add empathy twice.
        assert_eq!(r["empathy"], ScoreRange { min: -3, max: 2 });
        assert_eq!(r["ownership"], ScoreRange { min: 0, max: 1 });
    }

    #[test]
    fn finds_missing_targets_dead_ends_and_unreachable_scenes() {
        let mut g = sample();
        g.scenes[2].choices[0].target = "nowhere".into();
        g.scenes
            .push(scene("orphan", 30, vec![choice("lost", &[], 31)]));
        g.scenes.push(scene("stuck", 34, vec![]));
        g.scenes[1].choices.push(choice("stuck", &[], 12));
        let issues = g.issues();
        let lines: Vec<usize> = issues.iter().map(|i| i.line).collect();
        assert!(
            issues
                .iter()
                .any(|i| i.line == 16 && i.message.contains("`nowhere`, which does not exist")),
            "{issues:?}"
        );
        assert!(
            issues
                .iter()
                .any(|i| i.line == 30 && i.message.contains("no route from the start")),
            "{issues:?}"
        );
        assert!(
            issues
                .iter()
                .any(|i| i.line == 34 && i.message.contains("no choices and is not an ending")),
            "{issues:?}"
        );
        assert!(
            issues
                .iter()
                .any(|i| i.line == 14 && i.message.contains("caught in a loop")),
            "{issues:?}"
        );
        assert!(
            !lines.contains(&1),
            "the start can still finish: {issues:?}"
        );
    }

    #[test]
    fn a_loop_with_no_way_out_is_reported() {
        let g = ScenarioGraph {
            scenes: vec![
                scene("a", 1, vec![choice("b", &[], 2), choice("end", &[], 3)]),
                scene("b", 5, vec![choice("c", &[], 6)]),
                scene("c", 8, vec![choice("b", &[], 9)]),
                ending("end", 12, 1),
            ],
        };
        let issues = g.issues();
        assert_eq!(
            issues
                .iter()
                .filter(|i| i.message.contains("caught in a loop"))
                .count(),
            2,
            "{issues:?}"
        );
    }

    #[test]
    fn no_reachable_ending_and_duplicate_ids() {
        let g = ScenarioGraph {
            scenes: vec![
                scene("a", 1, vec![choice("a", &[], 2)]),
                scene("a", 4, vec![choice("a", &[], 5)]),
            ],
        };
        let issues = g.issues();
        assert!(
            issues
                .iter()
                .any(|i| i.line == 4 && i.message.contains("used twice (first on line 1)")),
            "{issues:?}"
        );
        assert!(
            issues
                .iter()
                .any(|i| i.message == "no ending can be reached from the start"),
            "{issues:?}"
        );
        assert!(ScenarioGraph { scenes: vec![] }.issues()[0]
            .message
            .contains("no scenes"));
    }

    /// On graphs without loops the linear pass agrees with the search over
    /// every route.
    #[test]
    fn dag_ranges_agree_with_exhaustive_search() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..300 {
            let n = (next() % 10 + 2) as usize;
            let scenes: Vec<Scene> = (0..n)
                .map(|i| {
                    if i == n - 1 || (i > 0 && next() % 4 == 0) {
                        ending(&format!("s{i}"), i + 1, 0)
                    } else {
                        let k = next() % 3 + 1;
                        scene(
                            &format!("s{i}"),
                            i + 1,
                            (0..k)
                                .map(|_| {
                                    let t = i + 1 + (next() % (n - i - 1) as u64) as usize;
                                    let e = (next() % 7) as i32 - 3;
                                    choice(&format!("s{t}"), &[("empathy", e)], i + 1)
                                })
                                .collect(),
                        )
                    }
                })
                .collect();
            let g = ScenarioGraph { scenes };
            let edges = g.edges();
            let mut best = None;
            let mut budget = u64::MAX;
            walk(&g, &edges, "empathy", &mut best, &mut budget);
            assert_eq!(dag_range(&edges, &g.scenes, "empathy"), best, "{g:?}");
        }
    }

    /// A loop at the end of a very long chain: the search for score ranges
    /// must not recurse once per scene (it would overflow the stack).
    #[test]
    fn score_ranges_of_a_huge_scenario_with_a_loop_use_no_deep_stack() {
        let n = 200_000;
        let mut scenes: Vec<Scene> = (0..n)
            .map(|i| {
                scene(
                    &format!("s{i}"),
                    i + 1,
                    vec![choice(&format!("s{}", i + 1), &[("empathy", 1)], i + 1)],
                )
            })
            .collect();
        scenes[n - 1].choices.push(choice("s0", &[], n));
        scenes.push(ending(&format!("s{n}"), n + 1, 0));
        let g = ScenarioGraph { scenes };
        let run = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || g.score_ranges())
            .unwrap();
        let r = run.join().expect("no stack overflow");
        assert_eq!(
            r["empathy"],
            ScoreRange {
                min: n as i32,
                max: n as i32
            }
        );
    }

    /// Reachability agrees with a brute-force walk of every route on random graphs.
    #[test]
    fn reachability_agrees_with_brute_force_on_random_graphs() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..300 {
            let n = (next() % 9 + 1) as usize;
            let scenes: Vec<Scene> = (0..n)
                .map(|i| {
                    if next() % 4 == 0 {
                        ending(&format!("s{i}"), i + 1, 0)
                    } else {
                        let k = next() % 3;
                        scene(
                            &format!("s{i}"),
                            i + 1,
                            (0..k)
                                .map(|_| choice(&format!("s{}", next() % n as u64), &[], i + 1))
                                .collect(),
                        )
                    }
                })
                .collect();
            let g = ScenarioGraph { scenes };
            // Brute force: every sequence of choices up to n steps.
            let mut brute: HashSet<usize> = HashSet::from([0]);
            let mut frontier = vec![0usize];
            for _ in 0..n {
                let mut next_frontier = Vec::new();
                for &i in &frontier {
                    for c in &g.scenes[i].choices {
                        let t: usize = c.target[1..].parse().unwrap();
                        brute.insert(t);
                        next_frontier.push(t);
                    }
                }
                frontier = next_frontier;
            }
            assert_eq!(g.reachable(), brute, "{g:?}");
        }
    }
}
