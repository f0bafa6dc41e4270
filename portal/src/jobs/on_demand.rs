//! The job's on demand tab.

use leptos::prelude::*;

use super::state::JobSignal;

#[component]
pub fn OnDemandTab(job: JobSignal) -> impl IntoView {
    let _ = job;
    view! { <h2>"on demand"</h2> }
}
