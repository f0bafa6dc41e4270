//! The job's mappings tab: each object mapping's attribute mappings in a
//! table, edited in a draft (add, edit, remove, move up and down) and saved
//! as a whole; the edit form has the playground's expression editor,
//! evaluated live for a directory user the admin picks (for an inbound
//! job, a SCIM record the admin pastes).

mod form;
mod objects;
mod record_sample;
mod save_bar;
mod table;
mod user_picker;

use leptos::prelude::*;
use provisio_engine::job::{Direction, JobDefinition};

use super::directory_source::SourceEntry;
use super::state::JobSignal;
use form::MappingForm;
use table::MappingTable;

pub(super) use objects::ObjectPicker;
pub(super) use save_bar::SaveBar;

/// Which mapping the form edits: one of `object`'s, or a new one (`index: None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit {
    pub object: usize,
    pub index: Option<usize>,
}

#[component]
pub fn MappingsTab(job: JobSignal) -> impl IntoView {
    let draft: RwSignal<JobDefinition> = RwSignal::new(job.with_untracked(|j| j.definition.clone()));
    let inbound = job.with_untracked(|j| j.definition.direction == Direction::Inbound);
    let object = RwSignal::new(0_usize);
    let editing = RwSignal::new(None::<Edit>);
    let picked = RwSignal::new(None::<SourceEntry>);
    let dirty = Signal::derive(move || job.with(|j| draft.with(|d| *d != j.definition)));
    let discard = Callback::new(move |()| {
        editing.set(None);
        draft.set(job.get_untracked().definition);
    });
    let definition = Callback::new(move |()| draft.get_untracked());
    let add = move |_| {
        editing.set(Some(Edit {
            object: object.get_untracked(),
            index: None,
        }))
    };
    view! {
        <div class="job-editor mappings-tab">
            <h2>"Attribute mappings"</h2>
            <p class="intro">
                {if inbound {
                    "How each attribute of the directory's users is computed from the records your HR system sends. "
                } else {
                    "How each attribute of the application's objects is computed from the directory. "
                }}
                "Changes stay in this page until you save them."
            </p>
            <ObjectPicker draft object id="mappings-object" />
            <MappingTable draft object editing />
            <p class="table-actions">
                <button type="button" id="add-mapping" on:click=add disabled=move || editing.get().is_some()>
                    "Add mapping"
                </button>
            </p>
            {move || editing.get().map(|edit| view! { <MappingForm draft edit editing picked /> })}
            <SaveBar job dirty definition discard what="mappings" />
        </div>
    }
}
