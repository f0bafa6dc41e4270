//! Administrators' browser sessions, keyed by the SHA-256 of the session
//! id the cookie carries (the id itself is never stored). When a session
//! ends is decided by [`crate::auth`] from `created_at` and `last_seen_at`.

use chrono::{DateTime, Utc};
use provisio_api::auth::Secret;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::ServerError;
use crate::store::Store;
use crate::store::{db_time, parse_db_time};

/// A stored session and the administrator it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionRow {
    pub(crate) admin_id: String,
    pub(crate) admin_name: String,
    pub(crate) csrf_token: Secret,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) last_seen_at: DateTime<Utc>,
}

/// Administrators' sessions in a store.
#[derive(Debug, Clone)]
pub(crate) struct Sessions {
    store: Store,
}

impl Sessions {
    pub fn new(store: &Store) -> Sessions {
        Sessions { store: store.clone() }
    }

    pub(crate) async fn create(
        &self,
        id_hash: &str,
        admin_id: &str,
        csrf_token: &Secret,
        now: DateTime<Utc>,
    ) -> Result<(), ServerError> {
        let now = db_time(now);
        sqlx::query(
            "INSERT INTO sessions (id_hash, admin_id, csrf_token, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(admin_id)
        .bind(csrf_token.expose())
        .bind(&now)
        .bind(&now)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// The session whose id hashes to `id_hash`, expired or not.
    pub(crate) async fn get(&self, id_hash: &str) -> Result<Option<SessionRow>, ServerError> {
        let row = sqlx::query(
            "SELECT s.admin_id, a.name, s.csrf_token, s.created_at, s.last_seen_at \
             FROM sessions s JOIN admins a ON a.id = s.admin_id WHERE s.id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(self.store.pool())
        .await?;
        row.map(|row: AnyRow| {
            Ok(SessionRow {
                admin_id: row.try_get("admin_id")?,
                admin_name: row.try_get("name")?,
                csrf_token: Secret::new(row.try_get::<String, _>("csrf_token")?),
                created_at: parse_db_time(&row.try_get::<String, _>("created_at")?)?,
                last_seen_at: parse_db_time(&row.try_get::<String, _>("last_seen_at")?)?,
            })
        })
        .transpose()
    }

    /// Notes activity on the session, which pushes back its idle end.
    pub(crate) async fn touch(&self, id_hash: &str, now: DateTime<Utc>) -> Result<(), ServerError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(db_time(now))
            .bind(id_hash)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// Ends the session; `false` when there was none.
    pub(crate) async fn delete(&self, id_hash: &str) -> Result<bool, ServerError> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(self.store.pool())
            .await?;
        Ok(deleted.rows_affected() == 1)
    }

    /// Deletes sessions idle since before `seen_before` or begun before
    /// `created_before`; how many.
    pub(crate) async fn delete_expired(
        &self,
        seen_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> Result<u64, ServerError> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(db_time(seen_before))
            .bind(db_time(created_before))
            .execute(self.store.pool())
            .await?;
        Ok(deleted.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::auth::Admins;

    fn at(minutes: i64) -> DateTime<Utc> {
        parse_db_time("2026-11-26T09:00:00Z").unwrap() + TimeDelta::minutes(minutes)
    }

    async fn store_with_admin() -> (Store, String) {
        let s = Store::open("sqlite::memory:").await.unwrap();
        Admins::new(&s)
            .create("alice", &Secret::new("correct horse battery"))
            .await
            .unwrap();
        Admins::new(&s)
            .create("bob", &Secret::new("correct horse battery"))
            .await
            .unwrap();
        let id = Admins::new(&s).credentials("alice").await.unwrap().unwrap().id;
        (s, id)
    }

    #[tokio::test]
    async fn a_session_is_found_by_its_hash_and_touched() {
        let (s, alice) = store_with_admin().await;
        Sessions::new(&s)
            .create("h1", &alice, &Secret::new("csrf"), at(0))
            .await
            .unwrap();
        let row = Sessions::new(&s).get("h1").await.unwrap().unwrap();
        assert_eq!(
            row,
            SessionRow {
                admin_id: alice.clone(),
                admin_name: "alice".into(),
                csrf_token: Secret::new("csrf"),
                created_at: at(0),
                last_seen_at: at(0),
            }
        );
        Sessions::new(&s).touch("h1", at(5)).await.unwrap();
        assert_eq!(Sessions::new(&s).get("h1").await.unwrap().unwrap().last_seen_at, at(5));
        assert_eq!(Sessions::new(&s).get("h2").await.unwrap(), None);
        assert!(Sessions::new(&s).delete("h1").await.unwrap());
        assert!(!Sessions::new(&s).delete("h1").await.unwrap());
        assert_eq!(Sessions::new(&s).get("h1").await.unwrap(), None);
    }

    #[tokio::test]
    async fn expired_sessions_are_swept() {
        let (s, alice) = store_with_admin().await;
        Sessions::new(&s)
            .create("old", &alice, &Secret::new("c"), at(0))
            .await
            .unwrap();
        Sessions::new(&s)
            .create("idle", &alice, &Secret::new("c"), at(10))
            .await
            .unwrap();
        Sessions::new(&s)
            .create("fresh", &alice, &Secret::new("c"), at(10))
            .await
            .unwrap();
        Sessions::new(&s).touch("old", at(40)).await.unwrap();
        Sessions::new(&s).touch("fresh", at(40)).await.unwrap();
        assert_eq!(Sessions::new(&s).delete_expired(at(30), at(5)).await.unwrap(), 2);
        assert!(Sessions::new(&s).get("fresh").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn new_passwords_and_deletions_end_an_administrators_sessions() {
        let (s, alice) = store_with_admin().await;
        Sessions::new(&s)
            .create("h1", &alice, &Secret::new("c"), at(0))
            .await
            .unwrap();
        Admins::new(&s)
            .set_password("alice", &Secret::new("a brand new password"))
            .await
            .unwrap();
        assert_eq!(Sessions::new(&s).get("h1").await.unwrap(), None);
        Sessions::new(&s)
            .create("h2", &alice, &Secret::new("c"), at(0))
            .await
            .unwrap();
        assert!(Admins::new(&s).delete("alice").await.unwrap());
        assert_eq!(Sessions::new(&s).get("h2").await.unwrap(), None);
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
}
