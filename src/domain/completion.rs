//! When an item and a course count as done, and what a learner sees as
//! the course's status.

use super::course::{Course, ItemKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where a learner stands with one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    NotStarted,
    InProgress,
    /// Lesson marked done, scenario brought to an ending, quiz passed.
    Done,
    /// A quiz whose attempts are all used without a pass.
    Failed,
}

impl ItemState {
    pub fn label(self) -> &'static str {
        match self {
            ItemState::NotStarted => "Not started",
            ItemState::InProgress => "In progress",
            ItemState::Done => "Done",
            ItemState::Failed => "Not passed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourseStatus {
    NotStarted,
    InProgress,
    Completed,
    Overdue,
}

impl CourseStatus {
    pub fn label(self) -> &'static str {
        match self {
            CourseStatus::NotStarted => "Not started",
            CourseStatus::InProgress => "In progress",
            CourseStatus::Completed => "Completed",
            CourseStatus::Overdue => "Overdue",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CourseStatus::NotStarted => "not_started",
            CourseStatus::InProgress => "in_progress",
            CourseStatus::Completed => "completed",
            CourseStatus::Overdue => "overdue",
        }
    }

    /// Every status, in the order filters list them.
    pub const ALL: [CourseStatus; 4] = [
        CourseStatus::NotStarted,
        CourseStatus::InProgress,
        CourseStatus::Completed,
        CourseStatus::Overdue,
    ];

    pub fn parse(s: &str) -> Option<CourseStatus> {
        CourseStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where one attempt at a scenario or quiz stands (`attempts.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    Active,
    Finished,
    /// Set aside: the learner started afresh, or the course was renewed.
    Abandoned,
}

impl AttemptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Active => "active",
            AttemptStatus::Finished => "finished",
            AttemptStatus::Abandoned => "abandoned",
        }
    }

    pub fn parse(s: &str) -> Option<AttemptStatus> {
        [
            AttemptStatus::Active,
            AttemptStatus::Finished,
            AttemptStatus::Abandoned,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// The items a learner must finish: the course's required list, plus every
/// quiz (a course is complete only when its quiz is passed).
pub fn required_items(course: &Course) -> Vec<&str> {
    course
        .items
        .iter()
        .filter(|i| i.kind() == ItemKind::Quiz || course.required.contains(&i.id))
        .map(|i| i.id.as_str())
        .collect()
}

/// Whether every required item is done.
pub fn is_complete(course: &Course, states: &HashMap<String, ItemState>) -> bool {
    required_items(course)
        .iter()
        .all(|id| states.get(*id) == Some(&ItemState::Done))
}

/// Share of required items done, 0–100.
pub fn percent_done(course: &Course, states: &HashMap<String, ItemState>) -> u32 {
    let required = required_items(course);
    if required.is_empty() {
        return 0;
    }
    let done = required
        .iter()
        .filter(|id| states.get(**id) == Some(&ItemState::Done))
        .count();
    (done * 100 / required.len()) as u32
}

/// The status shown on My learning and to managers. A completed course is
/// never overdue; an unfinished one is overdue once its due date has passed.
pub fn course_status(
    started: bool,
    completed: bool,
    due_at: Option<i64>,
    now: i64,
) -> CourseStatus {
    if completed {
        CourseStatus::Completed
    } else if due_at.is_some_and(|d| d < now) {
        CourseStatus::Overdue
    } else if started {
        CourseStatus::InProgress
    } else {
        CourseStatus::NotStarted
    }
}

/// Where "Resume" goes: the item last worked on if it is not done yet,
/// otherwise the first required item not done, otherwise the first item
/// not done, otherwise `None` (nothing left).
pub fn resume_item<'a>(
    course: &'a Course,
    states: &HashMap<String, ItemState>,
    last: Option<&str>,
) -> Option<&'a str> {
    let open = |id: &str| {
        !matches!(
            states.get(id),
            Some(ItemState::Done) | Some(ItemState::Failed)
        )
    };
    if let Some(l) = last {
        if let Some(item) = course.items.iter().find(|i| i.id == l) {
            if open(&item.id) {
                return Some(item.id.as_str());
            }
        }
    }
    let required = required_items(course);
    course
        .items
        .iter()
        .find(|i| required.contains(&i.id.as_str()) && open(&i.id))
        .or_else(|| course.items.iter().find(|i| open(&i.id)))
        .map(|i| i.id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::course::{Item, ItemBody, Lesson, Quiz};

    fn item(id: &str, quiz: bool) -> Item {
        Item {
            id: id.into(),
            title: id.into(),
            minutes: None,
            file: String::new(),
            hash: String::new(),
            body: if quiz {
                ItemBody::Quiz(Quiz {
                    pass_percent: 80,
                    shuffle: false,
                    draw: None,
                    attempts: None,
                    intro_html: String::new(),
                    questions: Vec::new(),
                    templated: false,
                })
            } else {
                ItemBody::Lesson(Lesson {
                    html: String::new(),
                    markdown: None,
                })
            },
        }
    }

    fn course(required: &[&str]) -> Course {
        Course {
            id: "c".into(),
            title: "C".into(),
            summary: String::new(),
            minutes: 10,
            competencies: Vec::new(),
            required: required.iter().map(|s| s.to_string()).collect(),
            description_html: String::new(),
            items: vec![
                item("a", false),
                item("b", false),
                item("optional", false),
                item("quiz", true),
            ],
            file: String::new(),
        }
    }

    fn states(pairs: &[(&str, ItemState)]) -> HashMap<String, ItemState> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn complete_needs_required_items_and_the_quiz_passed() {
        let c = course(&["a", "b"]);
        assert_eq!(required_items(&c), vec!["a", "b", "quiz"]);
        let mut s = states(&[("a", ItemState::Done), ("b", ItemState::Done)]);
        assert!(!is_complete(&c, &s));
        assert_eq!(percent_done(&c, &s), 66);
        s.insert("quiz".into(), ItemState::Failed);
        assert!(!is_complete(&c, &s));
        s.insert("quiz".into(), ItemState::Done);
        assert!(is_complete(&c, &s), "the optional lesson is not needed");
        assert_eq!(percent_done(&c, &s), 100);
    }

    #[test]
    fn status_and_overdue() {
        assert_eq!(
            course_status(false, false, None, 100),
            CourseStatus::NotStarted
        );
        assert_eq!(
            course_status(true, false, Some(200), 100),
            CourseStatus::InProgress
        );
        assert_eq!(
            course_status(true, false, Some(50), 100),
            CourseStatus::Overdue
        );
        assert_eq!(
            course_status(false, false, Some(50), 100),
            CourseStatus::Overdue
        );
        assert_eq!(
            course_status(true, true, Some(50), 100),
            CourseStatus::Completed
        );
    }

    #[test]
    fn resume_goes_to_the_last_open_item_then_the_first_required() {
        let c = course(&["a", "b"]);
        let s = states(&[("a", ItemState::Done), ("optional", ItemState::InProgress)]);
        assert_eq!(resume_item(&c, &s, Some("optional")), Some("optional"));
        assert_eq!(resume_item(&c, &s, Some("a")), Some("b"));
        assert_eq!(resume_item(&c, &s, None), Some("b"));
        let all = states(&[
            ("a", ItemState::Done),
            ("b", ItemState::Done),
            ("optional", ItemState::Done),
            ("quiz", ItemState::Done),
        ]);
        assert_eq!(resume_item(&c, &all, Some("quiz")), None);
    }
}
