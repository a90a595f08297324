//! The scenario map drawn from the geometry the server lays out
//! (`server::authoring::map`). Built with `view!`, so titles, choices and
//! ids are escaped like any other text; no markup is injected.

use crate::api::authoring::MapGeometry;
use crate::components::encode;
use leptos::prelude::*;

/// The map of one scenario. `path` is the file its nodes link to.
#[component]
pub fn ScenarioMapSvg(path: String, geometry: MapGeometry) -> impl IntoView {
    let MapGeometry {
        width,
        height,
        node_width,
        node_height,
        columns,
        edges,
        nodes,
    } = geometry;
    let scenes = nodes.len();
    let edit = format!("/author/edit?path={}", encode(&path));
    view! {
        <svg class="scenario-map" width=width height=height viewBox=format!("0 0 {width} {height}") role="group" aria-labelledby="map-title">
            <title id="map-title">{format!("Map of {scenes} scenes; the table below lists the same")}</title>
            <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" class="map-arrow" />
                </marker>
                <pattern id="hatch-lost" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <rect width="6" height="6" class="map-lost" />
                    <line x1="0" y1="0" x2="0" y2="6" class="map-hatch" />
                </pattern>
                <pattern id="dots-partly" width="6" height="6" patternUnits="userSpaceOnUse">
                    <rect width="6" height="6" class="map-partly" />
                    <circle cx="3" cy="3" r="1.2" class="map-hatch" />
                </pattern>
            </defs>
            {columns.into_iter().map(|c| view! {
                <text x=c.x y="20" class="map-col">{c.label}</text>
            }).collect_view()}
            {edges.into_iter().map(|e| view! {
                <path d=e.d class=if e.back { "map-edge map-back" } else { "map-edge" } stroke-width=e.stroke marker-end="url(#arrow)">
                    <title>{e.title}</title>
                </path>
                {e.share.map(|s| view! {
                    <text x=s.x y=s.y class="map-share">{format!("{}%", s.percent)}</text>
                })}
            }).collect_view()}
            {nodes.into_iter().map(|n| view! {
                <a href=format!("{edit}&line={}#source", n.line) class="map-link">
                    <title>{n.tooltip}</title>
                    <rect x=n.x y=n.y width=node_width height=node_height rx="6" class=n.class />
                    <text x=n.x + 8 y=n.y + 22 class="map-title">{n.title}</text>
                    <text x=n.x + 8 y=n.y + 42 class="map-tag">{n.tag}</text>
                </a>
            }).collect_view()}
        </svg>
    }
}
