//! The list of applications.

use leptos::prelude::*;

#[component]
pub fn JobsPage() -> impl IntoView {
    view! { <h1>"Applications"</h1> }
}
