//! The overview: every job's state, its last cycle and recent activity.

use leptos::prelude::*;

#[component]
pub fn Overview() -> impl IntoView {
    view! { <h1>"Overview"</h1> }
}
