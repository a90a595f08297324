//! The text box of a typed-reply scene: the learner says it in their own
//! words; the authored replies stay one click away.

use super::item::StepFields;
use crate::api::learn::*;
use crate::components::escape_html;
use leptos::form::ActionForm;
use leptos::prelude::*;

/// What the page says when the last reply was not taken.
fn retry_notice(why: TryVerdict) -> &'static str {
    match why {
        TryVerdict::Busy => "Many replies are being read right now, so yours was not. Send it again in a moment, or choose from the replies.",
        _ => "I'm not sure what you mean. Try saying it another way, or choose from the replies.",
    }
}

#[component]
pub(super) fn TypedReply(
    place: ItemPlace,
    attempt: AttemptRef,
    typed: TypedBox,
    /// The authored replies, as a list of forms.
    list: AnyView,
) -> impl IntoView {
    let say = ServerAction::<Say>::new();
    let why = typed.why;
    let busy = why == Some(TryVerdict::Busy);
    view! {
        <div class="typed-reply" id="say">
            {why.map(|w| view! { <p class="typed-retry" role="status">{retry_notice(w)}</p> })}
            <ActionForm action=say attr:class="say-form">
                <StepFields place=place attempt=attempt />
                <ReplyBox start=typed.retry.unwrap_or_default() max=typed.max_chars arrival=why.is_some() />
                <button type="submit" class="button primary">"Say it"</button>
            </ActionForm>
            <details class="reply-list" open=busy>
                <summary>"Choose from the replies instead"</summary>
                {list}
            </details>
        </div>
    }
}

/// The text box itself, the one part that runs in the browser: a live
/// character count, and Enter sends (Shift+Enter starts a new line). Without
/// JavaScript it is a plain text area and the button sends.
#[island]
pub fn ReplyBox(
    /// The text the box starts with (a reply that was not taken).
    start: String,
    max: usize,
    /// Where a keyboard user continues after a reply that was not taken.
    arrival: bool,
) -> impl IntoView {
    let area = NodeRef::<leptos::html::Textarea>::new();
    let count = RwSignal::new(start.chars().count());
    // The count is live only once the page is interactive; before, the
    // server's text says the limit.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let on_input = move |_| {
        if let Some(el) = area.get() {
            count.set(el.value().chars().count());
        }
    };
    // Not while an input method is composing a character.
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            if let Some(form) = area.get().and_then(|el| el.form()) {
                let _ = form.request_submit();
            }
        }
    };
    view! {
        <label for="said">"Your reply, in your own words"</label>
        <textarea id="said" name="said" rows="3" required maxlength=max.to_string()
            aria-describedby="said-help said-count" node_ref=area data-arrival=arrival.then_some("")
            on:input=on_input on:keydown=on_keydown
            inner_html=escape_html(&start)></textarea>
        <p id="said-help" class="hint">"Write it as you would say it to the customer. Enter sends; Shift+Enter starts a new line."</p>
        <p id="said-count" class="hint" aria-live="polite">
            {move || if live.get() {
                format!("{} of {max} characters", count.get())
            } else {
                format!("Up to {max} characters.")
            }}
        </p>
    }
}
