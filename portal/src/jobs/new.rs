//! Creating an application.

use leptos::prelude::*;

#[component]
pub fn NewJobPage() -> impl IntoView {
    view! { <h1>"New application"</h1> }
}
