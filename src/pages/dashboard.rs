//! Managers' dashboards: the overview, a team, a person, and assignments.
//! Every page works as plain HTML: filters are a GET form (the URL holds
//! them, so a view can be bookmarked), reminders and assignments are POST
//! forms to server functions.

use crate::api::dashboard::{
    dashboard_overview, dashboard_person, dashboard_team, list_assignments, status_label, Choice,
    Counts, DashFilter, TeamCompetencies, STATUSES,
};
use crate::components::charts::{
    tenths, Bar, BarChart, ChartPatterns, GroupedBars, LineChart, StatusBar,
};
use crate::components::{loading, ErrorNotice, Flash};
use crate::domain::time::{format_date, format_datetime};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

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
                            .map(|s| s.average_tenths)
                    })
                    .collect(),
            )
        })
        .collect();
    let label = format!(
        "Average points per finished scenario for {} (the table below lists the figures).",
        names.join(", ")
    );
    view! {
        <GroupedBars groups=names.clone() series label />
        <details>
            <summary>"Competency scores as a table"</summary>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Competency scores table">
                <table>
                    <caption>"Average points per finished scenario (number of results)"</caption>
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
                                    view! { <td>{s.map(|s| format!("{} ({})", tenths(s.average_tenths), s.results)).unwrap_or_else(|| "—".into())}</td> }
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
            view! {
                <div class="field">
                    <label for="f-team">"Team"</label>
                    <select id="f-team" name="team">
                        <option value="">"All my teams"</option>
                        {teams.into_iter().map(|t| view! {
                            <option value=t.id.clone() selected=f.team.as_deref() == Some(t.id.as_str())>{t.name}</option>
                        }).collect_view()}
                    </select>
                </div>
            }.into_any()
        })}
        <div class="field">
            <label for="f-course">"Course"</label>
            <select id="f-course" name="course">
                <option value="">"All courses"</option>
                {courses.into_iter().map(|c| view! {
                    <option value=c.id.clone() selected=f.course.as_deref() == Some(c.id.as_str())>{c.name}</option>
                }).collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="f-status">"Status"</label>
            <select id="f-status" name="status">
                <option value="">"Any status"</option>
                {STATUSES.into_iter().map(|(k, l)| view! {
                    <option value=k selected=f.status.as_deref() == Some(k)>{l}</option>
                }).collect_view()}
            </select>
        </div>
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

fn cell_text(c: &crate::api::dashboard::PersonCourse) -> String {
    let mut s = status_label(&c.status).to_owned();
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

fn cell_class(c: &crate::api::dashboard::PersonCourse) -> &'static str {
    if c.overdue {
        "status status-overdue"
    } else {
        match c.status.as_str() {
            "completed" => "status status-done",
            "in_progress" => "status status-progress",
            _ => "status status-new",
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
                    <section class="card" aria-labelledby="people-title">
                        <h2 id="people-title">"People"</h2>
                        {if r.people.is_empty() {
                            view! { <p>"Nobody in this team matches the filters."</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-wrap" tabindex="0" role="region" aria-labelledby="people-title">
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
                                </div>
                            }.into_any()
                        }}
                    </section>
                    <section class="card" aria-labelledby="team-comp">
                        <h2 id="team-comp">"Competencies"</h2>
                        <CompetencyChart rows=vec![r.competencies.clone()] />
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

fn outcome_label(key: &str) -> &'static str {
    match key {
        "resolved" => "Resolved",
        "partly_resolved" => "Partly resolved",
        "lost" => "Customer lost",
        _ => "Ended",
    }
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
                    <section class="card" aria-labelledby="pc-title">
                        <h2 id="pc-title">"Courses"</h2>
                        {if p.courses.is_empty() {
                            view! { <p>"No course assigned or started."</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-wrap" tabindex="0" role="region" aria-labelledby="pc-title">
                                    <table>
                                        <thead><tr>
                                            <th scope="col">"Course"</th><th scope="col">"Status"</th><th scope="col">"Due"</th>
                                            <th scope="col">"Started"</th><th scope="col">"Completed"</th><th scope="col">"Renewed"</th><th scope="col">"Last reminder"</th>
                                        </tr></thead>
                                        <tbody>
                                            {p.courses.into_iter().map(|c| view! {
                                                <tr>
                                                    <th scope="row">{c.course.name.clone()}{(!c.assigned).then_some(" (not assigned)")}</th>
                                                    <td><span class=cell_class(&c.state)>{status_label(&c.state.status)}{c.state.overdue.then_some(", overdue")}</span></td>
                                                    <td>{c.state.due_at.map(format_date).unwrap_or_else(|| "—".into())}</td>
                                                    <td>{c.started_at.map(format_date).unwrap_or_else(|| "—".into())}</td>
                                                    <td>{c.state.completed_at.map(format_date).unwrap_or_else(|| "—".into())}</td>
                                                    <td>{if c.renewals == 0 { "—".to_owned() } else { format!("{} times", c.renewals) }}</td>
                                                    <td>{c.last_nudged_at.map(format_datetime).unwrap_or_else(|| "—".into())}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }}
                    </section>
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
                                        {if a.kind == "quiz" { "Quiz" } else { "Role-play" }}
                                        {format!(" · started {}", format_datetime(a.started_at))}
                                        {a.finished_at.map(|t| format!(" · finished {}", format_datetime(t)))}
                                        {match a.status.as_str() { "active" => " · in progress", "abandoned" => " · set aside for a newer attempt", _ => "" }}
                                    </p>
                                    <p>
                                        {a.outcome.as_deref().map(|o| format!("Ending: {}. ", outcome_label(o)))}
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

/// Assign courses to teams or people, with due dates and renewal.
#[component]
pub fn AssignmentsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| list_assignments());
    let query = use_query_map();
    let keep = move |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let (k_course, k_team, k_email, k_due, k_renew) = (
        keep("course"),
        keep("team"),
        keep("email"),
        keep("due"),
        keep("renew_months"),
    );
    view! {
        <Title text="Assignments" />
        <nav class="breadcrumb" aria-label="Breadcrumb"><a href="/dashboard">"Dashboard"</a>" › Assignments"</nav>
        <div class="page-heading">
            <h1>"Assignments"</h1>
            <p class="lead">"Which courses each team or person must take, and by when."</p>
        </div>
        <Flash success="Assignment saved." />
        {move || query.read().get("removed").map(|_| view! { <div class="flash flash-ok" role="status"><p>"Assignment removed."</p></div> })}
        <Suspense fallback=loading>
            {move || {
                let (k_course, k_team, k_email, k_due, k_renew) = (k_course.clone(), k_team.clone(), k_email.clone(), k_due.clone(), k_renew.clone());
                Suspend::new(async move {
                let d = match data.await {
                    Ok(d) => d,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let today = format_date(d.now);
                view! {
                    <section class="card" aria-labelledby="new-assign">
                        <h2 id="new-assign">"Assign a course"</h2>
                        <p>"Choose a team, or give one person's email address. Assigning a course that is already assigned to them changes its due date."</p>
                        <form method="post" action="/api/dashboard_assign" class="stack">
                            <div class="field">
                                <label for="a-course">"Course"</label>
                                <select id="a-course" name="course" required>
                                    <option value="">"Choose a course"</option>
                                    {d.courses.into_iter().map(|c| view! { <option value=c.id.clone() selected=k_course == c.id>{c.name}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="a-team">"Team"</label>
                                <select id="a-team" name="team">
                                    <option value="">"No team (assign to one person)"</option>
                                    {d.teams.into_iter().map(|t| view! { <option value=t.id.clone() selected=k_team == t.id>{t.name}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="a-email">"Or one person's email"</label>
                                <input id="a-email" name="email" type="email" value=k_email autocomplete="off" />
                            </div>
                            <div class="field">
                                <label for="a-due">"Due date"</label>
                                <input id="a-due" name="due" type="date" min=today value=k_due aria-describedby="a-due-hint" />
                                <p class="hint" id="a-due-hint">"Leave empty for no due date."</p>
                            </div>
                            <div class="field">
                                <label for="a-renew">"Renew every (months)"</label>
                                <input id="a-renew" name="renew_months" type="number" min="1" max="60" inputmode="numeric" value=k_renew aria-describedby="a-renew-hint" />
                                <p class="hint" id="a-renew-hint">"For recurring training: the course opens again this many months after each completion. Leave empty if it does not recur."</p>
                            </div>
                            <button type="submit" class="button">"Assign"</button>
                        </form>
                    </section>
                    <section class="card" aria-labelledby="list-assign">
                        <h2 id="list-assign">"Current assignments"</h2>
                        {if d.rows.is_empty() {
                            view! { <p>"Nothing is assigned yet."</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-wrap" tabindex="0" role="region" aria-labelledby="list-assign">
                                    <table>
                                        <thead><tr>
                                            <th scope="col">"Course"</th><th scope="col">"Assigned to"</th><th scope="col">"Due"</th>
                                            <th scope="col">"Renews"</th><th scope="col">"By"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                        </tr></thead>
                                        <tbody>
                                            {d.rows.into_iter().map(|r| {
                                                let overdue = r.due_at.is_some_and(|t| t < d.now);
                                                let label = format!("Remove {} for {}", r.course.name, r.target);
                                                view! {
                                                    <tr>
                                                        <th scope="row">{r.course.name.clone()}</th>
                                                        <td>{match (r.team_id, r.user_id) {
                                                            (Some(t), _) => view! { <a href=format!("/dashboard/teams/{t}")>{r.target.clone()}</a> }.into_any(),
                                                            (None, Some(u)) => view! { <a href=format!("/dashboard/people/{u}")>{r.target.clone()}</a> }.into_any(),
                                                            _ => view! { <span>{r.target.clone()}</span> }.into_any(),
                                                        }}</td>
                                                        <td>{r.due_at.map(format_date).unwrap_or_else(|| "No due date".into())}{overdue.then_some(" (passed)")}</td>
                                                        <td>{r.renew_months.map(|m| format!("every {m} months")).unwrap_or_else(|| "—".into())}</td>
                                                        <td>{r.assigned_by.clone().unwrap_or_else(|| "—".into())}</td>
                                                        <td>
                                                            <form method="post" action="/api/dashboard_unassign" class="inline-form">
                                                                <input type="hidden" name="id" value=r.id.to_string() />
                                                                <button type="submit" class="link-button" aria-label=label>"Remove"</button>
                                                            </form>
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }}
                    </section>
                }.into_any()
            })}}
        </Suspense>
    }
}
