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

/// The entry point of the WebAssembly bundle. The pages are server-rendered
/// HTML that works without it; only the islands (`#[island]`: the editor,
/// the file picker, the typed-reply box) come alive in the browser, each
/// attached by the page script (`src/enhance.js`) after this returns; it
/// marks `<html data-hydrated>` once they are.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
