//! The users and groups assigned to a job, each with an app role (none is
//! Default Access): listing them with their display names, replacing them
//! all, adding and removing one. Every assigned id must name a live user or
//! group and every role one of the job's app roles. An assignment change is
//! a directory change: it is written with change-log entries for the
//! principal (and a group's direct members), so incremental and realtime
//! cycles pick it up like any other write.

use provisio_api::jobs::{Assignment, PrincipalType};
use provisio_engine::job::{AppRole, DEFAULT_ACCESS};
use serde_json::Value;
use sqlx::Row as _;

use super::{JobError, Jobs};
use crate::audit::Event;
use crate::directory::{ChangeKind, ObjectType, Write};

/// An audit event's note of the role, `otherwise` when none is named.
fn role_details(role: Option<&str>, otherwise: &str) -> Value {
    serde_json::json!({ "role": role.unwrap_or(otherwise) })
}

/// How an assignment's role is stored: the role's value, empty for Default Access.
fn stored_role(assignment: &Assignment) -> &str {
    assignment.role.as_deref().unwrap_or_default()
}

impl Jobs {
    /// The job's assignments, users then groups, each with its role and
    /// display name (`None` once the user or group is gone from the
    /// directory).
    pub async fn assignments(&self, id_or_name: &str) -> Result<Vec<Assignment>, JobError> {
        let job = self.find(id_or_name).await?.detail.id;
        let rows = sqlx::query(
            "SELECT principal_id, principal_type, role FROM job_assignments WHERE job_id = $1 \
             ORDER BY principal_type DESC, principal_id, role",
        )
        .bind(&job)
        .fetch_all(self.store.pool())
        .await?;
        let mut assignments = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get("principal_id")?;
            let kind: String = row.try_get("principal_type")?;
            let role: String = row.try_get("role")?;
            let kind = PrincipalType::parse(&kind).unwrap_or(PrincipalType::User);
            let display_name = self.display_name(kind, &id).await?;
            assignments.push(Assignment {
                id,
                kind,
                role: (!role.is_empty()).then_some(role),
                display_name,
            });
        }
        Ok(assignments)
    }

    /// Replaces every assignment of the job; each must name a live user or
    /// group and one of the job's roles (the first that does not is the
    /// error, and nothing changes). The same principal and role given twice
    /// count once.
    pub async fn replace_assignments(
        &self,
        id_or_name: &str,
        wanted: &[Assignment],
    ) -> Result<Vec<Assignment>, JobError> {
        let row = self.find(id_or_name).await?;
        let job = row.detail.id;
        let mut unique: Vec<Assignment> = Vec::with_capacity(wanted.len());
        for assignment in wanted {
            let assignment = self.checked(assignment, &row.detail.definition.app_roles).await?;
            if !unique
                .iter()
                .any(|a| a.id == assignment.id && a.role == assignment.role)
            {
                unique.push(assignment);
            }
        }
        let mut write = self.store.directory().begin().await?;
        let before = principals(&mut write, &job).await?;
        sqlx::query("DELETE FROM job_assignments WHERE job_id = $1")
            .bind(&job)
            .execute(&mut *write.tx)
            .await?;
        for assignment in &unique {
            insert(&mut write, &job, assignment).await?;
        }
        let mut touched = before;
        touched.extend(unique.iter().map(|a| (a.kind, a.id.clone())));
        touched.sort();
        touched.dedup();
        log_principals(&mut write, &touched).await?;
        let listed: Vec<Value> = unique
            .iter()
            .map(|a| serde_json::json!({"id": a.id, "type": a.kind.as_str(), "role": a.role}))
            .collect();
        write.audit(
            Event::new("assignment.replace", "job")
                .target(job.clone(), Some(row.detail.definition.name.clone()))
                .job(job.clone())
                .details(serde_json::json!({ "assignments": listed })),
        );
        write.commit().await?;
        self.assignments(&job).await
    }

    /// Assigns one user or group with a role (assigning it again with the
    /// same role changes nothing).
    pub async fn add_assignment(&self, id_or_name: &str, assignment: &Assignment) -> Result<Vec<Assignment>, JobError> {
        let row = self.find(id_or_name).await?;
        let job = row.detail.id;
        let assignment = self.checked(assignment, &row.detail.definition.app_roles).await?;
        // Read before the write begins: it holds the writer's connection.
        let name = self.display_name(assignment.kind, &assignment.id).await?;
        let mut write = self.store.directory().begin().await?;
        sqlx::query("DELETE FROM job_assignments WHERE job_id = $1 AND principal_id = $2 AND role = $3")
            .bind(&job)
            .bind(&assignment.id)
            .bind(stored_role(&assignment))
            .execute(&mut *write.tx)
            .await?;
        insert(&mut write, &job, &assignment).await?;
        log_principals(&mut write, &[(assignment.kind, assignment.id.clone())]).await?;
        write.audit(
            Event::new("assignment.add", assignment.kind.as_str())
                .target(assignment.id.clone(), name)
                .job(job.clone())
                .details(role_details(assignment.role.as_deref(), DEFAULT_ACCESS)),
        );
        write.commit().await?;
        self.assignments(&job).await
    }

    /// Unassigns one user or group: every assignment it has, or with
    /// `role` only the one with that role (`Default Access` names the one
    /// without a role).
    pub async fn remove_assignment(
        &self,
        id_or_name: &str,
        principal_id: &str,
        role: Option<&str>,
    ) -> Result<(), JobError> {
        let job = self.find(id_or_name).await?.detail.id;
        // Read before the write begins: it holds the writer's connection.
        let kinds: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT principal_type FROM job_assignments WHERE job_id = $1 AND principal_id = $2",
        )
        .bind(&job)
        .bind(principal_id)
        .fetch_all(self.store.pool())
        .await?;
        let kind = kinds
            .iter()
            .find_map(|kind| PrincipalType::parse(kind))
            .unwrap_or(PrincipalType::User);
        let name = self.display_name(kind, principal_id).await?;
        let mut write = self.store.directory().begin().await?;
        let removed = match role {
            None => {
                sqlx::query("DELETE FROM job_assignments WHERE job_id = $1 AND principal_id = $2")
                    .bind(&job)
                    .bind(principal_id)
                    .execute(&mut *write.tx)
                    .await?
            }
            Some(role) => {
                let stored = if role.eq_ignore_ascii_case(DEFAULT_ACCESS) {
                    ""
                } else {
                    role
                };
                sqlx::query(
                    "DELETE FROM job_assignments WHERE job_id = $1 AND principal_id = $2 AND LOWER(role) = LOWER($3)",
                )
                .bind(&job)
                .bind(principal_id)
                .bind(stored)
                .execute(&mut *write.tx)
                .await?
            }
        };
        if removed.rows_affected() == 0 {
            return Err(JobError::NotAssigned {
                job: id_or_name.to_owned(),
                principal: principal_id.to_owned(),
                role: role.map(str::to_owned),
            });
        }
        let touched: Vec<_> = kinds
            .iter()
            .filter_map(|kind| PrincipalType::parse(kind))
            .map(|kind| (kind, principal_id.to_owned()))
            .collect();
        log_principals(&mut write, &touched).await?;
        write.audit(
            Event::new("assignment.remove", kind.as_str())
                .target(principal_id, name)
                .job(job.clone())
                .details(role_details(role, "every role")),
        );
        write.commit().await?;
        Ok(())
    }

    /// The assignment as stored: its principal live, its role one of the
    /// job's (spelt as the job spells it; `Default Access` becomes none).
    async fn checked(&self, assignment: &Assignment, roles: &[AppRole]) -> Result<Assignment, JobError> {
        self.check_principal(assignment).await?;
        let role = match assignment.role.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(role) if role.eq_ignore_ascii_case(DEFAULT_ACCESS) => None,
            Some(role) => Some(
                roles
                    .iter()
                    .find(|r| r.value.eq_ignore_ascii_case(role))
                    .map(|r| r.value.clone())
                    .ok_or_else(|| JobError::UnknownRole {
                        role: role.to_owned(),
                        known: roles.iter().map(|r| r.value.clone()).collect(),
                    })?,
            ),
        };
        Ok(Assignment {
            role,
            display_name: None,
            ..assignment.clone()
        })
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

async fn insert(write: &mut Write, job: &str, assignment: &Assignment) -> Result<(), JobError> {
    sqlx::query(
        "INSERT INTO job_assignments (job_id, principal_id, principal_type, role, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(job)
    .bind(&assignment.id)
    .bind(assignment.kind.as_str())
    .bind(stored_role(assignment))
    .bind(&write.at)
    .execute(&mut *write.tx)
    .await?;
    Ok(())
}

/// The job's assigned principals, each once.
async fn principals(write: &mut Write, job: &str) -> Result<Vec<(PrincipalType, String)>, JobError> {
    let rows = sqlx::query("SELECT DISTINCT principal_type, principal_id FROM job_assignments WHERE job_id = $1")
        .bind(job)
        .fetch_all(&mut *write.tx)
        .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("principal_type")?;
            let id: String = row.try_get("principal_id")?;
            Ok((PrincipalType::parse(&kind).unwrap_or(PrincipalType::User), id))
        })
        .collect()
}

/// Logs an update of each principal whose assignment changed, and of a
/// group's direct members (whose roles and scope come through it), so the
/// next incremental cycle re-decides them.
async fn log_principals(write: &mut Write, principals: &[(PrincipalType, String)]) -> Result<(), JobError> {
    let mut users: Vec<String> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    for (kind, id) in principals {
        match kind {
            PrincipalType::User => users.push(id.clone()),
            PrincipalType::Group => {
                let members: Vec<String> = sqlx::query_scalar(
                    "SELECT member_id FROM directory_members WHERE group_id = $1 AND member_type = 'user'",
                )
                .bind(id)
                .fetch_all(&mut *write.tx)
                .await?;
                users.extend(members);
                groups.push(id.clone());
            }
        }
    }
    users.sort();
    users.dedup();
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    write.log_many(ObjectType::User, &users, ChangeKind::Updated).await?;
    write.log_many(ObjectType::Group, &groups, ChangeKind::Updated).await?;
    Ok(())
}
