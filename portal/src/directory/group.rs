//! `/directory/groups/{id}`: one group — its attributes to edit, its
//! members to add and remove, and deleting, restoring and purging.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use provisio_api::directory::{ATTRIBUTES_PATH, AttributeCatalogue, DirectoryGroup, GroupPatch, group_path};

use super::attribute_form::AttributeForm;
use super::confirm::ConfirmButton;
use super::members::Members;
use super::values::text;
use super::{Action, ActionNote, Lifecycle, SubNav, load_then, when};
use crate::api;
use crate::ui::{ErrorNote, Loading};

#[component]
pub fn GroupPage() -> impl IntoView {
    let params = use_params_map();
    // A new id (a nested group's link) is a new page: nothing carries over.
    move || {
        let id = params.with(|p| p.get("id").unwrap_or_default());
        view! {
            <SubNav />
            {load_then(group_path(&api::encode(&id)), |group| view! { <Group group /> })}
        }
    }
}

#[component]
fn Group(group: RwSignal<DirectoryGroup>) -> impl IntoView {
    let path = StoredValue::new(group_path(&api::encode(&group.with_untracked(|g| g.id.clone()))));
    let name = Memo::new(move |_| group.with(|g| text(&g.attributes, "displayName").to_owned()));
    let deleted_at = Memo::new(move |_| group.with(|g| g.meta.deleted_at.clone()));
    let live = Signal::derive(move || deleted_at.get().is_none());
    let status = Action::new();
    let busy = Signal::derive(move || status.busy.get());
    let Lifecycle { delete, restore, purge } = Lifecycle::new(
        group,
        path,
        |g: &DirectoryGroup| g.meta.version,
        "/directory/groups?deleted=true",
        status,
    );
    let count = move || group.with(|g| g.members.len());
    view! {
        <div class="object-head">
            <div>
                <h1>{move || name.get()}</h1>
                <p class="hint">{move || match count() {
                    1 => "1 direct member".to_owned(),
                    n => format!("{n} direct members"),
                }}</p>
            </div>
            <p class="badges">
                {move || deleted_at.get().map(|at| view! { <span class="badge deleted">"Deleted " {when(&at)}</span> })}
            </p>
        </div>
        <div class="object-actions">
            {move || if live.get() {
                view! {
                    <ConfirmButton label="Delete group" confirm="Yes, delete" busy on_confirm=delete
                        question=Signal::derive(move || format!("Delete {}? It can be restored.", name.get())) />
                }.into_any()
            } else {
                view! {
                    <button type="button" id="restore-group" disabled=move || busy.get() on:click=move |_| restore.run(())>"Restore"</button>
                    <ConfirmButton label="Purge" confirm="Yes, purge" busy on_confirm=purge
                        question=Signal::derive(move || format!("Purge {} for good? This cannot be undone.", name.get())) />
                }.into_any()
            }}
        </div>
        <ActionNote action=status />
        <div class="object-body">
            <section class="panel" aria-labelledby="members-title">
                <h2 id="members-title">"Members"</h2>
                <Members group path=path.get_value() live />
            </section>
            <aside class="side">
                <section class="panel" aria-labelledby="group-attributes-title">
                    <h2 id="group-attributes-title">"Attributes"</h2>
                    <GroupAttributes group path=path.get_value() live />
                </section>
                <dl class="meta">
                    <dt>"Id"</dt><dd class="code">{move || group.with(|g| g.id.clone())}</dd>
                    <dt>"Version"</dt><dd>{move || group.with(|g| g.meta.version)}</dd>
                    <dt>"Created"</dt><dd>{move || group.with(|g| when(&g.meta.created_at))}</dd>
                    <dt>"Changed"</dt><dd>{move || group.with(|g| when(&g.meta.modified_at))}</dd>
                </dl>
            </aside>
        </div>
    }
}

#[component]
fn GroupAttributes(group: RwSignal<DirectoryGroup>, path: String, live: Signal<bool>) -> impl IntoView {
    let catalogue = LocalResource::new(|| api::get::<AttributeCatalogue>(ATTRIBUTES_PATH));
    let path = StoredValue::new(path);
    let save = Action::new();
    let values = Signal::derive(move || group.with(|g| g.attributes.clone()));
    let on_save = Callback::new(move |attributes| {
        let path = path.get_value();
        let body = GroupPatch {
            attributes,
            members: None,
        };
        let version = group.with_untracked(|g| g.meta.version);
        save.run(
            async move { api::patch_if_match::<_, DirectoryGroup>(&path, &body, version).await },
            move |answer| {
                group.set(answer);
                "Saved.".to_owned()
            },
        );
    });
    move || match catalogue.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(failure)) => view! { <ErrorNote failure=RwSignal::new(Some(failure)) /> }.into_any(),
        Some(Ok(catalogue)) => view! {
            <AttributeForm id="group-attributes" definitions=catalogue.group values editable=live action=save on_save />
        }
        .into_any(),
    }
}
