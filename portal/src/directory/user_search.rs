//! Finding one user by typing part of the userPrincipalName (or name, or
//! mail): a search box with the first matches as buttons under it. Enter
//! picks the first match, Escape clears.

use leptos::prelude::*;
use provisio_api::directory::{DirectoryQuery, DirectoryUser, Page, USERS_PATH};

use super::listing::with_query;
use super::values::text;
use crate::api;
use crate::ui::{ErrorNote, Loading};

/// How many matches to offer.
const MATCHES: usize = 8;

#[component]
pub fn UserSearch(
    id: &'static str,
    label: &'static str,
    /// Users not to offer (already members, the user itself).
    #[prop(into)]
    exclude: Signal<Vec<String>>,
    on_pick: Callback<DirectoryUser>,
) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let matches = LocalResource::new(move || {
        let search = search.get().trim().to_owned();
        async move {
            if search.is_empty() {
                return Ok(Vec::new());
            }
            let query = DirectoryQuery {
                search: Some(search),
                limit: Some(MATCHES),
                ..DirectoryQuery::default()
            };
            api::get::<Page<DirectoryUser>>(&with_query(USERS_PATH, &query))
                .await
                .map(|page| page.items)
        }
    });
    let offered = move || {
        let exclude = exclude.get();
        matches.get().map(|found| {
            found.map(|users| {
                users
                    .into_iter()
                    .filter(|u| !exclude.contains(&u.id))
                    .collect::<Vec<_>>()
            })
        })
    };
    let pick = move |user: DirectoryUser| {
        search.set(String::new());
        on_pick.run(user);
    };
    let list_id = format!("{id}-matches");
    view! {
        <div class="dir-picker">
            <label for=id>{label}</label>
            <input id=id type="search" autocomplete="off" aria-describedby=list_id.clone()
                prop:value=move || search.get()
                on:input=move |e| search.set(event_target_value(&e))
                on:keydown=move |e| match e.key().as_str() {
                    "Enter" => {
                        e.prevent_default();
                        if let Some(Ok(first)) = offered().map(|r| r.map(|users| users.into_iter().next()))
                            && let Some(user) = first
                        {
                            pick(user);
                        }
                    }
                    "Escape" => search.set(String::new()),
                    _ => {}
                } />
            <div id=list_id class="dir-matches" aria-live="polite">
                {move || {
                    if search.with(|s| s.trim().is_empty()) {
                        return ().into_any();
                    }
                    match offered() {
                        None => view! { <Loading /> }.into_any(),
                        Some(Err(failure)) => view! { <ErrorNote failure=RwSignal::new(Some(failure)) /> }.into_any(),
                        Some(Ok(users)) if users.is_empty() => view! { <p class="empty">"No users match."</p> }.into_any(),
                        Some(Ok(users)) => view! {
                            <ul>
                                {users.into_iter().map(|user| {
                                    let upn = text(&user.attributes, "userPrincipalName").to_owned();
                                    let name = text(&user.attributes, "displayName").to_owned();
                                    view! {
                                        <li><button type="button" class="pick" on:click=move |_| pick(user.clone())>
                                            <span>{name}</span>" "<span class="upn">{upn}</span>
                                        </button></li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                }}
            </div>
        </div>
    }
}
