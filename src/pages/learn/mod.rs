//! The learner's pages: My learning, a course's outline, and each item
//! (lesson, role-play scenario, quiz), plus the certificate.
//!
//! Every action is a form that posts to a server function. Without
//! JavaScript the browser posts it and follows the redirect; once hydrated,
//! `ActionForm` sends it in the background and the router moves to the
//! same redirect without reloading the page.

mod certificate;
mod course;
mod item;
mod my_learning;
mod quiz;
mod scenario;
mod typed;

use crate::domain::completion::{CourseStatus, ItemState};
use crate::domain::course::ItemKind;
pub use certificate::CertificatePage;
pub use course::CourseOutlinePage;
pub use item::LearnItemPage;
use leptos::prelude::*;
pub use my_learning::MyLearningPage;

fn status_class(s: CourseStatus) -> &'static str {
    match s {
        CourseStatus::NotStarted => "status status-new",
        CourseStatus::InProgress => "status status-progress",
        CourseStatus::Completed => "status status-done",
        CourseStatus::Overdue => "status status-overdue",
    }
}

fn item_class(s: ItemState) -> &'static str {
    match s {
        ItemState::NotStarted => "status status-new",
        ItemState::InProgress => "status status-progress",
        ItemState::Done => "status status-done",
        ItemState::Failed => "status status-overdue",
    }
}

fn row_class(lost: i32) -> &'static str {
    if lost > 0 {
        "lost"
    } else {
        ""
    }
}

fn kind_label(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Lesson => "Lesson",
        ItemKind::Scenario => "Role-play",
        ItemKind::Quiz => "Quiz",
    }
}

/// A progress bar that reads the same without colour: the number is written.
#[component]
fn ProgressBar(percent: u32, label: String) -> impl IntoView {
    view! {
        <div class="progress">
            <progress max="100" value=percent aria-label=label></progress>
            <span class="progress-text">{format!("{percent}% done")}</span>
        </div>
    }
}
