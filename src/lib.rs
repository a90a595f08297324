//! Rapport: interactive training that teaches customer-facing staff to build
//! rapport with customers.
//!
//! The crate compiles twice: with `ssr` into the server binary (`src/main.rs`)
//! and with `hydrate` into the WebAssembly bundle that makes the pages
//! interactive in the browser. See ARCHITECTURE.md for the code map.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
#[cfg(feature = "ssr")]
pub mod content;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

/// The entry point of the WebAssembly bundle: attaches to the server-rendered
/// HTML instead of rendering it again.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Marks the document as interactive, for people's tools and the browser
    // tests: before this, a click is an ordinary form post.
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "");
    }
}
