//! Reading jobs back from their rows, and the columns writes derive from a
//! definition.

use provisio_api::jobs::{JobDetail, JobState, JobSummary};
use provisio_engine::job::{Direction, JobDefinition};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::JobError;
use super::secret_fields::secret_flags;
use crate::ServerError;

// The job's columns by id and by name (literals: sqlx wants `'static` SQL).
pub(super) const SELECT_BY_ID: &str = "SELECT id, name, definition, secrets, state, state_changed_at, \
                                        restart_requested_at, connection_changed_at, version, created_at, modified_at FROM jobs WHERE id = $1";
pub(super) const SELECT_BY_NAME: &str = "SELECT id, name, definition, secrets, state, state_changed_at, \
                                          restart_requested_at, connection_changed_at, version, created_at, modified_at FROM jobs \
                                          WHERE name_key = $1";

/// A job as stored: what the API shows, and the sealed secrets.
pub(super) struct JobRow {
    pub(super) detail: JobDetail,
    pub(super) secrets: Option<String>,
}

pub(super) fn job(row: &AnyRow) -> Result<JobRow, JobError> {
    let definition: String = row.try_get("definition")?;
    let definition: JobDefinition = serde_json::from_str(&definition)
        .map_err(|e| ServerError::Corrupt(format!("the stored definition of a job does not parse: {e}")))?;
    Ok(JobRow {
        detail: JobDetail {
            id: row.try_get("id")?,
            secrets: secret_flags(&definition),
            definition,
            state: state(row)?,
            version: row.try_get("version")?,
            created_at: row.try_get("created_at")?,
            modified_at: row.try_get("modified_at")?,
            state_changed_at: row.try_get("state_changed_at")?,
            restart_requested_at: row.try_get("restart_requested_at")?,
            connection_changed_at: row.try_get("connection_changed_at")?,
            warnings: Vec::new(),
        },
        secrets: row.try_get("secrets")?,
    })
}

pub(super) fn summary(row: &AnyRow) -> Result<JobSummary, JobError> {
    let direction: String = row.try_get("direction")?;
    let direction = match direction.as_str() {
        "inbound" => Direction::Inbound,
        _ => Direction::Outbound,
    };
    Ok(JobSummary {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        direction,
        target_kind: row.try_get("target_kind")?,
        state: state(row)?,
        modified_at: row.try_get("modified_at")?,
    })
}

fn state(row: &AnyRow) -> Result<JobState, JobError> {
    let text: String = row.try_get("state")?;
    JobState::parse(&text)
        .ok_or_else(|| ServerError::Corrupt(format!("a job's state is `{text}`, not stopped or running")).into())
}

pub(super) fn direction(definition: &JobDefinition) -> &'static str {
    match definition.direction {
        Direction::Outbound => "outbound",
        Direction::Inbound => "inbound",
    }
}

/// The definition as the `definition` column keeps it: secrets masked by
/// the engine's own serialisation.
pub(super) fn definition_json(definition: &JobDefinition) -> Result<String, JobError> {
    serde_json::to_string(definition)
        .map_err(|e| ServerError::Corrupt(format!("a job definition does not serialise: {e}")).into())
}

/// Names are unique regardless of case and surrounding spaces.
pub(super) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_keyed_without_case_or_surrounding_spaces() {
        assert_eq!(name_key("  Acme SCIM "), "acme scim");
    }
}
