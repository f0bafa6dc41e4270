//! The job's scoping tab: a builder for an object mapping's scoping filters
//! (any filter may hold; a filter holds when all its clauses do), saved with
//! the definition, and a live preview of who is in scope.

mod builder;
mod draft;
mod live;

use leptos::prelude::*;
use provisio_engine::job::{JobDefinition, ScopeMode, SourceKind};
use provisio_engine::scope::{CompiledScope, ScopingFilter};

use super::directory_source;
use super::mappings::{ObjectPicker, SaveBar};
use super::state::JobSignal;
use builder::FilterBuilder;
use draft::FilterRow;
use live::ScopePreview;

#[component]
pub fn ScopingTab(job: JobSignal) -> impl IntoView {
    // The object picker reads the saved definition: switching objects is
    // allowed only without unsaved changes.
    let saved = RwSignal::new(job.with_untracked(|j| j.definition.clone()));
    let object = RwSignal::new(0_usize);
    let saved_filters = move || {
        let o = object.get();
        job.with(|j| {
            j.definition
                .objects
                .get(o)
                .map(|o| o.scoping.clone())
                .unwrap_or_default()
        })
    };
    let rows = RwSignal::new(untrack(saved_filters).iter().map(FilterRow::new).collect::<Vec<_>>());
    let reset = move || rows.set(saved_filters().iter().map(FilterRow::new).collect());
    Effect::new(move |_| reset());
    let filters = Memo::new(move |_| rows.with(|r| r.iter().map(FilterRow::filter).collect::<Vec<ScopingFilter>>()));
    // Compiled scopes do not compare; the filters they come from already did.
    let scope = Memo::new_with_compare(move |_| filters.with(|f| CompiledScope::compile(f)), |_, _| true);
    let problems = Signal::derive(move || scope.with(|s| s.as_ref().err().cloned().unwrap_or_default()));
    let dirty = Signal::derive(move || {
        let saved: Vec<ScopingFilter> = saved_filters().iter().map(draft::normalized).collect();
        filters.with(|f| *f != saved)
    });
    let kind = Memo::new(move |_| {
        let o = object.get();
        job.with(|j| {
            j.definition
                .objects
                .get(o)
                .map(|o| o.source)
                .unwrap_or(SourceKind::User)
        })
    });
    let loaded = directory_source::fetch_all(move || kind.get());
    let noun = Signal::derive(move || match kind.get() {
        SourceKind::User => "users",
        SourceKind::Group => "groups",
    });
    let note = Signal::derive(move || {
        job.with(|j| j.definition.scope == ScopeMode::Assigned).then(|| {
            "This job provisions only assigned users and groups; the preview applies the filters to the whole \
             directory."
                .to_owned()
        })
    });
    let definition = Callback::new(move |()| -> JobDefinition {
        let mut definition = job.get_untracked().definition;
        if let Some(o) = definition.objects.get_mut(object.get_untracked()) {
            o.scoping = filters.get_untracked();
        }
        definition
    });
    let discard = Callback::new(move |()| reset());
    Effect::new(move |_| saved.set(job.get().definition));
    view! {
        <div class="job-editor scoping-tab">
            <h2>"Scoping filters"</h2>
            <p class="intro">
                "Which directory objects the job provisions: an object is in scope when any filter holds, and a \
                 filter holds when all its clauses hold."
            </p>
            <fieldset class="object-choice" disabled=move || dirty.get()>
                <ObjectPicker draft=saved object id="scoping-object" />
            </fieldset>
            <div class="scoping-layout">
                <div>
                    <FilterBuilder rows problems />
                    <SaveBar job dirty definition discard what="filters" />
                </div>
                <ScopePreview loaded scope noun note />
            </div>
        </div>
    }
}
