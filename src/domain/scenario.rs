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
    /// Other ways a learner might say the same (`Also: "…"` lines), for
    /// scenes that accept typed replies.
    #[serde(default)]
    pub phrasings: Vec<String>,
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
    /// The learner may type a reply in their own words here.
    #[serde(default)]
    pub typed: bool,
}

impl Scene {
    /// A learner may answer this scene in their own words: it takes typed
    /// replies and has replies to match (an ending has none).
    pub fn takes_typed_replies(&self) -> bool {
        self.typed && self.ending.is_none() && !self.choices.is_empty()
    }
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
    /// Worth fixing but no obstacle to playing: a scene no route reaches
    /// (an imported story keeps its unreachable passages).
    pub warning: bool,
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
                warning: false,
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
                    warning: false,
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
                        warning: false,
                    });
                }
            }
            if s.ending.is_none() && s.choices.is_empty() {
                out.push(GraphIssue {
                    line: s.line,
                    col: 1,
                    message: format!("scene `{}` has no choices and is not an ending", s.id),
                    warning: false,
                });
            }
            if s.ending.is_some() && !s.choices.is_empty() {
                out.push(GraphIssue {
                    line: s.line,
                    col: 1,
                    message: format!("scene `{}` is an ending but also offers choices", s.id),
                    warning: false,
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
                    warning: true,
                });
            }
        }
        let finish = self.can_finish();
        if !finish.contains(&0) {
            out.push(GraphIssue {
                line: self.scenes[0].line,
                col: 1,
                message: "no ending can be reached from the start".into(),
                warning: false,
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
                        warning: false,
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
            let weight = |c: &Choice| c.effects.get(&comp).copied().unwrap_or(0);
            let best = if acyclic {
                dag_range(&edges, &self.scenes, &weight)
            } else {
                let mut best: Option<ScoreRange> = None;
                let mut budget = per_competency.max(1);
                walk(self, &edges, &weight, &mut best, &mut budget);
                best
            };
            if let Some(r) = best {
                ranges.insert(comp, r);
            }
        }
        ranges
    }
}

impl ScenarioGraph {
    /// The lowest and highest total of `weight` over routes from the start
    /// to an ending that take only choices `keep` allows (`None`: no such
    /// route). Exact without loops; with loops, the best found within
    /// `budget` scenes entered (each scene at most once per route).
    pub fn range_by(
        &self,
        keep: &dyn Fn(&Choice) -> bool,
        weight: &dyn Fn(&Choice) -> i32,
        budget: u64,
    ) -> Option<ScoreRange> {
        if self.scenes.is_empty() {
            return None;
        }
        let edges: Vec<Vec<(usize, &Choice)>> = self
            .edges()
            .into_iter()
            .map(|outs| outs.into_iter().filter(|(_, c)| keep(c)).collect())
            .collect();
        if topological_order(&edges).is_some() {
            dag_range(&edges, &self.scenes, weight)
        } else {
            let mut best = None;
            let mut budget = budget.max(1);
            walk(self, &edges, weight, &mut best, &mut budget);
            best
        }
    }

    /// The choices of one route from the start to an ending with the
    /// highest total of `weight`, in order. Only for scenarios without
    /// loops (`None` otherwise, or when no ending can be reached).
    pub fn best_route_by(&self, weight: &dyn Fn(&Choice) -> i32) -> Option<Vec<&Choice>> {
        let edges = self.edges();
        let order = topological_order(&edges)?;
        let mut from: Vec<Option<i32>> = vec![None; self.scenes.len()];
        for &i in order.iter().rev() {
            from[i] = if self.scenes[i].ending.is_some() {
                Some(0)
            } else {
                edges[i]
                    .iter()
                    .filter_map(|&(t, c)| from[t].map(|v| v.saturating_add(weight(c))))
                    .max()
            };
        }
        let mut at = 0;
        let mut route = Vec::new();
        while self.scenes.get(at)?.ending.is_none() {
            let want = from[at]?;
            let &(next, c) = edges[at]
                .iter()
                .find(|&&(t, c)| from[t].map(|v| v.saturating_add(weight(c))) == Some(want))?;
            route.push(c);
            at = next;
        }
        Some(route)
    }

    /// For each scene, the lowest total of `weight` over routes from the
    /// start to it (`None`: not reachable). Only for scenarios without
    /// loops.
    pub fn lowest_to_each(&self, weight: &dyn Fn(&Choice) -> i32) -> Option<Vec<Option<i64>>> {
        let edges = self.edges();
        let order = topological_order(&edges)?;
        let mut low: Vec<Option<i64>> = vec![None; self.scenes.len()];
        if let Some(first) = low.first_mut() {
            *first = Some(0);
        }
        for &i in &order {
            let Some(here) = low[i] else { continue };
            for &(t, c) in &edges[i] {
                let there = here + i64::from(weight(c));
                if low[t].is_none_or(|l| there < l) {
                    low[t] = Some(there);
                }
            }
        }
        Some(low)
    }

    /// A scene on a loop that a learner can go round and round, each time
    /// raising the total of `weight` (so the score has no upper bound):
    /// Bellman-Ford on the scenes reachable from the start. `None` when
    /// there is none, or when the scenario is too large to search within
    /// `budget` relaxations.
    pub fn gaining_loop(&self, weight: &dyn Fn(&Choice) -> i32, budget: u64) -> Option<usize> {
        let edges = self.edges();
        let n = self.scenes.len();
        let edge_count: usize = edges.iter().map(Vec::len).sum();
        if n == 0 || topological_order(&edges).is_some() {
            return None;
        }
        if (n as u64).saturating_mul(edge_count as u64) > budget {
            return None;
        }
        let mut best: Vec<Option<i64>> = vec![None; n];
        let mut parent: Vec<usize> = (0..n).collect();
        best[0] = Some(0);
        let mut changed_last = None;
        for _ in 0..n {
            changed_last = None;
            for (from, outs) in edges.iter().enumerate() {
                let Some(here) = best[from] else { continue };
                for &(to, c) in outs {
                    let there = here + i64::from(weight(c));
                    if best[to].is_none_or(|b| there > b) {
                        best[to] = Some(there);
                        parent[to] = from;
                        changed_last = Some(to);
                    }
                }
            }
            changed_last?;
        }
        // Still improving after n rounds: walking back n steps from there
        // lands on the loop itself.
        let mut at = changed_last?;
        for _ in 0..n {
            at = parent[at];
        }
        Some(at)
    }
}

/// Scene indices in an order where every choice leads forward, or `None`
/// when the scenario has a loop.
pub fn topological_order_of(graph: &ScenarioGraph) -> Option<Vec<usize>> {
    topological_order(&graph.edges())
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
fn dag_range(
    edges: &[Vec<(usize, &Choice)>],
    scenes: &[Scene],
    weight: &dyn Fn(&Choice) -> i32,
) -> Option<ScoreRange> {
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
                let gain = weight(c);
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
    weight: &dyn Fn(&Choice) -> i32,
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
                let gain = weight(choice);
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

mod range;
pub use range::ScoreRange;

#[cfg(test)]
mod tests;
