//! Administrators: unique names and argon2id password hashes (hashed by
//! [`crate::auth::password`]), and the fixed-width UTC timestamps the
//! authentication tables share.
//!
//! Callers check names and passwords first with
//! [`provisio_api::auth::check_admin_name`] and
//! [`provisio_api::auth::check_password`].

use std::fmt;

use chrono::{DateTime, Utc};
use provisio_api::auth::{AdminSummary, Secret};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::password;
use crate::ServerError;
use crate::store::Store;
use crate::store::db_time;

/// What signing in needs to know about an administrator.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct AdminCredentials {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) password_hash: String,
}

impl fmt::Debug for AdminCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminCredentials")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("password_hash", &"***")
            .finish()
    }
}

/// The administrators of a store: their names and password hashes.
#[derive(Debug, Clone)]
pub struct Admins {
    store: Store,
}

impl Admins {
    pub fn new(store: &Store) -> Admins {
        Admins { store: store.clone() }
    }

    /// Creates an administrator with a new hash of `password`; `None` when
    /// one of that name exists.
    pub async fn create(&self, name: &str, password: &Secret) -> Result<Option<AdminSummary>, ServerError> {
        let hash = password::hash(password.clone()).await?;
        let now = db_time(Utc::now());
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.store.pool().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO admins (id, name, password_hash, created_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&id)
        .bind(name)
        .bind(hash)
        .bind(&now)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            crate::audit::record_in(&mut tx, admin_event("administrator.create", &id, name)).await?;
        }
        tx.commit().await?;
        Ok((inserted.rows_affected() == 1).then(|| AdminSummary {
            name: name.to_owned(),
            created_at: now,
            last_sign_in_at: None,
        }))
    }

    /// Every administrator, by name.
    pub async fn list(&self) -> Result<Vec<AdminSummary>, ServerError> {
        let rows = sqlx::query("SELECT name, created_at, last_sign_in_at FROM admins ORDER BY name")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(AdminSummary {
                    name: row.try_get("name")?,
                    created_at: row.try_get("created_at")?,
                    last_sign_in_at: row.try_get("last_sign_in_at")?,
                })
            })
            .collect()
    }

    /// How many administrators there are.
    pub async fn count(&self) -> Result<i64, ServerError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM admins")
            .fetch_one(self.store.pool())
            .await?)
    }

    /// Whether an administrator of that name exists.
    pub async fn exists(&self, name: &str) -> Result<bool, ServerError> {
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM admins WHERE name = $1")
            .bind(name)
            .fetch_optional(self.store.pool())
            .await?;
        Ok(found.is_some())
    }

    /// Replaces the administrator's password and signs them out everywhere;
    /// `false` when there is no administrator of that name.
    pub async fn set_password(&self, name: &str, password: &Secret) -> Result<bool, ServerError> {
        let hash = password::hash(password.clone()).await?;
        let mut tx = self.store.pool().begin().await?;
        let Some(id) = id_of(&mut tx, name).await? else {
            return Ok(false);
        };
        sqlx::query("UPDATE admins SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(db_time(Utc::now()))
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        end_sessions(&mut tx, &id).await?;
        crate::audit::record_in(&mut tx, admin_event("administrator.password", &id, name)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes the administrator and their sessions, unless they are the
    /// only administrator left. `false` when nothing was deleted: no
    /// administrator has that name, or it is the last one (callers tell the
    /// two apart with [`exists`](Self::exists)).
    ///
    /// On SQLite, which has one writer, the last administrator can never be
    /// deleted. On PostgreSQL, two administrators deleting each other at the
    /// same instant could both succeed: an accepted risk for a rare, manual
    /// action that `provisio admin create` repairs.
    pub async fn delete(&self, name: &str) -> Result<bool, ServerError> {
        let mut tx = self.store.pool().begin().await?;
        let Some(id) = id_of(&mut tx, name).await? else {
            return Ok(false);
        };
        end_sessions(&mut tx, &id).await?;
        let deleted = sqlx::query("DELETE FROM admins WHERE id = $1 AND (SELECT COUNT(*) FROM admins) > 1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() != 1 {
            return Ok(false);
        }
        crate::audit::record_in(&mut tx, admin_event("administrator.delete", &id, name)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The administrator's id and password hash, for signing in.
    pub(crate) async fn credentials(&self, name: &str) -> Result<Option<AdminCredentials>, ServerError> {
        let row = sqlx::query("SELECT id, name, password_hash FROM admins WHERE name = $1")
            .bind(name)
            .fetch_optional(self.store.pool())
            .await?;
        row.map(|row: AnyRow| {
            Ok(AdminCredentials {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                password_hash: row.try_get("password_hash")?,
            })
        })
        .transpose()
    }

    pub(crate) async fn record_sign_in(&self, admin_id: &str, now: DateTime<Utc>) -> Result<(), ServerError> {
        sqlx::query("UPDATE admins SET last_sign_in_at = $1 WHERE id = $2")
            .bind(db_time(now))
            .bind(admin_id)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }
}

/// The id of the administrator of that name, within a transaction.
async fn id_of(tx: &mut sqlx::AnyConnection, name: &str) -> Result<Option<String>, ServerError> {
    Ok(sqlx::query_scalar("SELECT id FROM admins WHERE name = $1")
        .bind(name)
        .fetch_optional(tx)
        .await?)
}

/// Signs the administrator out everywhere, within a transaction.
async fn end_sessions(tx: &mut sqlx::AnyConnection, admin_id: &str) -> Result<(), ServerError> {
    sqlx::query("DELETE FROM sessions WHERE admin_id = $1")
        .bind(admin_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// An audit event about the administrator `name` (whose id is `id`).
fn admin_event(action: &str, id: &str, name: &str) -> crate::audit::Event {
    crate::audit::Event::new(action, "administrator").target(id, Some(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::parse_db_time;

    async fn store() -> Store {
        Store::open("sqlite::memory:").await.unwrap()
    }

    fn password(text: &str) -> Secret {
        Secret::new(text)
    }

    async fn names(s: &Store) -> Vec<String> {
        Admins::new(s)
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect()
    }

    #[tokio::test]
    async fn names_are_unique() {
        let s = store().await;
        let alice = Admins::new(&s)
            .create("alice", &password("correct horse battery"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(alice.name, "alice");
        assert_eq!(alice.last_sign_in_at, None);
        assert_eq!(
            Admins::new(&s)
                .create("alice", &password("another password!"))
                .await
                .unwrap(),
            None
        );
        Admins::new(&s)
            .create("Alice", &password("correct horse battery"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(names(&s).await, ["Alice", "alice"]);
        assert_eq!(Admins::new(&s).count().await.unwrap(), 2);
        assert!(Admins::new(&s).exists("alice").await.unwrap());
        assert!(!Admins::new(&s).exists("bob").await.unwrap());
    }

    #[tokio::test]
    async fn only_a_hash_of_the_password_is_stored_and_it_verifies() {
        let s = store().await;
        Admins::new(&s)
            .create("alice", &password("correct horse battery"))
            .await
            .unwrap();
        let credentials = Admins::new(&s).credentials("alice").await.unwrap().unwrap();
        assert!(credentials.password_hash.starts_with("$argon2id$"));
        assert!(!format!("{credentials:?}").contains("argon2"));
        let verify = |text: &str| password::verify(password(text), Some(credentials.password_hash.clone()));
        assert!(verify("correct horse battery").await.unwrap());
        assert!(!verify("wrong horse battery").await.unwrap());
        assert_eq!(Admins::new(&s).credentials("bob").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_new_password_replaces_the_old_one() {
        let s = store().await;
        Admins::new(&s)
            .create("alice", &password("correct horse battery"))
            .await
            .unwrap();
        assert!(
            Admins::new(&s)
                .set_password("alice", &password("a brand new password"))
                .await
                .unwrap()
        );
        let hash = Admins::new(&s)
            .credentials("alice")
            .await
            .unwrap()
            .unwrap()
            .password_hash;
        assert!(
            password::verify(password("a brand new password"), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !password::verify(password("correct horse battery"), Some(hash))
                .await
                .unwrap()
        );
        assert!(
            !Admins::new(&s)
                .set_password("bob", &password("a brand new password"))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_last_administrator_cannot_be_deleted() {
        let s = store().await;
        Admins::new(&s)
            .create("alice", &password("correct horse battery"))
            .await
            .unwrap();
        Admins::new(&s)
            .create("bob", &password("correct horse battery"))
            .await
            .unwrap();
        assert!(!Admins::new(&s).delete("carol").await.unwrap());
        assert!(Admins::new(&s).delete("alice").await.unwrap());
        assert!(!Admins::new(&s).delete("bob").await.unwrap());
        assert_eq!(names(&s).await, ["bob"]);
    }

    #[tokio::test]
    async fn sign_ins_are_recorded() {
        let s = store().await;
        Admins::new(&s)
            .create("alice", &password("correct horse battery"))
            .await
            .unwrap();
        let id = Admins::new(&s).credentials("alice").await.unwrap().unwrap().id;
        let when = parse_db_time("2026-11-26T09:30:00Z").unwrap();
        Admins::new(&s).record_sign_in(&id, when).await.unwrap();
        assert_eq!(
            Admins::new(&s).list().await.unwrap()[0].last_sign_in_at.as_deref(),
            Some("2026-11-26T09:30:00.000000Z")
        );
    }

    #[test]
    fn timestamps_have_one_width_and_round_trip() {
        let early = parse_db_time("2026-11-26T09:30:00Z").unwrap();
        let late = parse_db_time("2026-11-26T10:30:00.5+01:00").unwrap();
        assert_eq!(db_time(early), "2026-11-26T09:30:00.000000Z");
        assert_eq!(db_time(late), "2026-11-26T09:30:00.500000Z");
        assert!(db_time(early) < db_time(late));
        assert_eq!(parse_db_time(&db_time(late)).unwrap(), late);
        assert!(matches!(parse_db_time("yesterday"), Err(ServerError::Corrupt(_))));
    }
}
