//! Provisio's admin portal: a Leptos client-side app that runs the engine in the browser.
//!
//! The binary (`src/main.rs`, built by Trunk) only mounts [`App`]; the components live here so
//! that browser component tests can mount them on their own.
//!
//! It reaches the server only through HTTP and the `provisio-api` types, and
//! must never depend on the server or the connectors.

pub mod agents;
pub mod api;
pub mod app;
pub mod directory;
pub mod jobs;
pub mod logs;
pub mod overview;
pub mod playground;
pub mod session;
pub mod settings;
pub mod tokens;
pub mod ui;

pub use app::App;
pub use playground::Playground;

/// Mounts the whole portal on the page's `<body>`, replacing the "Loading
/// Provisio…" line `index.html` paints while the wasm downloads.
pub fn start() {
    if let Some(boot) = leptos::prelude::document().get_element_by_id("boot") {
        boot.remove();
    }
    leptos::mount::mount_to_body(App);
}
