//! The organisation overview: totals, heat map, competencies, trend.

use super::{
    heat_class, measure, page_href, share, with_query, CompetencyChart, FilterFields, NudgeForm,
    NudgedNotice, Summary,
};
use crate::api::dashboard::{dashboard_overview, status_label, DashFilter};
use crate::components::charts::{Bar, BarChart, ChartPatterns, LineChart};
use crate::components::{loading, ErrorNotice, Flash};
use crate::domain::time::format_date;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The overview of the teams the caller may see.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || query.with(DashFilter::from_query),
        |f| dashboard_overview(Some(f)),
    );
    view! {
        <Title text="Dashboard" />
        <div class="page-heading">
            <h1>"Dashboard"</h1>
            <p class="lead">"Is everyone trained, who is behind, and where are we weak?"</p>
        </div>
        <Flash />
        <NudgedNotice />
        <ChartPatterns />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let o = match data.await {
                    Ok(o) => o,
                    Err(e) => return view! {
                        <ErrorNotice error=e />
                        <p><a href="/dashboard">"Clear the filters"</a></p>
                    }.into_any(),
                };
                let f = o.filter.clone();
                let m = measure(&f);
                let qs = f.query_string();
                let bars: Vec<Bar> = o.courses.iter().zip(&o.per_course).map(|(c, n)| Bar {
                    label: c.name.clone(),
                    percent: n.percent(&m),
                    text: share(n.get(&m), n.assigned),
                }).collect();
                let trend_points: Vec<(String, i64)> = o.trend.iter().map(|p| (format_date(p.week_start)[5..].to_owned(), p.completed)).collect();
                let trend_rows = o.trend.clone();
                let courses_for_heat = o.courses.clone();
                view! {
                    <form method="get" action="/dashboard" class="filters" role="search" aria-label="Filter the dashboard">
                        <FilterFields filter=f.clone() courses=o.all_courses.clone() teams=Some(o.teams.clone()) />
                        <button type="submit" class="button">"Apply filters"</button>
                        {(!f.is_empty()).then(|| view! { <a href="/dashboard">"Clear filters"</a> })}
                    </form>
                    <div class="actions">
                        <a class="button" href=with_query("/dashboard/export.csv", &qs) download="" rel="external">"Download this view as CSV"</a>
                        <NudgeForm filter=f.clone() overdue=o.totals.overdue />
                        <a href="/dashboard/assignments">"Assignments and due dates"</a>
                    </div>

                    <section aria-labelledby="sum-title" class="card">
                        <h2 id="sum-title">"Where people are"</h2>
                        <Summary totals=o.totals />
                    </section>

                    <section aria-labelledby="course-title" class="card">
                        <h2 id="course-title">{format!("{} per course", status_label(&m))}</h2>
                        {if bars.is_empty() {
                            view! { <p>"No course is assigned in this view. "<a href="/dashboard/assignments">"Assign one"</a>"."</p> }.into_any()
                        } else {
                            view! {
                                <BarChart bars label=format!("Share of assigned people who are {} per course; the table below lists the figures.", status_label(&m).to_lowercase()) />
                                <details>
                                    <summary>"Courses as a table"</summary>
                                    <div class="table-wrap" tabindex="0" role="region" aria-label="Courses table">
                                        <table>
                                            <caption>"People per course and status"</caption>
                                            <thead><tr>
                                                <th scope="col">"Course"</th><th scope="col">"Assigned"</th><th scope="col">"Not started"</th>
                                                <th scope="col">"In progress"</th><th scope="col">"Completed"</th><th scope="col">"Overdue"</th>
                                            </tr></thead>
                                            <tbody>
                                                {o.courses.iter().zip(&o.per_course).map(|(c, n)| view! {
                                                    <tr><th scope="row">{c.name.clone()}</th><td>{n.assigned}</td><td>{n.not_started}</td>
                                                    <td>{n.in_progress}</td><td>{n.completed}</td><td>{n.overdue}</td></tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                </details>
                            }.into_any()
                        }}
                    </section>

                    <section aria-labelledby="heat-title" class="card">
                        <h2 id="heat-title">{format!("Teams × courses: share {}", status_label(&m).to_lowercase())}</h2>
                        <p>{format!("{} teams. Select a team to see its people.", o.teams_total)}</p>
                        <div class="table-wrap" tabindex="0" role="region" aria-labelledby="heat-title">
                            <table class="heatmap">
                                <caption class="visually-hidden">{format!("Share of assigned people {} by team and course; an empty cell means not assigned", status_label(&m).to_lowercase())}</caption>
                                <thead><tr>
                                    <th scope="col">"Team"</th>
                                    {courses_for_heat.iter().map(|c| view! { <th scope="col">{c.name.clone()}</th> }).collect_view()}
                                </tr></thead>
                                <tbody>
                                    {o.heat.iter().map(|row| {
                                        let href = with_query(&format!("/dashboard/teams/{}", row.team_id), &f.pairs().into_iter().filter(|(k, _)| *k != "team" && *k != "q").map(|(k, v)| format!("{k}={}", crate::components::encode(&v))).collect::<Vec<_>>().join("&"));
                                        view! {
                                            <tr>
                                                <th scope="row"><a href=href>{row.team.clone()}</a></th>
                                                {row.cells.iter().map(|c| match c {
                                                    Some(n) => {
                                                        let pct = n.percent(&m);
                                                        view! { <td class=heat_class(pct)>{format!("{pct}%")}<span class="cell-n">{format!(" {}/{}", n.get(&m), n.assigned)}</span></td> }.into_any()
                                                    }
                                                    None => view! { <td class="heat-none">"—"</td> }.into_any(),
                                                }).collect_view()}
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {(o.pages > 1).then(|| view! {
                            <nav class="pager" aria-label="Pages of teams">
                                {(o.page > 1).then(|| view! { <a href=page_href(&f, o.page - 1) rel="prev">"Previous teams"</a> })}
                                <span>{format!("Page {} of {}", o.page, o.pages)}</span>
                                {(o.page < o.pages).then(|| view! { <a href=page_href(&f, o.page + 1) rel="next">"Next teams"</a> })}
                            </nav>
                        })}
                    </section>

                    <section aria-labelledby="trend-title" class="card">
                        <h2 id="trend-title">"Completions per week"</h2>
                        <LineChart points=trend_points label=format!(
                            "Courses completed per week over the last {} weeks, {} in all; the table below lists each week.",
                            trend_rows.len(), trend_rows.iter().map(|p| p.completed).sum::<i64>()
                        ) />
                        <details>
                            <summary>"Weeks as a table"</summary>
                            <table>
                                <caption>"Completions per week (weeks start on Monday)"</caption>
                                <thead><tr><th scope="col">"Week of"</th><th scope="col">"Completed"</th></tr></thead>
                                <tbody>
                                    {trend_rows.into_iter().map(|p| view! { <tr><td>{format_date(p.week_start)}</td><td>{p.completed}</td></tr> }).collect_view()}
                                </tbody>
                            </table>
                        </details>
                    </section>

                    <section aria-labelledby="comp-title" class="card">
                        <h2 id="comp-title">"Competencies"</h2>
                        <p>"Average points per finished role-play, from every attempt. Higher is better."</p>
                        <CompetencyChart rows=o.competencies.clone() />
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}
