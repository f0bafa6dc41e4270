//! Which entries a listing, an export or a summary covers ([`LogFilter`]),
//! read from the API's query parameters, and the SQL condition it becomes.

use chrono::{DateTime, Utc};
use provisio_api::logs::{DEFAULT_LIMIT, LogAction, LogQuery, LogStatus};

use crate::directory::timestamp;

/// Filters (combined with AND) and a page. `job` is a job's id or name (any
/// case); `q` is text in the source's or target's id or display text (any
/// case); `since` is inclusive, `until` exclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFilter {
    pub job: Option<String>,
    pub action: Option<LogAction>,
    pub status: Option<LogStatus>,
    pub q: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub cycle: Option<String>,
    /// An entry's code, e.g. `ImportSkipped` (any case).
    pub code: Option<String>,
    pub offset: usize,
    pub limit: usize,
}

impl Default for LogFilter {
    fn default() -> Self {
        LogFilter {
            job: None,
            action: None,
            status: None,
            q: None,
            since: None,
            until: None,
            cycle: None,
            code: None,
            offset: 0,
            limit: DEFAULT_LIMIT,
        }
    }
}

impl LogFilter {
    /// The filter the query parameters ask for, or a sentence naming the
    /// parameter that is wrong. Empty parameters are absent.
    pub fn from_query(query: &LogQuery) -> Result<LogFilter, String> {
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let action = match text(&query.action) {
            None => None,
            Some(name) => Some(LogAction::parse(&name).ok_or_else(|| {
                format!(
                    "`action` must be one of {}, not `{name}`",
                    names(LogAction::ALL, |a| a.as_str())
                )
            })?),
        };
        let status = match text(&query.status) {
            None => None,
            Some(name) => Some(LogStatus::parse(&name).ok_or_else(|| {
                format!(
                    "`status` must be one of {}, not `{name}`",
                    names(LogStatus::ALL, |s| s.as_str())
                )
            })?),
        };
        Ok(LogFilter {
            job: text(&query.job),
            action,
            status,
            q: text(&query.q),
            since: time("since", text(&query.since))?,
            until: time("until", text(&query.until))?,
            cycle: text(&query.cycle),
            code: text(&query.code),
            offset: query.offset.unwrap_or(0),
            limit: query.limit()?,
        })
    }

    /// The `WHERE` condition (`$1` onwards) and the text values to bind, in order.
    pub(super) fn condition(&self) -> (String, Vec<String>) {
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let next = |value: String, values: &mut Vec<String>| {
            values.push(value);
            format!("${}", values.len())
        };
        if let Some(job) = &self.job {
            let id = next(job.clone(), &mut values);
            let name = next(job.to_lowercase(), &mut values);
            clauses.push(format!("(job_id = {id} OR LOWER(job_name) = {name})"));
        }
        if let Some(action) = self.action {
            clauses.push(format!("action = {}", next(action.as_str().to_owned(), &mut values)));
        }
        if let Some(status) = self.status {
            clauses.push(format!("status = {}", next(status.as_str().to_owned(), &mut values)));
        }
        if let Some(q) = &self.q {
            clauses.push(format!(
                "search_key LIKE {} ESCAPE '\\'",
                next(contains_pattern(q), &mut values)
            ));
        }
        if let Some(since) = self.since {
            clauses.push(format!("at >= {}", next(timestamp(since), &mut values)));
        }
        if let Some(until) = self.until {
            clauses.push(format!("at < {}", next(timestamp(until), &mut values)));
        }
        if let Some(cycle) = &self.cycle {
            clauses.push(format!("cycle_id = {}", next(cycle.clone(), &mut values)));
        }
        if let Some(code) = &self.code {
            clauses.push(format!(
                "LOWER(error_code) = {}",
                next(code.to_lowercase(), &mut values)
            ));
        }
        if clauses.is_empty() {
            clauses.push("1 = 1".to_owned());
        }
        (clauses.join(" AND "), values)
    }
}

fn time(parameter: &str, value: Option<String>) -> Result<Option<DateTime<Utc>>, String> {
    value
        .map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|at| at.with_timezone(&Utc))
                .map_err(|e| {
                    format!("`{parameter}` must be an RFC 3339 time such as 2026-01-31T08:00:00Z, not `{text}` ({e})")
                })
        })
        .transpose()
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> String {
    all.iter().map(|v| name(*v)).collect::<Vec<_>>().join(", ")
}

/// A `LIKE` pattern (with `\` as escape) for lower-cased text containing `needle`.
fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<LogFilter, String> {
        let mut query = LogQuery::default();
        for (key, value) in pairs {
            let value = Some((*value).to_owned());
            match *key {
                "job" => query.job = value,
                "action" => query.action = value,
                "status" => query.status = value,
                "q" => query.q = value,
                "since" => query.since = value,
                "until" => query.until = value,
                "cycle" => query.cycle = value,
                _ => unreachable!(),
            }
        }
        LogFilter::from_query(&query)
    }

    #[test]
    fn parameters_parse_into_a_filter() {
        let filter = parse(&[
            ("action", "staged_delete"),
            ("status", "failure"),
            ("since", "2026-01-31T09:00:00+01:00"),
        ])
        .unwrap();
        assert_eq!(filter.action, Some(LogAction::StagedDelete));
        assert_eq!(filter.status, Some(LogStatus::Failure));
        assert_eq!(filter.since.map(timestamp).as_deref(), Some("2026-01-31T08:00:00.000Z"));
        assert_eq!(parse(&[("q", "  ")]).unwrap().q, None);
        assert_eq!(parse(&[]).unwrap(), LogFilter::default());
    }

    #[test]
    fn bad_parameters_are_named() {
        assert!(parse(&[("since", "yesterday")]).unwrap_err().starts_with("`since`"));
        assert!(parse(&[("until", "2026-13-01")]).unwrap_err().starts_with("`until`"));
        assert!(parse(&[("action", "Create")]).unwrap_err().starts_with("`action`"));
        assert!(parse(&[("status", "ok")]).unwrap_err().starts_with("`status`"));
    }

    #[test]
    fn conditions_number_their_placeholders() {
        let filter = LogFilter {
            job: Some("Acme".into()),
            q: Some("50%_".into()),
            ..LogFilter::default()
        };
        let (sql, values) = filter.condition();
        assert_eq!(
            sql,
            "(job_id = $1 OR LOWER(job_name) = $2) AND search_key LIKE $3 ESCAPE '\\'"
        );
        assert_eq!(values, ["Acme", "acme", "%50\\%\\_%"]);
        assert_eq!(LogFilter::default().condition(), ("1 = 1".to_owned(), Vec::new()));
    }
}
