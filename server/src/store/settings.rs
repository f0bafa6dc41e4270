//! Instance-wide settings: text values under well-known keys.

use super::Store;
use crate::ServerError;
use crate::random::random_hex;

/// A random id written on the first start and never changed after.
pub const INSTANCE_ID: &str = "instance_id";
/// The organisation's domain, which expressions read as the default domain.
pub const DEFAULT_DOMAIN: &str = "default_domain";

impl Store {
    /// The setting's value, or `None` when it was never set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, ServerError> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Sets the setting, replacing any earlier value.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), ServerError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sets (`Some`) or clears (`None`) the setting on `connection` (the
    /// caller's transaction).
    pub async fn put_setting_in(
        connection: &mut sqlx::AnyConnection,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), ServerError> {
        match value {
            Some(value) => {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(key)
                .bind(value)
                .execute(connection)
                .await?
            }
            None => {
                sqlx::query("DELETE FROM settings WHERE key = $1")
                    .bind(key)
                    .execute(connection)
                    .await?
            }
        };
        Ok(())
    }

    /// Removes the setting's value (reading it then gives `None`).
    pub async fn clear_setting(&self, key: &str) -> Result<(), ServerError> {
        sqlx::query("DELETE FROM settings WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets the setting only when it has no value yet; `true` when it did so.
    pub async fn set_setting_if_absent(&self, key: &str, value: &str) -> Result<bool, ServerError> {
        let result = sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// This installation's id, written on its first start.
    pub async fn instance_id(&self) -> Result<String, ServerError> {
        self.ensure_instance_id().await
    }

    pub(super) async fn ensure_instance_id(&self) -> Result<String, ServerError> {
        if let Some(id) = self.setting(INSTANCE_ID).await? {
            return Ok(id);
        }
        let id = random_hex(16)?;
        if self.set_setting_if_absent(INSTANCE_ID, &id).await? {
            tracing::info!(instance_id = %id, "first start: new instance id");
            return Ok(id);
        }
        // Another instance sharing the database wrote one first.
        self.setting(INSTANCE_ID)
            .await?
            .ok_or_else(|| ServerError::Database(sqlx::Error::RowNotFound))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> Store {
        Store::open("sqlite::memory:").await.unwrap()
    }

    #[tokio::test]
    async fn set_replaces_and_set_if_absent_keeps() {
        let s = store().await;
        assert_eq!(s.setting("colour").await.unwrap(), None);
        s.set_setting("colour", "red").await.unwrap();
        s.set_setting("colour", "blue").await.unwrap();
        assert!(!s.set_setting_if_absent("colour", "green").await.unwrap());
        assert_eq!(s.setting("colour").await.unwrap().as_deref(), Some("blue"));
        assert!(s.set_setting_if_absent("shape", "round").await.unwrap());
    }

    #[tokio::test]
    async fn the_instance_id_is_written_once() {
        let s = store().await;
        let id = s.setting(INSTANCE_ID).await.unwrap().unwrap();
        assert_eq!(id.len(), 32);
        assert_eq!(s.instance_id().await.unwrap(), id);
    }
}
