//! What learners chose in a published scenario.

use super::edit_href;
use super::map::MapView;
use crate::api::authoring::*;
use crate::components::{loading, ErrorNotice};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The scenario map and its table alternative.
/// A share as a small bar. SVG geometry, not an inline `style`, so the
/// page's Content-Security-Policy (no inline styles) does not drop it.
#[component]
pub(super) fn ShareBar(pct: u32) -> impl IntoView {
    let pct = pct.min(100);
    view! {
        <svg class="bar-cell" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
            <rect class="bar-fill" x="0" y="0" width=pct.to_string() height="10"></rect>
        </svg>
    }
}

/// What learners chose, aggregated: endings, choices per scene, drop-outs,
/// quiz answers per option.
#[component]
pub fn AuthorAnalyticsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || query.with(|q| q.get("path").unwrap_or_default()),
        author_analytics,
    );
    view! {
        <Title text="What learners chose" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let a = match data.await {
                    Ok(a) => a,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let total_endings: i64 = a.endings.iter().map(|e| e.1).sum();
                view! {
                    <p class="breadcrumb"><a href=edit_href(&a.path)>{format!("← Edit {}", a.path)}</a></p>
                    <div class="page-heading">
                        <h1>{format!("What learners chose: {}", a.title)}</h1>
                        <p class="lead">{format!("{} attempts on the published version, {} finished. Counts only: no one's individual answers are shown.", a.attempts, a.finished)}</p>
                    </div>
                    {(!a.endings.is_empty()).then(|| view! {
                        <section class="card" aria-labelledby="endings-title">
                            <h2 id="endings-title">"Endings reached"</h2>
                            <table>
                                <thead><tr><th scope="col">"Ending"</th><th scope="col">"Attempts"</th><th scope="col">"Share"</th></tr></thead>
                                <tbody>
                                    {a.endings.iter().map(|(label, n)| {
                                        let pct = if total_endings > 0 { n * 100 / total_endings } else { 0 };
                                        view! {
                                            <tr><td>{label.clone()}</td><td>{*n}</td>
                                            <td><ShareBar pct=pct as u32 />{format!(" {pct}%")}</td></tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    })}
                    {a.map.map(|m| view! { <MapView map=m /> })}
                    {(!a.typed.is_empty()).then(|| view! {
                        <section class="card" aria-labelledby="typed-title">
                            <h2 id="typed-title">"Typed replies"</h2>
                            <p class="hint">"Per scene: moments where the first typed reply was understood, understood after another try, or taken from the list after typing. Below each, replies that were not understood (text only): add phrasings like them to the reply they meant."</p>
                            <table>
                                <thead><tr><th scope="col">"Scene"</th><th scope="col">"Understood at once"</th><th scope="col">"After another try"</th><th scope="col">"Chose from the list"</th></tr></thead>
                                <tbody>
                                    {a.typed.iter().map(|t| view! {
                                        <tr><th scope="row">{t.scene.clone()}</th><td>{t.at_once}</td><td>{t.after_retry}</td><td>{t.fell_back}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {a.typed.into_iter().filter(|t| !t.not_understood.is_empty()).map(|t| view! {
                                <h3>{format!("Not understood in “{}”", t.scene)}</h3>
                                <ul class="not-understood">
                                    {t.not_understood.into_iter().map(|(text, n)| view! {
                                        <li>{format!("“{text}”")}{(n > 1).then(|| format!(" ({n} times)"))}</li>
                                    }).collect_view()}
                                </ul>
                            }).collect_view()}
                        </section>
                    })}
                    {(!a.questions.is_empty()).then(|| view! {
                        <section class="card" aria-labelledby="questions-title">
                            <h2 id="questions-title">"Answers per question"</h2>
                            {a.questions.into_iter().map(|q| view! {
                                <div class="question-stats">
                                    <h3><span inner_html=q.prompt_html></span></h3>
                                    <p>{match q.correct_share { Some(p) => format!("{p}% of {} answers were right.", q.answered), None => "Not answered yet.".into() }}</p>
                                    <table>
                                        <thead><tr><th scope="col">"Option"</th><th scope="col">"Right?"</th><th scope="col">"Picked by"</th></tr></thead>
                                        <tbody>
                                            {q.options.into_iter().map(|(html, correct, share)| view! {
                                                <tr class={if !correct && share.unwrap_or(0) >= 30 { "warn-row" } else { "" }}>
                                                    <td inner_html=html></td>
                                                    <td>{if correct { "right" } else { "wrong" }}</td>
                                                    <td>{share.map(|p| format!("{p}%")).unwrap_or_else(|| "–".into())}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }).collect_view()}
                        </section>
                    })}
                }.into_any()
            })}
        </Suspense>
    }
}
