//! The job's scoping tab.

use leptos::prelude::*;

use super::state::JobSignal;

#[component]
pub fn ScopingTab(job: JobSignal) -> impl IntoView {
    let _ = job;
    view! { <h2>"scoping"</h2> }
}
