//! `/directory/users`: search, page through and open users, show deleted
//! ones, and create a new one.

use leptos::prelude::*;
use provisio_api::directory::{DirectoryUser, Page, USERS_PATH};

use super::listing::{Filters, Listing, PAGE_SIZE, with_query};
use super::new_user::NewUser;
use super::values::{enabled, text};
use super::{SubNav, when};
use crate::api;
use crate::ui::{ErrorNote, Loading, Pager};

#[component]
pub fn UsersPage() -> impl IntoView {
    let listing = Listing::from_address();
    let page = LocalResource::new(move || {
        let url = with_query(USERS_PATH, &listing.query());
        async move { api::get::<Page<DirectoryUser>>(&url).await }
    });
    let total = Signal::derive(move || page.get().and_then(Result::ok).map_or(0, |p| p.total));
    view! {
        <SubNav />
        <div class="directory-head">
            <h1>"Users"</h1>
            <NewUser />
        </div>
        <Filters listing id="user-search" search_label="Search by name, userPrincipalName or mail"
            deleted_label="Show deleted users instead" />
        {move || match page.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(failure)) => view! { <ErrorNote failure=RwSignal::new(Some(failure)) /> }.into_any(),
            Some(Ok(page)) => view! { <UsersTable users=page.items deleted=listing.deleted.get_untracked() /> }.into_any(),
        }}
        <Pager offset=listing.offset limit=PAGE_SIZE total />
    }
}

#[component]
fn UsersTable(users: Vec<DirectoryUser>, deleted: bool) -> impl IntoView {
    if users.is_empty() {
        return view! { <p class="empty">"No users match."</p> }.into_any();
    }
    let rows = users
        .into_iter()
        .map(|user| {
            let a = &user.attributes;
            let name = match text(a, "displayName") {
                "" => text(a, "userPrincipalName").to_owned(),
                name => name.to_owned(),
            };
            let status = match &user.meta.deleted_at {
                Some(at) => format!("Deleted {}", when(at)),
                None if enabled(a) => "Yes".to_owned(),
                None => "No".to_owned(),
            };
            view! {
                <tr>
                    <td><a href=format!("/directory/users/{}", user.id)>{name}</a></td>
                    <td class="upn">{text(a, "userPrincipalName").to_owned()}</td>
                    <td>{text(a, "department").to_owned()}</td>
                    <td>{text(a, "jobTitle").to_owned()}</td>
                    <td class:off=!enabled(a)>{status}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="directory-list users-list">
            <thead>
                <tr>
                    <th scope="col">"Display name"</th>
                    <th scope="col">"userPrincipalName"</th>
                    <th scope="col">"Department"</th>
                    <th scope="col">"Job title"</th>
                    <th scope="col">{if deleted { "Deleted" } else { "Enabled" }}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
