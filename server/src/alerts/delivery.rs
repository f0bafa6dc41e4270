//! Delivering an alert: whether it is sent at all (its event on, a channel
//! on, its threshold reached, not sent already), then the payload through
//! every channel that is on at once, each attempt that fails for a passing
//! reason retried after [`BACKOFF`] — about 37 minutes in all, in this
//! process (a restart drops what is still waiting). The test sends once
//! per channel and answers how each went.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use futures_util::future::{BoxFuture, join_all};
use provisio_api::notifications::{ChannelOutcome, NotificationTestReport, Thresholds};

use super::settings::Stored;
use super::{Alert, AlertError, Alerts, email, marks, webhook};

/// The waits before the second, third, … attempt: six attempts over about
/// 37 minutes.
pub const BACKOFF: [Duration; 5] = [
    Duration::from_secs(2),
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(300),
    Duration::from_secs(1800),
];

/// Why one attempt failed: worth another try, or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Failed {
    /// The network, a timeout, a busy or failing receiver.
    Transient(String),
    /// The receiver refused it, or the settings cannot work.
    Permanent(String),
}

/// Runs `attempt` until it succeeds, fails for good, or `waits` run out;
/// how many attempts were made, and the last error.
pub(super) async fn with_retries<Attempt, Done>(waits: &[Duration], mut attempt: Attempt) -> (u32, Result<(), String>)
where
    Attempt: FnMut() -> Done,
    Done: Future<Output = Result<(), Failed>>,
{
    let mut attempts = 0u32;
    let mut waits = waits.iter();
    loop {
        attempts += 1;
        match attempt().await {
            Ok(()) => return (attempts, Ok(())),
            Err(Failed::Permanent(why)) => return (attempts, Err(why)),
            Err(Failed::Transient(why)) => match waits.next() {
                Some(wait) => tokio::time::sleep(*wait).await,
                None => return (attempts, Err(why)),
            },
        }
    }
}

/// Whether a cycle that failed `failures` of `objects` reaches the thresholds.
pub(super) fn reaches(thresholds: &Thresholds, failures: u64, objects: u64) -> bool {
    failures > 0
        && objects >= u64::from(thresholds.failure_min_objects)
        && failures.saturating_mul(100) >= u64::from(thresholds.failure_share_percent).saturating_mul(objects)
}

/// One channel's delivery: the outcome, how many attempts it took, and the
/// channel as logs name it (no URL path, which may hold a token).
struct Sent {
    outcome: ChannelOutcome,
    attempts: u32,
    logged_as: String,
}

impl Alerts {
    /// Sends the alert if its event is on, a channel is on, its threshold
    /// is reached and it was not sent already, retrying each channel with
    /// back-off; how each channel's delivery ended, `None` when it was not
    /// to be sent. [`Alerts::raise`] runs this in a task of its own.
    pub async fn send(&self, alert: Alert) -> Option<Vec<ChannelOutcome>> {
        let event = alert.event.name();
        let stored = match self.stored().await {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(event, error = %e, "cannot read the notification settings: notification dropped");
                return None;
            }
        };
        if !stored.any_channel() || !stored.view.events.is_on(alert.event) {
            return None;
        }
        if let Some((failures, objects)) = alert.share
            && !reaches(&stored.view.thresholds, failures, objects)
        {
            return None;
        }
        match marks::claim(&self.store, &alert.repeat, alert.at).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(event, "sent already: not repeated");
                return None;
            }
            Err(e) => {
                tracing::warn!(event, error = %e, "cannot record the notification: dropped");
                return None;
            }
        }
        let mut outcomes = Vec::new();
        for sent in self.deliver(&stored, &alert, &BACKOFF).await {
            let channel = sent.logged_as;
            match &sent.outcome.error {
                None => tracing::info!(event, channel, attempts = sent.attempts, "notification sent"),
                Some(error) => {
                    tracing::warn!(
                        event,
                        channel,
                        attempts = sent.attempts,
                        error,
                        "notification not delivered"
                    )
                }
            }
            outcomes.push(sent.outcome);
        }
        Some(outcomes)
    }

    /// Sends a test notification through every channel that is on, one
    /// attempt each, and says how each went.
    pub async fn send_test(&self) -> Result<NotificationTestReport, AlertError> {
        let stored = self.stored().await?;
        if !stored.any_channel() {
            return Err(AlertError::NoChannel);
        }
        let sent = self.deliver(&stored, &Alert::test(Utc::now()), &[]).await;
        Ok(NotificationTestReport {
            channels: sent.into_iter().map(|s| s.outcome).collect(),
        })
    }

    /// The alert through every channel that is on, at once.
    async fn deliver(&self, stored: &Stored, alert: &Alert, waits: &[Duration]) -> Vec<Sent> {
        let id = uuid::Uuid::new_v4().to_string();
        let payload = alert.payload(&id, stored.view.portal_url.as_deref(), &stored.secrets());
        let mut sends: Vec<BoxFuture<'_, Sent>> = Vec::new();
        let email = &stored.view.email;
        if email.enabled {
            let payload = &payload;
            sends.push(Box::pin(async move {
                let password = stored.smtp_password.as_deref();
                let (attempts, done) = with_retries(waits, || email::send(email, password, payload)).await;
                Sent {
                    outcome: outcome("email", email.recipients.join(", "), done),
                    attempts,
                    logged_as: format!("email ({} recipients)", email.recipients.len()),
                }
            }));
        }
        let webhooks: Vec<_> = stored
            .view
            .webhooks
            .iter()
            .zip(&stored.webhook_secrets)
            .filter(|(w, _)| w.enabled)
            .collect();
        if !webhooks.is_empty() {
            let body = serde_json::to_vec(&payload).unwrap_or_default();
            let client = webhook::client(&self.networks);
            for (hook, secret) in webhooks {
                let (body, client, id) = (body.clone(), client.clone(), id.clone());
                sends.push(Box::pin(async move {
                    let (attempts, done) = match (&client, secret) {
                        (Err(e), _) => (0, Err(e.clone())),
                        (Ok(_), None) => (0, Err("the webhook has no signing secret".to_owned())),
                        (Ok(client), Some(secret)) => {
                            with_retries(waits, || {
                                webhook::post(client, &hook.url, secret, &id, &body, Utc::now().timestamp())
                            })
                            .await
                        }
                    };
                    Sent {
                        outcome: outcome("webhook", hook.url.clone(), done),
                        attempts,
                        logged_as: format!("webhook {}", origin(&hook.url)),
                    }
                }));
            }
        }
        let mut sent = join_all(sends).await;
        // An error quoting a server's answer keeps no secret either.
        let secrets = stored.secrets();
        for s in &mut sent {
            if let Some(error) = &mut s.outcome.error {
                *error = super::event::redact(error, &secrets);
            }
        }
        sent
    }
}

fn outcome(channel: &str, target: String, done: Result<(), String>) -> ChannelOutcome {
    ChannelOutcome {
        channel: channel.to_owned(),
        target,
        delivered: done.is_ok(),
        error: done.err(),
    }
}

/// `https://host:port` of a URL, for logs.
fn origin(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| "(unreadable URL)".to_owned())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn passing_failures_are_retried_and_refusals_are_not() {
        let waits = [Duration::from_millis(1); 5];
        let calls = AtomicU32::new(0);
        let (attempts, done) = with_retries(&waits, || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 2 {
                    Err(Failed::Transient("busy".into()))
                } else {
                    Ok(())
                }
            }
        })
        .await;
        assert_eq!((attempts, done), (3, Ok(())));
        let (attempts, done) = with_retries(&waits, || async { Err(Failed::Permanent("no".into())) }).await;
        assert_eq!((attempts, done), (1, Err("no".to_owned())));
        let (attempts, done) = with_retries(&waits, || async { Err(Failed::Transient("down".into())) }).await;
        assert_eq!((attempts, done), (6, Err("down".to_owned())));
        let (attempts, _) = with_retries(&[], || async { Err(Failed::Transient("down".into())) }).await;
        assert_eq!(attempts, 1, "the test sends once");
        let total: Duration = BACKOFF.iter().sum();
        assert_eq!(total.as_secs(), 2172, "about 37 minutes, as documented");
    }

    #[test]
    fn the_failure_share_needs_both_the_share_and_the_objects() {
        let t = Thresholds::default();
        assert!(!reaches(&t, 1, 2), "one of two does not page");
        assert!(!reaches(&t, 1, 19));
        assert!(reaches(&t, 2, 20));
        assert!(!reaches(&t, 1, 20));
        assert!(!reaches(&t, 0, 0));
        assert!(reaches(&t, 500, 500));
    }
}
