//! The Definition tab: the whole job definition as JSON, to read, edit,
//! download and upload. Saving sends the document as typed, so a token
//! typed in it replaces the stored one and `"********"` keeps it.

pub(super) mod file;
pub(super) mod problems;

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::engine::job::{JobDefinition, JobProblem};
use provisio_api::jobs::{JobDetail, job_path};
use serde_json::Value;

use self::problems::{ProblemList, problems_of};
use super::state::JobSignal;
use crate::api::{self, Failure};
use crate::ui::ErrorNote;

/// Replaces the job's definition with a JSON document (at the version the
/// page read; a later one answers 412) and puts the saved job into `job`.
/// A document rather than a [`JobDefinition`], because a definition
/// serialises its secrets masked and so could not carry a new token.
pub(super) async fn save_document(job: JobSignal, document: &Value) -> Result<(), Failure> {
    let (id, version) = job.with_untracked(|j| (j.id.clone(), j.version));
    let saved = api::put_if_match::<_, JobDetail>(&job_path(&id), document, version).await?;
    job.set(saved);
    Ok(())
}

/// A definition as the tab shows it (secrets read `"********"`).
fn pretty(definition: &JobDefinition) -> String {
    serde_json::to_string_pretty(definition).unwrap_or_default()
}

/// A failed save, put where it belongs: definition problems in the list,
/// anything else in the error note.
pub(super) fn show_failure(failure: Failure, problems: RwSignal<Vec<JobProblem>>, note: RwSignal<Option<Failure>>) {
    let found = problems_of(&failure);
    if found.is_empty() {
        note.set(Some(failure));
    } else {
        problems.set(found);
    }
}

#[component]
pub fn DefinitionTab(job: JobSignal) -> impl IntoView {
    let text = RwSignal::new(job.with_untracked(|j| pretty(&j.definition)));
    let problems = RwSignal::new(Vec::<JobProblem>::new());
    let failure = RwSignal::new(None::<Failure>);
    let note = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let file_name = move || format!("{}.json", job.with(|j| j.definition.name.clone()));

    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        problems.set(Vec::new());
        failure.set(None);
        note.set(None);
        let document = match serde_json::from_str::<Value>(&text.get_untracked()) {
            Ok(document) => document,
            Err(e) => {
                // The same place the server gives a document that does not parse.
                let place = format!("line {}, column {}", e.line(), e.column());
                problems.set(vec![JobProblem::error(place, e.to_string())]);
                return;
            }
        };
        busy.set(true);
        spawn_local(async move {
            match save_document(job, &document).await {
                Ok(()) => {
                    text.set(job.with_untracked(|j| pretty(&j.definition)));
                    // Saved, but perhaps not what was meant (e.g. an unknown
                    // source attribute): the API's warnings, in the list.
                    problems.set(job.with_untracked(|j| j.warnings.clone()));
                    note.set(Some(format!("Saved: version {}.", job.with_untracked(|j| j.version))));
                }
                Err(e) => show_failure(e, problems, failure),
            }
            busy.set(false);
        });
    };

    let upload = move |event: leptos::ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&event);
        failure.set(None);
        spawn_local(async move {
            match file::read_chosen(&input).await {
                Ok(Some(chosen)) => {
                    text.set(chosen.text);
                    problems.set(Vec::new());
                    note.set(Some(format!("Loaded {}: review it, then save.", chosen.name)));
                }
                Ok(None) => {}
                Err(e) => failure.set(Some(e)),
            }
        });
    };

    view! {
        <h2>"Definition"</h2>
        <p class="hint">"The whole job as JSON (see docs/jobs.md). Secrets read \"********\": leave them so to keep the stored value, type a new one to replace it."</p>
        <form class="definition-form" on:submit=save>
            // Above the editor, where a laptop screen still shows it.
            <ProblemList problems=problems />
            <label for="definition-text">"Job definition (JSON)"</label>
            <textarea id="definition-text" class="code definition-text" rows="24" spellcheck="false"
                aria-invalid=move || problems.with(|p| p.iter().any(JobProblem::is_error)).to_string()
                prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e))></textarea>
            <ErrorNote failure=failure />
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save" }}
                </button>
                <button type="button" on:click=move |_| {
                    text.set(job.with_untracked(|j| pretty(&j.definition)));
                    problems.set(Vec::new());
                    note.set(None);
                }>"Discard changes"</button>
                <a class="button" href=move || file::json_data_url(&text.get()) download=file_name>"Download"</a>
                <span class="upload">
                    <label for="definition-upload">"Upload a file"</label>
                    <input id="definition-upload" type="file" accept=".json,application/json" on:change=upload />
                </span>
            </div>
            <p class="saved-note" role="status">{move || note.get()}</p>
        </form>
    }
}
