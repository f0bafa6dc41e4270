//! The directory: users and groups, searched, paged, read and changed.
//! Each page is in its own file below `directory/`; this one holds what
//! they share: the Users | Groups sub-navigation and loading one object.

mod attribute_form;
pub(crate) mod confirm;
mod group;
mod groups;
mod listing;
mod members;
mod new_user;
mod user;
mod user_search;
mod users;
mod values;

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use serde::de::DeserializeOwned;

pub use group::GroupPage;
pub use groups::GroupsPage;
pub use user::UserPage;
pub use users::UsersPage;

use crate::api::{self, Failure};
use crate::ui::{ErrorNote, Loading};

/// Users | Groups, above every directory page.
#[component]
fn SubNav() -> impl IntoView {
    view! {
        <nav class="tabs directory-tabs" aria-label="Directory">
            <ul>
                <li><A href="/directory/users">"Users"</A></li>
                <li><A href="/directory/groups">"Groups"</A></li>
            </ul>
        </nav>
    }
}

/// Fetches `path` once and shows `ready` with the answer in a signal the
/// page updates after each change; "Loading…" until then, the failure if
/// it fails.
fn load_then<T, V>(path: String, ready: impl Fn(RwSignal<T>) -> V + Send + Sync + 'static) -> impl IntoView
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let state = RwSignal::new(None::<Result<T, Failure>>);
    spawn_local(async move {
        let answer = api::get::<T>(&path).await;
        // The page may have been left meanwhile; then there is nothing to show.
        let _ = state.try_set(Some(answer));
    });
    move || match state.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(failure)) => view! { <ErrorNote failure=RwSignal::new(Some(failure)) /> }.into_any(),
        Some(Ok(value)) => ready(RwSignal::new(value)).into_any(),
    }
}

/// Deleting, restoring and purging one directory object, the same for users
/// and groups: delete and restore put the object as it is afterwards into
/// `object`; purge leaves for the list of deleted ones (`deleted_list`).
#[derive(Clone, Copy)]
struct Lifecycle {
    delete: Callback<()>,
    restore: Callback<()>,
    purge: Callback<()>,
}

impl Lifecycle {
    fn new<T>(
        object: RwSignal<T>,
        path: StoredValue<String>,
        version: fn(&T) -> i64,
        deleted_list: &'static str,
        status: Action,
    ) -> Lifecycle
    where
        T: DeserializeOwned + Send + Sync + 'static,
    {
        let delete = Callback::new(move |()| {
            let path = path.get_value();
            let version = object.with_untracked(version);
            status.run(
                async move {
                    api::delete_if_match(&path, version).await?;
                    api::get::<T>(&path).await
                },
                move |answer| {
                    object.set(answer);
                    "Deleted: it can be restored until it is purged.".to_owned()
                },
            );
        });
        let restore = Callback::new(move |()| {
            let path = path.get_value();
            status.run(
                async move { api::post::<_, T>(&format!("{path}/restore"), &serde_json::json!({})).await },
                move |answer| {
                    object.set(answer);
                    "Restored.".to_owned()
                },
            );
        });
        let navigate = leptos_router::hooks::use_navigate();
        let purge = Callback::new(move |()| {
            let path = path.get_value();
            let navigate = navigate.clone();
            status.run(
                async move { api::delete(&format!("{path}?purge=true")).await },
                move |()| {
                    navigate(deleted_list, leptos_router::NavigateOptions::default());
                    String::new()
                },
            );
        });
        Lifecycle { delete, restore, purge }
    }
}

/// One kind of change a page makes (save, delete, add a member): whether
/// it is under way, how it failed, and what it did.
#[derive(Debug, Clone, Copy)]
struct Action {
    busy: RwSignal<bool>,
    failure: RwSignal<Option<Failure>>,
    done: RwSignal<String>,
}

impl Action {
    fn new() -> Action {
        Action {
            busy: RwSignal::new(false),
            failure: RwSignal::new(None),
            done: RwSignal::new(String::new()),
        }
    }

    /// Sends `request`; on success `then` takes the answer and says what was done.
    fn run<T: 'static>(
        self,
        request: impl Future<Output = Result<T, Failure>> + 'static,
        then: impl FnOnce(T) -> String + 'static,
    ) {
        self.busy.set(true);
        self.failure.set(None);
        self.done.set(String::new());
        spawn_local(async move {
            // `try_set`: the page may have been left while the request ran.
            match request.await {
                Ok(answer) => {
                    let _ = self.done.try_set(then(answer));
                }
                Err(failure) => {
                    let _ = self.failure.try_set(Some(failure));
                }
            }
            let _ = self.busy.try_set(false);
        });
    }

    /// Says so, without sending anything (nothing to save, a field to fix).
    fn refuse(self, message: String) {
        self.done.set(String::new());
        self.failure.set(Some(Failure {
            status: 0,
            error: "not sent".into(),
            message,
            body: None,
        }));
    }
}

/// An action's outcome, where the action is: its failure, or what it did.
#[component]
fn ActionNote(action: Action) -> impl IntoView {
    view! {
        <ErrorNote failure=action.failure />
        <p class="done-note" role="status">{move || action.done.get()}</p>
    }
}

/// "2026-01-31T09:00:00.000Z" as "2026-01-31 09:00 UTC".
fn when(instant: &str) -> String {
    match (instant.get(..10), instant.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => instant.to_owned(),
    }
}
