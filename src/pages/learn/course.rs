//! A course's outline.

use super::{item_class, kind_label, status_class, ProgressBar};
use crate::api::learn::*;
use crate::components::{loading, ErrorNotice};
use crate::domain::course::ItemKind;
use crate::domain::time::format_date;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CourseOutlinePage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("course").unwrap_or_default(),
        course_view,
    );
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let c = match data.await {
                    Ok(c) => c,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let course_id = c.card.id.clone();
                let required: Vec<String> = c.items.iter().filter(|i| i.required).map(|i| i.title.clone()).collect();
                let resume = c.card.resume.clone().map(|item| {
                    let label = if c.card.started { "Resume" } else { "Start the course" };
                    view! { <a class="button primary" href=format!("/learn/{course_id}/{item}")>{label}</a> }
                });
                view! {
                    <Title text=c.card.title.clone() />
                    <nav class="breadcrumb" aria-label="Breadcrumb"><a href="/learn">"My learning"</a></nav>
                    <div class="page-heading">
                        <h1>{c.card.title.clone()}</h1>
                        <p class="lead">{c.card.summary.clone()}</p>
                    </div>
                    <p class="meta">
                        <span class=status_class(c.card.status)>{c.card.status.label()}</span>
                        {c.card.due_at.map(|d| view! { <span class="due">{format!("Due {}", format_date(d))}</span> })}
                        <span>{format!("About {} minutes", c.card.minutes)}</span>
                    </p>
                    <ProgressBar percent=c.card.percent label=format!("Progress in {}", c.card.title) />
                    <p class="actions">
                        {resume}
                        {c.card.certificate.clone().map(|code| view! { <a class="button" href=format!("/certificates/{code}")>"View your certificate"</a> })}
                    </p>
                    <div class="prose card" inner_html=c.description_html></div>
                    <section class="card" aria-labelledby="outline-title">
                        <h2 id="outline-title">"Outline"</h2>
                        <ol class="outline">
                            {c.items.into_iter().map(|i| {
                                let href = format!("/learn/{}/{}", course_id, i.id);
                                view! {
                                    <li>
                                        <a href=href>{i.title.clone()}</a>
                                        <span class="kind">{kind_label(i.kind)}</span>
                                        {i.minutes.map(|m| view! { <span class="hint">{format!("{m} min")}</span> })}
                                        <span class=item_class(i.state)>{i.state.label()}</span>
                                        {(!i.required).then(|| view! { <span class="hint">"Optional"</span> })}
                                        {i.best_score.filter(|_| i.kind == ItemKind::Quiz).map(|s| view! { <span class="hint">{format!("Best: {s}%")}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                        <p class="hint">{format!("To complete the course: {}. The quiz must be passed.", required.join(", "))}</p>
                        {(!c.competencies.is_empty()).then(|| view! { <p class="hint">{format!("Trains: {}.", c.competencies.join(", "))}</p> })}
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}
