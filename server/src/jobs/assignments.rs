//! The users and groups assigned to a job: listing them with their display
//! names, replacing them all, adding and removing one. Every assigned id
//! must name a live user or group of the directory when it is assigned.

use chrono::Utc;
use provisio_api::jobs::{Assignment, PrincipalType};
use serde_json::Value;
use sqlx::Row as _;

use super::{JobError, Jobs};
use crate::directory::timestamp;

impl Jobs {
    /// The job's assignments, users then groups, each with its display
    /// name (`None` once the user or group is gone from the directory).
    pub async fn assignments(&self, id_or_name: &str) -> Result<Vec<Assignment>, JobError> {
        let job = self.find(id_or_name).await?.detail.id;
        let rows = sqlx::query(
            "SELECT principal_id, principal_type FROM job_assignments WHERE job_id = $1 \
             ORDER BY principal_type DESC, principal_id",
        )
        .bind(&job)
        .fetch_all(self.store.pool())
        .await?;
        let mut assignments = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get("principal_id")?;
            let kind: String = row.try_get("principal_type")?;
            let kind = PrincipalType::parse(&kind).unwrap_or(PrincipalType::User);
            let display_name = self.display_name(kind, &id).await?;
            assignments.push(Assignment { id, kind, display_name });
        }
        Ok(assignments)
    }

    /// Replaces every assignment of the job; each must name a live user or
    /// group (the first that does not is the error, and nothing changes).
    /// An id given twice counts once.
    pub async fn replace_assignments(
        &self,
        id_or_name: &str,
        wanted: &[Assignment],
    ) -> Result<Vec<Assignment>, JobError> {
        let job = self.find(id_or_name).await?.detail.id;
        let mut unique: Vec<&Assignment> = Vec::with_capacity(wanted.len());
        for assignment in wanted {
            self.check_principal(assignment).await?;
            if !unique.iter().any(|a| a.id == assignment.id) {
                unique.push(assignment);
            }
        }
        let now = timestamp(Utc::now());
        let mut tx = self.store.writer().begin().await?;
        sqlx::query("DELETE FROM job_assignments WHERE job_id = $1")
            .bind(&job)
            .execute(&mut *tx)
            .await?;
        for assignment in unique {
            insert(&mut tx, &job, assignment, &now).await?;
        }
        tx.commit().await?;
        self.assignments(&job).await
    }

    /// Assigns one user or group (assigning it again changes nothing).
    pub async fn add_assignment(&self, id_or_name: &str, assignment: &Assignment) -> Result<Vec<Assignment>, JobError> {
        let job = self.find(id_or_name).await?.detail.id;
        self.check_principal(assignment).await?;
        let mut tx = self.store.writer().begin().await?;
        sqlx::query("DELETE FROM job_assignments WHERE job_id = $1 AND principal_id = $2")
            .bind(&job)
            .bind(&assignment.id)
            .execute(&mut *tx)
            .await?;
        insert(&mut tx, &job, assignment, &timestamp(Utc::now())).await?;
        tx.commit().await?;
        self.assignments(&job).await
    }

    /// Unassigns one user or group.
    pub async fn remove_assignment(&self, id_or_name: &str, principal_id: &str) -> Result<(), JobError> {
        let job = self.find(id_or_name).await?.detail.id;
        let removed = sqlx::query("DELETE FROM job_assignments WHERE job_id = $1 AND principal_id = $2")
            .bind(&job)
            .bind(principal_id)
            .execute(self.store.writer())
            .await?;
        if removed.rows_affected() == 0 {
            return Err(JobError::NotAssigned {
                job: id_or_name.to_owned(),
                principal: principal_id.to_owned(),
            });
        }
        Ok(())
    }

    async fn check_principal(&self, assignment: &Assignment) -> Result<(), JobError> {
        let directory = self.store.directory();
        let exists = match assignment.kind {
            PrincipalType::User => directory.user(&assignment.id).await?.is_some(),
            PrincipalType::Group => directory.group(&assignment.id).await?.is_some(),
        };
        if exists {
            Ok(())
        } else {
            Err(JobError::UnknownPrincipal {
                kind: assignment.kind.as_str(),
                id: assignment.id.clone(),
            })
        }
    }

    async fn display_name(&self, kind: PrincipalType, id: &str) -> Result<Option<String>, JobError> {
        let directory = self.store.directory();
        let attributes = match kind {
            PrincipalType::User => directory.user_including_deleted(id).await?.map(|u| u.attributes),
            PrincipalType::Group => directory.group_including_deleted(id).await?.map(|g| g.attributes),
        };
        let text = |attributes: &serde_json::Map<String, Value>, name: &str| {
            attributes.get(name).and_then(Value::as_str).map(str::to_owned)
        };
        Ok(attributes.and_then(|a| text(&a, "displayName").or_else(|| text(&a, "userPrincipalName"))))
    }
}

async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job: &str,
    assignment: &Assignment,
    now: &str,
) -> Result<(), JobError> {
    sqlx::query(
        "INSERT INTO job_assignments (job_id, principal_id, principal_type, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(job)
    .bind(&assignment.id)
    .bind(assignment.kind.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
