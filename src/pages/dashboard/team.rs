//! One team: its people by course.

use super::{with_query, CompetencyChart, FilterFields, NudgeForm, NudgedNotice, Summary};
use crate::api::dashboard::{dashboard_team, DashFilter};
use crate::components::charts::ChartPatterns;
use crate::components::{loading, ErrorNotice, Flash, TableCard};
use crate::domain::completion::CourseStatus;
use crate::domain::time::format_date;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

pub(super) fn cell_text(c: &crate::api::dashboard::PersonCourse) -> String {
    let mut s = c.status.label().to_owned();
    if c.overdue {
        s.push_str(", overdue");
    }
    if let (Some(d), None) = (c.due_at, c.completed_at) {
        s.push_str(&format!(" (due {})", format_date(d)));
    }
    if let Some(d) = c.completed_at {
        s.push_str(&format!(" ({})", format_date(d)));
    }
    s
}

pub(super) fn cell_class(c: &crate::api::dashboard::PersonCourse) -> &'static str {
    if c.overdue {
        "status status-overdue"
    } else {
        match c.status {
            CourseStatus::Completed => "status status-done",
            CourseStatus::InProgress => "status status-progress",
            CourseStatus::NotStarted | CourseStatus::Overdue => "status status-new",
        }
    }
}

/// One team: its people with their status per course.
#[component]
pub fn TeamDashboardPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0)),
                query.with(DashFilter::from_query),
            )
        },
        |(id, f)| dashboard_team(id, Some(f)),
    );
    view! {
        <Title text="Team" />
        <Flash />
        <NudgedNotice />
        <ChartPatterns />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let r = match data.await {
                    Ok(r) => r,
                    Err(e) => return view! { <ErrorNotice error=e /><p><a href="/dashboard">"Back to the dashboard"</a></p> }.into_any(),
                };
                let mut f = r.filter.clone();
                f.page = None;
                let mut nudge_filter = f.clone();
                nudge_filter.team = Some(r.team_id.to_string());
                let export_qs = nudge_filter.query_string();
                let path = format!("/dashboard/teams/{}", r.team_id);
                view! {
                    <Title text=r.team.clone() />
                    <nav class="breadcrumb" aria-label="Breadcrumb"><a href="/dashboard">"Dashboard"</a>" › "{r.team.clone()}</nav>
                    <div class="page-heading">
                        <h1>{r.team.clone()}</h1>
                        <p class="lead">{format!("{} people in the team.", r.members)}</p>
                    </div>
                    <form method="get" action=path.clone() class="filters" role="search" aria-label="Filter this team">
                        <FilterFields filter=f.clone() courses=r.courses.clone() teams=None />
                        <button type="submit" class="button">"Apply filters"</button>
                        {(!f.is_empty()).then(|| view! { <a href=path.clone()>"Clear filters"</a> })}
                    </form>
                    <div class="actions">
                        <a class="button" href=with_query("/dashboard/export.csv", &export_qs) download="" rel="external">"Download this team as CSV"</a>
                        <NudgeForm filter=nudge_filter overdue=r.totals.overdue />
                    </div>
                    <section class="card" aria-labelledby="team-sum">
                        <h2 id="team-sum">"Where people are"</h2>
                        <Summary totals=r.totals />
                    </section>
                    <TableCard id="people-title" title="People" empty=(r.people.is_empty()).then_some("Nobody in this team matches the filters.")>
                        <table>
                            <caption class="visually-hidden">"Each person's status per assigned course"</caption>
                            <thead><tr>
                                <th scope="col">"Person"</th>
                                {r.courses.iter().map(|c| view! { <th scope="col">{c.name.clone()}</th> }).collect_view()}
                            </tr></thead>
                            <tbody>
                                {r.people.into_iter().map(|p| view! {
                                    <tr>
                                        <th scope="row"><a href=format!("/dashboard/people/{}", p.id)>{p.name.clone()}</a><br /><span class="meta">{p.email.clone()}</span></th>
                                        {p.cells.into_iter().map(|c| match c {
                                            Some(c) => view! { <td><span class=cell_class(&c)>{cell_text(&c)}</span></td> }.into_any(),
                                            None => view! { <td>"—"</td> }.into_any(),
                                        }).collect_view()}
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </TableCard>
                    <section class="card" aria-labelledby="team-comp">
                        <h2 id="team-comp">"Competencies"</h2>
                        <CompetencyChart rows=vec![r.competencies.clone()] />
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}
