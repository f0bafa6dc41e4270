//! The job's connection tab.

use leptos::prelude::*;

use super::state::JobSignal;

#[component]
pub fn ConnectionTab(job: JobSignal) -> impl IntoView {
    let _ = job;
    view! { <h2>"connection"</h2> }
}
