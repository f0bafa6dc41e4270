//! The job's settings tab.

use leptos::prelude::*;

use super::state::JobSignal;

#[component]
pub fn SettingsTab(job: JobSignal) -> impl IntoView {
    let _ = job;
    view! { <h2>"settings"</h2> }
}
