//! API tokens: name, scope, inbound job or agent, and the SHA-256 of the token (see
//! [`crate::auth::token`] for why a plain hash suffices). The token itself
//! leaves [`Store::create_token`] once and is never stored.

use chrono::{DateTime, Utc};
use provisio_api::auth::{TokenCreateRequest, TokenCreated, TokenScope, TokenSummary};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::Store;
use super::admins::{db_time, parse_db_time};
use crate::ServerError;
use crate::auth::token;

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

impl Store {
    /// Creates a token as requested (checked first with
    /// [`TokenCreateRequest::check`]); the answer holds the token, which
    /// cannot be recovered later. Unnamed tokens are named after their scope
    /// and the date; a token with `expires_in` expires that long from now.
    pub async fn create_token(&self, request: &TokenCreateRequest) -> Result<TokenCreated, ServerError> {
        let secret = token::generate()?;
        let now = Utc::now();
        let expires_at = request.expires_at(now).map_err(ServerError::Invalid)?;
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
            job: request.job.clone(),
            agent: request.agent_name().map(str::to_owned),
            created_at: db_time(now),
            last_used_at: None,
            revoked_at: None,
            expires_at: expires_at.map(db_time),
        };
        sqlx::query(
            "INSERT INTO api_tokens (id, name, scope, job, agent, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&summary.id)
        .bind(&summary.name)
        .bind(summary.scope.as_str())
        .bind(summary.job.as_deref())
        .bind(summary.agent.as_deref())
        .bind(token::hash(secret.expose()))
        .bind(&summary.created_at)
        .bind(summary.expires_at.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(TokenCreated { summary, token: secret })
    }

    /// Every token, revoked ones included, oldest first.
    pub async fn tokens(&self) -> Result<Vec<TokenSummary>, ServerError> {
        let rows = sqlx::query(
            "SELECT id, name, scope, job, agent, created_at, last_used_at, revoked_at, expires_at FROM api_tokens \
             ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary).collect()
    }

    /// Revokes the token (again, harmlessly, when it already is); `None`
    /// when there is no token with that id.
    pub async fn revoke_token(&self, id: &str) -> Result<Option<TokenSummary>, ServerError> {
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(db_time(Utc::now()))
            .bind(id)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query(
            "SELECT id, name, scope, job, agent, created_at, last_used_at, revoked_at, expires_at FROM api_tokens \
             WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(summary).transpose()
    }

    /// The unrevoked token whose hash is `token_hash`, expired or not
    /// (authentication tells an expired token from an unknown one).
    pub(crate) async fn active_token_by_hash(&self, token_hash: &str) -> Result<Option<TokenRow>, ServerError> {
        let row = sqlx::query(
            "SELECT id, name, scope, job, agent, token_hash, last_used_at, expires_at FROM api_tokens \
             WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
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

    pub(crate) async fn mark_token_used(&self, id: &str, now: DateTime<Utc>) -> Result<(), ServerError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(db_time(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
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

    /// Migration 0009 rebuilds the table to add agent tokens: the tokens
    /// made before it keep everything they had.
    #[tokio::test]
    async fn tokens_made_before_agents_survive_the_migration_that_adds_them() {
        let dir = tempfile::tempdir().unwrap();
        let older = dir.path().join("migrations");
        std::fs::create_dir(&older).unwrap();
        for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.as_str() < "20261127000009" {
                std::fs::copy(&path, older.join(&name)).unwrap();
            }
        }
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&format!("{url}?mode=rwc")).await.unwrap();
        let before = sqlx::migrate::Migrator::new(older.as_path()).await.unwrap();
        before.run(&pool).await.unwrap();
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
        let tokens = store.tokens().await.unwrap();
        assert_eq!(tokens.len(), 1);
        let token = &tokens[0];
        assert_eq!((token.id.as_str(), token.name.as_str()), ("t1", "HR"));
        assert_eq!(
            (token.scope, token.job.as_deref(), token.agent.as_deref()),
            (TokenScope::Inbound, Some("workday"), None)
        );
        assert_eq!(token.revoked_at.as_deref(), Some("2026-11-26T10:00:00.000000Z"));
        let agent = TokenCreateRequest {
            agent: Some("dc-1".into()),
            ..request(None, TokenScope::Agent, None)
        };
        assert_eq!(
            store.create_token(&agent).await.unwrap().summary.agent.as_deref(),
            Some("dc-1")
        );
    }

    #[tokio::test]
    async fn only_the_hash_is_stored() {
        let s = store().await;
        let created = s
            .create_token(&request(Some("Okta"), TokenScope::Scim, None))
            .await
            .unwrap();
        assert!(token::well_formed(created.token.expose()));
        let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
            .fetch_all(&s.pool)
            .await
            .unwrap();
        assert_eq!(stored, [token::hash(created.token.expose())]);
        let row = s.active_token_by_hash(&stored[0]).await.unwrap().unwrap();
        assert_eq!(
            (row.id.as_str(), row.scope),
            (created.summary.id.as_str(), TokenScope::Scim)
        );
        assert_eq!(s.tokens().await.unwrap(), [created.summary]);
    }

    #[tokio::test]
    async fn unnamed_tokens_are_named_after_their_scope_and_date() {
        let s = store().await;
        let created = s.create_token(&request(None, TokenScope::Admin, None)).await.unwrap();
        assert!(
            created.summary.name.starts_with("admin token 20"),
            "{}",
            created.summary.name
        );
    }

    #[tokio::test]
    async fn revoked_tokens_stay_listed_but_authenticate_nothing() {
        let s = store().await;
        let created = s
            .create_token(&request(Some("HR"), TokenScope::Inbound, Some("workday")))
            .await
            .unwrap();
        let revoked = s.revoke_token(&created.summary.id).await.unwrap().unwrap();
        let when = revoked.revoked_at.clone().unwrap();
        assert_eq!(revoked.job.as_deref(), Some("workday"));
        let again = s.revoke_token(&created.summary.id).await.unwrap().unwrap();
        assert_eq!(again.revoked_at, Some(when), "revoking again keeps the first time");
        assert_eq!(s.revoke_token("no-such-id").await.unwrap(), None);
        assert_eq!(s.tokens().await.unwrap(), [again]);
        let hash = token::hash(created.token.expose());
        assert_eq!(s.active_token_by_hash(&hash).await.unwrap(), None);
    }

    #[tokio::test]
    async fn the_database_refuses_a_job_on_the_wrong_scope() {
        let s = store().await;
        assert!(s.create_token(&request(None, TokenScope::Inbound, None)).await.is_err());
        assert!(
            s.create_token(&request(None, TokenScope::Scim, Some("x")))
                .await
                .is_err()
        );
        assert_eq!(s.tokens().await.unwrap(), []);
    }
}
