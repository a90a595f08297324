//! The scenario map's geometry: scenes in columns by distance from the
//! start, choices as edges weighted by how many learners took them.

use super::analytics::Counts;
use crate::api::authoring::*;
use crate::domain::course::Scenario;
use crate::domain::scenario::Outcome;
use std::collections::HashMap;

/// The scenario map: scenes in columns by their distance from the start,
/// unreachable scenes in a last column, each a link to its line in the
/// editor; choices as arrows, thicker the more learners took them.
pub(super) fn scenario_map(path: &str, s: &Scenario, counts: &Counts) -> ScenarioMap {
    let scenes = &s.graph.scenes;
    let index: HashMap<&str, usize> = scenes
        .iter()
        .enumerate()
        .map(|(i, sc)| (sc.id.as_str(), i))
        .collect();
    let reachable = s.graph.reachable();
    let finish = s.graph.can_finish();
    // Depth by breadth-first search from the start.
    let mut depth: Vec<Option<usize>> = vec![None; scenes.len()];
    let mut queue = std::collections::VecDeque::new();
    if !scenes.is_empty() {
        depth[0] = Some(0);
        queue.push_back(0);
    }
    while let Some(i) = queue.pop_front() {
        let d = depth[i].unwrap_or(0);
        for c in &scenes[i].choices {
            if let Some(&t) = index.get(c.target.as_str()) {
                if depth[t].is_none() {
                    depth[t] = Some(d + 1);
                    queue.push_back(t);
                }
            }
        }
    }
    let max_depth = depth.iter().flatten().copied().max().unwrap_or(0);
    let column = |i: usize| depth[i].unwrap_or(max_depth + 1);
    let mut rows_in: HashMap<usize, usize> = HashMap::new();
    let mut pos: Vec<(usize, usize)> = Vec::with_capacity(scenes.len());
    for i in 0..scenes.len() {
        let col = column(i);
        let row = rows_in.entry(col).or_insert(0);
        pos.push((col, *row));
        *row += 1;
    }
    const W: usize = 190;
    const H: usize = 56;
    const GAP_X: usize = 70;
    const GAP_Y: usize = 22;
    let cols = pos.iter().map(|p| p.0).max().map_or(1, |m| m + 1);
    let rows = rows_in.values().copied().max().unwrap_or(1);
    let width = cols * (W + GAP_X) + GAP_X;
    let height = rows * (H + GAP_Y) + GAP_Y + 30;
    let xy = |i: usize| {
        let (c, r) = pos[i];
        (GAP_X / 2 + c * (W + GAP_X), 30 + GAP_Y + r * (H + GAP_Y))
    };
    let columns = (0..cols)
        .map(|c| MapColumn {
            x: GAP_X / 2 + c * (W + GAP_X),
            label: if c > max_depth {
                "unreachable".to_string()
            } else if c == 0 {
                "start".to_string()
            } else {
                format!("step {c}")
            },
        })
        .collect();
    let mut edges = Vec::new();
    let mut out_scenes = Vec::new();
    for (i, sc) in scenes.iter().enumerate() {
        let taken_of = |k: usize| {
            counts
                .choices
                .get(&(sc.id.clone(), k))
                .copied()
                .unwrap_or(0)
        };
        let total: i64 = (0..sc.choices.len()).map(taken_of).sum();
        let mut choices = Vec::new();
        for (k, c) in sc.choices.iter().enumerate() {
            let taken = taken_of(k);
            let share = (total > 0).then(|| ((taken * 100 + total / 2) / total) as u32);
            if let Some(&t) = index.get(c.target.as_str()) {
                let (x1, y1) = xy(i);
                let (x2, y2) = xy(t);
                let forward = pos[t].0 > pos[i].0;
                let (sx, sy, ex, ey) = if forward {
                    (x1 + W, y1 + H / 2, x2, y2 + H / 2)
                } else {
                    // Back or sideways: leave from the bottom, arrive at the top.
                    (x1 + W / 2, y1 + H, x2 + W / 2, y2)
                };
                let bend = if forward { GAP_X as i64 / 2 } else { 40 };
                edges.push(MapEdge {
                    d: format!(
                        "M{sx},{sy} C{},{sy} {},{ey} {ex},{ey}",
                        sx as i64 + bend,
                        ex as i64 - bend
                    ),
                    back: !forward,
                    stroke: format!("{:.1}", 1.5 + share.map_or(0.0, |p| p as f64 / 12.0)),
                    title: format!(
                        "{} → {}{}",
                        c.text,
                        c.target,
                        share
                            .map(|p| format!(" · {p}% of learners here"))
                            .unwrap_or_default()
                    ),
                    share: share.map(|percent| MapShare {
                        x: (sx + ex) / 2,
                        y: (sy + ey) / 2 - 3,
                        percent,
                    }),
                });
            }
            choices.push(MapChoice {
                text: c.text.clone(),
                target: c.target.clone(),
                line: c.line,
                taken,
                share,
            });
        }
        out_scenes.push(MapScene {
            id: sc.id.clone(),
            title: sc.title.clone(),
            line: sc.line,
            start: i == 0,
            ending: sc.ending.as_ref().map(|e| e.outcome),
            unreachable: !reachable.contains(&i),
            dead_end: sc.ending.is_none() && !finish.contains(&i),
            choices,
            dropped: counts.dropped.get(&sc.id).copied().unwrap_or(0),
            ended: counts.ended.get(&sc.id).copied().unwrap_or(0),
        });
    }
    let nodes = out_scenes
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (x, y) = xy(i);
            let (class, tag) = match (m.ending, m.unreachable, m.dead_end) {
                (_, true, _) => ("map-node map-unreachable", "unreachable".to_string()),
                (Some(o), _, _) => (
                    match o {
                        Outcome::Resolved => "map-node map-resolved",
                        Outcome::PartlyResolved => "map-node map-partly",
                        Outcome::Lost => "map-node map-lost-node",
                    },
                    format!("ending: {}", o.label()),
                ),
                (None, _, true) => ("map-node map-dead", "dead end".to_string()),
                (None, _, _) if m.start => ("map-node map-start", "start".to_string()),
                _ => ("map-node", format!("{} choices", m.choices.len())),
            };
            let title: String = m.title.chars().take(24).collect();
            let title = if title.len() < m.title.len() {
                format!("{title}…")
            } else {
                title
            };
            MapNode {
                x,
                y,
                line: m.line,
                class: class.to_string(),
                tooltip: format!("{} (#{}), line {}: {}", m.title, m.id, m.line, tag),
                title,
                tag: format!("#{} · {}", m.id.chars().take(14).collect::<String>(), tag),
            }
        })
        .collect();
    ScenarioMap {
        path: path.to_string(),
        geometry: MapGeometry {
            width,
            height,
            node_width: W,
            node_height: H,
            columns,
            edges,
            nodes,
        },
        scenes: out_scenes,
        attempts: counts.attempts,
    }
}
