//! The library page: every course and file, new files, imports.

use super::{edit_href, AuthorFlash};
use crate::api::authoring::*;
use crate::components::{encode, loading, ErrorNotice};
use crate::domain::time::format_datetime;
use leptos::prelude::*;
use leptos_meta::Title;

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
                                                    <td>{e.kind.as_str()}</td>
                                                    <td><span class=e.status.css()>{e.status.label()}</span></td>
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
                                <label><input type="radio" name="format" value="twee" />" Twine story (Twee, or Twine 2's published HTML or archive)"</label>
                            </fieldset>
                            <FileIntoTextarea target="import-source".to_string() />
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
#[cfg_attr(not(feature = "learner-bundle"), island)]
#[cfg_attr(feature = "learner-bundle", component)]
pub fn FileIntoTextarea(target: String) -> impl IntoView {
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
            let target = target.clone();
            leptos::task::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
                match text.ok().and_then(|t| t.as_string()) {
                    Some(t) => {
                        if let Some(area) = document()
                            .get_element_by_id(&target)
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
        let _ = (ev, &target);
    };
    view! {
        <label for="import-file">"Choose a file (.md, .twee or a Twine .html)"</label>
        <input id="import-file" name="file" type="file" accept=".md,.twee,.tw,.txt,.html,.htm,text/markdown,text/plain,text/html" on:change=on_change />
        <p class="hint" role="status">{move || status.get()}</p>
    }
}
