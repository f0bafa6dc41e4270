//! The job's mappings tab.

use leptos::prelude::*;

use super::state::JobSignal;

#[component]
pub fn MappingsTab(job: JobSignal) -> impl IntoView {
    let _ = job;
    view! { <h2>"mappings"</h2> }
}
