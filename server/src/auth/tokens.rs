//! API tokens: name, scope, inbound job or agent, and the SHA-256 of the token (see
//! [`crate::auth::token`] for why a plain hash suffices). The token itself
//! leaves [`Store::create_token`] once and is never stored. An inbound
//! token is bound to its job's id, so renaming the job keeps it and a new
//! job given an old name does not get it; listings show the job's current
//! name, and deleting the job deletes its tokens ([`delete_job_tokens`]).

use chrono::{DateTime, Utc};
use provisio_api::auth::{TokenCreateRequest, TokenCreated, TokenScope, TokenSummary};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::token;
use crate::ServerError;
use crate::store::Store;
use crate::store::{db_time, parse_db_time};

/// An active token as authentication needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) scope: TokenScope,
    pub(crate) job: Option<String>,
    pub(crate) agent: Option<String>,
    pub(crate) token_hash: String,
    pub(crate) last_used_at: Option<DateTime<Utc>>,
    pub(crate) expires_at: Option<DateTime<Utc>>,
}

/// Why a token was not created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenCreateError {
    /// An inbound token names no job.
    #[error("no job has the id or name `{0}`: an inbound token uploads to an existing inbound job")]
    UnknownJob(String),
    /// The lifetime (`expires_in`) is not one (callers check it first).
    #[error("{0}")]
    Invalid(String),
    /// An inbound token names an outbound job.
    #[error("the job `{0}` is an outbound job: inbound tokens upload to inbound jobs only")]
    NotInbound(String),
    #[error(transparent)]
    Storage(#[from] ServerError),
}

impl From<sqlx::Error> for TokenCreateError {
    fn from(e: sqlx::Error) -> Self {
        TokenCreateError::Storage(ServerError::Database(e))
    }
}

/// The tokens' columns as listings show them: an inbound token's job by its
/// current name.
const SUMMARY: &str = "SELECT t.id, t.name, t.scope, COALESCE(j.name, t.job) AS job, t.agent, t.created_at, \
                       t.last_used_at, t.revoked_at, t.expires_at FROM api_tokens t LEFT JOIN jobs j ON j.id = t.job";

/// The API tokens of a store.
#[derive(Debug, Clone)]
pub struct Tokens {
    store: Store,
}

impl Tokens {
    pub fn new(store: &Store) -> Tokens {
        Tokens { store: store.clone() }
    }

    /// Creates a token as requested (checked first with
    /// [`TokenCreateRequest::check`]); the answer holds the token, which
    /// cannot be recovered later. Unnamed tokens are named after their scope
    /// and the date. An inbound token's job, named by id or name, must be an
    /// inbound job; the token is bound to its id. A token with `expires_in`
    /// expires that long from now.
    pub async fn create(&self, request: &TokenCreateRequest) -> Result<TokenCreated, TokenCreateError> {
        let job = match (request.scope, request.job.as_deref()) {
            (TokenScope::Inbound, Some(job)) => Some(self.inbound_job(job).await?),
            _ => None,
        };
        let secret = token::generate()?;
        let now = Utc::now();
        let expires_at = request.expires_at(now).map_err(TokenCreateError::Invalid)?;
        let name = match &request.name {
            Some(name) => name.clone(),
            None => match &request.agent {
                Some(agent) => format!("agent {agent} {}", now.format("%Y-%m-%d")),
                None => format!("{} token {}", request.scope, now.format("%Y-%m-%d")),
            },
        };
        let summary = TokenSummary {
            id: uuid::Uuid::new_v4().to_string(),
            name,
            scope: request.scope,
            job: job.as_ref().map(|(_, name)| name.clone()),
            agent: request.agent_name().map(str::to_owned),
            created_at: db_time(now),
            last_used_at: None,
            revoked_at: None,
            expires_at: expires_at.map(db_time),
        };
        // An inbound token is stored only while its job exists, so a job
        // deleted meanwhile leaves no token behind. A job on another scope
        // is written as asked, for the table's CHECK to refuse.
        let job_column = match &job {
            Some((id, _)) => Some(id.as_str()),
            None => request.job.as_deref(),
        };
        let mut tx = self.store.pool().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO api_tokens (id, name, scope, job, agent, token_hash, created_at, expires_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
             WHERE $3 <> 'inbound' OR $4 IS NULL OR EXISTS (SELECT 1 FROM jobs WHERE id = $4)",
        )
        .bind(&summary.id)
        .bind(&summary.name)
        .bind(summary.scope.as_str())
        .bind(job_column)
        .bind(summary.agent.as_deref())
        .bind(token::hash(secret.expose()))
        .bind(&summary.created_at)
        .bind(summary.expires_at.as_deref())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(TokenCreateError::UnknownJob(request.job.clone().unwrap_or_default()));
        }
        let mut event = token_event("token.create", &summary).details(serde_json::json!({
            "scope": summary.scope.as_str(),
            "job": summary.job,
            "agent": summary.agent,
            "expires_at": summary.expires_at,
        }));
        if let Some((job_id, _)) = &job {
            event = event.job(job_id.clone());
        }
        crate::audit::record_in(&mut tx, event).await?;
        tx.commit().await?;
        Ok(TokenCreated { summary, token: secret })
    }

    /// The inbound job an inbound token is asked for, by id or else by name
    /// (any case): its id and name.
    async fn inbound_job(&self, job: &str) -> Result<(String, String), TokenCreateError> {
        // `name_key` as the jobs module writes it: trimmed and lower-cased.
        let row = sqlx::query(
            "SELECT id, name, direction FROM jobs WHERE id = $1 OR name_key = $2 \
             ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1",
        )
        .bind(job)
        .bind(job.trim().to_lowercase())
        .fetch_optional(self.store.pool())
        .await?;
        let Some(row) = row else {
            return Err(TokenCreateError::UnknownJob(job.to_owned()));
        };
        let name: String = row.try_get("name")?;
        if row.try_get::<String, _>("direction")? != "inbound" {
            return Err(TokenCreateError::NotInbound(name));
        }
        Ok((row.try_get("id")?, name))
    }

    /// Every token, revoked ones included, oldest first.
    pub async fn list(&self) -> Result<Vec<TokenSummary>, ServerError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SUMMARY} ORDER BY t.created_at, t.id")))
            .fetch_all(self.store.pool())
            .await?;
        rows.iter().map(summary).collect()
    }

    /// Revokes the token (again, harmlessly, when it already is); `None`
    /// when there is no token with that id.
    pub async fn revoke(&self, id: &str) -> Result<Option<TokenSummary>, ServerError> {
        let mut tx = self.store.pool().begin().await?;
        let revoked = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(db_time(Utc::now()))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SUMMARY} WHERE t.id = $1")))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let found = row.as_ref().map(summary).transpose()?;
        if let Some(summary) = found.as_ref().filter(|_| revoked.rows_affected() == 1) {
            crate::audit::record_in(&mut tx, token_event("token.revoke", summary)).await?;
        }
        tx.commit().await?;
        Ok(found)
    }

    /// The unrevoked token whose hash is `token_hash`, expired or not
    /// (authentication tells an expired token from an unknown one).
    pub(crate) async fn active_by_hash(&self, token_hash: &str) -> Result<Option<TokenRow>, ServerError> {
        let row = sqlx::query(
            "SELECT id, name, scope, job, agent, token_hash, last_used_at, expires_at FROM api_tokens \
             WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(self.store.pool())
        .await?;
        row.map(|row: AnyRow| {
            Ok(TokenRow {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                scope: scope(&row)?,
                job: row.try_get("job")?,
                agent: row.try_get("agent")?,
                token_hash: row.try_get("token_hash")?,
                last_used_at: optional_time(&row, "last_used_at")?,
                expires_at: optional_time(&row, "expires_at")?,
            })
        })
        .transpose()
    }

    pub(crate) async fn mark_used(&self, id: &str, now: DateTime<Utc>) -> Result<(), ServerError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(db_time(now))
            .bind(id)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }
}

/// Deletes the inbound tokens of a job (with the job, in its transaction);
/// returns how many went.
pub(crate) fn purge<'c>(
    connection: &'c mut AnyConnection,
    job_id: &'c str,
) -> futures_util::future::BoxFuture<'c, Result<(), ServerError>> {
    Box::pin(async move {
        let deleted = delete_job_tokens(connection, job_id).await?;
        tracing::info!(job = %job_id, tokens = deleted, "the deleted job's inbound tokens deleted");
        Ok(())
    })
}

/// An audit event about a token (never its secret).
fn token_event(action: &str, token: &TokenSummary) -> crate::audit::Event {
    crate::audit::Event::new(action, "token").target(token.id.clone(), Some(token.name.clone()))
}

/// Deletes the inbound tokens of a job; how many went.
pub(crate) async fn delete_job_tokens(connection: &mut AnyConnection, job_id: &str) -> Result<u64, ServerError> {
    let deleted = sqlx::query("DELETE FROM api_tokens WHERE scope = 'inbound' AND job = $1")
        .bind(job_id)
        .execute(connection)
        .await?;
    Ok(deleted.rows_affected())
}

fn summary(row: &AnyRow) -> Result<TokenSummary, ServerError> {
    Ok(TokenSummary {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        scope: scope(row)?,
        job: row.try_get("job")?,
        agent: row.try_get("agent")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

fn optional_time(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>, ServerError> {
    row.try_get::<Option<String>, _>(column)?
        .as_deref()
        .map(parse_db_time)
        .transpose()
}

fn scope(row: &AnyRow) -> Result<TokenScope, ServerError> {
    row.try_get::<String, _>("scope")?.parse().map_err(ServerError::Corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> Store {
        Store::open("sqlite::memory:").await.unwrap()
    }

    fn request(name: Option<&str>, scope: TokenScope, job: Option<&str>) -> TokenCreateRequest {
        TokenCreateRequest {
            name: name.map(str::to_owned),
            scope,
            job: job.map(str::to_owned),
            agent: None,
            expires_in: None,
        }
    }

    /// A job row as the jobs module writes one, as much as tokens read of it.
    async fn job(pool: &sqlx::AnyPool, id: &str, name: &str, direction: &str) {
        sqlx::query(
            "INSERT INTO jobs (id, name, name_key, direction, target_kind, definition, secrets, state, \
             state_changed_at, restart_requested_at, version, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, 'directory', '{}', NULL, 'stopped', $5, NULL, 1, $5, $5)",
        )
        .bind(id)
        .bind(name)
        .bind(name.trim().to_lowercase())
        .bind(direction)
        .bind("2026-11-26T09:00:00.000Z")
        .execute(pool)
        .await
        .unwrap();
    }

    /// A SQLite file migrated up to (not including) the migration whose
    /// version starts with `before`, and its URL, for tests of what that
    /// migration does to data made before it.
    async fn database_before(dir: &std::path::Path, before: &str) -> (sqlx::AnyPool, String) {
        let older = dir.join("migrations");
        std::fs::create_dir(&older).unwrap();
        for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.as_str() < before {
                std::fs::copy(&path, older.join(&name)).unwrap();
            }
        }
        let url = format!("sqlite://{}", dir.join("p.db").display());
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&format!("{url}?mode=rwc")).await.unwrap();
        let migrator = sqlx::migrate::Migrator::new(older.as_path()).await.unwrap();
        migrator.run(&pool).await.unwrap();
        (pool, url)
    }

    /// Migration 0009 rebuilds the table to add agent tokens: the tokens
    /// made before it keep everything they had.
    #[tokio::test]
    async fn tokens_made_before_agents_survive_the_migration_that_adds_them() {
        let dir = tempfile::tempdir().unwrap();
        let (pool, url) = database_before(dir.path(), "20261127000009").await;
        job(&pool, "j-1", "Workday", "inbound").await;
        sqlx::query(
            "INSERT INTO api_tokens (id, name, scope, job, token_hash, created_at, revoked_at) \
             VALUES ('t1', 'HR', 'inbound', 'workday', 'abc', '2026-11-26T09:30:00.000000Z', \
             '2026-11-26T10:00:00.000000Z')",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;

        let store = Store::open(&url).await.unwrap();
        let tokens = Tokens::new(&store).list().await.unwrap();
        assert_eq!(tokens.len(), 1);
        let token = &tokens[0];
        assert_eq!((token.id.as_str(), token.name.as_str()), ("t1", "HR"));
        assert_eq!(
            (token.scope, token.job.as_deref(), token.agent.as_deref()),
            (TokenScope::Inbound, Some("Workday"), None)
        );
        assert_eq!(token.revoked_at.as_deref(), Some("2026-11-26T10:00:00.000000Z"));
        let agent = TokenCreateRequest {
            agent: Some("dc-1".into()),
            ..request(None, TokenScope::Agent, None)
        };
        assert_eq!(
            Tokens::new(&store)
                .create(&agent)
                .await
                .unwrap()
                .summary
                .agent
                .as_deref(),
            Some("dc-1")
        );
    }

    #[tokio::test]
    async fn only_the_hash_is_stored() {
        let s = store().await;
        let created = Tokens::new(&s)
            .create(&request(Some("Okta"), TokenScope::Scim, None))
            .await
            .unwrap();
        assert!(token::well_formed(created.token.expose()));
        let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
            .fetch_all(s.pool())
            .await
            .unwrap();
        assert_eq!(stored, [token::hash(created.token.expose())]);
        let row = Tokens::new(&s).active_by_hash(&stored[0]).await.unwrap().unwrap();
        assert_eq!(
            (row.id.as_str(), row.scope),
            (created.summary.id.as_str(), TokenScope::Scim)
        );
        assert_eq!(Tokens::new(&s).list().await.unwrap(), [created.summary]);
    }

    #[tokio::test]
    async fn unnamed_tokens_are_named_after_their_scope_and_date() {
        let s = store().await;
        let created = Tokens::new(&s)
            .create(&request(None, TokenScope::Admin, None))
            .await
            .unwrap();
        assert!(
            created.summary.name.starts_with("admin token 20"),
            "{}",
            created.summary.name
        );
    }

    /// Migration 0011 binds inbound tokens to their job's id: found by id,
    /// else by name in any case, among inbound jobs; tokens naming no
    /// inbound job go.
    #[tokio::test]
    async fn the_migration_binds_inbound_tokens_to_their_jobs_id_and_drops_those_of_no_inbound_job() {
        let dir = tempfile::tempdir().unwrap();
        let (pool, url) = database_before(dir.path(), "20261128000011").await;
        job(&pool, "j-hr", "HR", "inbound").await;
        job(&pool, "j-pay", "Payroll", "inbound").await;
        job(&pool, "j-acme", "Acme", "outbound").await;
        for (id, scope, job, revoked) in [
            ("t-name", "inbound", Some("hr"), None),
            ("t-id", "inbound", Some("j-pay"), None),
            ("t-revoked", "inbound", Some("HR"), Some("2026-11-26T10:00:00.000000Z")),
            ("t-ghost", "inbound", Some("Ghost"), None),
            ("t-outbound", "inbound", Some("Acme"), None),
            ("t-admin", "admin", None, None),
        ] {
            sqlx::query(
                "INSERT INTO api_tokens (id, name, scope, job, token_hash, created_at, revoked_at) \
                 VALUES ($1, $1, $2, $3, $1, '2026-11-26T09:30:00.000000Z', $4)",
            )
            .bind(id)
            .bind(scope)
            .bind(job)
            .bind(revoked)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;

        let store = Store::open(&url).await.unwrap();
        let listed: Vec<(String, Option<String>)> = Tokens::new(&store)
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.id, t.job))
            .collect();
        let expected = [
            ("t-admin", None),
            ("t-id", Some("Payroll")),
            ("t-name", Some("HR")),
            ("t-revoked", Some("HR")),
        ];
        let expected: Vec<(String, Option<String>)> = expected
            .iter()
            .map(|(id, job)| ((*id).to_owned(), job.map(str::to_owned)))
            .collect();
        assert_eq!(listed, expected);
        let stored: Vec<(String, Option<String>)> = sqlx::query("SELECT id, job FROM api_tokens ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|row| (row.get("id"), row.get("job")))
            .collect();
        let ids = [
            ("t-admin", None),
            ("t-id", Some("j-pay")),
            ("t-name", Some("j-hr")),
            ("t-revoked", Some("j-hr")),
        ];
        let ids: Vec<(String, Option<String>)> = ids
            .iter()
            .map(|(id, job)| ((*id).to_owned(), job.map(str::to_owned)))
            .collect();
        assert_eq!(stored, ids, "bound to the jobs' ids");
        let caller = Tokens::new(&store).active_by_hash("t-name").await.unwrap().unwrap();
        assert_eq!(caller.job.as_deref(), Some("j-hr"));
    }

    #[tokio::test]
    async fn an_inbound_token_names_an_existing_inbound_job_and_stays_with_it() {
        let s = store().await;
        job(s.pool(), "j-hr", "HR", "inbound").await;
        job(s.pool(), "j-acme", "Acme", "outbound").await;
        let refused = |job: &'static str| {
            let s = s.clone();
            async move {
                Tokens::new(&s)
                    .create(&request(None, TokenScope::Inbound, Some(job)))
                    .await
                    .unwrap_err()
                    .to_string()
            }
        };
        let unknown = refused("Ghost").await;
        assert!(unknown.contains("no job has the id or name `Ghost`"), "{unknown}");
        let outbound = refused("acme").await;
        assert!(outbound.contains("the job `Acme` is an outbound job"), "{outbound}");
        assert_eq!(Tokens::new(&s).list().await.unwrap(), []);

        let by_name = Tokens::new(&s)
            .create(&request(None, TokenScope::Inbound, Some(" hr ")))
            .await
            .unwrap();
        assert_eq!(by_name.summary.job.as_deref(), Some("HR"), "the job's own name");
        let by_id = Tokens::new(&s)
            .create(&request(None, TokenScope::Inbound, Some("j-hr")))
            .await
            .unwrap();
        let hash = token::hash(by_id.token.expose());
        assert_eq!(
            Tokens::new(&s)
                .active_by_hash(&hash)
                .await
                .unwrap()
                .unwrap()
                .job
                .as_deref(),
            Some("j-hr")
        );

        sqlx::query("UPDATE jobs SET name = 'People', name_key = 'people' WHERE id = 'j-hr'")
            .execute(s.pool())
            .await
            .unwrap();
        let listed: Vec<Option<String>> = Tokens::new(&s)
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.job)
            .collect();
        assert_eq!(
            listed,
            [Some("People".to_owned()), Some("People".to_owned())],
            "the current name"
        );

        // The in-memory database has one connection: give it back before listing.
        {
            let mut connection = s.pool().acquire().await.unwrap();
            assert_eq!(delete_job_tokens(&mut connection, "j-acme").await.unwrap(), 0);
            assert_eq!(delete_job_tokens(&mut connection, "j-hr").await.unwrap(), 2);
        }
        assert_eq!(Tokens::new(&s).list().await.unwrap(), []);
    }

    #[tokio::test]
    async fn revoked_tokens_stay_listed_but_authenticate_nothing() {
        let s = store().await;
        job(s.pool(), "j-1", "Workday", "inbound").await;
        let created = Tokens::new(&s)
            .create(&request(Some("HR"), TokenScope::Inbound, Some("workday")))
            .await
            .unwrap();
        let revoked = Tokens::new(&s).revoke(&created.summary.id).await.unwrap().unwrap();
        let when = revoked.revoked_at.clone().unwrap();
        assert_eq!(revoked.job.as_deref(), Some("Workday"));
        let again = Tokens::new(&s).revoke(&created.summary.id).await.unwrap().unwrap();
        assert_eq!(again.revoked_at, Some(when), "revoking again keeps the first time");
        assert_eq!(Tokens::new(&s).revoke("no-such-id").await.unwrap(), None);
        assert_eq!(Tokens::new(&s).list().await.unwrap(), [again]);
        let hash = token::hash(created.token.expose());
        assert_eq!(Tokens::new(&s).active_by_hash(&hash).await.unwrap(), None);
    }

    #[tokio::test]
    async fn the_database_refuses_a_job_on_the_wrong_scope() {
        let s = store().await;
        assert!(
            Tokens::new(&s)
                .create(&request(None, TokenScope::Inbound, None))
                .await
                .is_err()
        );
        assert!(
            Tokens::new(&s)
                .create(&request(None, TokenScope::Scim, Some("x")))
                .await
                .is_err()
        );
        assert_eq!(Tokens::new(&s).list().await.unwrap(), []);
    }
}
