//! The notification settings in the database (`notification_settings`,
//! one row; `notification_webhooks`, in order): read as the API shows them
//! (secrets as whether each is set), read with their secrets for sending,
//! and replaced whole after [`super::validate`] passed them. Secrets are
//! encrypted with the deployment's key, each bound to its place (the SMTP
//! password to the settings row, a webhook's secret to its id).

use chrono::Utc;
use provisio_api::notifications::{
    AlertEvent, AlertEvents, EmailSettings, NotificationSettings, SmtpSecurity, Thresholds, WebhookSettings,
};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::{AlertError, Alerts};
use crate::store::db_time;

/// What the SMTP password is bound to.
const PASSWORD_CONTEXT: &[u8] = b"notification_settings:smtp_password";

fn webhook_context(id: &str) -> Vec<u8> {
    format!("notification_webhooks:{id}").into_bytes()
}

/// The settings with their secrets, for sending and for checking a write.
#[derive(Debug, Default)]
pub(super) struct Stored {
    /// As the API shows them: secrets left out, their flags set.
    pub(super) view: NotificationSettings,
    pub(super) smtp_password: Option<String>,
    /// One per webhook of `view`, in order.
    pub(super) webhook_secrets: Vec<Option<String>>,
}

impl Stored {
    /// Whether any channel is on.
    pub(super) fn any_channel(&self) -> bool {
        self.view.email.enabled || self.view.webhooks.iter().any(|w| w.enabled)
    }

    /// Every secret the channels hold, to keep out of notifications.
    pub(super) fn secrets(&self) -> Vec<&str> {
        self.smtp_password
            .iter()
            .chain(self.webhook_secrets.iter().flatten())
            .map(String::as_str)
            .collect()
    }
}

/// The settings as stored, their secrets still sealed.
struct Sealed {
    view: NotificationSettings,
    smtp_password: Option<String>,
    webhook_secrets: Vec<Option<String>>,
}

const SELECT_SETTINGS: &str = "SELECT smtp_enabled, smtp_host, smtp_port, smtp_security, smtp_username, \
                               smtp_password, smtp_from, smtp_recipients, smtp_ca_certificate, events_off, \
                               agent_offline_minutes, failure_share_percent, failure_min_objects, portal_url \
                               FROM notification_settings WHERE id = 1";

fn number(row: &AnyRow, column: &str) -> Result<u32, sqlx::Error> {
    let value: i64 = row.try_get(column)?;
    Ok(u32::try_from(value).unwrap_or_default())
}

fn settings_row(row: &AnyRow) -> Result<(NotificationSettings, Option<String>), sqlx::Error> {
    let password: Option<String> = row.try_get("smtp_password")?;
    let recipients: String = row.try_get("smtp_recipients")?;
    let events_off: String = row.try_get("events_off")?;
    let mut events = AlertEvents::default();
    for name in events_off.split(',') {
        if let Some(event) = AlertEvent::from_name(name) {
            events.set(event, false);
        }
    }
    let security: String = row.try_get("smtp_security")?;
    let email = EmailSettings {
        enabled: row.try_get::<i64, _>("smtp_enabled")? != 0,
        host: row.try_get("smtp_host")?,
        port: number(row, "smtp_port")?,
        security: SmtpSecurity::from_name(&security).unwrap_or_default(),
        username: row.try_get("smtp_username")?,
        password: None,
        password_set: password.is_some(),
        from: row.try_get("smtp_from")?,
        recipients: recipients.lines().map(str::to_owned).collect(),
        ca_certificate: row.try_get("smtp_ca_certificate")?,
    };
    let settings = NotificationSettings {
        email,
        webhooks: Vec::new(),
        events,
        thresholds: Thresholds {
            agent_offline_minutes: number(row, "agent_offline_minutes")?,
            failure_share_percent: number(row, "failure_share_percent")?,
            failure_min_objects: number(row, "failure_min_objects")?,
        },
        portal_url: row.try_get("portal_url")?,
    };
    Ok((settings, password))
}

impl Alerts {
    /// The settings as the API shows them: no secret, whether each is set.
    pub async fn settings(&self) -> Result<NotificationSettings, AlertError> {
        Ok(self.sealed().await?.view)
    }

    /// The settings with their secrets opened.
    pub(super) async fn stored(&self) -> Result<Stored, AlertError> {
        let sealed = self.sealed().await?;
        let smtp_password = sealed
            .smtp_password
            .map(|s| self.secrets.decrypt(&s, PASSWORD_CONTEXT))
            .transpose()?;
        let mut webhook_secrets = Vec::with_capacity(sealed.webhook_secrets.len());
        for (webhook, secret) in sealed.view.webhooks.iter().zip(sealed.webhook_secrets) {
            let id = webhook.id.as_deref().unwrap_or_default();
            webhook_secrets.push(
                secret
                    .map(|s| self.secrets.decrypt(&s, &webhook_context(id)))
                    .transpose()?,
            );
        }
        Ok(Stored {
            view: sealed.view,
            smtp_password,
            webhook_secrets,
        })
    }

    async fn sealed(&self) -> Result<Sealed, AlertError> {
        let pool = self.store.pool();
        let row = sqlx::query(SELECT_SETTINGS).fetch_optional(pool).await?;
        let (mut view, smtp_password) = match row {
            Some(row) => settings_row(&row)?,
            None => (NotificationSettings::default(), None),
        };
        let rows = sqlx::query("SELECT id, url, enabled, secret FROM notification_webhooks ORDER BY position")
            .fetch_all(pool)
            .await?;
        let mut webhook_secrets = Vec::with_capacity(rows.len());
        for row in &rows {
            let secret: Option<String> = row.try_get("secret")?;
            view.webhooks.push(WebhookSettings {
                id: Some(row.try_get("id")?),
                url: row.try_get("url")?,
                enabled: row.try_get::<i64, _>("enabled")? != 0,
                secret: None,
                secret_set: secret.is_some(),
            });
            webhook_secrets.push(secret);
        }
        Ok(Sealed {
            view,
            smtp_password,
            webhook_secrets,
        })
    }

    /// Checks the settings (every problem is [`AlertError::Invalid`],
    /// naming its field) and replaces the stored ones; answers them as
    /// [`Alerts::settings`] would.
    pub async fn replace_settings(&self, incoming: NotificationSettings) -> Result<NotificationSettings, AlertError> {
        let before = self.settings().await?;
        let current = self.stored().await?;
        let mut new_id = || uuid::Uuid::new_v4().to_string();
        let resolved =
            super::validate::resolve(incoming, &current, &self.networks, &mut new_id).map_err(AlertError::Invalid)?;
        let settings = resolved.settings;
        let email = &settings.email;
        let password = resolved
            .smtp_password
            .as_deref()
            .map(|p| self.secrets.encrypt(p, PASSWORD_CONTEXT))
            .transpose()?;
        let events_off: Vec<&str> = AlertEvent::SWITCHABLE
            .into_iter()
            .filter(|event| !settings.events.is_on(*event))
            .map(AlertEvent::name)
            .collect();
        let mut tx = self.store.writer().begin().await?;
        sqlx::query(
            "INSERT INTO notification_settings (id, smtp_enabled, smtp_host, smtp_port, smtp_security, \
             smtp_username, smtp_password, smtp_from, smtp_recipients, smtp_ca_certificate, events_off, \
             agent_offline_minutes, failure_share_percent, failure_min_objects, portal_url, modified_at) \
             VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (id) DO UPDATE SET smtp_enabled = excluded.smtp_enabled, smtp_host = excluded.smtp_host, \
             smtp_port = excluded.smtp_port, smtp_security = excluded.smtp_security, \
             smtp_username = excluded.smtp_username, smtp_password = excluded.smtp_password, \
             smtp_from = excluded.smtp_from, smtp_recipients = excluded.smtp_recipients, \
             smtp_ca_certificate = excluded.smtp_ca_certificate, events_off = excluded.events_off, \
             agent_offline_minutes = excluded.agent_offline_minutes, \
             failure_share_percent = excluded.failure_share_percent, \
             failure_min_objects = excluded.failure_min_objects, portal_url = excluded.portal_url, \
             modified_at = excluded.modified_at",
        )
        .bind(i64::from(email.enabled))
        .bind(&email.host)
        .bind(i64::from(email.port))
        .bind(email.security.name())
        .bind(&email.username)
        .bind(&password)
        .bind(&email.from)
        .bind(email.recipients.join("\n"))
        .bind(&email.ca_certificate)
        .bind(events_off.join(","))
        .bind(i64::from(settings.thresholds.agent_offline_minutes))
        .bind(i64::from(settings.thresholds.failure_share_percent))
        .bind(i64::from(settings.thresholds.failure_min_objects))
        .bind(&settings.portal_url)
        .bind(db_time(Utc::now()))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM notification_webhooks")
            .execute(&mut *tx)
            .await?;
        for (position, (webhook, secret)) in settings.webhooks.iter().zip(&resolved.webhook_secrets).enumerate() {
            let id = webhook.id.as_deref().unwrap_or_default();
            let sealed = secret
                .as_deref()
                .map(|s| self.secrets.encrypt(s, &webhook_context(id)))
                .transpose()?;
            sqlx::query(
                "INSERT INTO notification_webhooks (id, position, url, enabled, secret) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(&webhook.url)
            .bind(i64::from(webhook.enabled))
            .bind(&sealed)
            .execute(&mut *tx)
            .await?;
        }
        let shown =
            |settings: &NotificationSettings| without_secrets(serde_json::to_value(settings).unwrap_or_default());
        let event = crate::audit::Event::new("settings.notifications", "settings")
            .changes(crate::audit::changes(&shown(&before), &shown(&settings)));
        crate::audit::record_in(&mut tx, event).await?;
        tx.commit().await?;
        tracing::info!(
            email = email.enabled,
            webhooks = settings.webhooks.iter().filter(|w| w.enabled).count(),
            "notification settings changed"
        );
        Ok(settings)
    }
}

/// The settings as the audit trail shows them: every secret field dropped
/// (whether one is set is kept through the `…_set` flags).
fn without_secrets(mut value: serde_json::Value) -> serde_json::Value {
    match &mut value {
        serde_json::Value::Object(fields) => {
            fields.retain(|key, _| key != "password" && key != "secret");
            for field in fields.values_mut() {
                *field = without_secrets(std::mem::take(field));
            }
        }
        serde_json::Value::Array(items) => {
            for item in items.iter_mut() {
                *item = without_secrets(std::mem::take(item));
            }
        }
        _ => {}
    }
    value
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::secrets::SecretBox;
    use crate::store::Store;

    async fn alerts() -> Alerts {
        let store = Store::open("sqlite::memory:").await.unwrap();
        Alerts::new(store, SecretBox::from_key([3; 32]), Default::default())
    }

    #[tokio::test]
    async fn settings_round_trip_with_secrets_sealed() {
        let alerts = alerts().await;
        assert_eq!(alerts.settings().await.unwrap(), NotificationSettings::default());
        let incoming: NotificationSettings = serde_json::from_value(json!({
            "email": {"enabled": true, "host": "smtp.contoso.com", "port": 465, "security": "tls",
                      "username": "provisio", "password": "smtp-password", "from": "Provisio <p@contoso.com>",
                      "recipients": ["a@contoso.com", "b@contoso.com"]},
            "webhooks": [{"url": "https://h.example/1", "secret": "0123456789abcdef"},
                         {"url": "https://h.example/2", "enabled": false}],
            "events": {"job_released": false},
            "thresholds": {"agent_offline_minutes": 30},
            "portal_url": "https://p.contoso.com"
        }))
        .unwrap();
        let answered = alerts.replace_settings(incoming).await.unwrap();
        let read = alerts.settings().await.unwrap();
        assert_eq!(read, answered);
        assert!(read.email.password_set && read.email.password.is_none());
        assert_eq!(read.email.recipients.len(), 2);
        assert_eq!(read.email.security, SmtpSecurity::Tls);
        assert!(!read.events.is_on(AlertEvent::JobReleased) && read.events.is_on(AlertEvent::JobQuarantined));
        assert_eq!(read.thresholds.agent_offline_minutes, 30);
        assert_eq!(
            read.webhooks
                .iter()
                .map(|w| (w.secret_set, w.enabled))
                .collect::<Vec<_>>(),
            [(true, true), (false, false)]
        );
        let raw: Vec<String> = sqlx::query_scalar(
            "SELECT smtp_password FROM notification_settings UNION ALL \
             SELECT secret FROM notification_webhooks WHERE secret IS NOT NULL",
        )
        .fetch_all(alerts.store.pool())
        .await
        .unwrap();
        assert_eq!(raw.len(), 2);
        assert!(
            raw.iter()
                .all(|s| s.starts_with("v1:") && !s.contains("password") && !s.contains("0123"))
        );
        let stored = alerts.stored().await.unwrap();
        assert_eq!(stored.smtp_password.as_deref(), Some("smtp-password"));
        assert_eq!(stored.secrets(), ["smtp-password", "0123456789abcdef"]);

        // Sent back as read (no secrets): everything is kept.
        alerts.replace_settings(read.clone()).await.unwrap();
        let again = alerts.stored().await.unwrap();
        assert_eq!(again.view, read);
        assert_eq!(again.webhook_secrets, stored.webhook_secrets);
    }

    #[tokio::test]
    async fn an_invalid_write_changes_nothing() {
        let alerts = alerts().await;
        let bad: NotificationSettings = serde_json::from_value(json!({"email": {"port": 0}})).unwrap();
        let error = alerts.replace_settings(bad).await.unwrap_err();
        assert!(
            matches!(&error, AlertError::Invalid(m) if m.starts_with("email.port")),
            "{error}"
        );
        assert_eq!(alerts.settings().await.unwrap(), NotificationSettings::default());
    }
}
