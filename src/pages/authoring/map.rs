//! The scenario map with its table twin.

use super::edit_href;
use crate::api::authoring::*;
use crate::components::scenario_map::ScenarioMapSvg;
use leptos::prelude::*;

#[component]
pub(super) fn MapView(map: ScenarioMap) -> impl IntoView {
    let unreachable = map.scenes.iter().filter(|s| s.unreachable).count();
    let dead = map
        .scenes
        .iter()
        .filter(|s| s.dead_end && !s.unreachable)
        .count();
    let summary = format!(
        "{} scenes, {} endings{}{}{}",
        map.scenes.len(),
        map.scenes.iter().filter(|s| s.ending.is_some()).count(),
        if unreachable > 0 {
            format!(", {unreachable} unreachable")
        } else {
            String::new()
        },
        if dead > 0 {
            format!(", {dead} dead ends")
        } else {
            String::new()
        },
        if map.attempts > 0 {
            format!(
                " · percentages from {} learners' attempts on the published version",
                map.attempts
            )
        } else {
            String::new()
        }
    );
    view! {
        <section class="card" aria-labelledby="map-heading">
            <h2 id="map-heading">"Scenario map"</h2>
            <p>{summary}</p>
            <ul class="map-legend">
                <li><span class="swatch map-start"></span>"start"</li>
                <li><span class="swatch map-resolved"></span>"ending: resolved"</li>
                <li><span class="swatch map-partly-swatch"></span>"ending: partly resolved (dotted)"</li>
                <li><span class="swatch map-lost-swatch"></span>"ending: lost (hatched)"</li>
                <li><span class="swatch map-unreachable"></span>"unreachable (dashed)"</li>
                <li><span class="swatch map-dead"></span>"dead end: no ending reachable (thick border)"</li>
            </ul>
            <div class="map-scroll" tabindex="0" role="region" aria-label="Scenario map, scrollable">
                <ScenarioMapSvg path=map.path.clone() geometry=map.geometry.clone() />
            </div>
            <details>
                <summary>"The map as a table"</summary>
                <table>
                    <caption class="visually-hidden">"Scenes, what they are, and where each choice leads"</caption>
                    <thead><tr><th scope="col">"Scene"</th><th scope="col">"What it is"</th><th scope="col">"Choices → next scene"</th></tr></thead>
                    <tbody>
                        {map.scenes.clone().into_iter().map(|s| {
                            let what = [
                                s.start.then(|| "start".to_string()),
                                s.ending.map(|e| format!("ending ({})", e.key().replace('_', " "))),
                                s.unreachable.then(|| "unreachable".to_string()),
                                (s.dead_end && s.ending.is_none()).then(|| "dead end".to_string()),
                                (s.dropped > 0).then(|| format!("{} learners stopped here", s.dropped)),
                                (s.ended > 0).then(|| format!("{} attempts ended here", s.ended)),
                            ].into_iter().flatten().collect::<Vec<_>>().join(", ");
                            view! {
                                <tr>
                                    <td><a href=format!("{}&line={}#source", edit_href(&map.path), s.line)>{format!("{} (#{}, line {})", s.title, s.id, s.line)}</a></td>
                                    <td>{what}</td>
                                    <td><ul class="plain">{s.choices.into_iter().map(|c| view! {
                                        <li>{format!("{} → #{}{}", c.text, c.target, c.share.map(|p| format!(" ({p}%, {} times)", c.taken)).unwrap_or_default())}</li>
                                    }).collect_view()}</ul></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </section>
    }
}
