//! Provisioning logs: the filtered table and one entry's detail.

use leptos::prelude::*;

#[component]
pub fn LogsPage() -> impl IntoView {
    view! { <h1>"Provisioning logs"</h1> }
}

#[component]
pub fn LogEntryPage() -> impl IntoView {
    view! { <h1>"Log entry"</h1> }
}
