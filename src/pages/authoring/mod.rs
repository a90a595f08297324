//! Trainers author in the browser: the library, the editor (a plain form
//! that works without JavaScript; with it, a live preview as you type),
//! history with diffs and roll-back, play-tests of drafts, and what
//! learners chose.

mod analytics;
mod backup;
mod course;
mod editor;
mod history;
mod library;
mod live_check;
mod map;
mod playtest;
mod problems;

use crate::components::encode;
pub use analytics::AuthorAnalyticsPage;
pub use course::AuthorCoursePage;
pub use editor::AuthorEditPage;
pub use history::AuthorHistoryPage;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
pub use library::AuthorLibraryPage;
pub use playtest::AuthorPlayPage;

fn edit_href(path: &str) -> String {
    format!("/author/edit?path={}", encode(path))
}

/// Messages after a form post, read from the URL.
#[component]
fn AuthorFlash() -> impl IntoView {
    let query = use_query_map();
    move || {
        let q = query.read();
        let ok = |msg: String| {
            view! { <div class="flash flash-ok" role="status"><p>{msg}</p></div> }.into_any()
        };
        if let Some(err) = q.get("error") {
            view! { <div class="flash flash-error" role="alert"><p>{err}</p></div> }.into_any()
        } else if let Some(r) = q.get("published") {
            ok(format!("Published as revision {r}. New attempts get it; learners in the middle of an attempt keep the version they started."))
        } else if q.get("saved").is_some() {
            ok("Draft saved. Learners still see the published version.".into())
        } else if q.get("withdrawn").is_some() {
            ok("Withdrawn: learners no longer get this file; their results so far are kept. Its text is kept here as a draft: publish it to bring it back.".into())
        } else if q.get("discarded").is_some() {
            ok("Draft discarded. The published version is unchanged.".into())
        } else if let Some(what) = q.get("composed") {
            ok(match what.as_str() {
                "published" => "Published. Learners now get the new arrangement and pass rules.",
                "moved" => {
                    "Moved, and saved as a draft. Learners see the new order when you publish."
                }
                "unchanged" => "Nothing changed, so nothing was saved.",
                _ => "Saved as a draft. Learners still see the published course.",
            }
            .into())
        } else if q.get("imported").is_some() {
            ok("Imported as a draft. Check it, then publish.".into())
        } else {
            ().into_any()
        }
    }
}
