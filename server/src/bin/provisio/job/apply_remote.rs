//! `provisio job apply FILE --server URL --token TOKEN`: the definition
//! created (`POST /api/v1/jobs`) or, when a job has its name, replaced
//! (`PUT /api/v1/jobs/{id}`) through a running server's admin API, with
//! the same checks, answers and `--strict` as on the database.

use provisio_api::jobs::{JOBS_PATH, JobDetail, job_path};
use provisio_engine::job::{JobDefinition, JobProblem};
use provisio_server::jobs::{StateChange, secret_slots, warnings_against};
use reqwest::Method;
use serde_json::Value;

use super::catalogue::CatalogueArgs;
use super::{Refused, lifecycle, quarantine_note, stop_refused};
use crate::remote::Remote;
use crate::via::Backend;

/// Creates or replaces the job, and with `start` starts it: the lines to
/// print and the job's warnings.
pub(super) async fn apply(
    remote: &Remote,
    job: JobDefinition,
    strict: bool,
    start: bool,
) -> Result<(String, Vec<JobProblem>), Refused> {
    let existing: Option<JobDetail> = remote.find(&job_path(&job.name)).await.map_err(stop_refused)?;
    if strict {
        let catalogue = CatalogueArgs {
            database: None,
            server: Some(remote.server().to_owned()),
            token: Some(remote.token().expose().to_owned()),
        }
        .catalogue()
        .await
        .map_err(Refused::Failed)?;
        let stored = existing.as_ref().map(|current| &current.definition);
        let warnings = warnings_against(&job, &catalogue, stored).map_err(|e| Refused::Failed(e.to_string()))?;
        if !warnings.is_empty() {
            return Err(Refused::Strict(warnings));
        }
    }
    let body = body_of(&job)?;
    let written = match &existing {
        None => remote.write_job::<JobDetail>(Method::POST, JOBS_PATH, &body).await,
        Some(current) => remote.write_job(Method::PUT, &job_path(&current.id), &body).await,
    };
    let detail = written.map_err(stop_refused)?.map_err(Refused::Invalid)?;
    let name = &detail.definition.name;
    let mut lines = match &existing {
        None => format!("created job {name} ({})", detail.id),
        Some(current) if current.version == detail.version => format!("replaced job {name} (no changes)"),
        Some(_) => {
            let note = quarantine_note::from_server(remote, &detail, start).await;
            format!("replaced job {name}{note}")
        }
    };
    if start {
        let started = lifecycle::change(&Backend::Server(remote.clone()), &detail.id, StateChange::Start)
            .await
            .map_err(stop_refused)?;
        lines = format!("{lines}\n{}", started.trim_end());
    }
    Ok((lines, detail.warnings))
}

/// The definition as the API takes it, its secrets in clear: a
/// definition's JSON masks them (so it never leaks one), so each is put
/// back at its place. It goes only to the server, over the connection the
/// admin token goes over.
fn body_of(job: &JobDefinition) -> Result<Value, Refused> {
    let mut body =
        serde_json::to_value(job).map_err(|e| Refused::Failed(format!("cannot write the definition as JSON: {e}")))?;
    let mut job = job.clone();
    for (place, slot) in secret_slots(&mut job) {
        if let Some(secret) = slot.as_ref() {
            let pointer = format!("/{}", place.replace('.', "/"));
            if let Some(field) = body.pointer_mut(&pointer) {
                *field = Value::String(secret.expose().to_owned());
            }
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_the_secret_the_json_of_a_definition_masks() {
        let job: JobDefinition = serde_json::from_value(serde_json::json!({
            "name": "Acme",
            "target": {"kind": "scim", "base_url": "https://acme.example/scim", "auth": {"bearer_token": "t0ken"}},
            "objects": []
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_value(&job).unwrap()["target"]["auth"]["bearer_token"],
            "********"
        );
        let Ok(body) = body_of(&job) else { panic!("no body") };
        assert_eq!(body["target"]["auth"]["bearer_token"], "t0ken");
        assert_eq!(body["target"]["base_url"], "https://acme.example/scim");
    }
}
