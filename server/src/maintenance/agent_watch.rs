//! Watching the on-premises agents for silence: every minute, under a
//! lease of its own like the other rounds (so one instance of several
//! looks), the agents' stored last contacts go to the alerts, which notify
//! of those silent past the threshold once per outage.

use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinHandle;

use crate::alerts::Alerts;
use crate::relay::Contacts;
use crate::store::Store;

/// How often the agents are looked at.
const EVERY: Duration = Duration::from_secs(60);

/// Starts the watch; it runs until aborted.
pub(crate) fn spawn(store: &Store, alerts: Alerts) -> JoinHandle<()> {
    let store = store.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + super::FIRST_AFTER, EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            super::run_once(&store, "watching agents", &|| round(&store, &alerts)).await;
        }
    })
}

/// One look: how many agents were found offline.
async fn round(store: &Store, alerts: &Alerts) -> Result<u64, String> {
    let contacts = Contacts::new(store).all().await.map_err(|e| e.to_string())?;
    let contacts: Vec<_> = contacts.into_iter().map(|c| (c.name, c.last_contact_at)).collect();
    alerts
        .agents_offline(&contacts, Utc::now())
        .await
        .map_err(|e| e.to_string())
}
