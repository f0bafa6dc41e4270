//! Notifications of trouble (alerts): a job quarantined, released or
//! disabled, deletions held for approval, a cycle whose failures reach the
//! threshold, inbound records failing, an agent offline — sent by email
//! over SMTP and to signed webhooks, as the administrators configured them
//! (Settings → Notifications, `/api/v1/settings/notifications`).
//!
//! The code that notices a condition builds an [`Alert`] and
//! [raises](Alerts::raise) it; raising returns at once. A task of its own
//! then reads the settings, drops the alert when its event is off, below
//! its threshold or already sent ([`Repeat`], kept in the database so that
//! instances sharing it agree), and delivers it through every channel that
//! is on, each retried with back-off ([`delivery`]). A cycle never waits
//! for a notification, and a notification that cannot be delivered is
//! logged, never an error of the work that raised it.
//!
//! No secret reaches a notification: the channels' own (the SMTP password,
//! the webhooks' signing secrets) and the values an alert names to redact
//! (the job's credentials) are replaced by `********` anywhere in it.
//!
//! This module sits on the floor of `events` (docs/architecture.md): it
//! reads and writes its own tables through the store and encrypts its
//! secrets with the deployment's key, and the modules that notice things
//! (jobs' runs, maintenance) call it.
//!
//! ```
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use provisio_server::alerts::Alerts;
//! use provisio_server::secrets::SecretBox;
//! use provisio_server::store::Store;
//!
//! let store = Store::open("sqlite::memory:").await?;
//! let alerts = Alerts::new(store, SecretBox::ephemeral()?, Default::default());
//! let settings = alerts.settings().await?;
//! assert!(!settings.email.enabled && settings.webhooks.is_empty());
//! # Ok(())
//! # }
//! ```

mod agents;
pub mod delivery;
mod email;
mod event;
mod marks;
mod settings;
mod validate;
pub mod webhook;

use provisio_connectors::network::NetworkPolicy;

use crate::ServerError;
use crate::secrets::{SecretBox, SecretError};
use crate::store::Store;

pub use event::{Alert, Repeat};

/// Raises alerts and keeps the notification settings. Cheap to clone.
#[derive(Clone)]
pub struct Alerts {
    store: Store,
    secrets: SecretBox,
    /// The networks webhooks may not reach (the operator's
    /// `--deny-target-networks`, as for jobs' targets).
    networks: NetworkPolicy,
}

impl std::fmt::Debug for Alerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alerts").finish_non_exhaustive()
    }
}

/// Why the notification settings could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AlertError {
    /// The settings break a rule; the message starts with the field, e.g.
    /// `email.port: 70000 is not a port (1–65535)`.
    #[error("{0}")]
    Invalid(String),
    /// No channel is on (the test has nowhere to send).
    #[error("no channel is on: turn email on or add a webhook, save, then send a test")]
    NoChannel,
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Storage(#[from] ServerError),
}

impl From<sqlx::Error> for AlertError {
    fn from(e: sqlx::Error) -> Self {
        AlertError::Storage(ServerError::Database(e))
    }
}

impl Alerts {
    /// Alerts whose settings live in `store`, their secrets under
    /// `secrets`, their webhooks kept out of `networks`.
    pub fn new(store: Store, secrets: SecretBox, networks: NetworkPolicy) -> Alerts {
        Alerts {
            store,
            secrets,
            networks,
        }
    }

    /// Queues the alert and returns at once: a task of its own decides
    /// whether it is sent (its event on, its threshold reached, not sent
    /// already) and delivers it. Outside a Tokio runtime it is dropped,
    /// with a warning.
    pub fn raise(&self, alert: Alert) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                event = alert.event.name(),
                "no runtime to send a notification on: dropped"
            );
            return;
        };
        let alerts = self.clone();
        runtime.spawn(async move {
            alerts.send(alert).await;
        });
    }
}
