//! The portal's shell: header, navigation and the page.

use leptos::prelude::*;

use crate::playground::Playground;

/// The whole portal. The expression playground is its only page so far.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="top-bar">
            <a class="brand" href="/">"Provisio"</a>
            <nav aria-label="Main">
                <ul>
                    <li>
                        <a href="/" aria-current="page">"Expression playground"</a>
                    </li>
                </ul>
            </nav>
        </header>
        <main id="main" tabindex="-1">
            <Playground />
        </main>
    }
}
