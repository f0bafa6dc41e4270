//! Agents offline: given each on-premises agent's last contact, raises
//! [`Alert::agent_offline`] for those silent longer than the threshold —
//! once per outage (an outage is named by the last contact before it, so
//! an agent that comes back and goes away again is reported again).

use chrono::{DateTime, Duration, Utc};
use provisio_api::notifications::AlertEvent;

use super::{Alert, AlertError, Alerts, Repeat};

impl Alerts {
    /// Raises an alert for every agent of `contacts` (name, last contact)
    /// silent for longer than the threshold at `now`, once per outage; how
    /// many it raised. Nothing when the event or every channel is off.
    pub async fn agents_offline(
        &self,
        contacts: &[(String, DateTime<Utc>)],
        now: DateTime<Utc>,
    ) -> Result<u64, AlertError> {
        let stored = self.stored().await?;
        if !stored.any_channel() || !stored.view.events.is_on(AlertEvent::AgentOffline) {
            return Ok(0);
        }
        let minutes = stored.view.thresholds.agent_offline_minutes;
        let mut raised = 0;
        for (agent, last_contact_at) in offline(contacts, minutes, now) {
            let mut alert = Alert::agent_offline(agent, last_contact_at, minutes, now);
            // Claimed here, so the count is of new outages only.
            if super::marks::claim(&self.store, &alert.repeat, now).await? {
                alert.repeat = Repeat::Always;
                self.raise(alert);
                raised += 1;
            }
        }
        Ok(raised)
    }
}

/// The agents silent for longer than `minutes` at `now`.
fn offline(
    contacts: &[(String, DateTime<Utc>)],
    minutes: u32,
    now: DateTime<Utc>,
) -> impl Iterator<Item = (&str, DateTime<Utc>)> {
    let since = now - Duration::minutes(i64::from(minutes));
    contacts
        .iter()
        .filter(move |(_, last)| *last < since)
        .map(|(name, last)| (name.as_str(), *last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_agents_silent_past_the_threshold_are_offline() {
        let now = Utc::now();
        let contacts = vec![
            ("fresh".to_owned(), now - Duration::minutes(2)),
            ("borderline".to_owned(), now - Duration::minutes(15)),
            ("gone".to_owned(), now - Duration::minutes(16)),
        ];
        let names: Vec<_> = offline(&contacts, 15, now).map(|(n, _)| n).collect();
        assert_eq!(names, ["gone"]);
        assert_eq!(offline(&contacts, 1, now).count(), 3);
    }
}
