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
