//! On-premises agents' last contact, kept so that the portal can still say
//! when an agent last called after the server restarts (the relay itself
//! keeps nothing across a restart).

use sqlx::Row as _;

use super::Contact;
use crate::ServerError;
use crate::store::{Store, db_time, parse_db_time};

/// The agents' stored contacts.
#[derive(Debug, Clone)]
pub(crate) struct Contacts {
    store: Store,
}

impl Contacts {
    pub(crate) fn new(store: &Store) -> Contacts {
        Contacts { store: store.clone() }
    }

    /// Stores an agent's latest contact, replacing the previous one.
    pub(crate) async fn record(&self, contact: &Contact) -> Result<(), ServerError> {
        sqlx::query(
            "INSERT INTO agents (name, last_contact_at, connected_since, version, host) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name) DO UPDATE SET last_contact_at = excluded.last_contact_at, \
             connected_since = excluded.connected_since, version = excluded.version, host = excluded.host",
        )
        .bind(&contact.name)
        .bind(db_time(contact.last_contact_at))
        .bind(db_time(contact.connected_since))
        .bind(&contact.version)
        .bind(&contact.host)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// Every agent's last stored contact, by name.
    pub(crate) async fn all(&self) -> Result<Vec<Contact>, ServerError> {
        let rows =
            sqlx::query("SELECT name, last_contact_at, connected_since, version, host FROM agents ORDER BY name")
                .fetch_all(self.store.pool())
                .await?;
        rows.iter()
            .map(|row| {
                Ok(Contact {
                    name: row.try_get("name")?,
                    last_contact_at: parse_db_time(&row.try_get::<String, _>("last_contact_at")?)?,
                    connected_since: parse_db_time(&row.try_get::<String, _>("connected_since")?)?,
                    version: row.try_get("version")?,
                    host: row.try_get("host")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::*;

    #[tokio::test]
    async fn the_latest_contact_replaces_the_previous_one() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let first = Contact {
            name: "datacenter-1".into(),
            last_contact_at: Utc::now() - Duration::minutes(5),
            connected_since: Utc::now() - Duration::hours(1),
            version: "0.1.0".into(),
            host: "ldap-gw".into(),
        };
        Contacts::new(&store).record(&first).await.unwrap();
        let later = Contact {
            last_contact_at: Utc::now(),
            version: "0.2.0".into(),
            ..first.clone()
        };
        Contacts::new(&store).record(&later).await.unwrap();
        let contacts = Contacts::new(&store).all().await.unwrap();
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts[0].version, "0.2.0");
        assert_eq!(
            contacts[0].last_contact_at.timestamp_micros(),
            later.last_contact_at.timestamp_micros()
        );
    }
}
