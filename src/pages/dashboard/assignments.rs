//! Assigning courses to teams and people.

use crate::api::dashboard::list_assignments;
use crate::components::{loading, ErrorNotice, Flash, TableCard};
use crate::domain::time::format_date;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

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
                    <TableCard id="list-assign" title="Current assignments" empty=(d.rows.is_empty()).then_some("Nothing is assigned yet.")>
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
                    </TableCard>
                }.into_any()
            })}}
        </Suspense>
    }
}
