//! The logs' filters in the URL: the page's query string read into the
//! API's own [`LogQuery`] and written back, so a filtered view (and the
//! page of it) is a link.

use leptos_router::params::ParamsMap;
use provisio_api::logs::LogQuery;

use crate::api::encode;

/// The filters (and offset) a `/logs?…` URL holds. Empty values mean "any".
pub fn from_map(map: &ParamsMap) -> LogQuery {
    let text = |key: &str| map.get(key).filter(|v| !v.trim().is_empty());
    LogQuery {
        job: text("job"),
        action: text("action"),
        status: text("status"),
        q: text("q"),
        since: text("since"),
        until: text("until"),
        cycle: text("cycle"),
        code: text("code"),
        offset: text("offset").and_then(|o| o.parse().ok()).filter(|o| *o > 0),
        limit: None,
    }
}

/// `?job=…&status=…` (empty when nothing is set), in a fixed order.
pub fn to_string(query: &LogQuery) -> String {
    let offset = query.offset.map(|o| o.to_string());
    let limit = query.limit.map(|l| l.to_string());
    let pairs = [
        ("job", query.job.as_deref()),
        ("action", query.action.as_deref()),
        ("status", query.status.as_deref()),
        ("q", query.q.as_deref()),
        ("since", query.since.as_deref()),
        ("until", query.until.as_deref()),
        ("cycle", query.cycle.as_deref()),
        ("code", query.code.as_deref()),
        ("offset", offset.as_deref()),
        ("limit", limit.as_deref()),
    ];
    let text = pairs
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| format!("{key}={}", encode(v))))
        .collect::<Vec<_>>()
        .join("&");
    if text.is_empty() { text } else { format!("?{text}") }
}

/// The filters alone, without paging (for exports and a new search).
pub fn filters_only(query: &LogQuery) -> LogQuery {
    LogQuery {
        offset: None,
        limit: None,
        ..query.clone()
    }
}

/// A `datetime-local` input's value (`2026-11-26T10:00`, read as UTC) as RFC 3339.
pub fn from_input_time(value: &str) -> Option<String> {
    let value = value.trim();
    match value.len() {
        0 => None,
        16 => Some(format!("{value}:00Z")),
        19 => Some(format!("{value}Z")),
        _ => Some(value.to_owned()),
    }
}

/// An RFC 3339 time as a `datetime-local` input's value (in UTC).
pub fn to_input_time(value: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}
