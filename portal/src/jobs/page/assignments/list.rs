//! The job's assignments as a table: who, with which role, removable one
//! role assignment at a time (asked first); a group opens to its direct
//! members, the users it provisions.

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::directory::{DirectoryGroup, MemberType, group_path};
use provisio_api::engine::job::DEFAULT_ACCESS;
use provisio_api::jobs::{Assignment, PrincipalType, job_assignments_path};

use super::{Assignments, role_name};
use crate::api::{self, Failure};
use crate::directory::confirm::ConfirmButton;
use crate::jobs::state::JobSignal;
use crate::ui::{ErrorNote, Loading};

#[component]
pub fn AssignmentList(job: JobSignal, assignments: Assignments) -> impl IntoView {
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let done = RwSignal::new(String::new());
    // `who`: the name and role's name, to say what was removed.
    let remove = move |assignment: Assignment, who: String| {
        let list = job.with_untracked(|j| job_assignments_path(&j.id));
        // The role names the one assignment (Default Access the one without).
        let role = assignment.role.unwrap_or_else(|| DEFAULT_ACCESS.to_owned());
        let path = format!("{list}/{}?role={}", api::encode(&assignment.id), api::encode(&role));
        busy.set(true);
        failure.set(None);
        done.set(String::new());
        spawn_local(async move {
            let answer = match api::delete(&path).await {
                Ok(()) => api::get::<Vec<Assignment>>(&list).await,
                Err(e) => Err(e),
            };
            match answer {
                Ok(now) => {
                    _ = done.try_set(format!("Removed {who}."));
                    _ = assignments.try_set(Some(now));
                }
                Err(e) => _ = failure.try_set(Some(e)),
            }
            _ = busy.try_set(false);
        });
    };
    let rows = move || {
        let roles = job.with(|j| j.definition.app_roles.clone());
        assignments.get().map(|list| {
            if list.is_empty() {
                return view! { <p class="empty assignments-empty">"No users or groups are assigned."</p> }.into_any();
            }
            let rows = list.into_iter().enumerate().map(|(i, assignment)| {
                let role = role_name(&roles, assignment.role.as_deref());
                row(i, assignment, role, busy, remove)
            });
            view! {
                <table class="jobs-table assignments-table" id="assignments-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Id"</th>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    {rows.collect_view()}
                </table>
            }
            .into_any()
        })
    };
    view! {
        {move || rows().unwrap_or_else(|| view! { <Loading /> }.into_any())}
        <div id="assignments-outcome">
            <ErrorNote failure />
            <p class="saved-note" role="status">{move || done.get()}</p>
        </div>
    }
}

/// One assignment's row (its own `tbody`, so that a group's members can
/// open under it).
fn row(
    index: usize,
    assignment: Assignment,
    role: String,
    busy: RwSignal<bool>,
    remove: impl Fn(Assignment, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = assignment
        .display_name
        .clone()
        .unwrap_or_else(|| format!("{} (not in the directory)", assignment.id));
    let group = assignment.kind == PrincipalType::Group;
    let open = RwSignal::new(false);
    let id = assignment.id.clone();
    let members_id = format!("assignment-{index}-members");
    let who = format!("{name} ({role})");
    let question = format!("Remove {who}?");
    let on_confirm = Callback::new(move |()| remove(assignment.clone(), who.clone()));
    view! {
        <tbody>
            <tr data-id=id.clone()>
                <td>
                    {name}
                    {group.then(|| view! {
                        " "<button type="button" class="link-button members-toggle" aria-controls=members_id.clone()
                            aria-expanded=move || open.get().to_string()
                            on:click=move |_| open.update(|o| *o = !*o)>
                            {move || if open.get() { "Hide members" } else { "Show members" }}
                        </button>
                    })}
                </td>
                <td>{if group { "Group" } else { "User" }}</td>
                <td class="assignment-role">{role}</td>
                <td><code>{id.clone()}</code></td>
                <td class="row-actions">
                    <ConfirmButton label="Remove" confirm="Yes, remove" busy=busy question on_confirm />
                </td>
            </tr>
            {move || open.get().then(|| view! {
                <tr class="assignment-members" id=members_id.clone()>
                    <td colspan="5"><GroupMembers id=id.clone() /></td>
                </tr>
            })}
        </tbody>
    }
}

/// A group's direct members, read afresh: the users an assignment of the
/// group provisions (as in Entra, not the members of groups nested in it).
#[component]
fn GroupMembers(id: String) -> impl IntoView {
    let group = RwSignal::new(None::<Result<DirectoryGroup, Failure>>);
    let path = group_path(&api::encode(&id));
    spawn_local(async move {
        _ = group.try_set(Some(api::get::<DirectoryGroup>(&path).await));
    });
    move || {
        match group.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(failure)) => view! { <ErrorNote failure=RwSignal::new(Some(failure)) /> }.into_any(),
        Some(Ok(group)) if group.members.is_empty() => view! { <p class="empty">"The group has no members."</p> }.into_any(),
        Some(Ok(group)) => view! {
            <p class="hint">{format!("Direct members ({}), provisioned through this assignment:", group.members.len())}</p>
            <ul class="group-members">
                {group.members.into_iter().map(|member| {
                    let (area, note) = match member.kind {
                        MemberType::User => ("users", ""),
                        MemberType::Group => ("groups", " (a nested group: its own members are not assigned)"),
                    };
                    let link = format!("/directory/{area}/{}", api::encode(&member.id));
                    view! { <li><a href=link>{member.display_name.unwrap_or(member.id)}</a>{note}</li> }
                }).collect_view()}
            </ul>
        }.into_any(),
    }
    }
}
