//! The Provision on demand tab: find a directory user, run the job's whole
//! pipeline for them now (`POST …/provision-on-demand`), and show each step
//! the engine took and what was done.

mod steps;

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::directory::{DirectoryUser, Page, USERS_PATH};
use provisio_api::jobs::{OnDemandResult, ProvisionOnDemandRequest, provision_on_demand_path};
use serde_json::Value;

use super::state::JobSignal;
use crate::api::{self, Failure};
use crate::ui::{ErrorNote, Loading};

/// How many users a search lists.
const FOUND: usize = 10;

fn text(user: &DirectoryUser, attribute: &str) -> String {
    user.attributes
        .get(attribute)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[component]
pub fn OnDemandTab(job: JobSignal) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Page<DirectoryUser>>);
    let searching = RwSignal::new(false);
    let search_failure = RwSignal::new(None::<Failure>);
    let chosen = RwSignal::new(None::<DirectoryUser>);
    let answer = RwSignal::new(None::<OnDemandResult>);
    let running = RwSignal::new(false);
    let run_failure = RwSignal::new(None::<Failure>);

    let find = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        search_failure.set(None);
        searching.set(true);
        let path = format!(
            "{USERS_PATH}?search={}&limit={FOUND}",
            api::encode(search.get_untracked().trim())
        );
        spawn_local(async move {
            match api::get::<Page<DirectoryUser>>(&path).await {
                Ok(page) => found.set(Some(page)),
                Err(e) => search_failure.set(Some(e)),
            }
            searching.set(false);
        });
    };
    let run = move |_| {
        let Some(user) = chosen.get_untracked() else { return };
        run_failure.set(None);
        answer.set(None);
        running.set(true);
        let path = job.with_untracked(|j| provision_on_demand_path(&j.id));
        let request = ProvisionOnDemandRequest {
            record: None,
            user: user.id,
            group: None,
            members: Vec::new(),
        };
        spawn_local(async move {
            match api::post::<_, OnDemandResult>(&path, &request).await {
                Ok(result) => answer.set(Some(result)),
                Err(e) => run_failure.set(Some(e)),
            }
            running.set(false);
        });
    };

    view! {
        <h2>"Provision on demand"</h2>
        <p class="hint">"Runs this job for one user now — import, scoping, matching and the action, applied to the application — and shows every step. Use it to check mappings and scoping before starting the job."</p>
        <form class="user-search" role="search" on:submit=find>
            <label for="on-demand-search">"Find a directory user"</label>
            <div class="with-button">
                <input id="on-demand-search" type="search" placeholder="name, userPrincipalName or mail"
                    prop:value=move || search.get() on:input=move |e| search.set(event_target_value(&e)) />
                <button type="submit" disabled=move || searching.get()>"Search"</button>
            </div>
        </form>
        <ErrorNote failure=search_failure />
        {move || searching.get().then(|| view! { <Loading /> })}
        {move || found.get().map(|page| view! { <UserChoice page=page chosen=chosen /> })}
        <div class="actions">
            <button type="button" class="primary" id="on-demand-run"
                disabled=move || running.get() || chosen.with(Option::is_none) on:click=run>
                {move || match (running.get(), chosen.get()) {
                    (true, _) => "Provisioning…".to_owned(),
                    (false, Some(user)) => format!("Provision {}", text(&user, "userPrincipalName")),
                    (false, None) => "Provision".to_owned(),
                }}
            </button>
        </div>
        <ErrorNote failure=run_failure />
        {move || running.get().then(|| view! { <Loading /> })}
        {move || answer.get().map(|result| view! { <steps::Outcome answer=result /> })}
    }
}

/// The users a search found, one to choose (radio buttons: arrow keys move).
#[component]
fn UserChoice(page: Page<DirectoryUser>, chosen: RwSignal<Option<DirectoryUser>>) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="empty">"No user matches."</p> }.into_any();
    }
    let more = (page.total > page.items.len()).then(|| {
        format!(
            "Showing {} of {}: narrow the search to see others.",
            page.items.len(),
            page.total
        )
    });
    view! {
        <fieldset class="user-choice">
            <legend>"User"</legend>
            {page.items.into_iter().map(|user| {
                let id = user.id.clone();
                let selected = id.clone();
                let upn = text(&user, "userPrincipalName");
                let name = text(&user, "displayName");
                view! {
                    <label class="check">
                        <input type="radio" name="on-demand-user" value=id
                            prop:checked=move || chosen.with(|c| c.as_ref().is_some_and(|c| c.id == selected))
                            on:change=move |_| chosen.set(Some(user.clone())) />
                        <span>{name}</span>" "<code>{upn}</code>
                    </label>
                }
            }).collect_view()}
            {more.map(|m| view! { <p class="hint">{m}</p> })}
        </fieldset>
    }
    .into_any()
}
