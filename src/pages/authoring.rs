//! Trainers author in the browser: the library, the editor (a plain form
//! that works without JavaScript; with it, a live preview as you type),
//! history with diffs and roll-back, play-tests of drafts, and what
//! learners chose.

use crate::api::authoring::*;
use crate::components::{encode, escape_html, loading, ErrorNotice};
use crate::domain::time::format_datetime;
use crate::pages::content::item_body_view;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn edit_href(path: &str) -> String {
    format!("/author/edit?path={}", encode(path))
}

/// Messages after a form post, read from the URL.
#[component]
fn AuthorFlash() -> impl IntoView {
    let query = use_query_map();
    move || {
        let q = query.read();
        let ok = |msg: String| {
            view! { <div class="flash flash-ok" role="status"><p>{msg}</p></div> }.into_any()
        };
        if let Some(err) = q.get("error") {
            view! { <div class="flash flash-error" role="alert"><p>{err}</p></div> }.into_any()
        } else if let Some(r) = q.get("published") {
            ok(format!("Published as revision {r}. New attempts get it; learners in the middle of an attempt keep the version they started."))
        } else if q.get("saved").is_some() {
            ok("Draft saved. Learners still see the published version.".into())
        } else if q.get("withdrawn").is_some() {
            ok("Withdrawn: learners no longer get this file; their results so far are kept. Its text is kept here as a draft: publish it to bring it back.".into())
        } else if q.get("discarded").is_some() {
            ok("Draft discarded. The published version is unchanged.".into())
        } else if let Some(what) = q.get("composed") {
            ok(match what.as_str() {
                "published" => "Published. Learners now get the new arrangement and pass rules.",
                "moved" => {
                    "Moved, and saved as a draft. Learners see the new order when you publish."
                }
                "unchanged" => "Nothing changed, so nothing was saved.",
                _ => "Saved as a draft. Learners still see the published course.",
            }
            .into())
        } else if q.get("imported").is_some() {
            ok("Imported as a draft. Check it, then publish.".into())
        } else {
            ().into_any()
        }
    }
}

/// The library: every course folder and file with its status.
#[component]
pub fn AuthorLibraryPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| author_library());
    view! {
        <Title text="Authoring" />
        <div class="page-heading">
            <h1>"Authoring"</h1>
            <p class="lead">"Write and publish courses, scenarios and quizzes in the same markdown as the content folder. Drafts never reach learners until you publish them."</p>
        </div>
        <AuthorFlash />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let lib = match data.await {
                    Ok(l) => l,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let folders = lib.folders.clone();
                let folders2 = lib.folders.clone();
                let groups: Vec<(String, String, Vec<LibraryEntry>)> = lib.folders.iter().map(|(f, title)| {
                    (f.clone(), title.clone(), lib.entries.iter().filter(|e| &e.folder == f).cloned().collect())
                }).collect();
                view! {
                    {groups.into_iter().map(|(folder, title, entries)| {
                        let heading = format!("folder-{folder}");
                        let labelled = heading.clone();
                        let zip = format!("/author/course.zip?folder={}", encode(&folder));
                        view! {
                            <section class="card" aria-labelledby=labelled>
                                <h2 id=heading>{title.clone()}</h2>
                                <p class="hint">
                                    <code>{format!("{folder}/")}</code>" · "
                                    <a href=format!("/author/course?folder={}", encode(&folder))>"Arrange the course"</a>" · "
                                    <a href=zip download>{format!("Download {folder}.zip")}</a>
                                </p>
                                <table class="library">
                                    <caption class="visually-hidden">{format!("Files of {title}")}</caption>
                                    <thead><tr>
                                        <th scope="col">"File"</th><th scope="col">"Kind"</th><th scope="col">"Status"</th>
                                        <th scope="col">"Revision"</th><th scope="col">"Learners get"</th>
                                        <th scope="col">"Problems"</th><th scope="col">"Last edited"</th>
                                    </tr></thead>
                                    <tbody>
                                        {entries.into_iter().map(|e| {
                                            let problems = match (e.errors, e.warnings) {
                                                (0, 0) => "none".to_string(),
                                                (er, w) => format!("{er} errors, {w} warnings"),
                                            };
                                            view! {
                                                <tr>
                                                    <td>
                                                        <a href=edit_href(&e.path)>{e.title.clone()}</a>
                                                        <br /><span class="hint">{e.path.clone()}</span>
                                                    </td>
                                                    <td>{e.kind.clone()}</td>
                                                    <td><span class=format!("status-tag status-{}", e.status.split(',').next().unwrap_or("draft"))>{e.status.clone()}</span></td>
                                                    <td>{e.revision.map(|r| r.to_string()).unwrap_or_else(|| "–".into())}</td>
                                                    <td>{e.version.map(|v| format!("version {v}")).unwrap_or_else(|| "–".into())}</td>
                                                    <td class={if e.errors > 0 { "bad" } else { "" }}>{problems}</td>
                                                    <td>{e.editor.clone().unwrap_or_else(|| "content folder".into())}<br /><span class="hint">{format_datetime(e.edited_at)}</span></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        }
                    }).collect_view()}
                    <section class="card" aria-labelledby="new-title">
                        <h2 id="new-title">"Start a new file"</h2>
                        <form method="post" action="/api/author_create" class="stack">
                            <label for="new-folder">"Course folder"</label>
                            <select id="new-folder" name="folder">
                                {folders.into_iter().map(|(f, t)| view! { <option value=f.clone()>{format!("{t} ({f})")}</option> }).collect_view()}
                            </select>
                            <label for="new-folder-name">"…or a new course folder"</label>
                            <input id="new-folder-name" name="new_folder" type="text" placeholder="e.g. returns-and-refunds" aria-describedby="new-folder-hint" />
                            <p id="new-folder-hint" class="hint">"A new course needs its course.md first: choose “course” below."</p>
                            <label for="new-kind">"What to create"</label>
                            <select id="new-kind" name="kind">
                                <option value="scenario">"Scenario (role-play)"</option>
                                <option value="lesson">"Lesson"</option>
                                <option value="quiz">"Quiz"</option>
                                <option value="course">"Course (course.md)"</option>
                            </select>
                            <label for="new-name">"Title"</label>
                            <input id="new-name" name="name" type="text" required placeholder="e.g. The late parcel" />
                            <button type="submit" class="button primary">"Create draft"</button>
                        </form>
                    </section>
                    <section class="card" aria-labelledby="import-title">
                        <h2 id="import-title">"Import a file"</h2>
                        <form method="post" action="/author/upload" enctype="multipart/form-data" class="stack">
                            <label for="import-folder">"Course folder"</label>
                            <select id="import-folder" name="folder">
                                {folders2.into_iter().map(|(f, t)| view! { <option value=f.clone()>{format!("{t} ({f})")}</option> }).collect_view()}
                            </select>
                            <label for="import-name">"File name"</label>
                            <input id="import-name" name="name" type="text" placeholder="e.g. 06-the-late-parcel (the file's name, or its title, when empty)" />
                            <fieldset>
                                <legend>"Format"</legend>
                                <label><input type="radio" name="format" value="markdown" checked />" Rapport markdown"</label>
                                <label><input type="radio" name="format" value="twee" />" Twine story (Twee 3)"</label>
                            </fieldset>
                            <FileIntoTextarea target="import-source" />
                            <label for="import-source">"…or paste the file's text here"</label>
                            <textarea id="import-source" name="source" rows="8" spellcheck="false"></textarea>
                            <button type="submit" class="button primary">"Import as draft"</button>
                        </form>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

/// A file picker. Without JavaScript the file is uploaded with the form;
/// with it, the file is read into the text area first, so the trainer sees
/// (and can change) what will be imported.
#[component]
fn FileIntoTextarea(target: &'static str) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input: web_sys::HtmlInputElement = event_target(&ev);
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            if file.size() > 1_048_576.0 {
                status.set(format!(
                    "{} is {:.1} MB; a content file may be at most 1 MB.",
                    file.name(),
                    file.size() / 1_000_000.0
                ));
                return;
            }
            let name = file.name();
            leptos::task::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
                match text.ok().and_then(|t| t.as_string()) {
                    Some(t) => {
                        if let Some(area) = document()
                            .get_element_by_id(target)
                            .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
                        {
                            area.set_value(&t);
                        }
                        // The text area is now what is imported, edits included;
                        // the file's name is the default name, as without JavaScript.
                        input.set_value("");
                        if let Some(name_field) = document()
                            .get_element_by_id("import-name")
                            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                        {
                            if name_field.value().trim().is_empty() {
                                name_field.set_value(&name);
                            }
                        }
                        status.set(format!(
                            "{name} read into the text below: check it, then import."
                        ));
                    }
                    None => status.set(format!("{name} could not be read as text.")),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, target);
    };
    view! {
        <label for="import-file">"Choose a file (.md or .twee)"</label>
        <input id="import-file" name="file" type="file" accept=".md,.twee,.tw,.txt,text/markdown,text/plain" on:change=on_change />
        <p class="hint" role="status">{move || status.get()}</p>
    }
}

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

/// Moves the text cursor of the editor to the start of `line` (1-based).
fn jump_to_line(area: &NodeRef<leptos::html::Textarea>, line: usize) {
    if let Some(el) = area.get_untracked() {
        let text = el.value();
        let offset: usize = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(|l| l.encode_utf16().count())
            .sum();
        let _ = el.focus();
        let _ = el.set_selection_range(offset as u32, offset as u32);
        let line_height = 20.0;
        el.set_scroll_top(((line.saturating_sub(5)) as f64 * line_height) as i32);
    }
}

#[component]
fn Editor(data: EditorData) -> impl IntoView {
    let query = use_query_map();
    let path = data.path.clone();
    let initial = StoredValue::new(data.check.clone());
    let live: RwSignal<Option<CheckResult>> = RwSignal::new(None);
    let status = RwSignal::new(String::new());
    let area = NodeRef::<leptos::html::Textarea>::new();
    let generation = StoredValue::new(0u64);
    let timer: StoredValue<Option<leptos::prelude::TimeoutHandle>> = StoredValue::new(None);
    let path_for_input = path.clone();
    let backup_key = format!("rapport-editor:{path}");
    let key_for_input = backup_key.clone();
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        // A copy in this browser, so nothing typed is lost if a save cannot
        // reach the server.
        backup::store(&key_for_input, &text);
        let path = path_for_input.clone();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if let Some(t) = timer.get_value() {
            t.clear();
        }
        status.set("Checking…".into());
        let handle = set_timeout_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    let result = author_check(path, text).await;
                    if generation.get_value() != mine {
                        return;
                    }
                    match result {
                        Ok(r) => {
                            live.set(Some(r));
                            status.set("Preview up to date (not saved yet).".into());
                        }
                        Err(crate::api::AppError::Invalid(msg)) => status.set(msg),
                        Err(_) => status.set(
                            "The server could not be reached, so the preview is paused. Your text is safe here; keep typing, or save when the connection is back."
                                .into(),
                        ),
                    }
                });
            },
            std::time::Duration::from_millis(400),
        );
        timer.set_value(handle.ok());
    };
    // A link from the scenario map (`?line=N`) puts the cursor there.
    Effect::new(move |_| {
        if let Some(line) = query.with(|q| q.get("line").and_then(|l| l.parse::<usize>().ok())) {
            jump_to_line(&area, line);
        }
    });
    // Text typed here earlier that the server does not have (a save that
    // never arrived): offer it back. Once the server has it, forget it.
    let unsaved: RwSignal<Option<String>> = RwSignal::new(None);
    let server_text = StoredValue::new(data.text.clone());
    let key_for_mount = backup_key.clone();
    Effect::new(move |_| match backup::load(&key_for_mount) {
        Some(t) if t != server_text.get_value() => unsaved.set(Some(t)),
        Some(_) => backup::clear(&key_for_mount),
        None => {}
    });
    let key = StoredValue::new(backup_key);
    let restore = move |_| {
        if let (Some(text), Some(el)) = (unsaved.get_untracked(), area.get_untracked()) {
            el.set_value(&text);
            backup::store(&key.get_value(), &text);
            unsaved.set(None);
            status.set("Your unsaved text is back in the editor. Save it to keep it.".into());
        }
    };
    let forget = move |_| {
        backup::clear(&key.get_value());
        unsaved.set(None);
    };
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
    let is_scenario = data.check.kind == "scenario";
    let is_item = matches!(data.check.kind.as_str(), "scenario" | "quiz");
    let withdrawable = matches!(data.check.kind.as_str(), "lesson" | "scenario" | "quiz");
    let is_course = data.check.kind == "course";
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
                    <pre class="source-view">{c.theirs.clone()}</pre>
                </details>
            </section>
        }
    });
    let diagnostics_area = area;
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
        {move || unsaved.get().map(|_| view! {
            <div class="flash flash-error" role="alert">
                <p>"This browser has text for this file that was never saved (perhaps the server could not be reached)."</p>
                <p class="actions-row">
                    <button type="button" class="button primary" on:click=restore>"Put my unsaved text back"</button>
                    <button type="button" class="button" on:click=forget>"Discard it"</button>
                </p>
            </div>
        })}
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
                <section aria-labelledby="problems-title">
                    <h2 id="problems-title">"Problems"</h2>
                    {move || {
                        let c = check();
                        if c.diagnostics.is_empty() {
                            view! { <p class="ok-text">"No errors or warnings."</p> }.into_any()
                        } else {
                            let errors = c.errors();
                            view! {
                                <p>{format!("{errors} errors, {} warnings. Errors must be fixed before publishing.", c.diagnostics.len() - errors)}</p>
                                <ul class="problems">
                                    {c.diagnostics.into_iter().map(|d| {
                                        let kind = if d.error { "error" } else { "warning" };
                                        let line = d.line;
                                        view! {
                                            <li class=format!("problem problem-{kind}")>
                                                <a href="#source" on:click=move |ev| { ev.prevent_default(); jump_to_line(&diagnostics_area, line); }>
                                                    {format!("Line {}, column {}", d.line, d.col)}
                                                </a>
                                                " "<strong>{kind}</strong>": "{d.message.clone()}
                                                {d.hint.clone().map(|h| view! { <br /><span class="hint">{format!("Hint: {h}")}</span> })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }}
                </section>
            </section>
            <section class="preview-pane" aria-labelledby="preview-title">
                <h2 id="preview-title">"Preview: what learners will see"</h2>
                {move || preview_view(check())}
            </section>
        </div>
        {move || check().map.map(|m| view! { <MapView map=m /> })}
    }
}

fn preview_view(c: CheckResult) -> impl IntoView {
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

/// The scenario map and its table alternative.
/// A share as a small bar. SVG geometry, not an inline `style`, so the
/// page's Content-Security-Policy (no inline styles) does not drop it.
#[component]
fn ShareBar(pct: u32) -> impl IntoView {
    let pct = pct.min(100);
    view! {
        <svg class="bar-cell" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
            <rect class="bar-fill" x="0" y="0" width=pct.to_string() height="10"></rect>
        </svg>
    }
}

#[component]
fn MapView(map: ScenarioMap) -> impl IntoView {
    let unreachable = map.scenes.iter().filter(|s| s.unreachable).count();
    let dead = map
        .scenes
        .iter()
        .filter(|s| s.dead_end && !s.unreachable)
        .count();
    let summary = format!(
        "{} scenes, {} endings{}{}{}",
        map.scenes.len(),
        map.scenes.iter().filter(|s| s.ending.is_some()).count(),
        if unreachable > 0 {
            format!(", {unreachable} unreachable")
        } else {
            String::new()
        },
        if dead > 0 {
            format!(", {dead} dead ends")
        } else {
            String::new()
        },
        if map.attempts > 0 {
            format!(
                " · percentages from {} learners' attempts on the published version",
                map.attempts
            )
        } else {
            String::new()
        }
    );
    view! {
        <section class="card" aria-labelledby="map-heading">
            <h2 id="map-heading">"Scenario map"</h2>
            <p>{summary}</p>
            <ul class="map-legend">
                <li><span class="swatch map-start"></span>"start"</li>
                <li><span class="swatch map-resolved"></span>"ending: resolved"</li>
                <li><span class="swatch map-partly-swatch"></span>"ending: partly resolved (dotted)"</li>
                <li><span class="swatch map-lost-swatch"></span>"ending: lost (hatched)"</li>
                <li><span class="swatch map-unreachable"></span>"unreachable (dashed)"</li>
                <li><span class="swatch map-dead"></span>"dead end: no ending reachable (thick border)"</li>
            </ul>
            <div class="map-scroll" tabindex="0" role="region" aria-label="Scenario map, scrollable" inner_html=map.svg.clone()></div>
            <details>
                <summary>"The map as a table"</summary>
                <table>
                    <caption class="visually-hidden">"Scenes, what they are, and where each choice leads"</caption>
                    <thead><tr><th scope="col">"Scene"</th><th scope="col">"What it is"</th><th scope="col">"Choices → next scene"</th></tr></thead>
                    <tbody>
                        {map.scenes.clone().into_iter().map(|s| {
                            let what = [
                                s.start.then(|| "start".to_string()),
                                s.ending.clone().map(|e| format!("ending ({})", e.replace('_', " "))),
                                s.unreachable.then(|| "unreachable".to_string()),
                                (s.dead_end && s.ending.is_none()).then(|| "dead end".to_string()),
                                (s.dropped > 0).then(|| format!("{} learners stopped here", s.dropped)),
                                (s.ended > 0).then(|| format!("{} attempts ended here", s.ended)),
                            ].into_iter().flatten().collect::<Vec<_>>().join(", ");
                            view! {
                                <tr>
                                    <td><a href=format!("{}&line={}#source", edit_href(&map.path), s.line)>{format!("{} (#{}, line {})", s.title, s.id, s.line)}</a></td>
                                    <td>{what}</td>
                                    <td><ul class="plain">{s.choices.into_iter().map(|c| view! {
                                        <li>{format!("{} → #{}{}", c.text, c.target, c.share.map(|p| format!(" ({p}%, {} times)", c.taken)).unwrap_or_default())}</li>
                                    }).collect_view()}</ul></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </section>
    }
}

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
                        <pre class="diff">
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

/// Plays a draft as a learner would; nothing is recorded.
#[component]
pub fn AuthorPlayPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query.with(|q| {
                (
                    q.get("path").unwrap_or_default(),
                    q.get("moves").unwrap_or_default(),
                )
            })
        },
        |(p, m)| author_playtest(p, m),
    );
    view! {
        <Title text="Play-test" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let p = match data.await {
                    Ok(p) => p,
                    Err(e) => return view! {
                        <ErrorNotice error=e />
                    }.into_any(),
                };
                let base = format!("/author/play?path={}", encode(&p.path));
                let restart = base.clone();
                let back = p.back.clone().map(|b| format!("{base}&moves={b}"));
                view! {
                    <p class="breadcrumb"><a href=edit_href(&p.path)>{format!("← Edit {}", p.path)}</a></p>
                    <div class="page-heading">
                        <h1>{format!("Play-test: {}", p.title)}</h1>
                        <p class="lead">{if p.from_draft { "Playing the draft. Nothing you choose here is recorded or counted." } else { "Playing the published version (there is no draft). Nothing you choose here is recorded or counted." }}</p>
                    </div>
                    <section class="card persona" aria-labelledby="pt-persona">
                        <h2 id="pt-persona">{p.persona.clone()}</h2>
                        <p>{p.situation.clone()}</p>
                    </section>
                    <section class="card" aria-labelledby="pt-conversation">
                        <h2 id="pt-conversation">"Conversation"</h2>
                        <ol class="transcript">
                            {p.transcript.into_iter().map(|l| view! {
                                <li class=if l.mine { "line mine" } else { "line" }>
                                    {l.speaker.clone().map(|s| view! { <p class="speaker">{s}</p> })}
                                    {l.mine.then(|| view! { <p class="speaker">"You"</p> })}
                                    <div class="said prose" inner_html=l.html></div>
                                </li>
                            }).collect_view()}
                        </ol>
                        {p.feedback_html.map(|f| view! {
                            <aside class="feedback" aria-label="Feedback on your last reply"><div class="prose" inner_html=f></div></aside>
                        })}
                        <p class="hint">{p.totals.iter().map(|(k, v)| format!("{k} {v:+}")).collect::<Vec<_>>().join(" · ")}</p>
                    </section>
                    {match p.ending.clone() {
                        Some(e) => view! {
                            <section class="card" aria-labelledby="pt-end">
                                <h2 id="pt-end">{format!("Ending: {e}")}</h2>
                                {p.score.map(|s| view! { <p>{format!("Score {s}{}", p.best.map(|b| format!(" of a best possible {b}")).unwrap_or_default())}</p> })}
                                <p><a href=restart.clone() class="button">"Play again from the start"</a></p>
                            </section>
                        }.into_any(),
                        None => view! {
                            <section class="card" aria-labelledby="pt-choose">
                                <h2 id="pt-choose">{format!("{}: what do you say?", p.scene_title)}</h2>
                                {if p.choices.is_empty() {
                                    view! { <p class="bad">"No choice is on offer here: learners would be stuck. Fix this scene in the editor."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="choices plain">
                                            {p.choices.into_iter().map(|(_, text, moves)| view! {
                                                <li><a class="button choice" href=format!("{base}&moves={moves}")>{text}</a></li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any(),
                    }}
                    <p class="actions-row">
                        {back.map(|b| view! { <a href=b>"Take back the last reply"</a> })}
                        <a href=restart>"Start again"</a>
                    </p>
                }.into_any()
            })}
        </Suspense>
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

/// The editor's copy of what is typed, in the browser's local storage.
mod backup {
    #[cfg(feature = "hydrate")]
    fn storage() -> Option<web_sys::Storage> {
        leptos::prelude::window().local_storage().ok().flatten()
    }

    #[cfg(feature = "hydrate")]
    pub fn store(key: &str, text: &str) {
        if let Some(s) = storage() {
            let _ = s.set_item(key, text);
        }
    }

    #[cfg(feature = "hydrate")]
    pub fn load(key: &str) -> Option<String> {
        storage().and_then(|s| s.get_item(key).ok().flatten())
    }

    #[cfg(feature = "hydrate")]
    pub fn clear(key: &str) {
        if let Some(s) = storage() {
            let _ = s.remove_item(key);
        }
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn store(_key: &str, _text: &str) {}

    #[cfg(not(feature = "hydrate"))]
    pub fn load(_key: &str) -> Option<String> {
        None
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn clear(_key: &str) {}
}

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
fn CompositionForm(c: Composition) -> impl IntoView {
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
                            let quiz = item.kind == "quiz";
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
