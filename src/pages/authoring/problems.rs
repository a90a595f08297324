//! The editor's list of problems: each error and warning with its place,
//! a link that puts the cursor there, and the hint.

use crate::api::authoring::CheckResult;
use leptos::prelude::*;

/// Moves the text cursor of the editor to the start of `line` (1-based).
pub(super) fn jump_to_line(area: &NodeRef<leptos::html::Textarea>, line: usize) {
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
pub(super) fn Problems(
    check: Signal<CheckResult>,
    area: NodeRef<leptos::html::Textarea>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="problems-title">
            <h2 id="problems-title">"Problems"</h2>
            {move || {
                let c = check.get();
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
                                        <a href="#source" on:click=move |ev| { ev.prevent_default(); jump_to_line(&area, line); }>
                                            {format!("Line {}, column {}", d.line, d.col)}
                                        </a>
                                        " "<strong>{kind}</strong>
                                        {d.check.clone().map(|c| view! { " "<span class="check-name">{format!("({c})")}</span> })}
                                        ": "{d.message.clone()}
                                        {d.hint.clone().map(|h| view! { <br /><span class="hint">{format!("Hint: {h}")}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}
