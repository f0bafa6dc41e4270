//! `provisio logs`: the provisioning logs, newest first, filtered as the
//! admin API's `GET /api/v1/logs` filters them (job, status, action, text,
//! time, cycle, code), through a running server or from the database. Printed as
//! a table, or with `--csv` as the API's CSV export writes it, or with
//! `--json` as the API answers the entries. How many entries matched goes
//! to stderr, so stdout stays the entries alone.

use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use provisio_api::directory::Page;
use provisio_api::logs::{LOGS_PATH, LogEntry, LogQuery, MAX_LIMIT};
use provisio_server::logs::{LogFilter, csv};

use crate::admin::{Stop, human_time, table};
use crate::remote::query;
use crate::via::{self, Backend, Via};

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Only this job's entries: its name (any case) or id.
    #[arg(long, value_name = "NAME")]
    job: Option<String>,
    /// Only entries at or after this time: RFC 3339 (2026-11-26T09:00:00Z), a date (2026-11-26, UTC), or
    /// an age: a whole number and m, h, d or w (30m, 12h, 7d).
    #[arg(long, value_name = "WHEN", value_parser = since_now)]
    since: Option<String>,
    /// Only entries before this time (as --since).
    #[arg(long, value_name = "WHEN", value_parser = since_now)]
    until: Option<String>,
    /// Only entries with this status: success, failure, skipped or warning.
    #[arg(long)]
    status: Option<String>,
    /// Only entries with this action: create, update, disable, delete, staged_delete, skip or other.
    #[arg(long)]
    action: Option<String>,
    /// Only entries whose source or target id or name contains this text (any case), e.g. a
    /// userPrincipalName.
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    /// Only the entries of one cycle, on-demand run or inbound request, by its id.
    #[arg(long, value_name = "ID")]
    cycle: Option<String>,
    /// Only entries with this code (any case), e.g. ImportSkipped: the objects a job could not match.
    #[arg(long)]
    code: Option<String>,
    /// How many entries to show, newest first: 1 to 500.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=500))]
    limit: u16,
    /// Print the entries as CSV, with the columns of the export (GET /api/v1/logs/export?format=csv).
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Print the entries as a JSON array, each as GET /api/v1/logs answers it (with its steps).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    via: Via,
}

pub fn run(args: LogsArgs) -> ExitCode {
    let query = LogQuery {
        job: args.job.clone(),
        action: args.action.clone(),
        status: args.status.clone(),
        q: args.search.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        cycle: args.cycle.clone(),
        code: args.code.clone(),
        offset: None,
        limit: Some(usize::from(args.limit)),
    };
    // Checked here, so both ways refuse a bad filter alike and before connecting.
    let filter = match LogFilter::from_query(&query) {
        Ok(filter) => filter,
        Err(message) => return crate::inputs::fail(&format!("error: {}", flags(&message))),
    };
    via::run(&args.via, |backend| async move {
        let page = match &backend {
            Backend::Server(remote) => {
                let path = format!("{LOGS_PATH}{}", query_string(&query));
                remote.get::<Page<LogEntry>>(&path).await?
            }
            Backend::Database(store) => store
                .logs()
                .query(&filter)
                .await
                .map_err(|e| Stop::Failed(format!("error: {e}")))?,
        };
        eprintln!("{}", counted(page.items.len(), page.total));
        print(&page.items, args.csv, args.json)
    })
}

/// The API's parameter names in a message, as this command's flags.
fn flags(message: &str) -> String {
    message
        .replace("`since`", "--since")
        .replace("`until`", "--until")
        .replace("`status`", "--status")
        .replace("`action`", "--action")
        .replace("`limit`", "--limit")
}

fn query_string(logs: &LogQuery) -> String {
    query(&[
        ("job", logs.job.clone()),
        ("action", logs.action.clone()),
        ("status", logs.status.clone()),
        ("q", logs.q.clone()),
        ("since", logs.since.clone()),
        ("until", logs.until.clone()),
        ("cycle", logs.cycle.clone()),
        ("code", logs.code.clone()),
        ("limit", logs.limit.map(|l| l.to_string())),
    ])
}

/// `50 of 1234 matching entries, newest first (--limit shows more, up to 500)`.
fn counted(shown: usize, total: usize) -> String {
    if total == 0 {
        return "no matching entries".to_owned();
    }
    if shown >= total {
        return format!(
            "{total} matching entr{}, newest first",
            if total == 1 { "y" } else { "ies" }
        );
    }
    let more = if shown < MAX_LIMIT {
        format!("--limit shows more, up to {MAX_LIMIT}; ")
    } else {
        String::new()
    };
    format!("the newest {shown} of {total} matching entries ({more}--since and --until narrow them)")
}

fn print(entries: &[LogEntry], as_csv: bool, as_json: bool) -> Result<String, Stop> {
    if as_json {
        return serde_json::to_string_pretty(entries)
            .map(|text| format!("{text}\n"))
            .map_err(|e| Stop::Failed(format!("error: cannot print the entries: {e}")));
    }
    if as_csv {
        let mut out = csv::header();
        for entry in entries {
            csv::write_entry(&mut out, entry);
        }
        return Ok(out);
    }
    if entries.is_empty() {
        return Ok(String::new());
    }
    Ok(table(
        &["TIME", "JOB", "ACTION", "STATUS", "SOURCE", "TARGET", "WHY"],
        entries.iter().map(row).collect(),
    ))
}

fn row(entry: &LogEntry) -> Vec<String> {
    let identity = |identity: &provisio_api::logs::Identity| {
        identity
            .display
            .clone()
            .filter(|d| !d.is_empty())
            .or_else(|| identity.id.clone())
            .unwrap_or_else(|| "-".to_owned())
    };
    let why = match (&entry.error_code, &entry.reason) {
        (Some(code), Some(reason)) => format!("{code}: {reason}"),
        (None, Some(reason)) => reason.clone(),
        (Some(code), None) => code.clone(),
        (None, None) => String::new(),
    };
    vec![
        human_time(&entry.time),
        entry.job_name.clone(),
        entry.action.to_string(),
        entry.status.to_string(),
        identity(&entry.source),
        identity(&entry.target),
        one_line(&why, 100),
    ]
}

/// The text on one line, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max - 1).collect::<String>())
    }
}

fn since_now(text: &str) -> Result<String, String> {
    when(text, Utc::now())
}

/// `--since`/`--until` as RFC 3339: a time, a date (midnight UTC), or an age before `now`.
fn when(text: &str, now: DateTime<Utc>) -> Result<String, String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc).to_rfc3339());
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().to_rfc3339());
    }
    match provisio_api::auth::parse_lifetime(text) {
        Ok(age) => Ok((now - age).to_rfc3339()),
        Err(_) => Err(
            "expected an RFC 3339 time (2026-11-26T09:00:00Z), a date (2026-11-26) or an age: a whole number \
             and m, h, d or w (30m, 12h, 7d)"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provisio_api::logs::{Identity, LogAction, LogStatus, RunKind};

    #[test]
    fn since_takes_a_time_a_date_or_an_age() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z").unwrap().to_utc();
        assert_eq!(
            when("2026-11-26T10:30:00+01:00", now).unwrap(),
            "2026-11-26T09:30:00+00:00"
        );
        assert_eq!(when("2026-11-20", now).unwrap(), "2026-11-20T00:00:00+00:00");
        assert_eq!(when("90m", now).unwrap(), "2026-11-26T10:30:00+00:00");
        assert_eq!(when("7d", now).unwrap(), "2026-11-19T12:00:00+00:00");
        assert!(when("yesterday", now).unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn the_count_says_what_more_there_is() {
        assert_eq!(counted(0, 0), "no matching entries");
        assert_eq!(counted(1, 1), "1 matching entry, newest first");
        assert_eq!(
            counted(50, 120),
            "the newest 50 of 120 matching entries (--limit shows more, up to 500; --since and --until narrow them)"
        );
        assert_eq!(flags("`status` must be one of …"), "--status must be one of …");
    }

    fn entry() -> LogEntry {
        LogEntry {
            id: "e-1".to_owned(),
            time: "2026-11-26T09:30:00.123Z".to_owned(),
            job_id: "j-1".to_owned(),
            job_name: "Acme".to_owned(),
            run: RunKind::Cycle,
            cycle_id: "c-1".to_owned(),
            change_id: None,
            action: LogAction::Create,
            status: LogStatus::Failure,
            source: Identity::new("u-1", "ada@contoso.com"),
            target: Identity::default(),
            modified: vec![],
            steps: serde_json::Value::Null,
            error_code: Some("SchemaViolation".to_owned()),
            reason: Some("userName\nis required".to_owned()),
            recommended_action: None,
            duration_ms: 12,
            initiated_by: Default::default(),
            source_system: Default::default(),
            target_system: Default::default(),
        }
    }

    #[test]
    fn entries_as_a_table_csv_or_json() {
        assert_eq!(
            print(&[entry()], false, false).unwrap(),
            "TIME                     JOB   ACTION  STATUS   SOURCE           TARGET  WHY\n\
             2026-11-26 09:30:00 UTC  Acme  create  failure  ada@contoso.com  -       SchemaViolation: userName is required\n"
        );
        let text = print(&[entry()], true, false).unwrap();
        assert!(
            text.starts_with(&csv::header()) && text.contains("ada@contoso.com"),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&print(&[entry()], false, true).unwrap()).unwrap();
        assert_eq!(json[0]["id"], "e-1");
        assert_eq!(print(&[], false, false).unwrap(), "");
        assert_eq!(one_line("abcdef", 4), "abc…");
    }
}
