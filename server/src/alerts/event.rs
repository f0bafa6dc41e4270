//! The event model: an [`Alert`] as the code that noticed the condition
//! raises it (one constructor per event, so every notification of a kind
//! reads the same), how often it may repeat ([`Repeat`]), and the payload
//! every channel sends, with secrets redacted.

use chrono::{DateTime, SecondsFormat, Utc};
use provisio_api::notifications::{AlertEvent, AlertPayload, JobRef};
use serde_json::{Map, Value, json};

/// What replaces a secret found in a notification.
pub const REDACTED: &str = "********";

/// Something administrators should hear of.
#[derive(Clone)]
pub struct Alert {
    pub event: AlertEvent,
    pub job: Option<JobRef>,
    pub summary: String,
    pub details: Map<String, Value>,
    pub at: DateTime<Utc>,
    /// The portal page concerned (`/jobs/ID`), joined to the portal's address.
    pub page: String,
    pub repeat: Repeat,
    /// A cycle's failed and handled objects, which the failure share
    /// threshold judges (`None`: no threshold applies).
    pub share: Option<(u64, u64)>,
    /// Values that must not appear in the notification (the job's own
    /// credentials): replaced by `********`.
    pub redact: Vec<String>,
}

impl std::fmt::Debug for Alert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alert")
            .field("event", &self.event)
            .field("job", &self.job)
            .field("summary", &self.summary)
            .field("repeat", &self.repeat)
            .finish_non_exhaustive()
    }
}

/// How often an alert of the same condition may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repeat {
    /// Every time it is raised: the caller raises it on a transition only
    /// (quarantined, released, disabled, deletes newly held).
    Always,
    /// At most once an hour for the same key (a job's failing cycles, its
    /// failing inbound records).
    Hourly(String),
    /// Once for the same key while the episode stays the same (an agent's
    /// outage, named by its last contact).
    OncePer { key: String, episode: String },
}

fn job_ref(id: &str, name: &str) -> Option<JobRef> {
    Some(JobRef {
        id: id.to_owned(),
        name: name.to_owned(),
    })
}

fn details(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn job_page(id: &str) -> String {
    format!("/jobs/{}", url_segment(id))
}

/// A path segment with everything but unreserved characters percent-encoded.
fn url_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Alert {
    fn new(event: AlertEvent, summary: String, at: DateTime<Utc>) -> Alert {
        Alert {
            event,
            job: None,
            summary,
            details: Map::new(),
            at,
            page: "/".into(),
            repeat: Repeat::Always,
            share: None,
            redact: Vec::new(),
        }
    }

    fn for_job(event: AlertEvent, (id, name): (&str, &str), summary: String, at: DateTime<Utc>) -> Alert {
        Alert {
            job: job_ref(id, name),
            page: job_page(id),
            ..Alert::new(event, summary, at)
        }
    }

    /// The job was quarantined; `reason` is the stored one (`"<code>: <explanation>"`).
    pub fn quarantined(
        job: (&str, &str),
        reason: &str,
        next_retry_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Alert {
        let mut alert = Alert::for_job(
            AlertEvent::JobQuarantined,
            job,
            format!("The job {} is quarantined", job.1),
            at,
        );
        alert.details = details(json!({
            "reason": reason,
            "next_retry_at": next_retry_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
        }));
        alert
    }

    /// The quarantined job ran cleanly and left quarantine.
    pub fn released(job: (&str, &str), at: DateTime<Utc>) -> Alert {
        Alert::for_job(
            AlertEvent::JobReleased,
            job,
            format!("The job {} left quarantine", job.1),
            at,
        )
    }

    /// The job stayed quarantined too long and was disabled.
    pub fn disabled(job: (&str, &str), at: DateTime<Utc>) -> Alert {
        let mut alert = Alert::for_job(
            AlertEvent::JobDisabled,
            job,
            format!("The job {} was disabled after 28 days in quarantine", job.1),
            at,
        );
        alert.details = details(json!({"restart": "restart the job once its target is fixed"}));
        alert
    }

    /// The cycle held `held` disables and deletes for approval.
    pub fn deletes_held(job: (&str, &str), held: u64, threshold: Option<u32>, at: DateTime<Utc>) -> Alert {
        let mut alert = Alert::for_job(
            AlertEvent::DeletesHeld,
            job,
            format!("The job {} holds {held} deletions for approval", job.1),
            at,
        );
        alert.details = details(json!({"held": held, "deletion_threshold": threshold}));
        alert.page = format!("{}/settings", job_page(job.0));
        alert
    }

    /// A cycle of the job failed `failures` of its `objects`.
    pub fn cycle_failures(job: (&str, &str), failures: u64, objects: u64, cycle_id: &str, at: DateTime<Utc>) -> Alert {
        let percent = failures.saturating_mul(100).checked_div(objects).unwrap_or(0);
        let mut alert = Alert::for_job(
            AlertEvent::CycleFailures,
            job,
            format!("The job {}: {failures} of {objects} objects failed ({percent}%)", job.1),
            at,
        );
        alert.details = details(json!({"failures": failures, "objects": objects, "cycle_id": cycle_id}));
        alert.repeat = Repeat::Hourly(format!("cycle_failures:{}", job.0));
        alert.share = Some((failures, objects));
        alert.page = format!(
            "/logs?job={}&status=failure&cycle={}",
            url_segment(job.0),
            url_segment(cycle_id)
        );
        alert
    }

    /// Records of an inbound request failed.
    pub fn inbound_failures(
        job: (&str, &str),
        request_id: &str,
        failures: u64,
        records: u64,
        at: DateTime<Utc>,
    ) -> Alert {
        let mut alert = Alert::for_job(
            AlertEvent::InboundFailures,
            job,
            format!("The inbound job {}: {failures} of {records} records failed", job.1),
            at,
        );
        alert.details = details(json!({"failures": failures, "records": records, "request_id": request_id}));
        alert.repeat = Repeat::Hourly(format!("inbound_failures:{}", job.0));
        alert.page = format!("{}/inbound", job_page(job.0));
        alert
    }

    /// The agent has not called since `last_contact_at`.
    pub fn agent_offline(agent: &str, last_contact_at: DateTime<Utc>, minutes: u32, at: DateTime<Utc>) -> Alert {
        let last = last_contact_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut alert = Alert::new(
            AlertEvent::AgentOffline,
            format!("The agent {agent} has not called for more than {minutes} minutes"),
            at,
        );
        alert.details = details(json!({"agent": agent, "last_contact_at": last, "threshold_minutes": minutes}));
        alert.repeat = Repeat::OncePer {
            key: format!("agent_offline:{agent}"),
            episode: last,
        };
        alert.page = "/agents".into();
        alert
    }

    /// What "send a test" sends.
    pub fn test(at: DateTime<Utc>) -> Alert {
        let mut alert = Alert::new(AlertEvent::Test, "Test notification from Provisio".into(), at);
        alert.details = details(json!({"note": "sent from Settings > Notifications in the portal; nothing is wrong"}));
        alert.page = "/settings/notifications".into();
        alert
    }

    /// The payload every channel sends: `id` names this notification,
    /// `portal` is the portal's address if set. Every string in it with a
    /// value of `secrets` (or of [`Alert::redact`]) has it replaced.
    pub fn payload(&self, id: &str, portal: Option<&str>, secrets: &[&str]) -> AlertPayload {
        let mut hidden: Vec<&str> = secrets
            .iter()
            .copied()
            .chain(self.redact.iter().map(String::as_str))
            .collect();
        // Longest first, so a secret that holds another is replaced whole.
        hidden.retain(|s| !s.is_empty());
        hidden.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let clean = |text: &str| redact(text, &hidden);
        let mut details = Value::Object(self.details.clone());
        redact_value(&mut details, &hidden);
        AlertPayload {
            id: id.to_owned(),
            event: self.event,
            job: self.job.as_ref().map(|job| JobRef {
                id: clean(&job.id),
                name: clean(&job.name),
            }),
            summary: clean(&self.summary),
            details: match details {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            at: self.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            portal_url: portal.map(|base| clean(&format!("{}{}", base.trim_end_matches('/'), self.page))),
        }
    }
}

/// `text` with every value of `secrets` replaced by `********`.
pub(super) fn redact(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .fold(text.to_owned(), |text, secret| text.replace(secret, REDACTED))
}

fn redact_value(value: &mut Value, secrets: &[&str]) {
    match value {
        Value::String(text) => *text = redact(text, secrets),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, secrets)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_value(v, secrets)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-08T09:30:00Z").unwrap().to_utc()
    }

    #[test]
    fn the_payload_has_the_documented_shape() {
        let alert = Alert::quarantined(("j1", "Acme"), "SCIM401: rejected", None, at());
        let payload = serde_json::to_value(alert.payload("n1", Some("https://p.example/"), &[])).unwrap();
        assert_eq!(
            payload,
            json!({
                "id": "n1", "event": "job_quarantined", "job": {"id": "j1", "name": "Acme"},
                "summary": "The job Acme is quarantined",
                "details": {"reason": "SCIM401: rejected", "next_retry_at": null},
                "at": "2026-12-08T09:30:00Z", "portal_url": "https://p.example/jobs/j1"
            })
        );
        let agent =
            serde_json::to_value(Alert::agent_offline("dc 1", at(), 15, at()).payload("n2", None, &[])).unwrap();
        assert_eq!(agent["job"], Value::Null);
        assert!(agent.get("portal_url").is_none());
    }

    #[test]
    fn secrets_are_redacted_everywhere() {
        let mut alert = Alert::quarantined(("j1", "Acme"), "the target said: bad token s3cr3t-token", None, at());
        alert.redact.push("s3cr3t-token".into());
        alert
            .details
            .insert("list".into(), json!(["smtp-pass", {"x": "hook-secret!"}]));
        let payload = alert.payload("n", Some("https://p"), &["smtp-pass", "hook-secret!", ""]);
        let text = serde_json::to_string(&payload).unwrap();
        for secret in ["s3cr3t-token", "smtp-pass", "hook-secret!"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert_eq!(payload.details["reason"], "the target said: bad token ********");
    }

    #[test]
    fn links_and_repeats_per_event() {
        let failing = Alert::cycle_failures(("a/b", "X"), 3, 20, "c1", at());
        assert_eq!(failing.repeat, Repeat::Hourly("cycle_failures:a/b".into()));
        assert_eq!(failing.page, "/logs?job=a%2Fb&status=failure&cycle=c1");
        assert_eq!(failing.summary, "The job X: 3 of 20 objects failed (15%)");
        assert_eq!(
            Alert::deletes_held(("j", "X"), 5, Some(2), at()).page,
            "/jobs/j/settings"
        );
        let offline = Alert::agent_offline("dc1", at(), 15, at());
        assert_eq!(
            offline.repeat,
            Repeat::OncePer {
                key: "agent_offline:dc1".into(),
                episode: "2026-12-08T09:30:00Z".into()
            }
        );
    }
}
