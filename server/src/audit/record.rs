//! Writing one audit event inside the caller's transaction.

use chrono::{SecondsFormat, Utc};
use provisio_api::audit::AuditChange;
use serde_json::Value;

use super::actor::acting;
use crate::ServerError;

/// One administrative action, before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    action: String,
    target_kind: &'static str,
    target_id: Option<String>,
    target_name: Option<String>,
    job_id: Option<String>,
    changes: Vec<AuditChange>,
    details: Option<Value>,
}

impl Event {
    /// The action `action` (`job.update`) on an object of `target_kind`.
    pub fn new(action: impl Into<String>, target_kind: &'static str) -> Event {
        Event {
            action: action.into(),
            target_kind,
            target_id: None,
            target_name: None,
            job_id: None,
            changes: Vec::new(),
            details: None,
        }
    }

    /// The object acted on.
    pub fn target(mut self, id: impl Into<String>, name: Option<String>) -> Event {
        self.target_id = Some(id.into());
        self.target_name = name;
        self
    }

    /// The job the action belongs to (its history lists it).
    pub fn job(mut self, id: impl Into<String>) -> Event {
        self.job_id = Some(id.into());
        self
    }

    /// What changed (never a secret's value).
    pub fn changes(mut self, changes: Vec<AuditChange>) -> Event {
        self.changes = changes;
        self
    }

    pub fn details(mut self, details: Value) -> Event {
        self.details = Some(details);
        self
    }
}

/// Writes `event` with the current actor on `connection` (the caller's
/// transaction, so the event commits or rolls back with the change). When
/// nobody is acting — the system's own writes — nothing is written.
pub async fn record_in(connection: &mut sqlx::AnyConnection, event: Event) -> Result<(), ServerError> {
    let Some(actor) = acting() else {
        return Ok(());
    };
    let json = |value: Option<Value>| value.map(|v| v.to_string());
    let changes = (!event.changes.is_empty()).then(|| serde_json::to_value(&event.changes).unwrap_or_default());
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_kind, actor_name, actor_id, address, action, target_kind, \
         target_id, target_name, job_id, changes, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true))
    .bind(actor.kind.as_str())
    .bind(&actor.name)
    .bind(&actor.id)
    .bind(&actor.address)
    .bind(&event.action)
    .bind(event.target_kind)
    .bind(&event.target_id)
    .bind(&event.target_name)
    .bind(&event.job_id)
    .bind(json(changes))
    .bind(json(event.details))
    .execute(connection)
    .await?;
    Ok(())
}
