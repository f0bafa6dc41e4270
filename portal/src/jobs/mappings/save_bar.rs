//! Saving a tab's draft of the definition: Save and Discard, whether there
//! are unsaved changes, and every problem the server found in the draft.

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_engine::job::JobDefinition;

use crate::api::Failure;
use crate::jobs::state::{JobSignal, save_definition};
use crate::ui::ErrorNote;

/// `location: message` for each problem of a refused definition.
fn problems(failure: &Failure) -> Vec<String> {
    let list = failure
        .body
        .as_ref()
        .and_then(|b| b.get("problems"))
        .and_then(|p| p.as_array());
    list.map(|problems| {
        problems
            .iter()
            .map(|p| {
                let text = |key: &str| p.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                format!("{}: {}", text("location"), text("message"))
            })
            .collect()
    })
    .unwrap_or_default()
}

#[component]
pub fn SaveBar(
    job: JobSignal,
    dirty: Signal<bool>,
    /// The draft to save.
    definition: Callback<(), JobDefinition>,
    /// Drops the draft's changes (also called once a save succeeded).
    discard: Callback<()>,
    /// What is being saved, e.g. "mappings".
    what: &'static str,
) -> impl IntoView {
    let failure = RwSignal::new(None::<Failure>);
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let save = move |_| {
        saving.set(true);
        saved.set(false);
        failure.set(None);
        let definition = definition.run(());
        spawn_local(async move {
            match save_definition(job, definition).await {
                Ok(()) => {
                    discard.run(());
                    saved.set(true);
                }
                Err(e) => failure.set(Some(e)),
            }
            saving.set(false);
        });
    };
    let status = move || {
        if saving.get() {
            "Saving…".to_owned()
        } else if dirty.get() {
            "Unsaved changes.".to_owned()
        } else if saved.get() {
            format!("Saved the {what}.")
        } else {
            "No changes.".to_owned()
        }
    };
    view! {
        <div class="save-bar">
            <button type="button" class="primary" id="save-draft" disabled=move || !dirty.get() || saving.get()
                on:click=save>{format!("Save {what}")}</button>
            <button type="button" id="discard-draft" disabled=move || !dirty.get() || saving.get()
                on:click=move |_| { failure.set(None); discard.run(()) }>"Discard changes"</button>
            <span class="save-status" role="status">{status}</span>
        </div>
        <ErrorNote failure />
        <ul class="problems">
            {move || failure.with(|f| f.as_ref().map(problems).unwrap_or_default())
                .into_iter()
                .map(|p| view! { <li>{p}</li> })
                .collect_view()}
        </ul>
    }
}
