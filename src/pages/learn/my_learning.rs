//! My learning: a learner's courses, due dates and progress.

use super::{status_class, ProgressBar};
use crate::api::learn::*;
use crate::components::{loading, ErrorNotice, Flash};
use crate::domain::completion::CourseStatus;
use crate::domain::time::format_date;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub(super) fn CourseCardView(card: CourseCard, now: i64) -> impl IntoView {
    let heading = format!("course-{}", card.id);
    let labelled = heading.clone();
    let href = format!("/learn/{}", card.id);
    let action = match (&card.resume, card.started) {
        (Some(item), true) => Some(("Resume", format!("/learn/{}/{}", card.id, item))),
        (Some(item), false) => Some(("Start", format!("/learn/{}/{}", card.id, item))),
        (None, _) => None,
    };
    let due = card.due_at.map(|d| {
        let when = format_date(d);
        if card.status == CourseStatus::Overdue {
            format!("Was due {when}")
        } else if card.status == CourseStatus::Completed {
            format!("Due {when}")
        } else {
            let days = (d - now).div_euclid(86_400);
            match days {
                0 => format!("Due today, {when}"),
                1 => format!("Due tomorrow, {when}"),
                n => format!("Due {when} (in {n} days)"),
            }
        }
    });
    view! {
        <li class="card course-card" aria-labelledby=labelled>
            <h3 id=heading><a href=href>{card.title.clone()}</a></h3>
            <p>{card.summary.clone()}</p>
            <p class="meta">
                <span class=status_class(card.status)>{card.status.label()}</span>
                {due.map(|d| view! { <span class="due">{d}</span> })}
                <span>{format!("About {} minutes", card.minutes)}</span>
            </p>
            <ProgressBar percent=card.percent label=format!("Progress in {}", card.title) />
            <p class="actions">
                {action.map(|(label, href)| view! { <a class="button primary" href=href>{label}<span class="visually-hidden">{format!(": {}", card.title)}</span></a> })}
                {card.certificate.clone().map(|code| view! { <a class="button" href=format!("/certificates/{code}")>"Certificate"<span class="visually-hidden">{format!(" for {}", card.title)}</span></a> })}
            </p>
        </li>
    }
}

#[component]
pub fn MyLearningPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_learning());
    view! {
        <Title text="My learning" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let me = match data.await {
                    Ok(m) => m,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let now = me.now;
                let overdue = me.assigned.iter().filter(|c| c.status == CourseStatus::Overdue).count();
                view! {
                    <div class="page-heading">
                        <h1>"My learning"</h1>
                        <p class="lead">{if overdue > 0 {
                            format!("{overdue} of your assigned courses {} overdue.", if overdue == 1 { "is" } else { "are" })
                        } else {
                            "Your courses, where you left off and what is due.".to_string()
                        }}</p>
                    </div>
                    <Flash />
                    {(!me.notices.is_empty()).then(|| view! {
                        <section class="card notices" aria-labelledby="notices-title">
                            <h2 id="notices-title">"Notifications"</h2>
                            <ul>
                                {me.notices.into_iter().map(|n| view! {
                                    <li><span class="hint">{format_date(n.created_at)}": "</span>{n.message}</li>
                                }).collect_view()}
                            </ul>
                            <form method="post" action="/api/dismiss_notices" class="inline">
                                <button type="submit" class="button">"Mark all as read"</button>
                            </form>
                        </section>
                    })}
                    <section aria-labelledby="assigned-title">
                        <h2 id="assigned-title">"Assigned to me"</h2>
                        {if me.assigned.is_empty() {
                            view! { <p>"Nothing is assigned to you right now. You can take any course below."</p> }.into_any()
                        } else {
                            view! { <ul class="course-list">{me.assigned.into_iter().map(|c| view! { <CourseCardView card=c now=now /> }).collect_view()}</ul> }.into_any()
                        }}
                    </section>
                    {(!me.other.is_empty()).then(|| view! {
                        <section aria-labelledby="other-title">
                            <h2 id="other-title">"Other courses you can take"</h2>
                            <ul class="course-list">{me.other.into_iter().map(|c| view! { <CourseCardView card=c now=now /> }).collect_view()}</ul>
                        </section>
                    })}
                }
                .into_any()
            })}
        </Suspense>
    }
}
