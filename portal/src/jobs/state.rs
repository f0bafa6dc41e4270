//! The job a job page shows, shared by its tabs: loaded once, replaced
//! whole when a tab saves the definition (with `If-Match`, so a change made
//! elsewhere meanwhile is refused rather than overwritten).

use leptos::prelude::*;
use provisio_api::engine::job::JobDefinition;
use provisio_api::jobs::{JobDetail, job_path};

use crate::api::{self, Failure};

/// The job of the page, once loaded.
pub type JobSignal = RwSignal<JobDetail>;

/// Loads a job by id or name.
pub async fn load(id: &str) -> Result<JobDetail, Failure> {
    api::get(&job_path(id)).await
}

/// Replaces the job's definition (the version it was read at, else 412)
/// and puts the saved job into the signal.
pub async fn save_definition(job: JobSignal, definition: JobDefinition) -> Result<(), Failure> {
    let (id, version) = job.with_untracked(|j| (j.id.clone(), j.version));
    let saved = api::put_if_match::<_, JobDetail>(&job_path(&id), &definition, version).await?;
    job.set(saved);
    Ok(())
}

/// Reads the job again (after start, stop, restart and the like).
pub async fn reload(job: JobSignal) -> Result<(), Failure> {
    let id = job.with_untracked(|j| j.id.clone());
    job.set(load(&id).await?);
    Ok(())
}

/// The definition as a JSON document to edit before sending. Through its
/// text rather than `serde_json::to_value`: the portal then carries one
/// serialiser of the definition, not two (wasm size).
pub fn definition_document(definition: &JobDefinition) -> serde_json::Value {
    serde_json::to_string(definition)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(serde_json::Value::Null)
}
