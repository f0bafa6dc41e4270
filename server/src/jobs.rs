//! Provisioning jobs as the server keeps them: one row per job with its
//! definition (secrets masked), its secrets (encrypted, write-only), its
//! state and version; and the users and groups assigned to it. The admin
//! API and `provisio job apply` both write through [`Jobs`], so both check
//! definitions with the engine and keep secrets the same way.
//!
//! ```
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use provisio_server::jobs::Jobs;
//! use provisio_server::secrets::SecretBox;
//! use provisio_server::store::Store;
//!
//! let store = Store::open("sqlite::memory:").await?;
//! let jobs = Jobs::new(store, SecretBox::ephemeral()?);
//! let definition = serde_json::from_str(
//!     r#"{"name": "Acme", "target": {"kind": "scim", "base_url": "https://acme.example/scim",
//!         "auth": {"bearer_token": "s3cret"}},
//!         "objects": [{"source": "user", "target": "User", "mappings": []}]}"#,
//! )?;
//! let job = jobs.create(definition).await?;
//! assert!(job.secrets["target.auth.bearer_token"]);
//! assert!(!serde_json::to_string(&job)?.contains("s3cret"));
//! # Ok(())
//! # }
//! ```

mod assignments;
mod rows;
mod secret_fields;
mod secret_refs;
#[cfg(test)]
mod tests;

use chrono::Utc;
use provisio_api::auth::MAX_TOKEN_NAME_CHARS;
use provisio_api::jobs::{JobDetail, JobState, JobSummary, target_kind};
use provisio_engine::attributes::Catalogue;
use provisio_engine::job::{self, JobDefinition, JobProblem};
use sqlx::Row as _;

use crate::ServerError;
use crate::audit;
use crate::directory::{DirectoryError, timestamp};
use crate::secrets::{SecretBox, SecretError};
use crate::store::Store;

pub use secret_fields::{needed_secrets, secret_slots, target_secret_slots};
pub use secret_refs::{SECRET_FILE, SecretRef, misplaced as misplaced_references};

use rows::{JobRow, name_key};

/// The jobs of a store, with the key their secrets are encrypted under.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Jobs {
    store: Store,
    secrets: SecretBox,
    /// How this server reaches the jobs' targets.
    reach: std::sync::Arc<Reach>,
    /// What deleting a job deletes besides it, in the same transaction.
    purges: std::sync::Arc<Vec<JobPurge>>,
}

/// Deletes what a module keeps for one job, in the transaction that deletes
/// the job. The modules that keep something per job (cycle state, inbound
/// requests, inbound tokens) sit above this one: the server registers their
/// purges ([`Jobs::with_purges`]) rather than this module calling them.
pub type JobPurge =
    for<'c> fn(&'c mut sqlx::AnyConnection, &'c str) -> futures_util::future::BoxFuture<'c, Result<(), ServerError>>;

/// How a server reaches its jobs' targets: what they may reach (the
/// operator's [`TargetPolicy`](provisio_connectors::TargetPolicy)) and the
/// relay to on-premises agents for targets behind one.
#[derive(Debug, Default)]
pub struct Reach {
    pub policy: provisio_connectors::TargetPolicy,
    pub relay: std::sync::Arc<crate::relay::Relay>,
}

/// Why a job read or write did not happen. Nothing is written when one is
/// returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    #[error("no job has the id or name `{job}`")]
    NotFound { job: String },
    #[error("a job named `{name}` already exists (names are unique regardless of case)")]
    NameTaken { name: String },
    /// The definition has errors; every problem, warnings included.
    #[error("{}", JobProblem::summary(.0))]
    Invalid(Vec<JobProblem>),
    /// The write named a version that is no longer current.
    #[error("the job `{id}` has changed: its version is {current}, the request expected {expected}")]
    VersionMismatch { id: String, current: i64, expected: i64 },
    /// An assignment names a user or group the directory does not have.
    #[error("no live {kind} has the id `{id}`")]
    UnknownPrincipal { kind: &'static str, id: String },
    /// An assignment names a role the job does not define.
    #[error("the job has no app role `{role}`; its roles are Default Access{}", .known.iter().map(|r| format!(", {r}")).collect::<String>())]
    UnknownRole { role: String, known: Vec<String> },
    /// Unassigning someone who is not assigned (with that role).
    #[error("`{principal}` is not assigned to the job `{job}`{}", .role.as_ref().map(|r| format!(" with the role `{r}`")).unwrap_or_default())]
    NotAssigned {
        job: String,
        principal: String,
        role: Option<String>,
    },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Storage(#[from] ServerError),
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        JobError::Storage(ServerError::Database(e))
    }
}

impl From<DirectoryError> for JobError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::Storage(e) => JobError::Storage(e),
            other => JobError::Storage(ServerError::Corrupt(other.to_string())),
        }
    }
}

/// What the state endpoints ask of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    Start,
    Stop,
    /// Start, and forget the progress so far (the next cycle is an initial one).
    Restart,
}

/// What [`Jobs::apply`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    Created(JobDetail),
    /// Replaced the job of that name; `changed` is false when the
    /// definition and its secrets were already those.
    Replaced {
        job: JobDetail,
        changed: bool,
    },
}

impl Jobs {
    /// The jobs of the store, their secrets under `secrets`, their targets
    /// under the default [`TargetPolicy`](provisio_connectors::TargetPolicy)
    /// (no SQLite targets; link-local and metadata networks denied) and a
    /// relay of their own.
    pub fn new(store: Store, secrets: SecretBox) -> Jobs {
        Jobs {
            store,
            secrets,
            reach: std::sync::Arc::default(),
            purges: std::sync::Arc::default(),
        }
    }

    /// These jobs, deleting with each job what `purges` delete.
    pub fn with_purges(mut self, purges: Vec<JobPurge>) -> Jobs {
        self.purges = std::sync::Arc::new(purges);
        self
    }

    /// These jobs reaching their targets this way.
    pub fn with_reach(mut self, reach: Reach) -> Jobs {
        self.reach = std::sync::Arc::new(reach);
        self
    }

    /// These jobs with their targets under `policy` (and the same relay).
    pub fn with_target_policy(mut self, policy: provisio_connectors::TargetPolicy) -> Jobs {
        self.reach = std::sync::Arc::new(Reach {
            policy,
            relay: self.reach.relay.clone(),
        });
        self
    }

    /// How the jobs' targets are reached.
    pub fn reach(&self) -> &Reach {
        &self.reach
    }

    /// What the jobs' targets may reach.
    pub fn target_policy(&self) -> &provisio_connectors::TargetPolicy {
        &self.reach.policy
    }

    /// The notifications the jobs' runs raise: settings in this store,
    /// secrets under this key, webhooks kept out of the denied networks.
    pub fn alerts(&self) -> crate::alerts::Alerts {
        crate::alerts::Alerts::new(
            self.store.clone(),
            self.secrets.clone(),
            self.reach.policy.networks.clone(),
        )
    }

    /// Every job, by name.
    pub async fn list(&self) -> Result<Vec<JobSummary>, JobError> {
        let rows =
            sqlx::query("SELECT id, name, direction, target_kind, state, modified_at FROM jobs ORDER BY name_key")
                .fetch_all(self.store.pool())
                .await?;
        rows.iter().map(rows::summary).collect()
    }

    /// The job with this id or, failing that, this name (any case).
    pub async fn get(&self, id_or_name: &str) -> Result<JobDetail, JobError> {
        Ok(self.find(id_or_name).await?.detail)
    }

    /// The job's definition with its secrets, for the provisioning service.
    pub async fn definition_with_secrets(&self, id_or_name: &str) -> Result<JobDefinition, JobError> {
        let row = self.find(id_or_name).await?;
        let values = secret_fields::open(&self.secrets, &row.detail.id, row.secrets.as_deref())?;
        let mut definition = row.detail.definition;
        secret_fields::reveal(&mut definition, &values);
        Ok(definition)
    }

    /// The directory's attribute catalogue, extension attributes included,
    /// that definitions' source attributes are checked against.
    pub async fn catalogue(&self) -> Result<Catalogue, JobError> {
        let extensions = self.store.directory().extension_attributes().await?;
        Ok(Catalogue::with_extensions(extensions.into_iter().map(|spec| spec.name)))
    }

    /// What creating or replacing a job with this definition would say,
    /// without writing: its warnings, or [`JobError::Invalid`] with every
    /// problem when one is an error. An inbound definition without object
    /// mappings is judged as the template completes it
    /// ([`job::templates::complete_inbound`]).
    /// A secret the job needs and would not have (given the stored job of
    /// that name, whose secrets a write keeps) is a warning too.
    pub async fn warnings(&self, definition: &JobDefinition) -> Result<Vec<JobProblem>, JobError> {
        let stored = match self.find(&definition.name).await {
            Ok(row) => Some(row.detail.definition),
            Err(JobError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        warnings_against(definition, &self.catalogue().await?, stored.as_ref())
    }

    /// Creates a stopped job from a definition, which must pass the
    /// engine's validation; the answer carries its warnings. Secrets sent
    /// as `"********"` count as unset. An inbound job sent without object
    /// mappings gets the template's ([`job::templates::complete_inbound`]).
    pub async fn create(&self, definition: JobDefinition) -> Result<JobDetail, JobError> {
        let mut definition = definition;
        job::templates::complete_inbound(&mut definition);
        let mut warnings = check(&definition, &self.catalogue().await?)?;
        warnings.extend(secret_fields::missing(&definition, None));
        let id = uuid::Uuid::new_v4().to_string();
        let values = secret_fields::merge(&mut definition, &Default::default());
        let sealed = secret_fields::seal(&self.secrets, &id, &values)?;
        self.check_name_free(&definition.name, None).await?;
        let now = timestamp(Utc::now());
        let detail = JobDetail {
            id,
            secrets: secret_fields::secret_flags(&definition),
            state: JobState::Stopped,
            version: 1,
            created_at: now.clone(),
            modified_at: now.clone(),
            state_changed_at: now,
            restart_requested_at: None,
            connection_changed_at: None,
            definition,
            warnings,
        };
        let mut tx = self.store.writer().begin().await?;
        sqlx::query(
            "INSERT INTO jobs (id, name, name_key, direction, target_kind, definition, secrets, state, \
             state_changed_at, restart_requested_at, version, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, 1, $10, $11)",
        )
        .bind(&detail.id)
        .bind(&detail.definition.name)
        .bind(name_key(&detail.definition.name))
        .bind(rows::direction(&detail.definition))
        .bind(target_kind(&detail.definition))
        .bind(rows::definition_json(&detail.definition)?)
        .bind(sealed)
        .bind(detail.state.as_str())
        .bind(&detail.state_changed_at)
        .bind(&detail.created_at)
        .bind(&detail.modified_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| name_taken_or(e, &detail.definition.name))?;
        let definition_json = serde_json::to_value(&detail.definition).unwrap_or_default();
        audit::record_in(
            &mut tx,
            job_event("job.create", &detail.id, &detail.definition.name).details(serde_json::json!({
                "definition": definition_json,
                "secrets_set": values.keys().collect::<Vec<_>>(),
            })),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(job = %detail.id, name = %detail.definition.name, "job created");
        Ok(detail)
    }

    /// Replaces a job's definition (an inbound one without object mappings
    /// completed as [`Jobs::create`] completes it); the answer carries its
    /// warnings. Secrets follow the write-only rules:
    /// `"********"` or left out keeps the stored value, `""` clears it, any
    /// other value replaces it. With `if_version`, only that version is
    /// replaced. A change to the job's object mappings or scope
    /// ([`needs_restart`]) also records a restart (a new
    /// `restart_requested_at`, as [`StateChange::Restart`] does) without
    /// starting or stopping the job: its next cycle is an initial one. A
    /// change to its target or secrets ([`connection_changed`]) records its
    /// time in `connection_changed_at`.
    pub async fn replace(
        &self,
        id_or_name: &str,
        definition: JobDefinition,
        if_version: Option<i64>,
    ) -> Result<JobDetail, JobError> {
        Ok(self.replace_reporting(id_or_name, definition, if_version).await?.0)
    }

    async fn replace_reporting(
        &self,
        id_or_name: &str,
        definition: JobDefinition,
        if_version: Option<i64>,
    ) -> Result<(JobDetail, bool), JobError> {
        let mut definition = definition;
        job::templates::complete_inbound(&mut definition);
        let warnings = check(&definition, &self.catalogue().await?)?;
        // Optimistic: a concurrent writer makes the update miss, and
        // without `if_version` we read again and retry.
        for _ in 0..5 {
            let current = self.find(id_or_name).await?;
            check_version(&current.detail, if_version)?;
            let id = current.detail.id.clone();
            let stored = secret_fields::open(&self.secrets, &id, current.secrets.as_deref())?;
            secret_fields::check_destination(&definition, &current.detail.definition, &stored)
                .map_err(JobError::Invalid)?;
            let mut warnings = warnings.clone();
            warnings.extend(secret_fields::missing(&definition, Some(&current.detail.definition)));
            let mut definition = definition.clone();
            let values = secret_fields::merge(&mut definition, &stored);
            if definition == current.detail.definition && values == stored {
                return Ok((
                    JobDetail {
                        warnings,
                        ..current.detail
                    },
                    false,
                ));
            }
            if name_key(&definition.name) != name_key(&current.detail.definition.name) {
                self.check_name_free(&definition.name, Some(&id)).await?;
            }
            let sealed = secret_fields::seal(&self.secrets, &id, &values)?;
            let now = timestamp(Utc::now());
            let restart = needs_restart(&current.detail.definition, &definition).then_some(now.as_str());
            let reconnected =
                connection_changed(&current.detail.definition, &definition, values != stored).then_some(now.as_str());
            let mut tx = self.store.writer().begin().await?;
            let updated = sqlx::query(
                "UPDATE jobs SET name = $1, name_key = $2, direction = $3, target_kind = $4, definition = $5, \
                 secrets = $6, version = version + 1, modified_at = $7, \
                 restart_requested_at = COALESCE($10, restart_requested_at), \
                 connection_changed_at = COALESCE($11, connection_changed_at) WHERE id = $8 AND version = $9",
            )
            .bind(&definition.name)
            .bind(name_key(&definition.name))
            .bind(rows::direction(&definition))
            .bind(target_kind(&definition))
            .bind(rows::definition_json(&definition)?)
            .bind(sealed)
            .bind(&now)
            .bind(&id)
            .bind(current.detail.version)
            .bind(restart)
            .bind(reconnected)
            .execute(&mut *tx)
            .await
            .map_err(|e| name_taken_or(e, &definition.name))?;
            if updated.rows_affected() == 1 {
                let event = job_event("job.update", &id, &definition.name).changes(definition_changes(
                    &current.detail.definition,
                    &definition,
                    &stored,
                    &values,
                ));
                audit::record_in(&mut tx, event).await?;
                tx.commit().await?;
                tracing::info!(job = %id, name = %definition.name, restart = restart.is_some(), "job replaced");
                let restart_requested_at = match restart {
                    Some(_) => Some(now.clone()),
                    None => current.detail.restart_requested_at.clone(),
                };
                let connection_changed_at = match reconnected {
                    Some(_) => Some(now.clone()),
                    None => current.detail.connection_changed_at.clone(),
                };
                let detail = JobDetail {
                    secrets: secret_fields::secret_flags(&definition),
                    definition,
                    version: current.detail.version + 1,
                    modified_at: now,
                    restart_requested_at,
                    connection_changed_at,
                    warnings,
                    ..current.detail
                };
                return Ok((detail, true));
            }
        }
        Err(JobError::Storage(ServerError::Corrupt(format!(
            "the job `{id_or_name}` kept changing while it was being replaced"
        ))))
    }

    /// Creates the job, or replaces the one with the definition's name
    /// (`provisio job apply`), checked as [`Jobs::create`] and
    /// [`Jobs::replace`] check it.
    pub async fn apply(&self, definition: JobDefinition) -> Result<Applied, JobError> {
        let existing: Option<String> = sqlx::query_scalar("SELECT id FROM jobs WHERE name_key = $1")
            .bind(name_key(&definition.name))
            .fetch_optional(self.store.pool())
            .await?;
        match existing {
            None => self.create(definition).await.map(Applied::Created),
            Some(id) => {
                let (job, changed) = self.replace_reporting(&id, definition, None).await?;
                Ok(Applied::Replaced { job, changed })
            }
        }
    }

    /// Deletes a job, its assignments and, through the purges the server
    /// registered ([`Jobs::with_purges`]), what other modules keep for it.
    pub async fn delete(&self, id_or_name: &str, if_version: Option<i64>) -> Result<(), JobError> {
        let current = self.find(id_or_name).await?.detail;
        check_version(&current, if_version)?;
        let mut tx = self.store.writer().begin().await?;
        let deleted = sqlx::query("DELETE FROM jobs WHERE id = $1 AND version = $2")
            .bind(&current.id)
            .bind(current.version)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            // Changed (or deleted) since it was read.
            drop(tx);
            let now = self.find(&current.id).await?.detail;
            return Err(JobError::VersionMismatch {
                id: now.id,
                current: now.version,
                expected: current.version,
            });
        }
        sqlx::query("DELETE FROM job_assignments WHERE job_id = $1")
            .bind(&current.id)
            .execute(&mut *tx)
            .await?;
        // What other modules keep for it goes with it (its inbound requests
        // and tokens, its links, watermark, escrows and staged deletes).
        for purge in self.purges.iter() {
            purge(&mut tx, &current.id).await?;
        }
        audit::record_in(&mut tx, job_event("job.delete", &current.id, &current.definition.name)).await?;
        tx.commit().await?;
        tracing::info!(job = %current.id, name = %current.definition.name, "job deleted");
        Ok(())
    }

    /// Starts, stops or restarts a job: records the new state for the
    /// provisioning service (starting a running job changes nothing but a
    /// restart always records its time).
    pub async fn change_state(&self, id_or_name: &str, change: StateChange) -> Result<JobDetail, JobError> {
        let job = self.find(id_or_name).await?.detail;
        let id = job.id;
        let now = timestamp(Utc::now());
        let state = match change {
            StateChange::Start | StateChange::Restart => JobState::Running,
            StateChange::Stop => JobState::Stopped,
        };
        let restart = (change == StateChange::Restart).then_some(now.as_str());
        let mut tx = self.store.writer().begin().await?;
        sqlx::query(
            "UPDATE jobs SET state_changed_at = CASE WHEN state = $1 THEN state_changed_at ELSE $2 END, \
             state = $1, restart_requested_at = COALESCE($3, restart_requested_at) WHERE id = $4",
        )
        .bind(state.as_str())
        .bind(&now)
        .bind(restart)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        let action = match change {
            StateChange::Start => "job.start",
            StateChange::Stop => "job.stop",
            StateChange::Restart => "job.restart",
        };
        audit::record_in(&mut tx, job_event(action, &id, &job.definition.name)).await?;
        tx.commit().await?;
        tracing::info!(job = %id, state = %state, ?change, "job state changed");
        self.get(&id).await
    }

    /// How many jobs are in each state (every state, zeros included).
    pub async fn count_by_state(&self) -> Result<Vec<(JobState, u64)>, JobError> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
            .fetch_all(self.store.pool())
            .await?;
        let mut counts: Vec<(JobState, u64)> = JobState::ALL.into_iter().map(|s| (s, 0)).collect();
        for row in rows {
            let state: String = row.try_get("state")?;
            let n: i64 = row.try_get("n")?;
            if let Some(entry) = counts.iter_mut().find(|(s, _)| s.as_str() == state) {
                entry.1 = u64::try_from(n).unwrap_or_default();
            }
        }
        Ok(counts)
    }

    /// The job by id, else by name.
    async fn find(&self, id_or_name: &str) -> Result<JobRow, JobError> {
        let by_id = sqlx::query(rows::SELECT_BY_ID)
            .bind(id_or_name)
            .fetch_optional(self.store.pool())
            .await?;
        let row = match by_id {
            Some(row) => Some(row),
            None => {
                sqlx::query(rows::SELECT_BY_NAME)
                    .bind(name_key(id_or_name))
                    .fetch_optional(self.store.pool())
                    .await?
            }
        };
        let row = row.ok_or_else(|| JobError::NotFound {
            job: id_or_name.to_owned(),
        })?;
        rows::job(&row)
    }

    async fn check_name_free(&self, name: &str, except: Option<&str>) -> Result<(), JobError> {
        let holder: Option<String> = sqlx::query_scalar("SELECT id FROM jobs WHERE name_key = $1")
            .bind(name_key(name))
            .fetch_optional(self.store.pool())
            .await?;
        match holder {
            Some(id) if Some(id.as_str()) != except => Err(JobError::NameTaken { name: name.to_owned() }),
            _ => Ok(()),
        }
    }
}

/// The engine's validation with the directory's `catalogue` (source
/// attributes are looked up in it) plus the server's rules on names: every
/// problem, errors and warnings (`provisio job check` prints these).
pub fn problems(definition: &JobDefinition, catalogue: &Catalogue) -> Vec<JobProblem> {
    let mut problems = job::validate_with(definition, catalogue);
    let name = &definition.name;
    if name.chars().count() > MAX_TOKEN_NAME_CHARS {
        problems.push(JobProblem::error(
            "name",
            format!("the job name is longer than {MAX_TOKEN_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        problems.push(JobProblem::error("name", "the job name contains control characters"));
    }
    problems
}

/// [`problems`], and no secret may still be a `${…}` or `secret_file:`
/// reference (the server does not resolve them): the warnings, or every
/// problem when any is an error.
pub fn check(definition: &JobDefinition, catalogue: &Catalogue) -> Result<Vec<JobProblem>, JobError> {
    let mut problems = problems(definition, catalogue);
    problems.extend(secret_refs::unresolved(definition));
    if problems.iter().any(JobProblem::is_error) {
        Err(JobError::Invalid(problems))
    } else {
        Ok(problems)
    }
}

/// Whether replacing `old` by `new` restarts the job, as a change of the
/// provisioning configuration does in Entra: any change to its object
/// mappings (attribute mappings, matching, scoping filters, actions) or to
/// its scope (all users or the assigned ones). A new name, schedule,
/// target, credentials or deletion settings keeps its progress.
pub fn needs_restart(old: &JobDefinition, new: &JobDefinition) -> bool {
    old.objects != new.objects || old.scope != new.scope
}

/// [`Jobs::warnings`] against a given catalogue and stored job (its
/// definition as the API shows it, secrets masked), for callers that read
/// both elsewhere, such as `provisio job apply --server`.
pub fn warnings_against(
    definition: &JobDefinition,
    catalogue: &Catalogue,
    stored: Option<&JobDefinition>,
) -> Result<Vec<JobProblem>, JobError> {
    let mut definition = definition.clone();
    job::templates::complete_inbound(&mut definition);
    let mut warnings = check(&definition, catalogue)?;
    warnings.extend(secret_fields::missing(&definition, stored));
    Ok(warnings)
}

/// Whether replacing `old` by `new` changes how the job reaches its target:
/// the target (its kind, address, options, agent) or any secret
/// (`secrets_changed`, since the definitions hold them masked).
pub fn connection_changed(old: &JobDefinition, new: &JobDefinition, secrets_changed: bool) -> bool {
    secrets_changed || old.target != new.target
}

fn check_version(current: &JobDetail, expected: Option<i64>) -> Result<(), JobError> {
    match expected {
        Some(expected) if expected != current.version => Err(JobError::VersionMismatch {
            id: current.id.clone(),
            current: current.version,
            expected,
        }),
        _ => Ok(()),
    }
}

/// A unique-index violation on the name (a concurrent create) as
/// [`JobError::NameTaken`].
fn name_taken_or(error: sqlx::Error, name: &str) -> JobError {
    match &error {
        sqlx::Error::Database(e) if e.is_unique_violation() => JobError::NameTaken { name: name.to_owned() },
        _ => error.into(),
    }
}

/// An audit event about the job `id`, named `name`.
fn job_event(action: &str, id: &str, name: &str) -> audit::Event {
    audit::Event::new(action, "job")
        .target(id, Some(name.to_owned()))
        .job(id)
}

/// What a replacement changed: the definition path by path (secrets read
/// `"********"` in both), and each secret set, replaced or cleared, by its
/// place with masks only.
fn definition_changes(
    before: &JobDefinition,
    after: &JobDefinition,
    stored: &secret_fields::SecretValues,
    values: &secret_fields::SecretValues,
) -> Vec<provisio_api::audit::AuditChange> {
    let json = |d: &JobDefinition| serde_json::to_value(d).unwrap_or_default();
    let mut changes = audit::changes(&json(before), &json(after));
    let mask = |present: bool| present.then(|| serde_json::Value::from(provisio_api::jobs::MASK));
    for name in stored.keys().chain(values.keys()) {
        if stored.get(name) != values.get(name) && !changes.iter().any(|c| &c.path == name) {
            changes.push(provisio_api::audit::AuditChange {
                path: name.clone(),
                before: mask(stored.contains_key(name)),
                after: mask(values.contains_key(name)),
            });
        }
    }
    changes
}
