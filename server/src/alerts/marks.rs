//! What keeps a notification from repeating: a mark per condition in
//! `notification_marks`, claimed with one compare-and-set statement, so
//! that of two instances (or two tasks) raising the same alert at once
//! exactly one sends it.

use chrono::{DateTime, Duration, Utc};

use super::Repeat;
use crate::ServerError;
use crate::store::{Store, db_time};

/// How long an hourly alert stays quiet after it was sent.
pub(super) const HOURLY: Duration = Duration::hours(1);

/// Whether the alert may be sent now, claiming it if so: always for
/// [`Repeat::Always`]; for [`Repeat::Hourly`] when the key was not sent
/// within the hour before `at`; for [`Repeat::OncePer`] when the key was
/// not sent for this episode.
pub(super) async fn claim(store: &Store, repeat: &Repeat, at: DateTime<Utc>) -> Result<bool, ServerError> {
    let claimed = match repeat {
        Repeat::Always => return Ok(true),
        // Claimed when the last one is an hour old or more.
        Repeat::Hourly(key) => sqlx::query(
            "INSERT INTO notification_marks (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE \
             SET at = excluded.at WHERE notification_marks.at <= $3",
        )
        .bind(key)
        .bind(db_time(at))
        .bind(db_time(at - HOURLY)),
        // Claimed when the last one was for another episode.
        Repeat::OncePer { key, episode } => sqlx::query(
            "INSERT INTO notification_marks (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE \
             SET at = excluded.at WHERE notification_marks.at <> excluded.at",
        )
        .bind(key)
        .bind(episode),
    }
    .execute(store.writer())
    .await?;
    Ok(claimed.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hourly_and_once_per_episode() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let t0 = Utc::now();
        let hourly = Repeat::Hourly("cycle_failures:j1".into());
        assert!(claim(&store, &hourly, t0).await.unwrap());
        assert!(!claim(&store, &hourly, t0 + Duration::minutes(59)).await.unwrap());
        assert!(
            claim(&store, &Repeat::Hourly("cycle_failures:j2".into()), t0)
                .await
                .unwrap()
        );
        assert!(claim(&store, &hourly, t0 + Duration::minutes(61)).await.unwrap());

        let outage = |episode: &str| Repeat::OncePer {
            key: "agent_offline:dc1".into(),
            episode: episode.into(),
        };
        assert!(claim(&store, &outage("10:00"), t0).await.unwrap());
        assert!(!claim(&store, &outage("10:00"), t0 + Duration::hours(5)).await.unwrap());
        assert!(claim(&store, &outage("12:00"), t0).await.unwrap());
        assert!(claim(&store, &Repeat::Always, t0).await.unwrap());
        assert!(claim(&store, &Repeat::Always, t0).await.unwrap());
    }
}
