//! Arranging a course: order, required items, quiz rules.

use super::{edit_href, AuthorFlash};
use crate::api::authoring::*;
use crate::components::{encode, loading, ErrorNotice};
use crate::domain::course::ItemKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Composing a course: its description, the order of its items, which are
/// required, and its quizzes' pass rules, as a form (no JavaScript needed).
#[component]
pub fn AuthorCoursePage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || query.with(|q| q.get("folder").unwrap_or_default()),
        author_composition,
    );
    view! {
        <Title text="Arrange a course" />
        <p class="breadcrumb"><a href="/author">"← Authoring"</a></p>
        <AuthorFlash />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(c) => view! { <CompositionForm c=c /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub(super) fn CompositionForm(c: Composition) -> impl IntoView {
    let course_md = format!("{}/course.md", c.folder);
    let status = match (c.course_published, c.course_draft) {
        (true, true) => "Published, with draft changes that learners do not see yet.",
        (true, false) => "Published. Saving starts a draft; learners see it when you publish.",
        (false, _) => "Not published yet: publish to make the course available.",
    };
    let n = c.items.len();
    let errors = c.diagnostics.iter().filter(|d| d.error).count();
    let problems = (!c.diagnostics.is_empty()).then(|| {
        let href = edit_href(&course_md);
        view! {
            <section class="flash flash-error" aria-labelledby="compose-problems">
                <h2 id="compose-problems">{format!("course.md: {errors} errors, {} warnings", c.diagnostics.len() - errors)}</h2>
                <ul>
                    {c.diagnostics.iter().map(|d| view! {
                        <li>{format!("Line {}: {}", d.line, d.message)}</li>
                    }).collect_view()}
                </ul>
                <p><a href=href>"Open course.md in the editor"</a></p>
            </section>
        }
    });
    let unpublished = (!c.unpublished.is_empty()).then(|| {
        view! {
            <section class="card" aria-labelledby="compose-unpublished">
                <h2 id="compose-unpublished">"Drafts not in the course yet"</h2>
                <p>"These files have never been published. Publish one and it joins the course at the end of the list; then arrange it here."</p>
                <ul>
                    {c.unpublished.iter().map(|(path, title)| view! {
                        <li><a href=edit_href(path)>{title.clone()}</a>" "<span class="hint">{path.clone()}</span></li>
                    }).collect_view()}
                </ul>
            </section>
        }
    });
    view! {
        <div class="page-heading">
            <h1>{format!("Arrange “{}”", c.title)}</h1>
            <p class="lead">{status}</p>
            <p class="actions-row">
                <a href=edit_href(&course_md)>"Edit course.md as text"</a>
                <a href=format!("/author/course.zip?folder={}", encode(&c.folder)) download>{format!("Download {}.zip", c.folder)}</a>
            </p>
        </div>
        {problems}
        <form method="post" action="/api/author_compose" class="stack compose-form">
            // Pressing Enter in a field saves the draft (the first submit
            // button of a form is its default), not "move up".
            <button type="submit" name="intent" value="save" class="visually-hidden" tabindex="-1">"Save draft"</button>
            <input type="hidden" name="folder" value=c.folder.clone() />
            <input type="hidden" name="base" value=c.base.clone() />
            <fieldset class="card">
                <legend>"About the course"</legend>
                <label for="c-title">"Title"</label>
                <input id="c-title" name="about[title]" type="text" required maxlength="200" value=c.title.clone() />
                <label for="c-summary">"Summary (one sentence on My learning)"</label>
                <input id="c-summary" name="about[summary]" type="text" required maxlength="400" value=c.summary.clone() />
                <label for="c-minutes">"Estimated minutes"</label>
                <input id="c-minutes" name="about[minutes]" class="narrow" type="number" required min="1" max="600" value=c.minutes.clone() />
                <label for="c-comp">"Competencies it scores"</label>
                <input id="c-comp" name="about[competencies]" type="text" required value=c.competencies.clone() aria-describedby="c-comp-hint" />
                <p id="c-comp-hint" class="hint">"Separated by commas, e.g. empathy, ownership, honesty. Scenarios may only score these."</p>
            </fieldset>
            <fieldset class="card">
                <legend>"Items, in the order learners meet them"</legend>
                <p class="hint">"Change an item's position, or move it one place with its buttons (which also save the draft). A course is complete when every required item is: lessons read, scenarios finished, quizzes passed."</p>
                {(n == 0).then(|| view! { <p>"No published items yet. Create or import files from the library, publish them, then arrange them here."</p> })}
                <table class="compose-table">
                    <caption class="visually-hidden">"Items of the course"</caption>
                    <thead><tr>
                        <th scope="col">"Position"</th><th scope="col">"Item"</th><th scope="col">"Required"</th>
                        <th scope="col">"Quiz pass mark"</th><th scope="col">"Quiz attempts"</th><th scope="col">"Move"</th>
                    </tr></thead>
                    <tbody>
                        {c.items.iter().enumerate().map(|(i, item)| {
                            let field = |f: &str| format!("items[{i}][{f}]");
                            let pos_id = format!("pos-{i}");
                            let req_id = format!("req-{i}");
                            let pass_id = format!("pass-{i}");
                            let att_id = format!("att-{i}");
                            let quiz = item.kind == ItemKind::Quiz;
                            let title = item.title.clone();
                            view! {
                                <tr>
                                    <td>
                                        <input type="hidden" name=field("path") value=item.path.clone() />
                                        <input type="hidden" name=field("base") value=item.base.clone() />
                                        <label for=pos_id.clone() class="visually-hidden">{format!("Position of {title}")}</label>
                                        <select id=pos_id name=field("position")>
                                            {(1..=n).map(|p| view! { <option value=p.to_string() selected=p == i + 1>{p.to_string()}</option> }).collect_view()}
                                        </select>
                                    </td>
                                    <th scope="row">
                                        <a href=edit_href(&item.path)>{title.clone()}</a>
                                        <br /><span class="hint">{format!("{} · {} · #{}", item.kind, item.path, item.id)}</span>
                                        {item.draft_pending.then(|| view! { <br /><span class="status-tag status-draft">"draft pending"</span> })}
                                    </th>
                                    <td>
                                        <input id=req_id.clone() type="checkbox" name=field("required") value="on" checked=item.required />
                                        <label for=req_id class="visually-hidden">{format!("{title} is required")}</label>
                                    </td>
                                    <td>
                                        {quiz.then(|| view! {
                                            <label for=pass_id.clone() class="visually-hidden">{format!("Pass mark of {title}, per cent")}</label>
                                            <input id=pass_id.clone() class="narrow" type="number" min="1" max="100" required name=field("pass") value=item.pass.clone() />"%"
                                        })}
                                    </td>
                                    <td>
                                        {quiz.then(|| view! {
                                            <label for=att_id.clone() class="visually-hidden">{format!("Attempts at {title} (empty: no limit)")}</label>
                                            <input id=att_id.clone() class="narrow" type="number" min="1" max="100" name=field("attempts") value=item.attempts.clone() placeholder="no limit" />
                                        })}
                                    </td>
                                    <td class="move-cell">
                                        <button type="submit" name="intent" value=format!("up:{}", item.path) class="button small" disabled=i == 0 aria-label=format!("Move {title} up")>"↑"</button>
                                        <button type="submit" name="intent" value=format!("down:{}", item.path) class="button small" disabled=i + 1 == n aria-label=format!("Move {title} down")>"↓"</button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </fieldset>
            <div class="actions-row">
                <button type="submit" name="intent" value="save" class="button primary">"Save draft"</button>
                <button type="submit" name="intent" value="publish" class="button">"Save and publish"</button>
            </div>
        </form>
        {unpublished}
    }
}
