//! The job's app roles (Entra's `appRoles`): a table to add, edit and
//! remove roles, saved into the definition's `app_roles`. The server checks
//! them (a value each, unique, not "Default Access"); its problems show on
//! the row they are about and above the table.

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::engine::job::{AppRole, DEFAULT_ACCESS, JobProblem};

use crate::api::Failure;
use crate::jobs::definition::problems::ProblemList;
use crate::jobs::definition::show_failure;
use crate::jobs::state::{self, JobSignal};
use crate::ui::ErrorNote;

/// One role as typed: each field its own signal, so typing re-renders only
/// its input.
#[derive(Debug, Clone, Copy)]
struct Draft {
    value: RwSignal<String>,
    name: RwSignal<String>,
    description: RwSignal<String>,
}

impl Draft {
    fn new(role: &AppRole) -> Draft {
        let text = |field: &Option<String>| RwSignal::new(field.clone().unwrap_or_default());
        Draft {
            value: RwSignal::new(role.value.clone()),
            name: text(&role.display_name),
            description: text(&role.description),
        }
    }

    /// The role to save: trimmed, empty optional fields left out.
    fn role(&self) -> AppRole {
        let optional = |field: RwSignal<String>| Some(field.get().trim().to_owned()).filter(|t| !t.is_empty());
        AppRole {
            value: self.value.get().trim().to_owned(),
            display_name: optional(self.name),
            description: optional(self.description),
        }
    }
}

#[component]
pub fn AppRolesEditor(job: JobSignal) -> impl IntoView {
    let saved = move || job.with(|j| j.definition.app_roles.clone());
    let drafts = RwSignal::new(untrack(saved).iter().map(Draft::new).collect::<Vec<_>>());
    let roles = move || drafts.with(|d| d.iter().map(Draft::role).collect::<Vec<_>>());
    let dirty = move || roles() != saved();
    let problems = RwSignal::new(Vec::<JobProblem>::new());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let saved_note = RwSignal::new(false);
    // Problems name rows by index: once rows move, they no longer fit.
    let change = move |f: &dyn Fn(&mut Vec<Draft>)| {
        problems.set(Vec::new());
        saved_note.set(false);
        drafts.update(|d| f(d));
    };
    let discard = move || {
        problems.set(Vec::new());
        failure.set(None);
        drafts.set(saved().iter().map(Draft::new).collect());
    };
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        problems.set(Vec::new());
        failure.set(None);
        busy.set(true);
        let mut definition = job.with_untracked(|j| j.definition.clone());
        definition.app_roles = untrack(roles);
        spawn_local(async move {
            match state::save_definition(job, definition).await {
                Ok(()) => {
                    discard();
                    saved_note.set(true);
                }
                Err(e) => show_failure(e, problems, failure),
            }
            busy.set(false);
        });
    };
    let rows = move || {
        drafts
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, draft)| {
                role_row(i, draft, problems, move || {
                    change(&|d| {
                        if i < d.len() {
                            d.remove(i);
                        }
                    })
                })
            })
            .collect_view()
    };
    view! {
        <section class="panel" aria-labelledby="app-roles-title">
            <h2 id="app-roles-title">"App roles"</h2>
            <p class="hint">
                {format!("The roles the application offers; assignments name one, or none for {DEFAULT_ACCESS}. \
                          The value is what is sent (appRoleAssignments); removing a role leaves its assignments, \
                          which give no role until it is defined again.")}
            </p>
            <form class="app-roles" on:submit=save>
                <ProblemList problems />
                <table class="jobs-table app-roles-table">
                    <thead>
                        <tr>
                            <th scope="col">"Value"</th>
                            <th scope="col">"Display name"</th>
                            <th scope="col">"Description"</th>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
                {move || drafts.with(Vec::is_empty).then(|| view! {
                    <p class="empty">"No app roles: every assignment is Default Access."</p>
                })}
                <ErrorNote failure />
                <div class="actions">
                    <button type="button" id="app-roles-add"
                        on:click=move |_| change(&|d| d.push(Draft::new(&AppRole {
                            value: String::new(),
                            display_name: None,
                            description: None,
                        })))>"Add app role"</button>
                    <button type="submit" class="primary" id="app-roles-save"
                        disabled=move || busy.get() || !dirty()>"Save app roles"</button>
                    <button type="button" disabled=move || busy.get() || !dirty()
                        on:click=move |_| discard()>"Discard changes"</button>
                    <span class="saved-note" role="status">
                        {move || saved_note.get().then_some("Saved the app roles.")}
                    </span>
                </div>
            </form>
        </section>
    }
}

/// One role's row: its fields, what the server found wrong with it, Remove.
fn role_row(
    i: usize,
    draft: Draft,
    problems: RwSignal<Vec<JobProblem>>,
    remove: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let messages = move || {
        // `app_roles[1]` and what is inside it (`app_roles[1].value`).
        let at = format!("app_roles[{i}]");
        problems.with(|all| {
            all.iter()
                .filter(|p| {
                    p.location
                        .strip_prefix(&at)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                })
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })
    };
    let problem_id = format!("app-role-{i}-problem");
    let field = move |suffix: &'static str, label: &'static str, text: RwSignal<String>| {
        let id = format!("app-role-{i}-{suffix}");
        view! {
            <label class="sr-only" for=id.clone()>{format!("{label} of role {}", i + 1)}</label>
            <input id=id type="text" autocomplete="off" spellcheck="false"
                prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e)) />
        }
    };
    view! {
        <tr>
            <td>
                <label class="sr-only" for=format!("app-role-{i}-value")>{format!("Value of role {}", i + 1)}</label>
                <input id=format!("app-role-{i}-value") type="text" autocomplete="off" spellcheck="false"
                    aria-describedby=problem_id.clone()
                    aria-invalid=move || (!messages().is_empty()).to_string()
                    prop:value=move || draft.value.get() on:input=move |e| draft.value.set(event_target_value(&e)) />
                <p class="field-error" id=problem_id hidden=move || messages().is_empty()>{messages}</p>
            </td>
            <td>{field("name", "Display name", draft.name)}</td>
            <td>{field("description", "Description", draft.description)}</td>
            <td class="row-actions">
                <button type="button" id=format!("app-role-{i}-remove") on:click=move |_| remove()>"Remove"</button>
            </td>
        </tr>
    }
}
