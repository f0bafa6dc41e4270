//! How log values read on screen: times, identities and JSON values.

use provisio_api::logs::Identity;

/// `2026-11-26 10:00:03 UTC` from an RFC 3339 time; the text itself if it is not one.
pub fn time(text: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()
        })
        .unwrap_or_else(|_| text.to_owned())
}

/// An identity's display text, else its id, else a dash.
pub fn identity(identity: &Identity) -> String {
    identity
        .display
        .clone()
        .or_else(|| identity.id.clone())
        .unwrap_or_else(|| "—".to_owned())
}

/// A JSON value as an admin reads it: strings without quotes, absence as a dash.
pub fn value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `1,234 ms` or `3.4 s`.
pub fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}
