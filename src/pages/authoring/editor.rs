//! The editor page: a plain form that saves and publishes without
//! JavaScript; with it, a live check and preview as you type.

use super::backup::UnsavedText;
use super::live_check::live_check;
use super::map::MapView;
use super::playtest::Closeness;
use super::problems::{jump_to_line, Problems};
use super::AuthorFlash;
use crate::api::authoring::*;
use crate::components::{encode, escape_html, loading, ErrorNotice};
use crate::domain::course::{FileKind, ItemBody};
use crate::domain::time::format_datetime;
use crate::pages::content::item_body_view;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The editor for one file.
#[component]
pub fn AuthorEditPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query.with(|q| {
                (
                    q.get("path").unwrap_or_default(),
                    q.get("conflict").and_then(|c| c.parse::<i64>().ok()),
                )
            })
        },
        |(p, c)| author_open(p, c),
    );
    view! {
        <Title text="Editor" />
        <p class="breadcrumb"><a href="/author">"← Authoring"</a></p>
        <AuthorFlash />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Editor data=d /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The editor runs in the browser (an island): the live check, the
/// problems' links to their lines, the unsaved-text backup and the typed
/// reply try-out. Its forms are plain posts, so it saves without JavaScript.
#[cfg_attr(not(feature = "learner-bundle"), island)]
#[cfg_attr(feature = "learner-bundle", component)]
pub fn Editor(data: EditorData) -> impl IntoView {
    let path = data.path.clone();
    let initial = StoredValue::new(data.check.clone());
    let live: RwSignal<Option<CheckResult>> = RwSignal::new(None);
    let status = RwSignal::new(String::new());
    let area = NodeRef::<leptos::html::Textarea>::new();
    let backup_key = format!("rapport-editor:{path}");
    let on_input = live_check(path.clone(), backup_key.clone(), live, status);
    // A link from the scenario map (`?line=N`) puts the cursor there.
    Effect::new(move |_| {
        let search = window().location().search().unwrap_or_default();
        if let Some(line) = line_in_query(&search) {
            jump_to_line(&area, line);
        }
    });
    let check = move || live.get().unwrap_or_else(|| initial.get_value());
    let published = data.published;
    let has_draft = data.draft.is_some();
    let draft_note = match (&data.draft, published) {
        (Some(d), Some(r)) => format!(
            "Draft (saved {} by {}); learners get published revision {r}.",
            format_datetime(d.at),
            d.editor.clone().unwrap_or_else(|| "someone".into())
        ),
        (Some(d), None) => format!(
            "New file, not published yet (draft saved {} by {}).",
            format_datetime(d.at),
            d.editor.clone().unwrap_or_else(|| "someone".into())
        ),
        (None, Some(r)) => format!("Published revision {r}; no draft. Saving starts a draft."),
        (None, None) => String::new(),
    };
    let is_scenario = data.check.kind == FileKind::Scenario;
    let is_item = matches!(data.check.kind, FileKind::Scenario | FileKind::Quiz);
    let withdrawable = data.check.kind.item().is_some();
    let is_course = data.check.kind == FileKind::Course;
    let arrange = format!(
        "/author/course?folder={}",
        encode(path.split('/').next().unwrap_or(""))
    );
    let history = format!("/author/history?path={}", encode(&path));
    let play = format!("/author/play?path={}", encode(&path));
    let stats = format!("/author/analytics?path={}", encode(&path));
    let download = format!("/author/download?path={}&draft=1", encode(&path));
    let conflict = data.conflict.clone().map(|c| {
        view! {
            <section class="flash flash-error conflict" role="alert" aria-labelledby="conflict-title">
                <h2 id="conflict-title">"Your save was refused: someone else saved first"</h2>
                <p>{format!(
                    "{} saved this file at {} while you were editing. Nothing was overwritten. Your text is in the editor below; theirs is shown here. Merge what you need, then save again.",
                    c.their_editor.clone().unwrap_or_else(|| "Someone".into()),
                    format_datetime(c.their_at)
                )}</p>
                <details open>
                    <summary>"Their version"</summary>
                    <pre class="source-view" tabindex="0" role="region" aria-label="Their version, scrollable">{c.theirs.clone()}</pre>
                </details>
            </section>
        }
    });
    view! {
        <div class="page-heading">
            <h1>{format!("Edit {}", data.path)}</h1>
            <p class="lead">{draft_note}</p>
            <p class="actions-row">
                {published.map(|_| view! { <a href=history.clone()>"History"</a> })}
                {is_scenario.then(|| view! { <a href=play.clone()>"Play-test"</a> })}
                {(is_item && published.is_some()).then(|| view! { <a href=stats.clone()>"What learners chose"</a> })}
                {is_course.then(|| view! { <a href=arrange.clone()>"Arrange the course"</a> })}
                <a href=download.clone() download>"Download markdown"</a>
            </p>
        </div>
        {conflict}
        <UnsavedText key=backup_key server_text=data.text.clone() area status />
        <div class="editor-layout">
            <section class="editor-pane" aria-labelledby="source-title">
                <h2 id="source-title">"Source"</h2>
                <form method="post" action="/api/author_save" class="editor-form">
                    <input type="hidden" name="path" value=path.clone() />
                    <input type="hidden" name="base" value=data.base.clone() />
                    <label for="source">{format!("Markdown of {}", path)}</label>
                    <textarea id="source" name="source" rows="28" spellcheck="false" node_ref=area on:input=on_input aria-describedby="check-status" inner_html=escape_html(&data.text)></textarea>
                    <p id="check-status" class="hint" role="status" aria-live="polite">{move || status.get()}</p>
                    <div class="actions-row">
                        <button type="submit" name="intent" value="save" class="button primary">"Save draft"</button>
                        <button type="submit" name="intent" value="publish" class="button">"Save and publish"</button>
                    </div>
                </form>
                {has_draft.then(|| view! {
                    <form method="post" action="/api/author_discard" class="inline-form">
                        <input type="hidden" name="path" value=path.clone() />
                        <input type="hidden" name="base" value=data.base.clone() />
                        <button type="submit" class="link-button">"Discard the draft"</button>
                    </form>
                })}
                {(published.is_some() && withdrawable).then(|| view! {
                    <details class="withdraw">
                        <summary>"Withdraw this file from learners"</summary>
                        <form method="post" action="/api/author_withdraw" class="stack">
                            <input type="hidden" name="path" value=path.clone() />
                            <p>"Learners will no longer get it; what they did so far is kept, and so is its history. The text stays here as a draft, so publishing it again brings it back. An item the course lists as required must be made optional on the Arrange page first."</p>
                            <label><input type="checkbox" name="confirm" value="yes" required />" Learners should no longer get this file"</label>
                            <button type="submit" class="button danger">"Withdraw"</button>
                        </form>
                    </details>
                })}
                <Problems check=Signal::derive(check) area />
            </section>
            <section class="preview-pane" tabindex="0" role="region" aria-labelledby="preview-title">
                <h2 id="preview-title">"Preview: what learners will see"</h2>
                {move || preview_view(check())}
                <TryReply path=path.clone() check=Signal::derive(check) area play=play.clone() />
            </section>
        </div>
        {move || check().map.map(|m| view! { <MapView map=m /> })}
    }
}

/// The `line` parameter of a query string (`?path=…&line=12`).
fn line_in_query(search: &str) -> Option<usize> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("line="))
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::line_in_query;

    #[test]
    fn the_line_comes_from_the_query() {
        assert_eq!(line_in_query("?path=a%2Fb.md&line=12"), Some(12));
        assert_eq!(line_in_query("?line=3"), Some(3));
        assert_eq!(line_in_query("?path=a.md"), None);
        assert_eq!(line_in_query("?line=x&outline=4"), None);
        assert_eq!(line_in_query(""), None);
    }
}

/// The scenes of the previewed scenario that take typed replies: (id, title).
fn typed_scenes(c: &CheckResult) -> Vec<(String, String)> {
    match c.preview.as_ref().map(|p| &p.item.body) {
        Some(ItemBody::Scenario(s)) => s
            .graph
            .scenes
            .iter()
            .filter(|sc| sc.takes_typed_replies())
            .map(|sc| (sc.id.clone(), sc.title.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

/// Beside the preview of a scenario with typed-reply scenes: type what a
/// learner might say and see how the text in the editor (saved or not)
/// would read it. It needs JavaScript (it reads the editor as it is);
/// without it, the play-test does the same for what is saved.
#[component]
fn TryReply(
    path: String,
    check: Signal<CheckResult>,
    area: NodeRef<leptos::html::Textarea>,
    play: String,
) -> impl IntoView {
    let scenes = Memo::new(move |_| check.with(typed_scenes));
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let scene = RwSignal::new(String::new());
    let said = RwSignal::new(String::new());
    let path = StoredValue::new(path);
    let tried = Action::new(move |(scene, said): &(String, String)| {
        let source = area.get_untracked().map(|a| a.value()).unwrap_or_default();
        author_try_reply(path.get_value(), source, scene.clone(), said.clone())
    });
    let send = move || {
        let chosen = scene.get_untracked();
        let chosen = if chosen.is_empty() {
            scenes.with_untracked(|s| s.first().map(|(id, _)| id.clone()).unwrap_or_default())
        } else {
            chosen
        };
        tried.dispatch((chosen, said.get_untracked()));
    };
    move || {
        let list = scenes.get();
        if list.is_empty() {
            return None;
        }
        if !hydrated.get() {
            return Some(
                view! {
                    <p class="hint">"This scenario takes typed replies: the "<a href=play.clone()>"play-test"</a>" shows how a typed text is read."</p>
                }
                .into_any(),
            );
        }
        Some(
            view! {
                <section class="card typed-try" aria-labelledby="try-title">
                    <h3 id="try-title">"Try a typed reply"</h3>
                    <p class="hint">"Reads the text in the editor as it is now, saved or not."</p>
                    <label for="try-scene">"Scene"</label>
                    <select id="try-scene" on:change=move |ev| scene.set(event_target_value(&ev))>
                        {list.into_iter().map(|(id, title)| {
                            let selected = scene.get_untracked() == id;
                            view! { <option value=id.clone() selected=selected>{format!("{title} (#{id})")}</option> }
                        }).collect_view()}
                    </select>
                    <label for="try-said">"What a learner might type"</label>
                    <textarea id="try-said" rows="2" maxlength="1000" prop:value=move || said.get()
                        on:input=move |ev| said.set(event_target_value(&ev))
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" && !ev.shift_key() {
                                ev.prevent_default();
                                send();
                            }
                        }></textarea>
                    <button type="button" class="button" on:click=move |_| send()>"See how it is read"</button>
                    <div aria-live="polite">
                        {move || tried.value().get().map(|r| match r {
                            Ok(t) if !t.available => view! {
                                <p class="hint">"The language model is not installed here, so typed text cannot be matched (run scripts/setup)."</p>
                            }.into_any(),
                            Ok(t) => {
                                let links = vec![None; t.scores.len()];
                                view! { <Closeness t links /> }.into_any()
                            }
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        })}
                    </div>
                </section>
            }
            .into_any(),
        )
    }
}

pub(super) fn preview_view(c: CheckResult) -> impl IntoView {
    if let Some(course) = c.course {
        return view! {
            <article class="card">
                <h3>{course.title}</h3>
                <p class="lead">{course.summary}</p>
                <div class="prose" inner_html=course.description_html></div>
                <h4>"Items learners get"</h4>
                <ol>{course.items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ol>
            </article>
        }
        .into_any();
    }
    match c.preview {
        Some(p) => view! {
            <p class="hint">{format!("{} · {}", p.item.title, p.item.kind().as_str())}</p>
            <div class="preview-body">{item_body_view(p.item.body, p.lesson_html)}</div>
        }
        .into_any(),
        None => view! {
            <p>"Nothing to preview until the front matter (between the two --- lines) is complete: see the problems."</p>
        }
        .into_any(),
    }
}
