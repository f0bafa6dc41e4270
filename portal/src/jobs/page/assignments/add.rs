//! Assigning users and groups: search the directory for both, tick one or
//! more of what was found, choose a role (Default Access or one of the
//! job's app roles) and assign them, one request each so that a refusal
//! names whom it was about.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::directory::{DirectoryGroup, DirectoryUser, GROUPS_PATH, Page, USERS_PATH};
use provisio_api::engine::job::DEFAULT_ACCESS;
use provisio_api::jobs::{Assignment, PrincipalType, job_assignments_path};
use serde_json::{Map, Value};

use super::{Assignments, role_name};
use crate::api::{self, Failure};
use crate::jobs::state::JobSignal;
use crate::ui::ErrorNote;

/// How many users, and how many groups, a search lists.
const FOUND: usize = 8;

/// A user or group a search found.
#[derive(Debug, Clone, PartialEq)]
struct Found {
    id: String,
    kind: PrincipalType,
    name: String,
    /// A user's userPrincipalName, or "group".
    detail: String,
}

impl Found {
    fn new(id: String, kind: PrincipalType, attributes: &Map<String, Value>, detail: &str) -> Found {
        let text = |key: &str| {
            attributes
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let detail = if detail.is_empty() {
            text("userPrincipalName")
        } else {
            detail.to_owned()
        };
        let name = match text("displayName") {
            name if name.is_empty() => detail.clone(),
            name => name,
        };
        Found { id, kind, name, detail }
    }
}

/// The users, then the groups, whose names contain `text`.
async fn search(text: &str) -> Result<Vec<Found>, Failure> {
    let query = format!("?search={}&limit={FOUND}", api::encode(text.trim()));
    let users: Page<DirectoryUser> = api::get(&format!("{USERS_PATH}{query}")).await?;
    let groups: Page<DirectoryGroup> = api::get(&format!("{GROUPS_PATH}{query}")).await?;
    let users = users
        .items
        .into_iter()
        .map(|u| Found::new(u.id, PrincipalType::User, &u.attributes, ""));
    let groups = groups
        .items
        .into_iter()
        .map(|g| Found::new(g.id, PrincipalType::Group, &g.attributes, "group"));
    Ok(users.chain(groups).collect())
}

#[component]
pub fn AddForm(job: JobSignal, assignments: Assignments) -> impl IntoView {
    let text = NodeRef::<html::Input>::new();
    // What the last search found (`searched`: whether there was one).
    let found = RwSignal::new(Vec::<Found>::new());
    let searched = RwSignal::new(false);
    let picked = RwSignal::new(Vec::<Found>::new());
    // Read when assigning: the options follow the job's roles.
    let role = NodeRef::<html::Select>::new();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let done = RwSignal::new(String::new());

    let find = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        let text = text.get_untracked().map(|input| input.value()).unwrap_or_default();
        spawn_local(async move {
            match search(&text).await {
                Ok(list) => {
                    _ = found.try_set(list);
                    _ = searched.try_set(true);
                }
                Err(e) => _ = failure.try_set(Some(e)),
            }
        });
    };
    let assign = move |_| {
        let path = job.with_untracked(|j| job_assignments_path(&j.id));
        // The role's value; empty for Default Access.
        let role = role.get_untracked().map(|select| select.value()).unwrap_or_default();
        let role_name =
            job.with_untracked(|j| role_name(&j.definition.app_roles, Some(role.as_str()).filter(|r| !r.is_empty())));
        busy.set(true);
        failure.set(None);
        done.set(String::new());
        spawn_local(async move {
            let mut names = Vec::new();
            for principal in picked.get_untracked() {
                let mut assignment = Assignment::new(principal.id.clone(), principal.kind);
                assignment.role = (!role.is_empty()).then(|| role.clone());
                match api::post::<_, Vec<Assignment>>(&path, &assignment).await {
                    Ok(now) => {
                        assignments.set(Some(now));
                        picked.update(|p| p.retain(|f| *f != principal));
                        names.push(principal.name);
                    }
                    Err(e) => {
                        // Those before it stay assigned; it stays ticked, to retry.
                        let message = format!("{} was not assigned: {}", principal.name, e.message);
                        failure.set(Some(Failure { message, ..e }));
                        break;
                    }
                }
            }
            if !names.is_empty() {
                done.set(format!("Assigned {} ({role_name}).", names.join(", ")));
            }
            busy.set(false);
        });
    };
    let results = move || {
        let list = found.get();
        searched.get().then(|| {
            if list.is_empty() {
                return view! { <p class="empty">"No user or group matches."</p> }.into_any();
            }
            view! {
                <fieldset class="user-choice assign-found">
                    <legend>"Found"</legend>
                    {list.into_iter().map(|entry| {
                        let id = entry.id.clone();
                        let (name, detail) = (entry.name.clone(), entry.detail.clone());
                        let ticked = move || picked.with(|p| p.iter().any(|f| f.id == id));
                        view! {
                            <label class="check">
                                <input type="checkbox" name="assign-pick" value=entry.id.clone() prop:checked=ticked
                                    on:change=move |e| {
                                        let entry = entry.clone();
                                        if event_target_checked(&e) {
                                            picked.update(|p| p.push(entry));
                                        } else {
                                            picked.update(|p| p.retain(|f| f.id != entry.id));
                                        }
                                    } />
                                <span>{name}</span>" "<span class="hint">{detail}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            }
            .into_any()
        })
    };
    let selected = move || {
        picked.with(|p| match p.len() {
            0 => "Nothing selected: search, then tick users and groups.".to_owned(),
            _ => format!(
                "Selected: {}",
                p.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        })
    };

    view! {
        <h3>"Add users and groups"</h3>
        <form class="user-search" role="search" on:submit=find>
            <label for="assign-search">"Search the directory"</label>
            <div class="with-button">
                <input id="assign-search" type="search" autocomplete="off" placeholder="name, userPrincipalName or mail"
                    node_ref=text />
                <button type="submit">"Search"</button>
            </div>
        </form>
        {results}
        <div class="actions assign-actions">
            <p id="assign-selected">{selected}</p>
            <label for="assign-role">"Role"</label>
            <select id="assign-role" node_ref=role>
                <option value="">{DEFAULT_ACCESS}</option>
                {move || job.with(|j| j.definition.app_roles.iter().map(|r| {
                    view! { <option value=r.value.clone()>{r.name().to_owned()}</option> }
                }).collect_view())}
            </select>
            <button type="button" class="primary" id="assign-add" aria-describedby="assign-selected"
                disabled=move || busy.get() || picked.with(Vec::is_empty) on:click=assign>
                "Assign"
            </button>
        </div>
        <div id="assign-outcome">
            <ErrorNote failure />
            <p class="saved-note" role="status">{move || done.get()}</p>
        </div>
    }
}
