//! `/directory/users/{id}`: one user — who they are, their manager and
//! groups, every attribute to edit, and enabling, disabling, deleting,
//! restoring and purging.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use provisio_api::directory::{
    ATTRIBUTES_PATH, AttributeCatalogue, AttributesPatch, DirectoryUser, UserDetail, user_path,
};
use serde_json::{Map, Value};

use super::attribute_form::AttributeForm;
use super::confirm::ConfirmButton;
use super::user_search::UserSearch;
use super::values::{enabled, text};
use super::{Action, ActionNote, Lifecycle, SubNav, load_then, when};
use crate::api;
use crate::ui::{ErrorNote, Loading};

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    // A new id (a manager's link) is a new page: nothing carries over.
    move || {
        let id = params.with(|p| p.get("id").unwrap_or_default());
        view! {
            <SubNav />
            {load_then(user_path(&api::encode(&id)), |user| view! { <User user /> })}
        }
    }
}

/// The user's name for headings: the display name, else the userPrincipalName.
fn name_of(user: &DirectoryUser) -> String {
    match text(&user.attributes, "displayName") {
        "" => text(&user.attributes, "userPrincipalName").to_owned(),
        name => name.to_owned(),
    }
}

#[component]
fn User(user: RwSignal<UserDetail>) -> impl IntoView {
    let id = user.with_untracked(|u| u.user.id.clone());
    let path = user_path(&api::encode(&id));
    let name = Memo::new(move |_| user.with(|u| name_of(&u.user)));
    let upn = move || user.with(|u| text(&u.user.attributes, "userPrincipalName").to_owned());
    let deleted_at = Memo::new(move |_| user.with(|u| u.user.meta.deleted_at.clone()));
    let is_enabled = Memo::new(move |_| user.with(|u| enabled(&u.user.attributes)));
    let live = Signal::derive(move || deleted_at.get().is_none());
    let status = Action::new();
    view! {
        <div class="object-head">
            <div>
                <h1>{move || name.get()}</h1>
                <p class="upn">{upn}</p>
            </div>
            <p class="badges">
                {move || match deleted_at.get() {
                    Some(at) => view! { <span class="badge deleted">"Deleted " {when(&at)}</span> }.into_any(),
                    None if is_enabled.get() => view! { <span class="badge on">"Enabled"</span> }.into_any(),
                    None => view! { <span class="badge off">"Disabled"</span> }.into_any(),
                }}
            </p>
        </div>
        <UserActions user path=path.clone() name status />
        <ActionNote action=status />
        <div class="object-body">
            <section class="panel" aria-labelledby="user-attributes-title">
                <h2 id="user-attributes-title">"Attributes"</h2>
                <UserAttributes user path=path.clone() live />
            </section>
            <aside class="side">
                <Manager user path live />
                <Groups user />
                <Meta user />
            </aside>
        </div>
    }
}

/// Enable or disable, delete; or for a deleted user, restore or purge.
#[component]
fn UserActions(user: RwSignal<UserDetail>, path: String, name: Memo<String>, status: Action) -> impl IntoView {
    let path = StoredValue::new(path);
    let deleted = Memo::new(move |_| user.with(|u| u.user.meta.deleted_at.is_some()));
    let is_enabled = Memo::new(move |_| user.with(|u| enabled(&u.user.attributes)));
    let busy = Signal::derive(move || status.busy.get());
    let toggle = move |_| {
        let enable = !is_enabled.get_untracked();
        let body = AttributesPatch {
            attributes: Map::from_iter([("accountEnabled".to_owned(), Value::Bool(enable))]),
        };
        let path = path.get_value();
        let version = user.with_untracked(|u| u.user.meta.version);
        status.run(
            async move { api::patch_if_match::<_, UserDetail>(&path, &body, version).await },
            move |detail| {
                user.set(detail);
                (if enable {
                    "Enabled."
                } else {
                    "Disabled: the account cannot sign in."
                })
                .to_owned()
            },
        );
    };
    let Lifecycle { delete, restore, purge } = Lifecycle::new(
        user,
        path,
        |u: &UserDetail| u.user.meta.version,
        "/directory/users?deleted=true",
        status,
    );
    view! {
        <div class="object-actions">
            {move || if deleted.get() {
                view! {
                    <button type="button" id="restore-user" disabled=move || busy.get() on:click=move |_| restore.run(())>"Restore"</button>
                    <ConfirmButton label="Purge" confirm="Yes, purge" busy on_confirm=purge
                        question=Signal::derive(move || format!("Purge {} for good? This cannot be undone.", name.get())) />
                }.into_any()
            } else {
                view! {
                    <button type="button" id="toggle-enabled" disabled=move || busy.get() on:click=toggle>
                        {move || if is_enabled.get() { "Disable" } else { "Enable" }}
                    </button>
                    <ConfirmButton label="Delete user" confirm="Yes, delete" busy on_confirm=delete
                        question=Signal::derive(move || format!("Delete {}? It can be restored.", name.get())) />
                }.into_any()
            }}
        </div>
    }
}

/// The attribute form, once the catalogue is known; the manager has its own panel.
#[component]
fn UserAttributes(user: RwSignal<UserDetail>, path: String, live: Signal<bool>) -> impl IntoView {
    let catalogue = LocalResource::new(|| api::get::<AttributeCatalogue>(ATTRIBUTES_PATH));
    let path = StoredValue::new(path);
    let save = Action::new();
    let values = Signal::derive(move || user.with(|u| u.user.attributes.clone()));
    let on_save = Callback::new(move |attributes| {
        let path = path.get_value();
        let body = AttributesPatch { attributes };
        let version = user.with_untracked(|u| u.user.meta.version);
        save.run(
            async move { api::patch_if_match::<_, UserDetail>(&path, &body, version).await },
            move |detail| {
                user.set(detail);
                "Saved.".to_owned()
            },
        );
    });
    move || match catalogue.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(failure)) => view! { <ErrorNote failure=RwSignal::new(Some(failure)) /> }.into_any(),
        Some(Ok(catalogue)) => {
            let definitions = catalogue.user.into_iter().filter(|d| d.name != "manager").collect();
            view! { <AttributeForm id="user-attributes" definitions values editable=live action=save on_save /> }
                .into_any()
        }
    }
}

/// The manager, linked, with changing and removing.
#[component]
fn Manager(user: RwSignal<UserDetail>, path: String, live: Signal<bool>) -> impl IntoView {
    let path = StoredValue::new(path);
    let change = Action::new();
    let set_manager = move |manager: Value| {
        let path = path.get_value();
        let body = AttributesPatch {
            attributes: Map::from_iter([("manager".to_owned(), manager)]),
        };
        let version = user.with_untracked(|u| u.user.meta.version);
        change.run(
            async move { api::patch_if_match::<_, UserDetail>(&path, &body, version).await },
            move |detail| {
                user.set(detail);
                "Manager changed.".to_owned()
            },
        );
    };
    let exclude = Signal::derive(move || user.with(|u| vec![u.user.id.clone()]));
    let pick = Callback::new(move |picked: DirectoryUser| set_manager(Value::String(picked.id)));
    view! {
        <section class="panel" aria-labelledby="manager-title">
            <h2 id="manager-title">"Manager"</h2>
            <p class="user-manager">
                {move || match user.with(|u| u.manager.clone()) {
                    Some(m) => view! { <a href=format!("/directory/users/{}", m.id)>{m.display_name}</a> }.into_any(),
                    None => view! { <span class="empty">"No manager"</span> }.into_any(),
                }}
            </p>
            <Show when=move || live.get()>
                <UserSearch id="manager-search" label="Change manager" exclude on_pick=pick />
                <Show when=move || user.with(|u| u.manager.is_some())>
                    <button type="button" disabled=move || change.busy.get()
                        on:click=move |_| set_manager(Value::Null)>"Remove manager"</button>
                </Show>
            </Show>
            <ActionNote action=change />
        </section>
    }
}

/// The groups the user is a direct member of, linked.
#[component]
fn Groups(user: RwSignal<UserDetail>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="groups-title">
            <h2 id="groups-title">"Groups"</h2>
            {move || {
                let groups = user.with(|u| u.groups.clone());
                if groups.is_empty() {
                    return view! { <p class="empty">"Not a member of any group."</p> }.into_any();
                }
                view! {
                    <ul class="user-groups">
                        {groups.into_iter().map(|g| view! {
                            <li><a href=format!("/directory/groups/{}", g.id)>{g.display_name}</a></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// Id, version and times.
#[component]
fn Meta(user: RwSignal<UserDetail>) -> impl IntoView {
    move || {
        user.with(|u| {
            let meta = &u.user.meta;
            view! {
                <dl class="meta">
                    <dt>"Id"</dt><dd class="code">{u.user.id.clone()}</dd>
                    <dt>"Version"</dt><dd>{meta.version}</dd>
                    <dt>"Created"</dt><dd>{when(&meta.created_at)}</dd>
                    <dt>"Changed"</dt><dd>{when(&meta.modified_at)}</dd>
                </dl>
            }
        })
    }
}
