//! One item of a course: the page around a lesson, scenario or quiz.

use super::quiz::QuizBody;
use super::scenario::ScenarioBody;
use crate::api::learn::*;
use crate::components::{loading, ErrorNotice, Flash};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The page of one item: lesson, scenario or quiz.
#[component]
pub fn LearnItemPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let p = params.read();
            let q = query.read();
            (
                p.get("course").unwrap_or_default(),
                p.get("item").unwrap_or_default(),
                q.get("s").unwrap_or_default(),
                q.get("error").unwrap_or_default(),
                // A typed reply that was not taken: its try, so the page
                // reloads to give it back.
                q.get("t").unwrap_or_default(),
            )
        },
        |(course, item, _, _, _)| learn_item(course, item),
    );
    // `data-swap`: with the page script, a step's form is sent without
    // leaving the page, and the next step replaces this one; focus goes to
    // the element marked `data-arrival` (the feedback on the step just
    // taken). Without it, the redirect's `#now` does the same.
    view! {
        <div data-swap="">
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(ItemData::Lesson(v)) => view! { <LessonBody v=v /> }.into_any(),
                    Ok(ItemData::Scenario(v)) => view! { <ScenarioBody v=v /> }.into_any(),
                    Ok(ItemData::Quiz(v)) => view! { <QuizBody v=v /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
        </div>
    }
}

#[component]
pub(super) fn ItemHeader(place: ItemPlace, kind: &'static str) -> impl IntoView {
    view! {
        <Title text=place.title.clone() />
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <a href="/learn">"My learning"</a>" › "
            <a href=format!("/learn/{}", place.course_id)>{place.course_title.clone()}</a>
        </nav>
        <div class="page-heading">
            <p class="eyebrow">{format!("{kind} · {} of {}", place.position, place.count)}</p>
            <h1>{place.title.clone()}</h1>
        </div>
        <Flash />
    }
}

pub(super) fn next_link(place: &ItemPlace) -> impl IntoView {
    match &place.next {
        Some((id, title)) => view! {
            <a class="button" href=format!("/learn/{}/{id}", place.course_id)>{format!("Next: {title}")}</a>
        }
        .into_any(),
        None => view! {
            <a class="button" href=format!("/learn/{}", place.course_id)>"Back to the course"</a>
        }
        .into_any(),
    }
}

#[component]
pub(super) fn LessonBody(v: LessonData) -> impl IntoView {
    let done = ServerAction::<CompleteLesson>::new();
    let place = v.place.clone();
    let label = if v.done {
        "Done · go on"
    } else if place.next.is_some() {
        "Mark as done and go on"
    } else {
        "Mark as done"
    };
    let next = v.done.then(|| next_link(&place));
    view! {
        <ItemHeader place=v.place.clone() kind="Lesson" />
        <article class="card prose lesson" inner_html=v.html></article>
        <div class="actions">
            <ActionForm action=done attr:class="inline">
                <input type="hidden" name="course" value=place.course_id.clone() />
                <input type="hidden" name="item" value=place.item_id.clone() />
                <button type="submit" class="button primary">{label}</button>
            </ActionForm>
            {next}
        </div>
    }
}

/// Hidden fields every step of an attempt carries.
#[component]
pub(super) fn StepFields(place: ItemPlace, attempt: AttemptRef) -> impl IntoView {
    view! {
        <input type="hidden" name="course" value=place.course_id />
        <input type="hidden" name="item" value=place.item_id />
        <input type="hidden" name="attempt" value=attempt.id />
        <input type="hidden" name="step" value=attempt.step />
    }
}
