//! "New user": a short form for the attributes a new account needs first;
//! the rest are filled in on the user's page, where creating leads.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use provisio_api::directory::{USERS_PATH, UserDetail, UserWrite};
use serde_json::{Map, Value};

use crate::api::{self, Failure};
use crate::ui::ErrorNote;

/// The form's fields: attribute, label, input id.
const FIELDS: [(&str, &str, &str); 6] = [
    ("userPrincipalName", "userPrincipalName (required)", "new-user-upn"),
    ("displayName", "Display name", "new-user-display-name"),
    ("givenName", "Given name", "new-user-given-name"),
    ("surname", "Surname", "new-user-surname"),
    ("department", "Department", "new-user-department"),
    ("jobTitle", "Job title", "new-user-job-title"),
];

#[component]
pub fn NewUser() -> impl IntoView {
    let open = RwSignal::new(false);
    let values = FIELDS.map(|_| RwSignal::new(String::new()));
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let first = NodeRef::<html::Input>::new();
    Effect::new(move |_| {
        if open.get()
            && let Some(input) = first.get()
        {
            let _ = input.focus();
        }
    });
    let navigate = use_navigate();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut attributes = Map::new();
        for ((name, ..), value) in FIELDS.iter().zip(values) {
            let value = value.get_untracked().trim().to_owned();
            if !value.is_empty() {
                attributes.insert((*name).to_owned(), Value::String(value));
            }
        }
        busy.set(true);
        failure.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::post::<_, UserDetail>(USERS_PATH, &UserWrite { attributes }).await {
                Ok(user) => navigate(
                    &format!("/directory/users/{}", user.user.id),
                    NavigateOptions::default(),
                ),
                Err(e) => {
                    failure.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };
    let fields = FIELDS
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, ((name, label, id), value))| {
            let node_ref = if i == 0 { first } else { NodeRef::new() };
            view! {
                <div>
                    <label for=*id>{*label}</label>
                    <input id=*id type="text" autocomplete="off" required=*name == "userPrincipalName" node_ref=node_ref
                        prop:value=move || value.get() on:input=move |e| value.set(event_target_value(&e)) />
                </div>
            }
        })
        .collect_view();
    view! {
        <button type="button" class="primary" aria-expanded=move || open.get().to_string()
            aria-controls="new-user" on:click=move |_| open.update(|o| *o = !*o)>"New user"</button>
        <form id="new-user" class="new-object" hidden=move || !open.get() on:submit=submit aria-label="New user">
            <div class="field-grid">{fields}</div>
            <ErrorNote failure />
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Creating…" } else { "Create user" }}
                </button>
                <button type="button" on:click=move |_| open.set(false)>"Cancel"</button>
            </div>
        </form>
    }
}
