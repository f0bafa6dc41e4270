//! `/directory/groups`: search, page through and open groups, show deleted
//! ones, and create a new one.

use leptos::html;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use provisio_api::directory::{DirectoryGroup, GROUPS_PATH, GroupWrite, Page};
use serde_json::{Map, Value};

use super::listing::{Filters, Listing, PAGE_SIZE, with_query};
use super::values::text;
use super::{Action, ActionNote, SubNav, when};
use crate::api;
use crate::ui::{ErrorNote, Loading, Pager};

#[component]
pub fn GroupsPage() -> impl IntoView {
    let listing = Listing::from_address();
    let page = LocalResource::new(move || {
        let url = with_query(GROUPS_PATH, &listing.query());
        async move { api::get::<Page<DirectoryGroup>>(&url).await }
    });
    let total = Signal::derive(move || page.get().and_then(Result::ok).map_or(0, |p| p.total));
    view! {
        <SubNav />
        <div class="directory-head">
            <h1>"Groups"</h1>
            <NewGroup />
        </div>
        <Filters listing id="group-search" search_label="Search by display name" deleted_label="Show deleted groups instead" />
        {move || match page.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(failure)) => view! { <ErrorNote failure=RwSignal::new(Some(failure)) /> }.into_any(),
            Some(Ok(page)) => view! { <GroupsTable groups=page.items /> }.into_any(),
        }}
        <Pager offset=listing.offset limit=PAGE_SIZE total />
    }
}

#[component]
fn GroupsTable(groups: Vec<DirectoryGroup>) -> impl IntoView {
    if groups.is_empty() {
        return view! { <p class="empty">"No groups match."</p> }.into_any();
    }
    let rows = groups
        .into_iter()
        .map(|group| {
            let a = &group.attributes;
            view! {
                <tr>
                    <td><a href=format!("/directory/groups/{}", group.id)>{text(a, "displayName").to_owned()}</a></td>
                    <td>{text(a, "description").to_owned()}</td>
                    <td class="upn">{text(a, "mailNickname").to_owned()}</td>
                    <td class="number">{group.members.len()}</td>
                    <td>{group.meta.deleted_at.as_deref().map(when)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="directory-list groups-list">
            <thead>
                <tr>
                    <th scope="col">"Display name"</th>
                    <th scope="col">"Description"</th>
                    <th scope="col">"Mail nickname"</th>
                    <th scope="col" class="number">"Members"</th>
                    <th scope="col">"Deleted"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// "New group": the display name (required), description and mail
/// nickname; members are added on the group's page, where creating leads.
#[component]
fn NewGroup() -> impl IntoView {
    let open = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let nickname = RwSignal::new(String::new());
    let create = Action::new();
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
        for (attribute, value) in [
            ("displayName", name),
            ("description", description),
            ("mailNickname", nickname),
        ] {
            let value = value.get_untracked().trim().to_owned();
            if !value.is_empty() {
                attributes.insert(attribute.to_owned(), Value::String(value));
            }
        }
        let body = GroupWrite {
            attributes,
            members: Vec::new(),
        };
        let navigate = navigate.clone();
        create.run(
            async move { api::post::<_, DirectoryGroup>(GROUPS_PATH, &body).await },
            move |group| {
                navigate(&format!("/directory/groups/{}", group.id), NavigateOptions::default());
                String::new()
            },
        );
    };
    let input = |id: &'static str, label: &'static str, value: RwSignal<String>, node_ref: NodeRef<html::Input>| {
        view! {
            <div>
                <label for=id>{label}</label>
                <input id=id type="text" autocomplete="off" required=id == "new-group-name" node_ref=node_ref
                    prop:value=move || value.get() on:input=move |e| value.set(event_target_value(&e)) />
            </div>
        }
    };
    view! {
        <button type="button" class="primary" aria-expanded=move || open.get().to_string()
            aria-controls="new-group" on:click=move |_| open.update(|o| *o = !*o)>"New group"</button>
        <form id="new-group" class="new-object" hidden=move || !open.get() on:submit=submit aria-label="New group">
            <div class="field-grid">
                {input("new-group-name", "Display name (required)", name, first)}
                {input("new-group-description", "Description", description, NodeRef::new())}
                {input("new-group-nickname", "Mail nickname", nickname, NodeRef::new())}
            </div>
            <ActionNote action=create />
            <div class="actions">
                <button type="submit" class="primary" disabled=move || create.busy.get()>
                    {move || if create.busy.get() { "Creating…" } else { "Create group" }}
                </button>
                <button type="button" on:click=move |_| open.set(false)>"Cancel"</button>
            </div>
        </form>
    }
}
