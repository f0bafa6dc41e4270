//! Times as the store writes them: RFC 3339 in UTC with microseconds,
//! always the same width, so text order is time order; and the database's
//! own clock, which instances whose clocks disagree share (leases,
//! heartbeats, rate limits).

use chrono::{DateTime, SecondsFormat, Utc};

use super::Backend;
use crate::ServerError;

/// A time as the store writes it.
pub fn db_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The database's clock in milliseconds since the Unix epoch, as SQL.
pub(crate) fn database_now_ms(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
        Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
    }
}

/// Reads a time [`db_time`] wrote.
pub fn parse_db_time(text: &str) -> Result<DateTime<Utc>, ServerError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.to_utc())
        .map_err(|e| ServerError::Corrupt(format!("bad timestamp `{text}`: {e}")))
}
