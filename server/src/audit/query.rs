//! Reading the audit trail: filtered pages newest first, a scan for
//! exports, and the retention prune the hourly maintenance runs.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use provisio_api::audit::{AuditActor, AuditEvent, AuditPage, AuditQuery, AuditTarget};
use sqlx::{AssertSqlSafe, Row as _};

use crate::ServerError;
use crate::store::Store;

/// The setting that keeps events this many days (default
/// [`DEFAULT_RETENTION_DAYS`]).
pub const RETENTION_SETTING: &str = "audit_retention_days";
/// Two years: long enough for a yearly access review and its follow-up.
pub const DEFAULT_RETENTION_DAYS: u32 = 730;
/// The most events one export carries.
const MAX_EXPORT: usize = 100_000;

/// Why a listing cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A filter is malformed; the message names it.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] ServerError),
}

impl From<sqlx::Error> for AuditError {
    fn from(e: sqlx::Error) -> Self {
        AuditError::Storage(ServerError::Database(e))
    }
}

/// The audit trail of a store.
#[derive(Debug, Clone)]
pub struct AuditLog {
    store: Store,
}

const COLUMNS: &str = "id, at, actor_kind, actor_name, actor_id, address, action, target_kind, target_id, \
                       target_name, job_id, changes, details";

impl AuditLog {
    pub fn new(store: Store) -> AuditLog {
        AuditLog { store }
    }

    /// The page `query` asks for, newest first.
    pub async fn page(&self, query: &AuditQuery) -> Result<AuditPage, AuditError> {
        let limit = query.limit().map_err(AuditError::Invalid)?;
        let offset = query.offset.unwrap_or(0);
        let (condition, values) = condition(query)?;
        let mut count = sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM audit_events WHERE {condition}"
        )));
        for value in &values {
            count = count.bind(value.clone());
        }
        let total = usize::try_from(count.fetch_one(self.store.pool()).await?).unwrap_or_default();
        let items = self.select(&condition, &values, limit, offset).await?;
        Ok(AuditPage {
            items,
            total,
            offset,
            limit,
        })
    }

    /// Every event `query` matches (its page aside), newest first, at most
    /// 100,000.
    pub async fn export(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, AuditError> {
        let (condition, values) = condition(query)?;
        self.select(&condition, &values, MAX_EXPORT, 0).await
    }

    async fn select(
        &self,
        condition: &str,
        values: &[String],
        limit: usize,
        offset: usize,
    ) -> Result<Vec<AuditEvent>, AuditError> {
        let n = values.len();
        let mut select = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audit_events WHERE {condition} ORDER BY at DESC, id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        )));
        for value in values {
            select = select.bind(value.clone());
        }
        let rows = select
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(self.store.pool())
            .await?;
        rows.iter().map(event).collect()
    }

    /// Deletes the events older than the retention setting; how many.
    pub async fn prune(&self, now: DateTime<Utc>) -> Result<u64, ServerError> {
        let days = self
            .store
            .setting(RETENTION_SETTING)
            .await?
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or(DEFAULT_RETENTION_DAYS);
        let before = (now - Duration::days(i64::from(days))).to_rfc3339_opts(SecondsFormat::Millis, true);
        let done = sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(before)
            .execute(self.store.writer())
            .await?;
        Ok(done.rows_affected())
    }
}

/// The SQL condition of the filters, with its values in order.
fn condition(query: &AuditQuery) -> Result<(String, Vec<String>), AuditError> {
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut clauses = vec!["1 = 1".to_owned()];
    let mut values = Vec::new();
    let mut push = |clause: &str, value: String| {
        values.push(value);
        clauses.push(clause.replace('?', &format!("${}", values.len())));
    };
    if let Some(actor) = text(&query.actor) {
        push("LOWER(actor_name) = LOWER(?)", actor);
    }
    if let Some(action) = text(&query.action) {
        if action.ends_with('.') {
            push("action LIKE ?", format!("{}%", like_escaped(&action)));
        } else {
            push("action = ?", action);
        }
    }
    if let Some(target) = text(&query.target) {
        push("target_kind = ?", target);
    }
    if let Some(job) = text(&query.job) {
        push("job_id = ?", job);
    }
    if let Some(q) = text(&query.q) {
        let pattern = format!("%{}%", like_escaped(&q.to_lowercase()));
        push(
            "(LOWER(COALESCE(target_name, '')) LIKE ? OR LOWER(COALESCE(target_id, '')) LIKE ? \
             OR LOWER(actor_name) LIKE ?)",
            pattern,
        );
    }
    for (name, value, operator) in [("since", &query.since, ">="), ("until", &query.until, "<")] {
        if let Some(at) = text(value) {
            let at = DateTime::parse_from_rfc3339(&at).map_err(|e| {
                AuditError::Invalid(format!(
                    "`{name}` must be an RFC 3339 time such as 2026-12-01T00:00:00Z: {e}"
                ))
            })?;
            let at = at.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Millis, true);
            push(&format!("at {operator} ?"), at);
        }
    }
    Ok((clauses.join(" AND "), values))
}

/// `text` with LIKE's wildcards taken literally (the store's LIKE has no
/// ESCAPE clause in common between SQLite and PostgreSQL, so they are dropped).
fn like_escaped(text: &str) -> String {
    text.replace(['%', '_'], "")
}

fn event(row: &sqlx::any::AnyRow) -> Result<AuditEvent, AuditError> {
    let json = |column: &str| -> Result<Option<serde_json::Value>, AuditError> {
        let text: Option<String> = row.try_get(column)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    };
    let changes = json("changes")?
        .and_then(|c| serde_json::from_value(c).ok())
        .unwrap_or_default();
    let kind: String = row.try_get("actor_kind")?;
    let token_id: Option<String> = row.try_get("actor_id")?;
    Ok(AuditEvent {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor: AuditActor {
            kind,
            name: row.try_get("actor_name")?,
            id: token_id,
        },
        address: row.try_get("address")?,
        action: row.try_get("action")?,
        target: AuditTarget {
            kind: row.try_get("target_kind")?,
            id: row.try_get("target_id")?,
            name: row.try_get("target_name")?,
        },
        job_id: row.try_get("job_id")?,
        changes,
        details: json("details")?,
    })
}
