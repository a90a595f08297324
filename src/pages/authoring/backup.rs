//! The editor's copy of what is typed, in the browser's local storage,
//! so a closed tab or a lost connection loses nothing.

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

/// Text typed here earlier that the server does not have (a save that
/// never arrived): offered back, or discarded. Once the server has it, the
/// copy is forgotten.
#[leptos::component]
pub(super) fn UnsavedText(
    key: String,
    server_text: String,
    area: leptos::prelude::NodeRef<leptos::html::Textarea>,
    status: leptos::prelude::RwSignal<String>,
) -> impl leptos::IntoView {
    use leptos::prelude::*;
    let unsaved: RwSignal<Option<String>> = RwSignal::new(None);
    let key = StoredValue::new(key);
    let server_text = StoredValue::new(server_text);
    Effect::new(move |_| match load(&key.get_value()) {
        Some(t) if t != server_text.get_value() => unsaved.set(Some(t)),
        Some(_) => self::clear(&key.get_value()),
        None => {}
    });
    let restore = move |_| {
        if let (Some(text), Some(el)) = (unsaved.get_untracked(), area.get_untracked()) {
            el.set_value(&text);
            store(&key.get_value(), &text);
            unsaved.set(None);
            status.set("Your unsaved text is back in the editor. Save it to keep it.".into());
        }
    };
    let forget = move |_| {
        self::clear(&key.get_value());
        unsaved.set(None);
    };
    view! {
        {move || unsaved.get().map(|_| view! {
            <div class="flash flash-error" role="alert">
                <p>"This browser has text for this file that was never saved (perhaps the server could not be reached)."</p>
                <p class="actions-row">
                    <button type="button" class="button primary" on:click=restore>"Put my unsaved text back"</button>
                    <button type="button" class="button" on:click=forget>"Discard it"</button>
                </p>
            </div>
        })}
    }
}
