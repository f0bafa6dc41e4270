//! The `provisioning_logs` table: appending a cycle's entries in one
//! transaction, listing them newest first, reading one, counting a cycle's
//! and pruning old ones.

use chrono::{DateTime, Utc};
use provisio_api::directory::Page;
use provisio_api::logs::{Identity, Initiator, LogAction, LogCounts, LogEntry, LogStatus, RunKind};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row as _};

use super::LogFilter;
use crate::ServerError;
use crate::directory::timestamp;
use crate::store::Store;

const COLUMNS: &str = "id, at, job_id, job_name, run_kind, cycle_id, change_id, action, status, source_id, \
     source_display, target_id, target_display, search_key, modified, steps, error_code, reason, \
     recommended_action, duration_ms, origin";
const COLUMN_COUNT: usize = 21;
/// Rows per `INSERT`, 21 parameters each.
const ROWS_PER_INSERT: usize = crate::store::rows_per_statement(COLUMN_COUNT);

/// The provisioning log of a store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Logs {
    store: Store,
}

impl Store {
    pub fn logs(&self) -> Logs {
        Logs { store: self.clone() }
    }
}

/// Where a keyset scan resumes: after the entry of this time and id.
pub(crate) type Cursor = (String, String);

impl Logs {
    /// Stores entries, all or none.
    pub async fn append(&self, entries: &[LogEntry]) -> Result<(), ServerError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.writer().begin().await?;
        Self::append_in(&mut tx, entries).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores entries in the caller's transaction (a cycle's page, with its
    /// progress), with as few statements as the parameter limits allow.
    pub(crate) async fn append_in(
        connection: &mut sqlx::AnyConnection,
        entries: &[LogEntry],
    ) -> Result<(), ServerError> {
        // SQLite binds `?` by position; a `$n` it looks up by name, walking
        // the statement's names (store::statements): at a page of entries a
        // cost worth avoiding. PostgreSQL takes only `$n`.
        let by_position = connection.backend_name() == "SQLite";
        for chunk in entries.chunks(ROWS_PER_INSERT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| {
                    let placeholders: Vec<String> = (1..=COLUMN_COUNT)
                        .map(|column| match by_position {
                            true => "?".to_owned(),
                            false => format!("${}", row * COLUMN_COUNT + column),
                        })
                        .collect();
                    format!("({})", placeholders.join(", "))
                })
                .collect();
            let sql = format!("INSERT INTO provisioning_logs ({COLUMNS}) VALUES {}", rows.join(", "));
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for entry in chunk {
                query = query
                    .bind(entry.id.clone())
                    .bind(entry.time.clone())
                    .bind(entry.job_id.clone())
                    .bind(entry.job_name.clone())
                    .bind(entry.run.as_str())
                    .bind(entry.cycle_id.clone())
                    .bind(entry.change_id.clone())
                    .bind(entry.action.as_str())
                    .bind(entry.status.as_str())
                    .bind(entry.source.id.clone())
                    .bind(entry.source.display.clone())
                    .bind(entry.target.id.clone())
                    .bind(entry.target.display.clone())
                    .bind(search_key(entry))
                    .bind(serde_json::to_string(&entry.modified).map_err(corrupt)?)
                    .bind(serde_json::to_string(&entry.steps).map_err(corrupt)?)
                    .bind(entry.error_code.clone())
                    .bind(entry.reason.clone())
                    .bind(entry.recommended_action.clone())
                    .bind(i64::try_from(entry.duration_ms).unwrap_or(i64::MAX))
                    .bind(serde_json::to_string(&Origin::of(entry)).map_err(corrupt)?);
            }
            query.execute(&mut *connection).await?;
        }
        count_in(connection, entries).await
    }

    /// Entries counted per hour (`YYYY-MM-DDTHH`, as stored times begin)
    /// and status, `since ≤ at < until`, optionally of one job (its id or
    /// name, any case, as the listing's filter reads it).
    pub async fn hourly(
        &self,
        since: &str,
        until: &str,
        job_id: Option<&str>,
    ) -> Result<Vec<(String, String, u64)>, ServerError> {
        let rows = sqlx::query(
            "SELECT SUBSTR(at, 1, 13) AS hour, status, COUNT(*) AS n FROM provisioning_logs \
             WHERE at >= $1 AND at < $2 AND ($3 IS NULL OR job_id = $3 OR LOWER(job_name) = LOWER($3)) \
             GROUP BY SUBSTR(at, 1, 13), status",
        )
        .bind(since)
        .bind(until)
        .bind(job_id)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("hour")?,
                    row.try_get("status")?,
                    u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// Every job's log entries written so far, by action and status (what
    /// `provisio_job_actions_total` reports; pruning the log keeps them).
    pub async fn action_counts(&self) -> Result<Vec<ActionCount>, ServerError> {
        let rows = sqlx::query("SELECT job_id, action, status, count FROM job_action_counts")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ActionCount {
                    job_id: row.try_get("job_id")?,
                    action: row.try_get("action")?,
                    status: row.try_get("status")?,
                    count: u64::try_from(row.try_get::<i64, _>("count")?).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The page of entries `filter` asks for, newest first, and how many match.
    pub async fn query(&self, filter: &LogFilter) -> Result<Page<LogEntry>, ServerError> {
        let total = self.count(filter).await?;
        let (condition, values) = filter.condition();
        let n = values.len();
        let mut select = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM provisioning_logs WHERE {condition} ORDER BY at DESC, id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        )));
        for value in &values {
            select = select.bind(value.clone());
        }
        let rows = select
            .bind(to_i64(filter.limit))
            .bind(to_i64(filter.offset))
            .fetch_all(self.store.pool())
            .await?;
        Ok(Page {
            total,
            items: rows.iter().map(entry).collect::<Result<_, _>>()?,
        })
    }

    /// How many entries match `filter` (its page aside).
    pub async fn count(&self, filter: &LogFilter) -> Result<usize, ServerError> {
        let (condition, values) = filter.condition();
        let mut count = sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM provisioning_logs WHERE {condition}"
        )));
        for value in values {
            count = count.bind(value);
        }
        Ok(usize::try_from(count.fetch_one(self.store.pool()).await?).unwrap_or_default())
    }

    /// Up to `limit` entries matching `filter` (its page aside), newest
    /// first, after `cursor`: a scan that entries appended meanwhile do not shift.
    pub(crate) async fn scan(
        &self,
        filter: &LogFilter,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Vec<LogEntry>, ServerError> {
        let (mut condition, mut values) = filter.condition();
        if let Some((at, id)) = cursor {
            let (a, i) = (values.len() + 1, values.len() + 2);
            condition = format!("{condition} AND (at < ${a} OR (at = ${a} AND id < ${i}))");
            values.push(at.clone());
            values.push(id.clone());
        }
        let mut select = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM provisioning_logs WHERE {condition} ORDER BY at DESC, id DESC LIMIT ${}",
            values.len() + 1
        )));
        for value in values {
            select = select.bind(value);
        }
        let rows = select.bind(to_i64(limit)).fetch_all(self.store.pool()).await?;
        rows.iter().map(entry).collect()
    }

    /// One entry.
    pub async fn get(&self, id: &str) -> Result<Option<LogEntry>, ServerError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM provisioning_logs WHERE id = $1"
        )))
        .bind(id.to_owned())
        .fetch_optional(self.store.pool())
        .await?;
        row.as_ref().map(entry).transpose()
    }

    /// Deletes the entries older than `older_than`; answers how many.
    pub async fn prune(&self, older_than: DateTime<Utc>) -> Result<usize, ServerError> {
        let done = sqlx::query("DELETE FROM provisioning_logs WHERE at < $1")
            .bind(timestamp(older_than))
            .execute(self.store.writer())
            .await?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }

    /// How many entries a job (its id) has, or one of its cycles, per
    /// action and per status.
    pub async fn summary(&self, job: &str, cycle: Option<&str>) -> Result<LogCounts, ServerError> {
        let rows = sqlx::query(
            "SELECT action, status, COUNT(*) AS n FROM provisioning_logs \
             WHERE job_id = $1 AND ($2 = '' OR cycle_id = $2) GROUP BY action, status",
        )
        .bind(job.to_owned())
        .bind(cycle.unwrap_or_default().to_owned())
        .fetch_all(self.store.pool())
        .await?;
        let mut counts = LogCounts::default();
        for row in rows {
            let action = parse(&row.try_get::<String, _>("action")?, LogAction::parse)?;
            let status = parse(&row.try_get::<String, _>("status")?, LogStatus::parse)?;
            let n = u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or_default();
            counts.total += n;
            *counts.by_action.entry(action).or_default() += n;
            *counts.by_status.entry(status).or_default() += n;
        }
        Ok(counts)
    }
}

/// What the identity search looks in: both identities' ids and display
/// texts, lower-cased.
fn search_key(entry: &LogEntry) -> String {
    [
        &entry.source.id,
        &entry.source.display,
        &entry.target.id,
        &entry.target.display,
    ]
    .into_iter()
    .flatten()
    .map(|text| text.to_lowercase())
    .collect::<Vec<_>>()
    .join("\n")
}

fn entry(row: &AnyRow) -> Result<LogEntry, ServerError> {
    let text = |column: &str| row.try_get::<String, _>(column);
    let optional = |column: &str| row.try_get::<Option<String>, _>(column);
    // Entries written before origins were kept read as the system's.
    let origin: Origin = optional("origin")?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    Ok(LogEntry {
        id: text("id")?,
        time: text("at")?,
        job_id: text("job_id")?,
        job_name: text("job_name")?,
        run: parse(&text("run_kind")?, RunKind::parse)?,
        cycle_id: text("cycle_id")?,
        change_id: optional("change_id")?,
        action: parse(&text("action")?, LogAction::parse)?,
        status: parse(&text("status")?, LogStatus::parse)?,
        source: Identity {
            id: optional("source_id")?,
            display: optional("source_display")?,
        },
        target: Identity {
            id: optional("target_id")?,
            display: optional("target_display")?,
        },
        modified: serde_json::from_str(&text("modified")?).map_err(corrupt)?,
        steps: serde_json::from_str(&text("steps")?).map_err(corrupt)?,
        error_code: optional("error_code")?,
        reason: optional("reason")?,
        recommended_action: optional("recommended_action")?,
        duration_ms: u64::try_from(row.try_get::<i64, _>("duration_ms")?).unwrap_or_default(),
        initiated_by: origin.initiated_by,
        source_system: origin.source_system,
        target_system: origin.target_system,
    })
}

/// An entry's `origin` column: who started its run and the systems it
/// went between.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Origin {
    initiated_by: Initiator,
    source_system: Identity,
    target_system: Identity,
}

impl Origin {
    fn of(entry: &LogEntry) -> Origin {
        Origin {
            initiated_by: entry.initiated_by.clone(),
            source_system: entry.source_system.clone(),
            target_system: entry.target_system.clone(),
        }
    }
}

fn parse<T>(name: &str, parse: fn(&str) -> Option<T>) -> Result<T, ServerError> {
    parse(name).ok_or_else(|| ServerError::Corrupt(format!("provisioning log: unknown value `{name}`")))
}

fn corrupt(e: serde_json::Error) -> ServerError {
    ServerError::Corrupt(format!("provisioning log: {e}"))
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// How many log entries of one job had this action and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionCount {
    pub job_id: String,
    pub action: String,
    pub status: String,
    pub count: u64,
}

/// Adds the entries to the per-job counts by action and status, in the
/// transaction that writes them.
async fn count_in(connection: &mut sqlx::AnyConnection, entries: &[LogEntry]) -> Result<(), ServerError> {
    let mut tally: std::collections::BTreeMap<(&str, &str, &str), i64> = std::collections::BTreeMap::new();
    for entry in entries {
        *tally
            .entry((entry.job_id.as_str(), entry.action.as_str(), entry.status.as_str()))
            .or_default() += 1;
    }
    for ((job_id, action, status), count) in tally {
        sqlx::query(
            "INSERT INTO job_action_counts (job_id, action, status, count) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (job_id, action, status) DO UPDATE SET count = job_action_counts.count + excluded.count",
        )
        .bind(job_id)
        .bind(action)
        .bind(status)
        .bind(count)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn at(minutes_ago: i64) -> DateTime<Utc> {
        Utc::now() - TimeDelta::minutes(minutes_ago)
    }

    fn sample(
        id: &str,
        job: &str,
        cycle: &str,
        action: LogAction,
        status: LogStatus,
        upn: &str,
        when: DateTime<Utc>,
    ) -> LogEntry {
        LogEntry {
            id: id.into(),
            time: timestamp(when),
            job_id: job.into(),
            job_name: format!("{job} name"),
            run: RunKind::Cycle,
            cycle_id: cycle.into(),
            change_id: None,
            action,
            status,
            source: Identity::new(format!("src-{id}"), upn),
            target: Identity {
                id: Some(format!("tgt-{id}")),
                display: None,
            },
            modified: vec![provisio_api::logs::ModifiedAttribute {
                name: "password".into(),
                old: serde_json::Value::Null,
                new: "[Redact]".into(),
            }],
            steps: serde_json::json!([{"kind": "action"}]),
            error_code: None,
            reason: None,
            recommended_action: None,
            duration_ms: 5,
            initiated_by: Default::default(),
            source_system: Default::default(),
            target_system: Default::default(),
        }
    }

    async fn seeded() -> Logs {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let logs = store.logs();
        let mut entries = vec![
            sample(
                "a",
                "j1",
                "c1",
                LogAction::Create,
                LogStatus::Success,
                "Ada@Example.org",
                at(50),
            ),
            sample(
                "b",
                "j1",
                "c1",
                LogAction::Update,
                LogStatus::Failure,
                "bob@example.org",
                at(40),
            ),
            sample(
                "c",
                "j1",
                "c2",
                LogAction::Skip,
                LogStatus::Skipped,
                "Chloé@example.org",
                at(30),
            ),
            sample(
                "d",
                "j2",
                "c3",
                LogAction::StagedDelete,
                LogStatus::Skipped,
                "dan_x@example.org",
                at(20),
            ),
        ];
        // Enough more to need several INSERTs.
        for n in 0..100 {
            entries.push(sample(
                &format!("z{n:03}"),
                "j3",
                "c9",
                LogAction::Skip,
                LogStatus::Success,
                "zed",
                at(60 * 24 * 40),
            ));
        }
        logs.append(&entries).await.unwrap();
        logs
    }

    async fn ids(logs: &Logs, filter: LogFilter) -> Vec<String> {
        logs.query(&filter)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|e| e.id)
            .collect()
    }

    #[tokio::test]
    async fn entries_round_trip() {
        let logs = seeded().await;
        let entry = logs.get("a").await.unwrap().unwrap();
        assert_eq!(entry.source, Identity::new("src-a", "Ada@Example.org"));
        assert_eq!(entry.modified[0].new, "[Redact]");
        assert_eq!(entry.steps[0]["kind"], "action");
        assert_eq!(logs.get("nope").await.unwrap(), None);
    }

    #[tokio::test]
    async fn filters_narrow_and_order_newest_first() {
        let logs = seeded().await;
        let f = LogFilter::default;
        let j1 = ids(
            &logs,
            LogFilter {
                job: Some("j1".into()),
                ..f()
            },
        )
        .await;
        assert_eq!(j1, ["c", "b", "a"]);
        assert_eq!(
            ids(
                &logs,
                LogFilter {
                    job: Some("J2 NAME".into()),
                    ..f()
                }
            )
            .await,
            ["d"]
        );
        assert_eq!(
            ids(
                &logs,
                LogFilter {
                    action: Some(LogAction::StagedDelete),
                    ..f()
                }
            )
            .await,
            ["d"]
        );
        assert_eq!(
            ids(
                &logs,
                LogFilter {
                    status: Some(LogStatus::Failure),
                    ..f()
                }
            )
            .await,
            ["b"]
        );
        assert_eq!(
            ids(
                &logs,
                LogFilter {
                    q: Some("ada@".into()),
                    ..f()
                }
            )
            .await,
            ["a"]
        );
        assert_eq!(
            ids(
                &logs,
                LogFilter {
                    q: Some("CHLOÉ".into()),
                    ..f()
                }
            )
            .await,
            ["c"]
        );
        assert_eq!(
            ids(
                &logs,
                LogFilter {
                    q: Some("tgt-b".into()),
                    ..f()
                }
            )
            .await,
            ["b"]
        );
        // `_` is literal, not a wildcard.
        assert_eq!(
            ids(
                &logs,
                LogFilter {
                    q: Some("n_x".into()),
                    ..f()
                }
            )
            .await,
            ["d"]
        );
        assert!(
            ids(
                &logs,
                LogFilter {
                    q: Some("a_a".into()),
                    ..f()
                }
            )
            .await
            .is_empty()
        );
        assert_eq!(
            ids(
                &logs,
                LogFilter {
                    cycle: Some("c1".into()),
                    ..f()
                }
            )
            .await,
            ["b", "a"]
        );
        let window = LogFilter {
            since: Some(at(45)),
            until: Some(at(25)),
            ..f()
        };
        assert_eq!(ids(&logs, window).await, ["c", "b"]);
    }

    #[tokio::test]
    async fn pages_count_every_match() {
        let logs = seeded().await;
        let page = logs
            .query(&LogFilter {
                offset: 2,
                limit: 2,
                ..LogFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(page.total, 104);
        assert_eq!(page.items.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(
            logs.count(&LogFilter {
                job: Some("j3".into()),
                ..LogFilter::default()
            })
            .await
            .unwrap(),
            100
        );
    }

    #[tokio::test]
    async fn scans_resume_after_their_cursor() {
        let logs = seeded().await;
        let filter = LogFilter {
            job: Some("j1".into()),
            ..LogFilter::default()
        };
        let first = logs.scan(&filter, None, 2).await.unwrap();
        assert_eq!(first.len(), 2);
        let last = first.last().map(|e| (e.time.clone(), e.id.clone())).unwrap();
        let rest = logs.scan(&filter, Some(&last), 2).await.unwrap();
        assert_eq!(rest.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["a"]);
    }

    #[tokio::test]
    async fn summaries_count_per_action_and_status() {
        let logs = seeded().await;
        let job = logs.summary("j1", None).await.unwrap();
        assert_eq!(job.total, 3);
        assert_eq!(job.by_action.get(&LogAction::Create), Some(&1));
        assert_eq!(job.by_status.get(&LogStatus::Failure), Some(&1));
        let cycle = logs.summary("j1", Some("c2")).await.unwrap();
        assert_eq!((cycle.total, cycle.by_action.get(&LogAction::Skip)), (1, Some(&1)));
        assert_eq!(logs.summary("nope", None).await.unwrap(), LogCounts::default());
    }

    #[tokio::test]
    async fn pruning_deletes_only_old_entries() {
        let logs = seeded().await;
        assert_eq!(logs.prune(Utc::now() - TimeDelta::days(30)).await.unwrap(), 100);
        assert_eq!(logs.query(&LogFilter::default()).await.unwrap().total, 4);
        assert_eq!(logs.prune(Utc::now() - TimeDelta::days(30)).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn appending_nothing_is_fine_and_duplicates_roll_back() {
        let logs = seeded().await;
        logs.append(&[]).await.unwrap();
        let fresh = sample("new", "j1", "c1", LogAction::Create, LogStatus::Success, "x", at(1));
        let duplicate = sample("a", "j1", "c1", LogAction::Create, LogStatus::Success, "x", at(1));
        assert!(logs.append(&[fresh, duplicate]).await.is_err());
        assert_eq!(logs.get("new").await.unwrap(), None);
    }
}
