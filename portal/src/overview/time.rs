//! Times on the overview: now from the browser's clock, RFC 3339 for the
//! API, and short readable forms.

use chrono::{DateTime, Utc};

/// The browser's clock (the engine never reads one; the portal may).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// The API's form: RFC 3339, UTC, milliseconds.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `2026-11-26 10:00 UTC` from an RFC 3339 time; the text itself if it is not one.
pub fn readable(text: &str) -> String {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc).format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| text.to_owned())
}
