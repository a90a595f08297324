//! The scenario map's geometry: scenes in columns by distance from the
//! start, choices as edges weighted by how many learners took them.

use super::analytics::Counts;
use crate::api::authoring::*;
use crate::content::markdown;
use crate::domain::course::Scenario;
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
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"scenario-map\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"group\" aria-labelledby=\"map-title\"><title id=\"map-title\">Map of {} scenes; the table below lists the same</title>\
<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"map-arrow\"/></marker>\
<pattern id=\"hatch-lost\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" class=\"map-lost\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" class=\"map-hatch\"/></pattern>\
<pattern id=\"dots-partly\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" class=\"map-partly\"/><circle cx=\"3\" cy=\"3\" r=\"1.2\" class=\"map-hatch\"/></pattern></defs>",
        scenes.len()
    );
    for c in 0..cols {
        let label = if c > max_depth {
            "unreachable".to_string()
        } else if c == 0 {
            "start".to_string()
        } else {
            format!("step {c}")
        };
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"20\" class=\"map-col\">{label}</text>",
            GAP_X / 2 + c * (W + GAP_X)
        ));
    }
    let mut out_scenes = Vec::new();
    // Edges first, so nodes sit on top.
    for (i, sc) in scenes.iter().enumerate() {
        let total: i64 = (0..sc.choices.len())
            .map(|k| {
                counts
                    .choices
                    .get(&(sc.id.clone(), k))
                    .copied()
                    .unwrap_or(0)
            })
            .sum();
        let mut choices = Vec::new();
        for (k, c) in sc.choices.iter().enumerate() {
            let taken = counts
                .choices
                .get(&(sc.id.clone(), k))
                .copied()
                .unwrap_or(0);
            let share = (total > 0).then(|| ((taken * 100 + total / 2) / total) as u32);
            if let Some(&t) = index.get(c.target.as_str()) {
                let (x1, y1) = xy(i);
                let (x2, y2) = xy(t);
                let stroke = 1.5 + share.map_or(0.0, |p| p as f64 / 12.0);
                let (sx, sy, ex, ey) = if pos[t].0 > pos[i].0 {
                    (x1 + W, y1 + H / 2, x2, y2 + H / 2)
                } else {
                    // Back or sideways: leave from the bottom, arrive at the top.
                    (x1 + W / 2, y1 + H, x2 + W / 2, y2)
                };
                let bend = if pos[t].0 > pos[i].0 {
                    GAP_X as i64 / 2
                } else {
                    40
                };
                let class = if pos[t].0 > pos[i].0 {
                    "map-edge"
                } else {
                    "map-edge map-back"
                };
                svg.push_str(&format!(
                    "<path d=\"M{sx},{sy} C{},{sy} {},{ey} {ex},{ey}\" class=\"{class}\" stroke-width=\"{stroke:.1}\" marker-end=\"url(#arrow)\"><title>{}</title></path>",
                    sx as i64 + bend,
                    ex as i64 - bend,
                    markdown::escape(&format!(
                        "{} → {}{}",
                        c.text,
                        c.target,
                        share.map(|p| format!(" · {p}% of learners here")).unwrap_or_default()
                    ))
                ));
                if let Some(p) = share {
                    svg.push_str(&format!(
                        "<text x=\"{}\" y=\"{}\" class=\"map-share\">{p}%</text>",
                        (sx + ex) / 2,
                        (sy + ey) / 2 - 3
                    ));
                }
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
            ending: sc.ending.as_ref().map(|e| e.outcome.key().to_string()),
            unreachable: !reachable.contains(&i),
            dead_end: sc.ending.is_none() && !finish.contains(&i),
            choices,
            dropped: counts.dropped.get(&sc.id).copied().unwrap_or(0),
            ended: counts.ended.get(&sc.id).copied().unwrap_or(0),
        });
    }
    for (i, m) in out_scenes.iter().enumerate() {
        let (x, y) = xy(i);
        let (class, tag) = match (&m.ending, m.unreachable, m.dead_end) {
            (_, true, _) => ("map-node map-unreachable", "unreachable".to_string()),
            (Some(o), _, _) => (
                match o.as_str() {
                    "resolved" => "map-node map-resolved",
                    "partly_resolved" => "map-node map-partly",
                    _ => "map-node map-lost-node",
                },
                format!(
                    "ending: {}",
                    crate::domain::scenario::Outcome::parse(o).map_or(o.as_str(), |o| o.label())
                ),
            ),
            (None, _, true) => ("map-node map-dead", "dead end".to_string()),
            (None, _, _) if m.start => ("map-node map-start", "start".to_string()),
            _ => ("map-node", format!("{} choices", m.choices.len())),
        };
        let href = format!(
            "/author/edit?path={}&amp;line={}#source",
            crate::components::encode(path),
            m.line
        );
        let title: String = m.title.chars().take(24).collect();
        let title = if title.len() < m.title.len() {
            format!("{title}…")
        } else {
            title
        };
        svg.push_str(&format!(
            "<a href=\"{href}\" class=\"map-link\"><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{H}\" rx=\"6\" class=\"{class}\"/><text x=\"{}\" y=\"{}\" class=\"map-title\">{}</text><text x=\"{}\" y=\"{}\" class=\"map-tag\">#{} · {}</text></a>",
            markdown::escape(&format!("{} (#{}), line {}: {}", m.title, m.id, m.line, tag)),
            x + 8,
            y + 22,
            markdown::escape(&title),
            x + 8,
            y + 42,
            markdown::escape(&m.id.chars().take(14).collect::<String>()),
            markdown::escape(&tag),
        ));
    }
    svg.push_str("</svg>");
    ScenarioMap {
        path: path.to_string(),
        svg,
        scenes: out_scenes,
        attempts: counts.attempts,
    }
}
