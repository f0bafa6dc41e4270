//! The job's preview tab.

use leptos::prelude::*;

use super::state::JobSignal;

#[component]
pub fn PreviewTab(job: JobSignal) -> impl IntoView {
    let _ = job;
    view! { <h2>"preview"</h2> }
}
