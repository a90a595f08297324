//! Trainers' view of the loaded content: every course with its items,
//! versions and figures, the problems found in the content folder, and a
//! proofing view of each item (every scene, choice, condition, effect and
//! feedback of a scenario on one page, like a script).

use crate::api::content::{content_catalog, content_item, ItemPreview, Problem};
use crate::api::organisation::organisation_settings;
use crate::api::AppError;
use crate::components::{escape_html, loading, ErrorNotice, Flash};
use crate::domain::course::{ItemBody, Quiz, Scenario};
use crate::domain::scenario::{Block, Scene};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ContentPage() -> impl IntoView {
    let catalog = Resource::new(|| (), |_| content_catalog());
    view! {
        <Title text="Content" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let overview = match catalog.await {
                    Ok(o) => o,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let errors = overview.problems.iter().filter(|p| p.error).count();
                let warnings = overview.problems.len() - errors;
                view! {
                    <div class="page-heading">
                        <h1>"Content"</h1>
                        <p class="lead">{format!(
                            "{} courses loaded from the content folder. Files are checked when the server starts; run `rapport check` to check them before that.",
                            overview.courses.len()
                        )}</p>
                    </div>
                    <section class="card" aria-labelledby="problems-title">
                        <h2 id="problems-title">"Problems"</h2>
                        {if overview.problems.is_empty() {
                            view! { <p>"No errors or warnings: every file loaded cleanly."</p> }.into_any()
                        } else {
                            view! {
                                <p>{format!("{errors} errors, {warnings} warnings. Files with errors are left out until they are fixed.")}</p>
                                <ul class="problems">
                                    {overview.problems.into_iter().map(problem_view).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                    {overview.courses.into_iter().map(|c| {
                        let heading = format!("course-{}", c.id);
                        let labelled_by = heading.clone();
                        view! {
                            <section class="card" aria-labelledby=labelled_by>
                                <h2 id=heading>{c.title.clone()}</h2>
                                <p>{c.summary.clone()}</p>
                                <p class="hint">{format!("{} minutes · trains {}", c.minutes, c.competencies.join(", "))}</p>
                                <table>
                                    <caption class="visually-hidden">{format!("Items of {}", c.title)}</caption>
                                    <thead><tr>
                                        <th scope="col">"Item"</th><th scope="col">"Kind"</th><th scope="col">"Version"</th>
                                        <th scope="col">"Figures"</th><th scope="col">"Score range"</th>
                                    </tr></thead>
                                    <tbody>
                                        {c.items.into_iter().map(|i| view! {
                                            <tr>
                                                <td>
                                                    <a href=format!("/content/{}/{}", c.id, i.id)>{i.title.clone()}</a>
                                                    <br /><span class="hint">{i.file.clone()}{(!i.required).then_some(" · optional")}</span>
                                                </td>
                                                <td>{i.kind.as_str()}</td>
                                                <td>{i.version}</td>
                                                <td>{i.figures.clone()}</td>
                                                <td>{i.scores.iter().map(|s| format!("{} {}…{}", s.competency, s.min, s.max)).collect::<Vec<_>>().join(", ")}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        }
                    }).collect_view()}
                }
                .into_any()
            })}
        </Suspense>
    }
}

fn problem_view(p: Problem) -> impl IntoView {
    let kind = if p.error { "error" } else { "warning" };
    view! {
        <li class=format!("problem problem-{kind}")>
            <code>{format!("{}:{}:{}", p.file, p.line, p.col)}</code>
            " "<strong>{kind}</strong>": "{p.message}
            {p.hint.map(|h| view! { <br /><span class="hint">{format!("Hint: {h}")}</span> })}
        </li>
    }
}

#[component]
pub fn ContentItemPage() -> impl IntoView {
    let params = use_params_map();
    let preview = Resource::new(
        move || {
            params.with(|p| {
                (
                    p.get("course").unwrap_or_default(),
                    p.get("item").unwrap_or_default(),
                )
            })
        },
        |(course, item)| content_item(course, item),
    );
    view! {
        <Title text="Preview" />
        <p class="breadcrumb"><a href="/content">"← Content"</a></p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match preview.await {
                    Ok(p) => preview_view(p).into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn preview_view(p: ItemPreview) -> impl IntoView {
    let kind = p.item.kind().as_str();
    let lead = format!(
        "{} · {} · version {} · {}",
        p.course_title, kind, p.version, p.item.file
    );
    view! {
        <div class="page-heading">
            <h1>{p.item.title.clone()}</h1>
            <p class="lead">{lead}</p>
        </div>
        {item_body_view(p.item.body, p.lesson_html)}
    }
}

/// An item's whole content as a trainer proofs it (also the editor's
/// preview).
pub fn item_body_view(body: ItemBody, lesson_html: Option<String>) -> impl IntoView {
    match body {
        ItemBody::Lesson(_) => view! {
            <article class="card prose" inner_html=lesson_html.unwrap_or_default()></article>
        }
        .into_any(),
        ItemBody::Scenario(s) => scenario_view(s).into_any(),
        ItemBody::Quiz(q) => quiz_view(q).into_any(),
    }
}

fn blocks_view(blocks: Vec<Block>) -> impl IntoView {
    blocks
        .into_iter()
        .map(|b| {
            let condition = b.condition.map(|c| {
                view! { <p class="condition">{format!("Shown only if {c}")}</p> }
            });
            match b.speaker {
                Some(who) => view! {
                    <div class="line">
                        {condition}
                        <p class="speaker">{who}</p>
                        <div class="said prose" inner_html=b.html></div>
                    </div>
                }
                .into_any(),
                None => view! {
                    <div class="narration">{condition}<div class="prose" inner_html=b.html></div></div>
                }
                .into_any(),
            }
        })
        .collect_view()
}

fn scenario_view(s: Scenario) -> impl IntoView {
    let scoring = match s.scoring {
        crate::domain::course::Scoring::Ending => "scored by the ending reached",
        crate::domain::course::Scoring::Choices => "scored by the sum of choices",
        crate::domain::course::Scoring::None => "not scored",
    };
    view! {
        <section class="card persona" aria-labelledby="persona-title">
            <h2 id="persona-title">{s.persona.name.clone()}</h2>
            <dl class="facts">
                <dt>"Situation"</dt><dd>{s.persona.situation.clone()}</dd>
                <dt>"Mood"</dt><dd>{s.persona.mood.clone()}</dd>
                <dt>"Channel"</dt><dd>{s.channel.label()}</dd>
                <dt>"Competencies"</dt><dd>{s.competencies.join(", ")}</dd>
                <dt>"Scoring"</dt><dd>{scoring}{s.back.then_some("; learners may step back")}</dd>
                <dt>"Score range"</dt><dd>{s.score_ranges.iter().map(|(k, r)| format!("{k} {}…{}", r.min, r.max)).collect::<Vec<_>>().join(", ")}</dd>
            </dl>
            <div class="prose" inner_html=s.intro_html></div>
        </section>
        {s.graph.scenes.into_iter().enumerate().map(|(n, scene)| scene_view(n, scene)).collect_view()}
    }
}

fn scene_view(n: usize, scene: Scene) -> impl IntoView {
    let heading = format!("scene-{}", scene.id);
    let title_id = format!("{heading}-title");
    let labelled_by = title_id.clone();
    let ending = scene.ending.clone().map(|e| {
        view! {
            <p class="ending">
                <strong>{format!("Ending: {}", e.outcome.label())}</strong>
                {(e.score != 0).then(|| format!(" · score {}", e.score))}
            </p>
        }
    });
    view! {
        <section class="card scene" id=heading aria-labelledby=labelled_by>
            <h2 id=title_id>
                {scene.title.clone()}
                " "<span class="hint">{format!("#{}{}{}", scene.id, if n == 0 { " · start" } else { "" }, if scene.takes_typed_replies() { " · typed replies" } else { "" })}</span>
            </h2>
            {ending}
            {blocks_view(scene.blocks)}
            {(!scene.choices.is_empty()).then(|| view! {
                <ol class="choices">
                    {scene.choices.into_iter().map(|c| {
                        let effects = c.effects.iter().map(|(k, v)| format!("{k} {v:+}")).collect::<Vec<_>>().join(", ");
                        view! {
                            <li>
                                <p class="choice-text">{c.text.clone()}</p>
                                <p class="hint">
                                    "→ "<a href=format!("#scene-{}", c.target)>{format!("#{}", c.target)}</a>
                                    {c.id.map(|id| format!(" · id {id}"))}
                                    {c.condition.map(|cond| format!(" · only if {cond}"))}
                                    {(!effects.is_empty()).then(|| format!(" · {effects}"))}
                                </p>
                                {(!c.phrasings.is_empty()).then(|| view! {
                                    <p class="hint phrasings">{format!("Also: {}", c.phrasings.join(" · "))}</p>
                                })}
                                <blockquote class="feedback prose" inner_html=c.feedback_html></blockquote>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            })}
        </section>
    }
}

fn quiz_view(q: Quiz) -> impl IntoView {
    let rules = format!(
        "{} questions{} · pass mark {}%{}{}",
        q.questions.len(),
        q.draw
            .map(|d| format!(", {d} drawn per attempt"))
            .unwrap_or_default(),
        q.pass_percent,
        if q.shuffle { " · shuffled" } else { "" },
        q.attempts
            .map(|a| format!(" · {a} attempts"))
            .unwrap_or_default()
    );
    view! {
        <section class="card">
            <p>{rules}</p>
            <div class="prose" inner_html=q.intro_html></div>
        </section>
        {q.questions.into_iter().enumerate().map(|(n, question)| view! {
            <section class="card question" aria-labelledby=format!("q-{}", question.id)>
                <h2 id=format!("q-{}", question.id)>
                    {format!("{}. ", n + 1)}<span inner_html=question.prompt_html></span>
                </h2>
                {question.multiple.then(|| view! { <p class="hint">"Choose all that apply."</p> })}
                <div class="prose" inner_html=question.detail_html></div>
                <ul class="options">
                    {question.options.into_iter().map(|o| view! {
                        <li class=if o.correct { "option correct" } else { "option" }>
                            <p><strong>{if o.correct { "Right: " } else { "Wrong: " }}</strong><span inner_html=o.html></span></p>
                            <blockquote class="feedback prose" inner_html=o.feedback_html></blockquote>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }).collect_view()}
    }
}

/// Admins write the organisation's name, mission, vision and values, which
/// the brand-values course shows.
#[component]
pub fn OrganisationPage() -> impl IntoView {
    let org = Resource::new(|| (), |_| organisation_settings());
    let viewer = crate::app::viewer();
    view! {
        <Title text="Organisation" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(u)) if u.roles.has(crate::domain::Role::Admin) => {}
                    Ok(Some(_)) => return view! { <ErrorNotice error=AppError::Forbidden /> }.into_any(),
                    Ok(None) => return view! { <ErrorNotice error=AppError::Unauthenticated /> }.into_any(),
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                }
                let org = match org.await {
                    Ok(o) => o,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let blank = org.updated_at == 0;
                let value = move |s: String| if blank { String::new() } else { s };
                view! {
                    <div class="page-heading">
                        <h1>"Organisation"</h1>
                        <p class="lead">"Your mission, vision and values, in your own words. The course “Our brand in every conversation” shows them to every learner."</p>
                    </div>
                    <Flash success="Saved. Learners see the new words at once." />
                    <section class="card">
                        <form method="post" action="/api/admin_update_organisation" class="stack">
                            <div class="field">
                                <label for="org-name">"Organisation name"</label>
                                <input id="org-name" name="name" type="text" required maxlength="100" value=value(org.name.clone()) />
                            </div>
                            <div class="field">
                                <label for="org-mission">"Mission"</label>
                                <span class="hint" id="org-mission-hint">"What you do and for whom, in a sentence or two. Markdown is allowed."</span>
                                <textarea id="org-mission" name="mission" rows="3" required maxlength="2000" aria-describedby="org-mission-hint" inner_html=escape_html(&value(org.mission.clone()))></textarea>
                            </div>
                            <div class="field">
                                <label for="org-vision">"Vision"</label>
                                <span class="hint" id="org-vision-hint">"Where you are heading."</span>
                                <textarea id="org-vision" name="vision" rows="3" required maxlength="2000" aria-describedby="org-vision-hint" inner_html=escape_html(&value(org.vision.clone()))></textarea>
                            </div>
                            <div class="field">
                                <label for="org-values">"Values"</label>
                                <span class="hint" id="org-values-hint">"One per line as a list, e.g. “- **Honesty**: we say what we know and what we don't.”"</span>
                                <textarea id="org-values" name="values" rows="8" required maxlength="5000" aria-describedby="org-values-hint" inner_html=escape_html(&value(org.values.clone()))></textarea>
                            </div>
                            <button type="submit" class="button primary">"Save"</button>
                        </form>
                        <p><a href="/content/brand-values/why-our-values-matter">"See the lesson that shows these words"</a></p>
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}
