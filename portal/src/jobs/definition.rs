//! The job's definition tab.

use leptos::prelude::*;

use super::state::JobSignal;

#[component]
pub fn DefinitionTab(job: JobSignal) -> impl IntoView {
    let _ = job;
    view! { <h2>"definition"</h2> }
}
