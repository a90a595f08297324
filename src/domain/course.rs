//! Courses and their items as the product uses them once content is loaded:
//! lessons, branching scenarios and quizzes. The markdown parser in
//! `crate::content` builds these; HTML fields are already sanitised.

use super::scenario::{ScenarioGraph, ScoreRange};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Course {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub minutes: u32,
    /// The competencies the course trains, in the order trainers listed them.
    pub competencies: Vec<String>,
    /// Ids of the items a learner must finish to complete the course.
    pub required: Vec<String>,
    /// Sanitised HTML of the course introduction.
    pub description_html: String,
    pub items: Vec<Item>,
    /// Path of `course.md`, relative to the content folder.
    pub file: String,
}

impl Course {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Lesson,
    Scenario,
    Quiz,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Lesson => "lesson",
            ItemKind::Scenario => "scenario",
            ItemKind::Quiz => "quiz",
        }
    }

    pub fn parse(s: &str) -> Option<ItemKind> {
        match s {
            "lesson" => Some(ItemKind::Lesson),
            "scenario" => Some(ItemKind::Scenario),
            "quiz" => Some(ItemKind::Quiz),
            _ => None,
        }
    }
}

impl std::fmt::Display for ItemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a file in the content folder holds: a course's `course.md`, one of
/// its items, or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Course,
    Lesson,
    Scenario,
    Quiz,
    /// An item file whose `kind` is missing or not one of the three.
    Unknown,
    /// A markdown file that is neither `course.md` nor an item (notes,
    /// a README): kept, never loaded.
    Notes,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Course => "course",
            FileKind::Lesson => "lesson",
            FileKind::Scenario => "scenario",
            FileKind::Quiz => "quiz",
            FileKind::Unknown => "unknown",
            FileKind::Notes => "notes",
        }
    }

    /// The item kind, for the three kinds that are items.
    pub fn item(self) -> Option<ItemKind> {
        match self {
            FileKind::Lesson => Some(ItemKind::Lesson),
            FileKind::Scenario => Some(ItemKind::Scenario),
            FileKind::Quiz => Some(ItemKind::Quiz),
            _ => None,
        }
    }
}

impl From<ItemKind> for FileKind {
    fn from(k: ItemKind) -> FileKind {
        match k {
            ItemKind::Lesson => FileKind::Lesson,
            ItemKind::Scenario => FileKind::Scenario,
            ItemKind::Quiz => FileKind::Quiz,
        }
    }
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub minutes: Option<u32>,
    /// Path of the file, relative to the content folder.
    pub file: String,
    /// SHA-256 of the file's bytes, hex: a new hash is a new version.
    pub hash: String,
    pub body: ItemBody,
}

impl Item {
    pub fn kind(&self) -> ItemKind {
        match self.body {
            ItemBody::Lesson(_) => ItemKind::Lesson,
            ItemBody::Scenario(_) => ItemKind::Scenario,
            ItemBody::Quiz(_) => ItemKind::Quiz,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemBody {
    Lesson(Lesson),
    Scenario(Scenario),
    Quiz(Quiz),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lesson {
    /// Sanitised HTML. May contain the organisation placeholders
    /// (`{{mission}}` …), filled in when the page is shown.
    pub html: String,
    /// The markdown, kept only for lessons with placeholders: they are
    /// rendered again when the organisation's words change.
    #[serde(default)]
    pub markdown: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    InPerson,
    Phone,
    Chat,
    Email,
    Video,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::InPerson,
        Channel::Phone,
        Channel::Chat,
        Channel::Email,
        Channel::Video,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InPerson => "in-person",
            Channel::Phone => "phone",
            Channel::Chat => "chat",
            Channel::Email => "email",
            Channel::Video => "video",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::InPerson => "In person",
            Channel::Phone => "Phone",
            Channel::Chat => "Live chat",
            Channel::Email => "Email",
            Channel::Video => "Video call",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// The score of the ending reached.
    Ending,
    /// The sum of the effects of the choices made.
    Choices,
    /// Practice only: no score.
    None,
}

impl Scoring {
    pub fn parse(s: &str) -> Option<Scoring> {
        match s {
            "ending" => Some(Scoring::Ending),
            "choices" => Some(Scoring::Choices),
            "none" => Some(Scoring::None),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    pub name: String,
    pub situation: String,
    pub mood: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub persona: Persona,
    pub channel: Channel,
    pub competencies: Vec<String>,
    pub scoring: Scoring,
    /// Whether the learner may step back to the previous scene.
    pub back: bool,
    /// Sanitised HTML shown before the first scene.
    pub intro_html: String,
    pub graph: ScenarioGraph,
    /// Lowest and highest reachable total per competency.
    pub score_ranges: BTreeMap<String, ScoreRange>,
    /// Whether its texts use organisation placeholders (`{{values}}`…),
    /// filled in for learners (`Catalog::with_organisation`).
    #[serde(default)]
    pub templated: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuizOption {
    /// Sanitised inline HTML.
    pub html: String,
    pub correct: bool,
    pub feedback_html: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    /// Sanitised inline HTML of the question itself.
    pub prompt_html: String,
    /// Further sanitised HTML under the question (context, a quote …).
    pub detail_html: String,
    /// Whether several options may be picked ("choose all that apply").
    pub multiple: bool,
    pub options: Vec<QuizOption>,
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quiz {
    /// Percentage of questions to answer correctly to pass, 1–100.
    pub pass_percent: u32,
    pub shuffle: bool,
    /// Draw this many questions from the bank for each attempt.
    pub draw: Option<u32>,
    /// How many attempts a learner has, if limited.
    pub attempts: Option<u32>,
    pub intro_html: String,
    pub questions: Vec<Question>,
    /// As [`Scenario::templated`].
    #[serde(default)]
    pub templated: bool,
}

impl Quiz {
    /// How many questions an attempt has.
    pub fn questions_per_attempt(&self) -> usize {
        self.draw
            .map_or(self.questions.len(), |d| d as usize)
            .min(self.questions.len())
    }
}
