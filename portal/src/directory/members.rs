//! A group's direct members: linked, each removable (asked first), and
//! users added by searching for their userPrincipalName.

use leptos::prelude::*;
use provisio_api::directory::{DirectoryGroup, DirectoryUser, GroupMember, MemberType, MembersRequest};

use super::confirm::ConfirmButton;
use super::listing::PAGE_SIZE;
use super::user_search::UserSearch;
use super::values::text;
use super::{Action, ActionNote};
use crate::api;
use crate::ui::Pager;

#[component]
pub fn Members(group: RwSignal<DirectoryGroup>, path: String, live: Signal<bool>) -> impl IntoView {
    let path = StoredValue::new(path);
    let change = Action::new();
    // Large groups (all employees) are paged here, by name.
    let offset = RwSignal::new(0);
    let total = Signal::derive(move || group.with(|g| g.members.len()));
    let exclude = Signal::derive(move || group.with(|g| g.members.iter().map(|m| m.id.clone()).collect::<Vec<_>>()));
    let add = Callback::new(move |user: DirectoryUser| {
        let members = format!("{}/members", path.get_value());
        let who = match text(&user.attributes, "displayName") {
            "" => text(&user.attributes, "userPrincipalName").to_owned(),
            name => name.to_owned(),
        };
        let body = MembersRequest { ids: vec![user.id] };
        change.run(
            async move { api::post::<_, DirectoryGroup>(&members, &body).await },
            move |answer| {
                group.set(answer);
                format!("Added {who}.")
            },
        );
    });
    let remove = move |member: GroupMember| {
        let path = path.get_value();
        let who = member.display_name.clone().unwrap_or_else(|| member.id.clone());
        change.run(
            async move {
                api::delete(&format!("{path}/members/{}", api::encode(&member.id))).await?;
                api::get::<DirectoryGroup>(&path).await
            },
            move |answer| {
                group.set(answer);
                format!("Removed {who}.")
            },
        );
    };
    view! {
        <Show when=move || live.get()>
            <UserSearch id="member-search" label="Add a user (search by userPrincipalName)" exclude on_pick=add />
        </Show>
        <ActionNote action=change />
        {move || {
            let mut members = group.with(|g| g.members.clone());
            if members.is_empty() {
                return view! { <p class="empty">"No members."</p> }.into_any();
            }
            members.sort_by_cached_key(|m| m.display_name.as_deref().unwrap_or(&m.id).to_lowercase());
            // After removals the page asked for may be past the end: show the last.
            let start = offset.get().min((members.len() - 1) / PAGE_SIZE * PAGE_SIZE);
            let shown = members.into_iter().skip(start).take(PAGE_SIZE);
            view! {
                <table class="directory-list members-list">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {shown.map(|member| member_row(member, live, change, remove)).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <Show when=move || { total.get() > PAGE_SIZE }>
            <Pager offset limit=PAGE_SIZE total />
        </Show>
    }
}

fn member_row(
    member: GroupMember,
    live: Signal<bool>,
    change: Action,
    remove: impl Fn(GroupMember) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (kind, area) = match member.kind {
        MemberType::User => ("User", "users"),
        MemberType::Group => ("Group", "groups"),
    };
    let name = member.display_name.clone().unwrap_or_else(|| member.id.clone());
    let question = format!("Remove {name} from the group?");
    let link = format!("/directory/{area}/{}", member.id);
    let on_confirm = Callback::new(move |()| remove(member.clone()));
    view! {
        <tr>
            <td><a href=link>{name}</a></td>
            <td>{kind}</td>
            <td class="row-actions">
                <Show when=move || live.get()>
                    <ConfirmButton label="Remove" confirm="Yes, remove" busy=Signal::derive(move || change.busy.get())
                        question=question.clone() on_confirm />
                </Show>
            </td>
        </tr>
    }
}
