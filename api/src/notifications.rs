//! `/api/v1/settings/notifications`: who hears about trouble and how —
//! email over SMTP and signed webhooks — for which events, with which
//! thresholds; the test that sends a notification through every channel;
//! and the JSON a webhook receives ([`AlertPayload`]).
//!
//! Secrets (the SMTP password, each webhook's signing secret) are
//! write-only: an answer says whether each is set (`password_set`,
//! `secret_set`) and never carries it. On `PUT`, a secret left out (or
//! `null`) keeps the stored one, an empty string clears it, anything else
//! replaces it — but a stored secret is never kept for a new destination
//! (another SMTP host or user, another webhook URL): the write is refused
//! until the secret is entered again.
//!
//! ```
//! use provisio_api::notifications::{AlertEvent, NotificationSettings};
//!
//! let settings: NotificationSettings = serde_json::from_str("{}").unwrap();
//! assert!(!settings.email.enabled && settings.webhooks.is_empty());
//! assert!(settings.events.is_on(AlertEvent::JobQuarantined));
//! assert_eq!(settings.thresholds.agent_offline_minutes, 15);
//! assert_eq!(AlertEvent::CycleFailures.name(), "cycle_failures");
//! ```

use serde::{Deserialize, Serialize};

/// Where the settings are read (`GET`) and replaced (`PUT`).
pub const NOTIFICATIONS_PATH: &str = "/api/v1/settings/notifications";
/// `POST` (no body): sends a test notification through every channel that
/// is on, and answers a [`NotificationTestReport`].
pub const NOTIFICATIONS_TEST_PATH: &str = "/api/v1/settings/notifications/test";

/// The header of a webhook request holding the Unix time (seconds) it was signed at.
pub const TIMESTAMP_HEADER: &str = "X-Provisio-Timestamp";
/// The header of a webhook request holding `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
pub const SIGNATURE_HEADER: &str = "X-Provisio-Signature";
/// The header of a webhook request naming the notification ([`AlertPayload::id`]),
/// the same on every retry: a receiver drops one it has seen.
pub const DELIVERY_HEADER: &str = "X-Provisio-Delivery";

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertEvent {
    /// A job was quarantined (not when it stays quarantined).
    JobQuarantined,
    /// A quarantined job ran cleanly and left quarantine.
    JobReleased,
    /// A job quarantined for 28 days was disabled.
    JobDisabled,
    /// A cycle's disables and deletes passed the job's deletion threshold:
    /// they wait for an administrator's approval.
    DeletesHeld,
    /// An on-premises agent has not called for longer than the threshold.
    AgentOffline,
    /// A cycle's failed objects reached the failure share threshold.
    CycleFailures,
    /// Records of an inbound request failed.
    InboundFailures,
    /// The "send a test" button (always sent).
    Test,
}

impl AlertEvent {
    /// Every event that can be turned on and off, in the order the portal lists them.
    pub const SWITCHABLE: [AlertEvent; 7] = [
        AlertEvent::JobQuarantined,
        AlertEvent::JobReleased,
        AlertEvent::JobDisabled,
        AlertEvent::DeletesHeld,
        AlertEvent::CycleFailures,
        AlertEvent::InboundFailures,
        AlertEvent::AgentOffline,
    ];

    /// The event's name on the wire (`job_quarantined`, …).
    pub fn name(self) -> &'static str {
        match self {
            AlertEvent::JobQuarantined => "job_quarantined",
            AlertEvent::JobReleased => "job_released",
            AlertEvent::JobDisabled => "job_disabled",
            AlertEvent::DeletesHeld => "deletes_held",
            AlertEvent::AgentOffline => "agent_offline",
            AlertEvent::CycleFailures => "cycle_failures",
            AlertEvent::InboundFailures => "inbound_failures",
            AlertEvent::Test => "test",
        }
    }

    /// The event by its [name](Self::name).
    pub fn from_name(name: &str) -> Option<AlertEvent> {
        AlertEvent::SWITCHABLE
            .into_iter()
            .chain([AlertEvent::Test])
            .find(|event| event.name() == name)
    }

    /// A short description, as the portal and emails put it.
    pub fn label(self) -> &'static str {
        match self {
            AlertEvent::JobQuarantined => "A job is quarantined",
            AlertEvent::JobReleased => "A job leaves quarantine",
            AlertEvent::JobDisabled => "A job is disabled after 28 days in quarantine",
            AlertEvent::DeletesHeld => "Deletions are held for approval",
            AlertEvent::AgentOffline => "An agent is offline",
            AlertEvent::CycleFailures => "A cycle's failures reach the threshold",
            AlertEvent::InboundFailures => "Inbound records fail",
            AlertEvent::Test => "Test notification",
        }
    }
}

/// The notification settings, as read and as written (`PUT` replaces them;
/// a field left out takes its default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationSettings {
    #[serde(default)]
    pub email: EmailSettings,
    /// At most [`MAX_WEBHOOKS`].
    #[serde(default)]
    pub webhooks: Vec<WebhookSettings>,
    #[serde(default)]
    pub events: AlertEvents,
    #[serde(default)]
    pub thresholds: Thresholds,
    /// The portal's address as people reach it (e.g.
    /// `https://provisio.contoso.com`): notifications link to the job or
    /// page concerned. Without it they carry no link.
    #[serde(default)]
    pub portal_url: Option<String>,
}

/// How many webhooks the settings may hold.
pub const MAX_WEBHOOKS: usize = 10;
/// How many addresses an email may go to.
pub const MAX_RECIPIENTS: usize = 50;
/// The shortest signing secret a webhook takes.
pub const MIN_WEBHOOK_SECRET_CHARS: usize = 16;

/// Email over SMTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailSettings {
    #[serde(default)]
    pub enabled: bool,
    /// The SMTP server's name or address.
    #[serde(default)]
    pub host: String,
    /// 1–65535; 587 for STARTTLS, 465 for implicit TLS, 25 without TLS.
    #[serde(default = "default_port")]
    pub port: u32,
    #[serde(default)]
    pub security: SmtpSecurity,
    /// Signs in with this user (and [`Self::password`]); none: no sign-in.
    #[serde(default)]
    pub username: Option<String>,
    /// Write-only (see the module docs); never in an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// In answers: whether a password is stored. Ignored on `PUT`.
    #[serde(default)]
    pub password_set: bool,
    /// The sender, `provisio@contoso.com` or `Provisio <provisio@contoso.com>`.
    #[serde(default)]
    pub from: String,
    /// At most [`MAX_RECIPIENTS`] addresses.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// A PEM certificate authority to trust beside the system's (an SMTP
    /// relay with an internal certificate).
    #[serde(default)]
    pub ca_certificate: Option<String>,
}

fn default_port() -> u32 {
    587
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            enabled: false,
            host: String::new(),
            port: default_port(),
            security: SmtpSecurity::default(),
            username: None,
            password: None,
            password_set: false,
            from: String::new(),
            recipients: Vec::new(),
            ca_certificate: None,
        }
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required: a server
    /// that does not offer it gets nothing.
    #[default]
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No TLS at all: only for a relay on the same machine or network.
    None,
}

impl SmtpSecurity {
    pub fn name(self) -> &'static str {
        match self {
            SmtpSecurity::Starttls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        }
    }

    pub fn from_name(name: &str) -> Option<SmtpSecurity> {
        [SmtpSecurity::Starttls, SmtpSecurity::Tls, SmtpSecurity::None]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// One webhook: `POST`s each notification as JSON, signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSettings {
    /// Given by the server. Send it back with the webhook to keep its
    /// stored secret; leave it out for a new webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `https://…` (or `http://` inside a trusted network).
    pub url: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The HMAC-SHA256 signing secret, at least
    /// [`MIN_WEBHOOK_SECRET_CHARS`] characters. Write-only (see the module
    /// docs); never in an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// In answers: whether a secret is stored. Ignored on `PUT`.
    #[serde(default)]
    pub secret_set: bool,
}

fn yes() -> bool {
    true
}

/// Which events are sent (all by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertEvents {
    #[serde(default = "yes")]
    pub job_quarantined: bool,
    #[serde(default = "yes")]
    pub job_released: bool,
    #[serde(default = "yes")]
    pub job_disabled: bool,
    #[serde(default = "yes")]
    pub deletes_held: bool,
    #[serde(default = "yes")]
    pub agent_offline: bool,
    #[serde(default = "yes")]
    pub cycle_failures: bool,
    #[serde(default = "yes")]
    pub inbound_failures: bool,
}

impl Default for AlertEvents {
    fn default() -> Self {
        AlertEvents {
            job_quarantined: true,
            job_released: true,
            job_disabled: true,
            deletes_held: true,
            agent_offline: true,
            cycle_failures: true,
            inbound_failures: true,
        }
    }
}

impl AlertEvents {
    fn slot(&mut self, event: AlertEvent) -> Option<&mut bool> {
        Some(match event {
            AlertEvent::JobQuarantined => &mut self.job_quarantined,
            AlertEvent::JobReleased => &mut self.job_released,
            AlertEvent::JobDisabled => &mut self.job_disabled,
            AlertEvent::DeletesHeld => &mut self.deletes_held,
            AlertEvent::AgentOffline => &mut self.agent_offline,
            AlertEvent::CycleFailures => &mut self.cycle_failures,
            AlertEvent::InboundFailures => &mut self.inbound_failures,
            AlertEvent::Test => return None,
        })
    }

    /// Whether the event is sent (a test always is).
    pub fn is_on(mut self, event: AlertEvent) -> bool {
        self.slot(event).is_none_or(|on| *on)
    }

    /// Turns the event on or off (a test cannot be turned off).
    pub fn set(&mut self, event: AlertEvent, on: bool) {
        if let Some(slot) = self.slot(event) {
            *slot = on;
        }
    }
}

/// When conditions that come in degrees are worth a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Thresholds {
    /// An agent that has not called for this many minutes is offline (1–10080).
    #[serde(default = "default_offline_minutes")]
    pub agent_offline_minutes: u32,
    /// A cycle whose failed objects are at least this share of its objects,
    /// in percent (1–100)…
    #[serde(default = "default_failure_percent")]
    pub failure_share_percent: u32,
    /// …and that handled at least this many objects (so that one failure
    /// of two does not page anyone).
    #[serde(default = "default_min_objects")]
    pub failure_min_objects: u32,
}

fn default_offline_minutes() -> u32 {
    15
}

fn default_failure_percent() -> u32 {
    10
}

fn default_min_objects() -> u32 {
    20
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            agent_offline_minutes: default_offline_minutes(),
            failure_share_percent: default_failure_percent(),
            failure_min_objects: default_min_objects(),
        }
    }
}

/// What the test answers: one outcome per channel that is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationTestReport {
    pub channels: Vec<ChannelOutcome>,
}

/// How sending through one channel went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelOutcome {
    /// `email` or `webhook`.
    pub channel: String,
    /// The recipients, or the webhook's URL.
    pub target: String,
    pub delivered: bool,
    /// Why it was not delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The JSON body of every webhook request (and what an email says, in words).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertPayload {
    /// This notification's id, the same on every retry ([`DELIVERY_HEADER`]).
    pub id: String,
    pub event: AlertEvent,
    /// The job concerned; `null` for agents and tests.
    pub job: Option<JobRef>,
    /// One line saying what happened.
    pub summary: String,
    /// The figures behind it (counts, reasons, the agent's name…), by name.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Map<String, serde_json::Value>,
    /// When it happened (RFC 3339, UTC).
    pub at: String,
    /// Where to look in the portal, when its address is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_url: Option<String>,
}

/// A job as a notification names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobRef {
    pub id: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_never_serialised_and_flags_are() {
        let mut settings = NotificationSettings::default();
        settings.email.password_set = true;
        settings.webhooks.push(WebhookSettings {
            id: Some("w1".into()),
            url: "https://hooks.example/p".into(),
            enabled: true,
            secret: None,
            secret_set: true,
        });
        let json = serde_json::to_value(&settings).unwrap();
        assert_eq!(json["email"]["password_set"], true);
        assert!(json["email"].get("password").is_none());
        assert_eq!(json["webhooks"][0]["secret_set"], true);
        assert!(json["webhooks"][0].get("secret").is_none());
        let back: NotificationSettings = serde_json::from_value(json).unwrap();
        assert_eq!(back, settings);
    }

    #[test]
    fn events_default_on_and_switch_by_name() {
        let mut events: AlertEvents = serde_json::from_str(r#"{"agent_offline": false}"#).unwrap();
        assert!(!events.is_on(AlertEvent::AgentOffline));
        assert!(events.is_on(AlertEvent::DeletesHeld) && events.is_on(AlertEvent::Test));
        events.set(AlertEvent::Test, false);
        assert!(events.is_on(AlertEvent::Test));
        for event in AlertEvent::SWITCHABLE {
            assert_eq!(AlertEvent::from_name(event.name()), Some(event));
            assert_eq!(serde_json::to_value(event).unwrap(), event.name());
        }
        assert_eq!(SmtpSecurity::from_name("starttls"), Some(SmtpSecurity::default()));
    }
}
