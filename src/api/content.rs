//! What trainers and admins see of the loaded content: every course and
//! item with its version and figures, the problems found while loading,
//! and a full preview of any item.

use super::AppError;
use crate::domain::course::{Item, ItemKind};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreSpan {
    pub competency: String,
    pub min: i32,
    pub max: i32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemSummary {
    pub id: String,
    pub kind: ItemKind,
    pub title: String,
    pub file: String,
    pub version: i64,
    pub required: bool,
    /// e.g. "13 scenes, 3 endings, 22 choices" or "10 questions, draw 8".
    pub figures: String,
    pub scores: Vec<ScoreSpan>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseSummary {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub minutes: u32,
    pub competencies: Vec<String>,
    pub items: Vec<ItemSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub error: bool,
    pub message: String,
    pub hint: Option<String>,
    /// The reviewer's check that raised it, if one did (content/README.md,
    /// "Checks on how content teaches").
    #[serde(default)]
    pub check: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContentOverview {
    pub courses: Vec<CourseSummary>,
    pub problems: Vec<Problem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemPreview {
    pub course_id: String,
    pub course_title: String,
    pub version: i64,
    pub item: Item,
    /// For lessons: the HTML with the organisation's words filled in.
    pub lesson_html: Option<String>,
}

/// All loaded courses and the problems in the content folder. Trainers and
/// admins only.
#[server(endpoint = "content_overview")]
pub async fn content_catalog() -> Result<ContentOverview, AppError> {
    use crate::domain::course::ItemBody;
    use crate::domain::Role;
    use crate::server::guard;
    let state = guard::state()?;
    guard::require_role(&[Role::Trainer, Role::Admin])?;
    let catalog = state.content.get();
    let courses = catalog
        .courses()
        .iter()
        .map(|c| CourseSummary {
            id: c.id.clone(),
            title: c.title.clone(),
            summary: c.summary.clone(),
            minutes: c.minutes,
            competencies: c.competencies.clone(),
            items: c
                .items
                .iter()
                .map(|i| {
                    let (figures, scores) = match &i.body {
                        ItemBody::Lesson(_) => (String::new(), Vec::new()),
                        ItemBody::Scenario(s) => {
                            let scenes = &s.graph.scenes;
                            (
                                format!(
                                    "{} scenes, {} endings, {} choices",
                                    scenes.len(),
                                    scenes.iter().filter(|s| s.ending.is_some()).count(),
                                    scenes.iter().map(|s| s.choices.len()).sum::<usize>()
                                ),
                                s.score_ranges
                                    .iter()
                                    .map(|(k, r)| ScoreSpan {
                                        competency: k.clone(),
                                        min: r.min,
                                        max: r.max,
                                    })
                                    .collect(),
                            )
                        }
                        ItemBody::Quiz(q) => (
                            match q.draw {
                                Some(d) => format!(
                                    "{} questions, {d} drawn per attempt, pass {}%",
                                    q.questions.len(),
                                    q.pass_percent
                                ),
                                None => format!(
                                    "{} questions, pass {}%",
                                    q.questions.len(),
                                    q.pass_percent
                                ),
                            },
                            Vec::new(),
                        ),
                    };
                    ItemSummary {
                        id: i.id.clone(),
                        kind: i.kind(),
                        title: i.title.clone(),
                        file: i.file.clone(),
                        version: catalog.version(&c.id, &i.id).map_or(0, |v| v.number),
                        required: c.required.contains(&i.id),
                        figures,
                        scores,
                    }
                })
                .collect(),
        })
        .collect();
    let problems = catalog
        .problems()
        .flat_map(|f| f.diagnostics.iter())
        .map(|d| Problem {
            file: d.file.clone(),
            line: d.line,
            col: d.col,
            error: d.severity == crate::content::source::Severity::Error,
            message: d.message.clone(),
            hint: d.hint.clone(),
            check: d.check.map(str::to_owned),
        })
        .collect();
    Ok(ContentOverview { courses, problems })
}

/// One item in full, as a trainer reviews it. Trainers and admins only.
#[server(endpoint = "content_item")]
pub async fn content_item(course: String, item: String) -> Result<ItemPreview, AppError> {
    use crate::domain::Role;
    use crate::server::guard;
    let state = guard::state()?;
    guard::require_role(&[Role::Trainer, Role::Admin])?;
    let catalog = state.content.get();
    let c = catalog
        .course(&course)
        .ok_or_else(|| AppError::NotFound("There is no course with this id.".into()))?;
    let i = c
        .item(&item)
        .ok_or_else(|| AppError::NotFound("This course has no item with this id.".into()))?;
    let lesson_html = match i.kind() {
        crate::domain::course::ItemKind::Lesson => {
            let org = crate::content::store::organisation(&state.db).await?;
            Some(catalog.lesson_html(i, &org).to_string())
        }
        _ => None,
    };
    Ok(ItemPreview {
        course_id: c.id.clone(),
        course_title: c.title.clone(),
        version: catalog.version(&c.id, &i.id).map_or(0, |v| v.number),
        item: i.clone(),
        lesson_html,
    })
}
