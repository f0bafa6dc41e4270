//! A job's page: its name and state, and the tabs (`/jobs/{id}/{tab}`),
//! each a link so it can be bookmarked, keyboard-reachable as a tab list.

// Here rather than in `jobs.rs`, beside the tab list that opens it.
mod assignments;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::state::{self, JobSignal};
use provisio_api::engine::job::Direction;

use super::{connection, definition, inbound, mappings, on_demand, preview, scoping, settings};
use crate::api::Failure;
use crate::ui::{ErrorNote, Loading};

/// The tabs: path segment and label.
const TABS: [(&str, &str); 9] = [
    ("inbound", "Provisioning API"),
    ("connection", "Connection"),
    ("assignments", "Assignments"),
    ("mappings", "Mappings"),
    ("scoping", "Scoping"),
    ("preview", "Preview"),
    ("on-demand", "Provision on demand"),
    ("settings", "Settings"),
    ("definition", "Definition"),
];

/// Tabs that only outbound jobs have: an inbound job has no connection of
/// its own, no directory objects to assign, preview or provision on demand.
const OUTBOUND_ONLY: [&str; 4] = ["connection", "assignments", "preview", "on-demand"];

/// Whether `segment` is a tab of a job going in `inbound`'s direction.
fn applies(segment: &str, inbound: bool) -> bool {
    if inbound {
        !OUTBOUND_ONLY.contains(&segment)
    } else {
        segment != "inbound"
    }
}

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let tab = move || params.with(|p| p.get("tab"));
    let failure = RwSignal::new(None::<Failure>);
    let loaded = LocalResource::new(move || {
        let id = id();
        async move { state::load(&id).await }
    });
    move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => {
            failure.set(Some(e));
            view! { <h1>"Application"</h1><ErrorNote failure=failure /> }.into_any()
        }
        Some(Ok(detail)) => {
            let job: JobSignal = RwSignal::new(detail);
            view! { <JobView job=job tab=Signal::derive(tab) /> }.into_any()
        }
    }
}

#[component]
fn JobView(job: JobSignal, tab: Signal<Option<String>>) -> impl IntoView {
    let inbound = Memo::new(move |_| job.with(|j| j.definition.direction == Direction::Inbound));
    // Without a tab in the path, or with one the job does not have, the
    // first one it has (so the panel is always labelled by a shown tab).
    let tab = Signal::derive(move || {
        let inbound = inbound.get();
        tab.get()
            .filter(|t| applies(t, inbound))
            .unwrap_or_else(|| if inbound { "inbound" } else { "connection" }.to_owned())
    });
    let base = move || format!("/jobs/{}", crate::api::encode(&job.with(|j| j.id.clone())));
    view! {
        <header class="job-header">
            <h1>{move || job.with(|j| j.definition.name.clone())}</h1>
            <span class="job-state">{move || job.with(|j| format!("{:?}", j.state).to_lowercase())}</span>
        </header>
        <nav class="tabs" aria-label="Application">
            <ul role="tablist">
                {move || TABS.into_iter().filter(|(segment, _)| applies(segment, inbound.get())).map(|(segment, label)| view! {
                    // The list is only layout: to assistive technology the
                    // tablist owns its tabs directly.
                    <li role="presentation">
                        <a role="tab" id=format!("tab-{segment}") href=move || format!("{}/{segment}", base())
                            aria-selected=move || (tab.get() == segment).to_string()
                            class:active=move || tab.get() == segment>{label}</a>
                    </li>
                }).collect_view()}
            </ul>
        </nav>
        <section class="tab-panel" role="tabpanel" aria-labelledby=move || format!("tab-{}", tab.get())>
            {move || match tab.get().as_str() {
                "assignments" => view! { <assignments::AssignmentsTab job=job /> }.into_any(),
                "mappings" => view! { <mappings::MappingsTab job=job /> }.into_any(),
                "scoping" => view! { <scoping::ScopingTab job=job /> }.into_any(),
                "preview" => view! { <preview::PreviewTab job=job /> }.into_any(),
                "on-demand" => view! { <on_demand::OnDemandTab job=job /> }.into_any(),
                "settings" => view! { <settings::SettingsTab job=job /> }.into_any(),
                "definition" => view! { <definition::DefinitionTab job=job /> }.into_any(),
                "inbound" => view! { <inbound::InboundTab job=job /> }.into_any(),
                _ => view! { <connection::ConnectionTab job=job /> }.into_any(),
            }}
        </section>
    }
}
