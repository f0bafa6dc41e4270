//! The directory: users and groups, searched, paged, read and changed.

use leptos::prelude::*;

#[component]
pub fn UsersPage() -> impl IntoView {
    view! { <h1>"Users"</h1> }
}

#[component]
pub fn UserPage() -> impl IntoView {
    view! { <h1>"User"</h1> }
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    view! { <h1>"Groups"</h1> }
}

#[component]
pub fn GroupPage() -> impl IntoView {
    view! { <h1>"Group"</h1> }
}
