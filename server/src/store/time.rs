//! Times as the store writes them: RFC 3339 in UTC with microseconds,
//! always the same width, so text order is time order.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::ServerError;

/// A time as the store writes it.
pub fn db_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Reads a time [`db_time`] wrote.
pub fn parse_db_time(text: &str) -> Result<DateTime<Utc>, ServerError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.to_utc())
        .map_err(|e| ServerError::Corrupt(format!("bad timestamp `{text}`: {e}")))
}
