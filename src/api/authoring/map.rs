//! The scenario map as the editor, the play-test and *What learners
//! chose* receive it: scenes, choices and the geometry the server laid out.

use crate::domain::scenario::Outcome;
use serde::{Deserialize, Serialize};

/// Where the parts of the scenario map are drawn, in SVG user units. The
/// server lays the map out; `components::scenario_map` draws it with
/// `view!`, so every text in it is escaped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapGeometry {
    pub width: usize,
    pub height: usize,
    pub node_width: usize,
    pub node_height: usize,
    pub columns: Vec<MapColumn>,
    /// Drawn first, so the nodes sit on top.
    pub edges: Vec<MapEdge>,
    /// In the order of `ScenarioMap::scenes`.
    pub nodes: Vec<MapNode>,
}

/// A column heading: start, step n, unreachable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapColumn {
    pub x: usize,
    pub label: String,
}

/// A choice drawn as an arrow between two scenes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapEdge {
    /// The path's `d`: numbers only.
    pub d: String,
    /// Goes back or sideways (drawn dashed).
    pub back: bool,
    /// Stroke width, thicker the more learners took it.
    pub stroke: String,
    /// The choice, its target and its share, as the arrow's tooltip.
    pub title: String,
    pub share: Option<MapShare>,
}

/// The share of learners written beside an arrow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapShare {
    pub x: usize,
    pub y: usize,
    pub percent: u32,
}

/// A scene drawn as a box that links to its line in the editor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapNode {
    pub x: usize,
    pub y: usize,
    pub line: usize,
    /// `map-node` and the kind: start, resolved, partly, lost, dead, unreachable.
    pub class: String,
    pub tooltip: String,
    /// The title, cut to 24 characters.
    pub title: String,
    /// `#id · what it is`.
    pub tag: String,
}

/// One scene of the scenario map, also its text alternative.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapScene {
    pub id: String,
    pub title: String,
    pub line: usize,
    pub start: bool,
    pub ending: Option<Outcome>,
    pub unreachable: bool,
    /// Not an ending and no ending can be reached from here.
    pub dead_end: bool,
    pub choices: Vec<MapChoice>,
    /// Learners on the published version who stopped here without
    /// finishing.
    pub dropped: i64,
    /// Finished attempts that ended here.
    pub ended: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapChoice {
    pub text: String,
    pub target: String,
    pub line: usize,
    /// How often learners took it (published version), and the share of
    /// the choices taken in this scene.
    pub taken: i64,
    pub share: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioMap {
    /// The file the map belongs to (its nodes link into its editor).
    pub path: String,
    pub geometry: MapGeometry,
    pub scenes: Vec<MapScene>,
    /// Attempts counted (published version only).
    pub attempts: i64,
}
