//! A file's revisions, their diffs, and roll-back.

use super::{edit_href, AuthorFlash};
use crate::api::authoring::*;
use crate::components::{encode, loading, ErrorNotice};
use crate::domain::time::format_datetime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Every published revision, the changes of one, and roll-back.
#[component]
pub fn AuthorHistoryPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query.with(|q| {
                (
                    q.get("path").unwrap_or_default(),
                    q.get("revision").and_then(|r| r.parse::<i64>().ok()),
                )
            })
        },
        |(p, r)| author_history(p, r),
    );
    view! {
        <Title text="History" />
        <AuthorFlash />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let h = match data.await {
                    Ok(h) => h,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let path = h.path.clone();
                let shown = h.shown;
                view! {
                    <p class="breadcrumb"><a href=edit_href(&path)>{format!("← Edit {path}")}</a></p>
                    <div class="page-heading">
                        <h1>{format!("History of {path}")}</h1>
                        <p class="lead">"Every published revision. Publishing an older revision again rolls the file back; the history keeps everything."</p>
                    </div>
                    <table>
                        <caption class="visually-hidden">"Published revisions, newest first"</caption>
                        <thead><tr>
                            <th scope="col">"Revision"</th><th scope="col">"Published"</th><th scope="col">"By"</th>
                            <th scope="col">"How"</th><th scope="col">"Changes"</th><th scope="col">"Actions"</th>
                        </tr></thead>
                        <tbody>
                            {h.revisions.into_iter().map(|r| {
                                let show = format!("/author/history?path={}&revision={}", encode(&path), r.revision);
                                let path = path.clone();
                                view! {
                                    <tr class=if Some(r.revision) == shown { "selected" } else { "" }>
                                        <th scope="row">{r.revision}{r.current.then_some(" (live)")}</th>
                                        <td>{format_datetime(r.at)}</td>
                                        <td>{r.editor.clone().unwrap_or_else(|| "content folder".into())}</td>
                                        <td>{match r.origin.as_str() { "folder" => "from the content folder", "rollback" => "roll-back", "import" => "import", _ => "published in the browser" }}</td>
                                        <td>{match (r.added, r.removed) { (Some(a), Some(d)) => format!("+{a} −{d}"), _ => "not counted yet".to_string() }}</td>
                                        <td>
                                            <a href=show>{format!("Show changes of revision {}", r.revision)}</a>
                                            {(!r.current).then(|| view! {
                                                <form method="post" action="/api/author_rollback" class="inline-form">
                                                    <input type="hidden" name="path" value=path.clone() />
                                                    <input type="hidden" name="revision" value=r.revision.to_string() />
                                                    <button type="submit" class="button">{format!("Publish revision {} again", r.revision)}</button>
                                                </form>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <section class="card" aria-labelledby="diff-title">
                        <h2 id="diff-title">{format!("Changes in revision {}", shown.unwrap_or(0))}</h2>
                        <p class="hint">"Lines starting with + were added, − removed."</p>
                        <pre class="diff" tabindex="0" role="region" aria-labelledby="diff-title">
                            {h.diff.into_iter().map(|l| {
                                let (class, mark) = match l.tag { '+' => ("diff-add", "+ "), '-' => ("diff-del", "− "), _ => ("diff-same", "  ") };
                                view! { <span class=class>{mark}{l.text}"\n"</span> }
                            }).collect_view()}
                        </pre>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}
