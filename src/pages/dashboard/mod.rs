//! Managers' dashboards: the overview, a team, a person, and assignments.
//! Every page works as plain HTML: filters are a GET form (the URL holds
//! them, so a view can be bookmarked), reminders and assignments are POST
//! forms to server functions.

mod assignments;
mod overview;
mod person;
mod team;

use crate::api::dashboard::{Choice, CompetencyScore, Counts, DashFilter, TeamCompetencies};
use crate::components::charts::{tenths, GroupedBars, StatusBar};
use crate::components::FilterSelect;
use crate::domain::completion::CourseStatus;
pub use assignments::AssignmentsPage;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
pub use overview::DashboardPage;
pub use person::PersonDashboardPage;
pub use team::TeamDashboardPage;

fn with_query(path: &str, qs: &str) -> String {
    if qs.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{qs}")
    }
}

fn page_href(f: &DashFilter, page: i64) -> String {
    let qs = f.query_string();
    let sep = if qs.is_empty() { "" } else { "&" };
    format!("/dashboard?{qs}{sep}page={page}")
}

/// "12 of 20 (60%)".
fn share(n: i64, of: i64) -> String {
    let pct = if of > 0 { n * 100 / of } else { 0 };
    format!("{n} of {of} ({pct}%)")
}

fn heat_class(pct: u32) -> &'static str {
    match pct {
        0..=19 => "heat heat-0",
        20..=39 => "heat heat-1",
        40..=59 => "heat heat-2",
        60..=79 => "heat heat-3",
        _ => "heat heat-4",
    }
}

/// The status whose share the charts show: the filter's, or completed.
fn measure(f: &DashFilter) -> String {
    f.status.clone().unwrap_or_else(|| "completed".into())
}

#[component]
fn Summary(totals: Counts) -> impl IntoView {
    view! {
        <dl class="summary">
            <div><dt>"Assigned"</dt><dd>{totals.assigned}</dd></div>
            <div><dt>"Not started"</dt><dd>{totals.not_started}</dd></div>
            <div><dt>"In progress"</dt><dd>{totals.in_progress}</dd></div>
            <div><dt>"Completed"</dt><dd>{totals.completed}</dd></div>
            <div class="summary-overdue"><dt>"Overdue"</dt><dd>{totals.overdue}</dd></div>
        </dl>
        <StatusBar
            label=format!(
                "People by status: {} completed, {} in progress, {} not started, of {} assigned; {} overdue.",
                totals.completed, totals.in_progress, totals.not_started, totals.assigned, totals.overdue
            )
            parts=vec![
                ("Completed".into(), totals.completed),
                ("In progress".into(), totals.in_progress),
                ("Not started".into(), totals.not_started),
            ]
        />
    }
}

/// Remind everyone overdue in the view: a POST form carrying the filter.
#[component]
fn NudgeForm(filter: DashFilter, overdue: i64) -> impl IntoView {
    view! {
        <form method="post" action="/api/dashboard_nudge" class="inline-form">
            {filter.pairs().into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v /> }).collect_view()}
            <button type="submit" class="button" disabled=overdue == 0>
                {if overdue == 0 { "Nobody is overdue".to_owned() } else { format!("Remind the {overdue} overdue") }}
            </button>
        </form>
    }
}

#[component]
fn NudgedNotice() -> impl IntoView {
    let query = use_query_map();
    move || {
        let q = query.read();
        q.get("nudged").map(|sent| {
            let skipped = q.get("skipped").unwrap_or_default();
            let skipped_text = match skipped.as_str() {
                "" | "0" => String::new(),
                n => format!(" {n} reminded in the last day were skipped."),
            };
            view! {
                <div class="flash flash-ok" role="status">
                    <p>{format!("Reminders sent: {sent}.{skipped_text} They appear on each person's My learning page.")}</p>
                </div>
            }
        })
    }
}

#[component]
fn CompetencyChart(rows: Vec<TeamCompetencies>) -> impl IntoView {
    let mut names: Vec<String> = rows
        .iter()
        .flat_map(|r| r.scores.iter().map(|s| s.competency.clone()))
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return view! { <p>"No scenario results yet in this view."</p> }.into_any();
    }
    let series: Vec<(String, Vec<Option<i64>>)> = rows
        .iter()
        .take(5)
        .map(|r| {
            (
                r.team.clone(),
                names
                    .iter()
                    .map(|n| {
                        r.scores
                            .iter()
                            .find(|s| &s.competency == n)
                            .and_then(|s| s.share)
                    })
                    .collect(),
            )
        })
        .collect();
    let label = format!(
        "Average share of the best possible score, per finished scenario, for {} (the table below lists the figures).",
        names.join(", ")
    );
    view! {
        <GroupedBars groups=names.clone() series label />
        <details>
            <summary>"Competency scores as a table"</summary>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Competency scores table">
                <table>
                    <caption>"Average share of the best possible score: 0% is the worst route through a scenario, 100% the best (average points and number of results in brackets)"</caption>
                    <thead><tr>
                        <th scope="col">"Team"</th>
                        {names.iter().map(|n| view! { <th scope="col">{n.clone()}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|r| view! {
                            <tr>
                                <th scope="row">{r.team.clone()}</th>
                                {names.iter().map(|n| {
                                    let s = r.scores.iter().find(|s| &s.competency == n);
                                    view! { <td>{s.map(share_cell).unwrap_or_else(|| "—".into())}</td> }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </details>
    }
    .into_any()
}

#[component]
fn FilterFields(
    filter: DashFilter,
    courses: Vec<Choice>,
    /// `None`: no team field (the team page).
    teams: Option<Vec<Choice>>,
) -> impl IntoView {
    let f = filter;
    view! {
        {teams.map(|teams| if teams.is_empty() {
            view! {
                <div class="field">
                    <label for="f-q">"Team name contains"</label>
                    <input id="f-q" name="q" type="search" value=f.q.clone().unwrap_or_default() maxlength="100" />
                </div>
            }.into_any()
        } else {
            let options = teams.into_iter().map(|t| (t.id, t.name)).collect();
            view! {
                <FilterSelect id="f-team" name="team" label="Team" any="All my teams" options selected=f.team.clone() />
            }.into_any()
        })}
        <FilterSelect id="f-course" name="course" label="Course" any="All courses"
            options=courses.into_iter().map(|c| (c.id, c.name)).collect()
            selected=f.course.clone() />
        <FilterSelect id="f-status" name="status" label="Status" any="Any status"
            options=CourseStatus::ALL.into_iter().map(|s| (s.as_str().to_owned(), s.label().to_owned())).collect()
            selected=f.status.clone() />
        <div class="field">
            <label for="f-from">"Due from"</label>
            <input id="f-from" name="from" type="date" value=f.from.clone().unwrap_or_default() />
        </div>
        <div class="field">
            <label for="f-to">"Due until"</label>
            <input id="f-to" name="to" type="date" value=f.to.clone().unwrap_or_default() />
        </div>
    }
}

/// "62% (2.7 points, 14 results)"; results finished before shares were
/// recorded show their points only.
fn share_cell(s: &CompetencyScore) -> String {
    let points = format!("{} points, {} results", tenths(s.average_tenths), s.results);
    match s.share {
        Some(p) => format!("{p}% ({points})"),
        None => format!("— ({points})"),
    }
}
