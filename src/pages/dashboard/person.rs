//! One person: their courses and scenario paths.

use super::team::cell_class;
use crate::api::dashboard::dashboard_person;
use crate::components::{loading, ErrorNotice, TableCard};
use crate::domain::completion::AttemptStatus;
use crate::domain::course::ItemKind;
use crate::domain::time::{format_date, format_datetime};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `label` with its first letter in upper case, to start a sentence.
fn sentence(label: &str) -> String {
    let mut c = label.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// One person: their courses, attempts, scores, endings and paths.
#[component]
pub fn PersonDashboardPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0)),
        dashboard_person,
    );
    view! {
        <Title text="Person" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let p = match data.await {
                    Ok(p) => p,
                    Err(e) => return view! { <ErrorNotice error=e /><p><a href="/dashboard">"Back to the dashboard"</a></p> }.into_any(),
                };
                view! {
                    <Title text=p.name.clone() />
                    <nav class="breadcrumb" aria-label="Breadcrumb">
                        <a href="/dashboard">"Dashboard"</a>" › "
                        {p.team.clone().map(|t| view! { <a href=format!("/dashboard/teams/{}", t.id)>{t.name}</a>" › " })}
                        {p.name.clone()}
                    </nav>
                    <div class="page-heading">
                        <h1>{p.name.clone()}</h1>
                        <p class="lead">{p.email.clone()}{p.disabled.then_some(" (account disabled)")}</p>
                    </div>
                    <TableCard id="pc-title" title="Courses" empty=(p.courses.is_empty()).then_some("No course assigned or started.")>
                        <table>
                            <thead><tr>
                                <th scope="col">"Course"</th><th scope="col">"Status"</th><th scope="col">"Due"</th>
                                <th scope="col">"Started"</th><th scope="col">"Completed"</th><th scope="col">"Renewed"</th><th scope="col">"Last reminder"</th>
                            </tr></thead>
                            <tbody>
                                {p.courses.into_iter().map(|c| view! {
                                    <tr>
                                        <th scope="row">{c.course.name.clone()}{(!c.assigned).then_some(" (not assigned)")}</th>
                                        <td><span class=cell_class(&c.state)>{c.state.status.label()}{c.state.overdue.then_some(", overdue")}</span></td>
                                        <td>{c.state.due_at.map(format_date).unwrap_or_else(|| "—".into())}</td>
                                        <td>{c.started_at.map(format_date).unwrap_or_else(|| "—".into())}</td>
                                        <td>{c.state.completed_at.map(format_date).unwrap_or_else(|| "—".into())}</td>
                                        <td>{if c.renewals == 0 { "—".to_owned() } else { format!("{} times", c.renewals) }}</td>
                                        <td>{c.last_nudged_at.map(format_datetime).unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </TableCard>
                    <section aria-labelledby="pa-title">
                        <h2 id="pa-title">"Attempts"</h2>
                        {p.attempts.is_empty().then(|| view! { <p>"No role-play or quiz attempt yet."</p> })}
                        {p.attempts.into_iter().map(|a| {
                            let head = format!("{} — {}", a.course, a.item);
                            let id = format!("attempt-{}", a.id);
                            let labelled = id.clone();
                            view! {
                                <article class="card attempt" aria-labelledby=labelled>
                                    <h3 id=id>{head}</h3>
                                    <p class="meta">
                                        {if a.kind == ItemKind::Quiz { "Quiz" } else { "Role-play" }}
                                        {format!(" · started {}", format_datetime(a.started_at))}
                                        {a.finished_at.map(|t| format!(" · finished {}", format_datetime(t)))}
                                        {match a.status { AttemptStatus::Active => " · in progress", AttemptStatus::Abandoned => " · set aside for a newer attempt", AttemptStatus::Finished => "" }}
                                    </p>
                                    <p>
                                        {a.outcome.map(|o| format!("Ending: {}. ", sentence(o.label())))}
                                        {a.score.map(|s| format!("Score: {s}. "))}
                                        {a.passed.map(|p| if p { "Passed." } else { "Not passed." })}
                                    </p>
                                    {(!a.competencies.is_empty()).then(|| view! {
                                        <p>{format!("Competencies: {}", a.competencies.iter().map(|(c, v)| format!("{c} {v}")).collect::<Vec<_>>().join(", "))}</p>
                                    })}
                                    {(!a.path.is_empty()).then(|| view! {
                                        <details>
                                            <summary>{format!("The path taken ({} replies)", a.path.len())}</summary>
                                            <ol class="path">
                                                {a.path.into_iter().map(|s| view! {
                                                    <li><span class="path-scene">{s.scene}</span>": “"{s.reply}"”"{(!s.effects.is_empty()).then(|| format!(" ({})", s.effects))}</li>
                                                }).collect_view()}
                                            </ol>
                                        </details>
                                    })}
                                </article>
                            }
                        }).collect_view()}
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}
