//! Each job's cycle durations as a cumulative histogram kept by the
//! database (`job_cycle_durations`), for `provisio_job_cycle_duration_seconds`:
//! every instance reports the same buckets, and they survive restarts.

use std::collections::BTreeMap;

use sqlx::Row as _;

use super::StateError;
use crate::store::Store;

/// The buckets' upper bounds, in seconds: from a realtime burst to a
/// million-user initial cycle.
pub const BUCKETS: &[u64] = &[1, 5, 15, 60, 300, 900, 3600, 14_400];

/// One job's histogram: cumulative counts per bucket (`None`: `+Inf`), and
/// the sum of the durations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Durations {
    pub buckets: BTreeMap<Option<u64>, u64>,
    pub sum_ms: u64,
}

impl Durations {
    /// Cycles counted (the `+Inf` bucket).
    pub fn count(&self) -> u64 {
        self.buckets.get(&None).copied().unwrap_or_default()
    }

    /// The cumulative count of the bucket `le` (0 when never reached).
    pub fn at_most(&self, le: u64) -> u64 {
        self.buckets.get(&Some(le)).copied().unwrap_or_default()
    }
}

/// Adds a cycle of `ms` milliseconds to the job's histogram, in the
/// caller's transaction.
pub(super) async fn record_in(connection: &mut sqlx::AnyConnection, job_id: &str, ms: u64) -> Result<(), StateError> {
    let seconds = ms.div_ceil(1000);
    let mut rows: Vec<(String, i64)> = BUCKETS
        .iter()
        .filter(|le| seconds <= **le)
        .map(|le| (le.to_string(), 1))
        .collect();
    rows.push(("+Inf".to_owned(), 1));
    rows.push(("sum_ms".to_owned(), i64::try_from(ms).unwrap_or(i64::MAX)));
    for (bucket, add) in rows {
        sqlx::query(
            "INSERT INTO job_cycle_durations (job_id, bucket, count) VALUES ($1, $2, $3) \
             ON CONFLICT (job_id, bucket) DO UPDATE SET count = job_cycle_durations.count + excluded.count",
        )
        .bind(job_id)
        .bind(bucket)
        .bind(add)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Every job's histogram, by job id.
pub async fn all(store: &Store) -> Result<BTreeMap<String, Durations>, StateError> {
    let rows = sqlx::query("SELECT job_id, bucket, count FROM job_cycle_durations")
        .fetch_all(store.pool())
        .await?;
    let mut all: BTreeMap<String, Durations> = BTreeMap::new();
    for row in rows {
        let job: String = row.try_get("job_id")?;
        let bucket: String = row.try_get("bucket")?;
        let count = u64::try_from(row.try_get::<i64, _>("count")?).unwrap_or_default();
        let durations = all.entry(job).or_default();
        match bucket.as_str() {
            "sum_ms" => durations.sum_ms = count,
            "+Inf" => {
                durations.buckets.insert(None, count);
            }
            le => {
                if let Ok(le) = le.parse() {
                    durations.buckets.insert(Some(le), count);
                }
            }
        }
    }
    Ok(all)
}
