//! The Assignments tab of an outbound job, as Entra's "Users and groups":
//! whether the job provisions only assigned users and groups or everyone,
//! who is assigned and with which app role, and the app roles themselves.
//! Declared from `page.rs`, beside the tab list, to keep it with the page.

mod add;
mod list;
mod roles;

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::engine::job::{AppRole, DEFAULT_ACCESS, JobProblem, ScopeMode};
use provisio_api::jobs::{Assignment, job_assignments_path};

use crate::api::{self, Failure};
use crate::jobs::definition::problems::ProblemList;
use crate::jobs::definition::show_failure;
use crate::jobs::state::{self, JobSignal};
use crate::ui::ErrorNote;

/// The job's assignments as the server last answered them (`None` until
/// the first answer); every change answers the whole list.
type Assignments = RwSignal<Option<Vec<Assignment>>>;

/// The name a role is shown by: its display name, [`DEFAULT_ACCESS`] for
/// none, and the bare value of one the job no longer defines (which gives
/// no role until it is defined again).
fn role_name(roles: &[AppRole], role: Option<&str>) -> String {
    let Some(value) = role else {
        return DEFAULT_ACCESS.to_owned();
    };
    match roles.iter().find(|r| r.value.eq_ignore_ascii_case(value)) {
        Some(defined) => defined.name().to_owned(),
        None => format!("{value} (not an app role of the job)"),
    }
}

#[component]
pub fn AssignmentsTab(job: JobSignal) -> impl IntoView {
    let assignments: Assignments = RwSignal::new(None);
    let failure = RwSignal::new(None::<Failure>);
    let path = job.with_untracked(|j| job_assignments_path(&j.id));
    spawn_local(async move {
        // `try_set`: the tab may have been left while the request ran.
        match api::get::<Vec<Assignment>>(&path).await {
            Ok(list) => _ = assignments.try_set(Some(list)),
            Err(e) => _ = failure.try_set(Some(e)),
        }
    });
    // As in Entra, an app with roles is not provisioned for someone
    // assigned only with Default Access (engine: `decide`).
    let roles_matter =
        move || job.with(|j| j.definition.scope == ScopeMode::Assigned && !j.definition.app_roles.is_empty());
    view! {
        <div class="assignments-tab">
            <ScopeSwitch job />
            <section class="panel" aria-labelledby="assignments-title">
                <h2 id="assignments-title">"Users and groups"</h2>
                {move || roles_matter().then(|| view! {
                    <p class="preview-notice" id="default-access-note">
                        "This application defines app roles: users assigned only with Default Access, directly or \
                         through a group, are not provisioned. Assign them one of its roles."
                    </p>
                })}
                <ErrorNote failure />
                <list::AssignmentList job assignments />
                <add::AddForm job assignments />
            </section>
            <roles::AppRolesEditor job />
        </div>
    }
}

/// "Provision only assigned users and groups" or "all users and groups",
/// saved as the definition's `scope`.
#[component]
fn ScopeSwitch(job: JobSignal) -> impl IntoView {
    // Whether only assigned users and groups are chosen (else all).
    let saved = move || job.with(|j| j.definition.scope == ScopeMode::Assigned);
    let assigned = RwSignal::new(untrack(saved));
    let problems = RwSignal::new(Vec::<JobProblem>::new());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let saved_note = RwSignal::new(false);
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        problems.set(Vec::new());
        failure.set(None);
        busy.set(true);
        let mut definition = job.with_untracked(|j| j.definition.clone());
        definition.scope = if assigned.get_untracked() {
            ScopeMode::Assigned
        } else {
            ScopeMode::All
        };
        spawn_local(async move {
            match state::save_definition(job, definition).await {
                Ok(()) => saved_note.set(true),
                Err(e) => show_failure(e, problems, failure),
            }
            busy.set(false);
        });
    };
    let option = move |only_assigned: bool, value: &'static str, label: &'static str| {
        view! {
            <label class="check">
                <input type="radio" name="job-scope" value=value prop:checked=move || assigned.get() == only_assigned
                    on:change=move |_| {
                        assigned.set(only_assigned);
                        saved_note.set(false);
                    } />
                {label}
            </label>
        }
    };
    view! {
        <section class="panel" aria-labelledby="scope-title">
            <h2 id="scope-title">"Scope"</h2>
            <form class="job-form" on:submit=save>
                <fieldset class="scope-choice" aria-describedby="scope-hint">
                    <legend class="sr-only">"Who the job provisions"</legend>
                    {option(true, "assigned", "Provision only assigned users and groups")}
                    {option(false, "all", "Provision all users and groups")}
                </fieldset>
                <p class="hint" id="scope-hint">{move || if assigned.get() {
                    "Only the users and groups below, and the direct members of the groups; scoping filters narrow \
                     them further."
                } else {
                    "Every user and group of the directory, narrowed by the scoping filters; assignments then only \
                     give app roles."
                }}</p>
                <ProblemList problems />
                <ErrorNote failure />
                <div class="actions">
                    <button type="submit" class="primary" id="scope-save"
                        disabled=move || busy.get() || assigned.get() == saved()>"Save scope"</button>
                    <span class="saved-note" role="status">{move || saved_note.get().then_some("Saved.")}</span>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_named_by_their_display_name() {
        let roles = [AppRole {
            value: "admin".into(),
            display_name: Some("Administrator".into()),
            description: None,
        }];
        assert_eq!(role_name(&roles, None), "Default Access");
        assert_eq!(role_name(&roles, Some("Admin")), "Administrator");
        assert_eq!(role_name(&roles, Some("gone")), "gone (not an app role of the job)");
    }
}
