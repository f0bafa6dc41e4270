//! Wire types of the provisioning logs admin API: one [`LogEntry`] per
//! object per cycle (and per on-demand run), the filters a listing or an
//! export takes ([`LogQuery`]) and the counts a cycle's entries add up to
//! ([`LogCounts`]), each beside the path it travels on.
//!
//! ```
//! use provisio_api::logs::{LogAction, LOGS_PATH, log_path};
//!
//! assert_eq!(LOGS_PATH, "/api/v1/logs");
//! assert_eq!(log_path("0b6c"), "/api/v1/logs/0b6c");
//! assert_eq!(serde_json::to_value(LogAction::StagedDelete).unwrap(), "staged_delete");
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// `GET` pages through entries, newest first ([`LogQuery`] → `Page` of
/// [`LogEntry`]).
pub const LOGS_PATH: &str = "/api/v1/logs";
/// `GET` answers one [`LogEntry`].
pub const LOG_PATH: &str = "/api/v1/logs/{id}";
/// `GET` downloads every entry matching a [`LogQuery`] (up to
/// [`MAX_EXPORT_ROWS`]) as JSON or CSV ([`ExportFormat`]).
pub const LOGS_EXPORT_PATH: &str = "/api/v1/logs/export";

pub use crate::paging::{DEFAULT_LIMIT, MAX_LIMIT};
/// The most entries one export holds; narrow the filters for more.
pub const MAX_EXPORT_ROWS: usize = 100_000;

/// [`LOG_PATH`] for one entry id.
pub fn log_path(id: &str) -> String {
    format!("{LOGS_PATH}/{id}")
}

/// What was done (or would have been done) to the target object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LogAction {
    Create,
    Update,
    Disable,
    Delete,
    /// A disable or delete held back by the accidental-deletion threshold.
    StagedDelete,
    /// Nothing to do: out of scope, already in sync, or not allowed.
    Skip,
    /// Anything else, such as resolving a reference.
    Other,
}

/// How it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LogStatus {
    Success,
    Failure,
    Skipped,
    Warning,
}

/// Whether the entry comes from a scheduled cycle, an on-demand run or the
/// processing of an inbound bulk request (whose id is then the entry's
/// `cycle_id`, and the record's bulkId its `change_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Cycle,
    OnDemand,
    Inbound,
}

macro_rules! names {
    ($type:ident { $($variant:ident = $name:literal),* $(,)? }) => {
        impl $type {
            /// Every value, in declaration order.
            pub const ALL: &'static [$type] = &[$($type::$variant),*];

            /// The name on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($type::$variant => $name),*
                }
            }

            /// The value a name stands for.
            pub fn parse(name: &str) -> Option<$type> {
                match name {
                    $($name => Some($type::$variant),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names!(LogAction {
    Create = "create",
    Update = "update",
    Disable = "disable",
    Delete = "delete",
    StagedDelete = "staged_delete",
    Skip = "skip",
    Other = "other",
});
names!(LogStatus {
    Success = "success",
    Failure = "failure",
    Skipped = "skipped",
    Warning = "warning",
});
names!(RunKind {
    Cycle = "cycle",
    OnDemand = "on_demand",
    Inbound = "inbound",
});

/// An object in the source or the target: its id there and a text to
/// recognise it by (a userPrincipalName, a group's display name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identity {
    pub id: Option<String>,
    pub display: Option<String>,
}

impl Identity {
    pub fn new(id: impl Into<String>, display: impl Into<String>) -> Identity {
        Identity {
            id: Some(id.into()),
            display: Some(display.into()),
        }
    }
}

/// One target attribute with its value before and after (JSON null when
/// absent). A value computed through `Redact` reads `"[Redact]"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModifiedAttribute {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub old: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub new: serde_json::Value,
}

/// One provisioning log entry: what happened to one object in one cycle
/// or on-demand run, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    pub id: String,
    /// RFC 3339, UTC, with milliseconds.
    pub time: String,
    pub job_id: String,
    pub job_name: String,
    pub run: RunKind,
    /// The cycle's id, or the on-demand run's.
    pub cycle_id: String,
    /// The directory change-log sequence number, or the inbound record's
    /// bulkId, that led to this entry, when there is one.
    pub change_id: Option<String>,
    pub action: LogAction,
    pub status: LogStatus,
    pub source: Identity,
    pub target: Identity,
    pub modified: Vec<ModifiedAttribute>,
    /// The steps that led to the action (import, scoping, matching,
    /// action), as the engine describes them.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub steps: serde_json::Value,
    /// A stable code such as `DuplicateTargetEntries` or `TooManyRequests`.
    pub error_code: Option<String>,
    pub reason: Option<String>,
    /// What an administrator can do about it, in plain words.
    pub recommended_action: Option<String>,
    pub duration_ms: u64,
    /// Who or what started the run (Entra's `initiatedBy`): the system for
    /// scheduled cycles and inbound processing, the administrator or token
    /// for an on-demand run or an approval.
    #[serde(default)]
    pub initiated_by: Initiator,
    /// The system the object came from (Entra's `sourceSystem`): the
    /// directory for outbound jobs, the pushing system (the inbound job)
    /// for inbound ones.
    #[serde(default)]
    pub source_system: Identity,
    /// The system written to (Entra's `targetSystem`): the application
    /// (the job, with its target's kind) or the directory.
    #[serde(default)]
    pub target_system: Identity,
}

/// Who or what started a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Initiator {
    /// `system` (the scheduler, inbound processing), `administrator`,
    /// `token` or `cli`.
    pub kind: String,
    /// `Provisio` for the system, else the administrator's or token's name.
    pub name: String,
}

impl Default for Initiator {
    fn default() -> Self {
        Initiator {
            kind: "system".to_owned(),
            name: "Provisio".to_owned(),
        }
    }
}

/// The filters of `GET /api/v1/logs` and its export. Filters combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct LogQuery {
    /// A job's id (or its name, any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// `create`, `update`, `disable`, `delete`, `staged_delete`, `skip` or `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `success`, `failure`, `skipped` or `warning`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Text in the source's or target's id or display text (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Entries at or after this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Entries before this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// A cycle's (or an on-demand run's) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<String>,
    /// An entry's code (any case): an error's, such as `DuplicateTargetEntries`,
    /// or a skip's, such as `ImportSkipped` (no value to match on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// How many matching entries to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// How many entries to answer: 1 to 500 (default 50). Exports ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl LogQuery {
    /// The page size asked for, or why it is out of range.
    pub fn limit(&self) -> Result<usize, String> {
        crate::paging::checked_limit(self.limit)
    }
}

/// The format of an export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// A JSON array of [`LogEntry`].
    #[default]
    Json,
    /// JSON lines: one [`LogEntry`] (steps included) per line.
    Jsonl,
    /// A header row, then one row per entry.
    Csv,
    /// The entries' steps, one row per step (Entra's "steps" file),
    /// joined to the entries' CSV on `id`.
    #[serde(rename = "csv-steps")]
    CsvSteps,
    /// The entries' modified attributes, one row per attribute (Entra's
    /// "modified properties" file), joined to the entries' CSV on `id`.
    #[serde(rename = "csv-modified")]
    CsvModified,
}

impl ExportFormat {
    /// The name the query spells (`format=…`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
            ExportFormat::CsvSteps => "csv-steps",
            ExportFormat::CsvModified => "csv-modified",
        }
    }
}

/// The query of `GET /api/v1/logs/export` besides the [`LogQuery`] filters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ExportQuery {
    /// `json` (default), `jsonl`, `csv`, `csv-steps` or `csv-modified`.
    #[serde(default)]
    pub format: ExportFormat,
}

/// `GET`: log entries counted per hour and status ([`LogActivity`]), for
/// the overview's chart in one request.
pub const LOGS_ACTIVITY_PATH: &str = "/api/v1/logs/activity";

/// The longest window [`LOGS_ACTIVITY_PATH`] counts, in hours (31 days).
pub const MAX_ACTIVITY_HOURS: i64 = 744;

/// The query of [`LOGS_ACTIVITY_PATH`]: `since` (inclusive) and `until`
/// (exclusive), RFC 3339, at most 31 days apart; `job` narrows to one job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ActivityQuery {
    pub since: String,
    pub until: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
}

/// One hour's entries by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityHour {
    /// The hour's start, RFC 3339 (`2026-12-08T01:00:00Z`).
    pub start: String,
    pub total: u64,
    pub by_status: BTreeMap<LogStatus, u64>,
}

/// Every whole hour of the window, oldest first, empty hours included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogActivity {
    pub hours: Vec<ActivityHour>,
}

/// How many entries a job (or one of its cycles) has, per action and per status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogCounts {
    pub total: u64,
    pub by_action: BTreeMap<LogAction, u64>,
    pub by_status: BTreeMap<LogStatus, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for action in LogAction::ALL {
            assert_eq!(LogAction::parse(action.as_str()), Some(*action));
            assert_eq!(serde_json::to_value(action).unwrap(), action.as_str());
        }
        for status in LogStatus::ALL {
            assert_eq!(LogStatus::parse(status.as_str()), Some(*status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for run in RunKind::ALL {
            assert_eq!(serde_json::to_value(run).unwrap(), run.as_str());
        }
        assert_eq!(LogAction::parse("Create"), None);
    }

    #[test]
    fn limits_are_bounded() {
        let query = |limit| LogQuery {
            limit,
            ..LogQuery::default()
        };
        assert_eq!(query(None).limit(), Ok(50));
        assert_eq!(query(Some(500)).limit(), Ok(500));
        assert!(query(Some(0)).limit().unwrap_err().contains("`limit`"));
        assert!(query(Some(501)).limit().is_err());
    }

    #[test]
    fn counts_serialise_as_maps() {
        let counts = LogCounts {
            total: 2,
            by_action: BTreeMap::from([(LogAction::StagedDelete, 2)]),
            by_status: BTreeMap::from([(LogStatus::Skipped, 2)]),
        };
        let json = serde_json::to_value(&counts).unwrap();
        assert_eq!(json["by_action"]["staged_delete"], 2);
        assert_eq!(json["by_status"]["skipped"], 2);
    }
}
