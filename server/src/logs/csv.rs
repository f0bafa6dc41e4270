//! Provisioning log entries as CSV (RFC 4180): a header row, then one row
//! per entry, CRLF line ends. Fields holding a comma, a quote, a line break
//! or surrounding spaces are quoted, quotes doubled. A field a spreadsheet
//! would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return) is prefixed with `'`, so a display name cannot inject one.

use provisio_api::logs::{Identity, LogEntry};

/// The header row.
pub const HEADER: &[&str] = &[
    "time",
    "job",
    "action",
    "status",
    "source",
    "target",
    "modified attributes",
    "error code",
    "reason",
    "recommended action",
    "cycle",
    "id",
];

/// The steps file's header row (Entra's "steps" download).
pub const STEPS_HEADER: &[&str] = &["id", "step", "kind", "status", "description", "details"];

/// The modified properties file's header row.
pub const MODIFIED_HEADER: &[&str] = &["id", "attribute", "old value", "new value"];

/// Appends one row per step of the entry, each naming the entry's id.
pub fn write_steps(out: &mut String, entry: &LogEntry) {
    for (n, step) in entry.steps.as_array().into_iter().flatten().enumerate() {
        let text = |key: &str| step.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let details = step.get("details").map(ToString::to_string).unwrap_or_default();
        let number = (n + 1).to_string();
        let fields = [
            entry.id.clone(),
            number,
            text("kind"),
            text("status"),
            text("description"),
            details,
        ];
        row(out, fields.iter().map(String::as_str));
    }
}

/// Appends one row per modified attribute of the entry.
pub fn write_modified(out: &mut String, entry: &LogEntry) {
    for modified in &entry.modified {
        let fields = [
            entry.id.clone(),
            modified.name.clone(),
            value(&modified.old),
            value(&modified.new),
        ];
        row(out, fields.iter().map(String::as_str));
    }
}

/// The header row, ending in CRLF.
pub fn header() -> String {
    let mut line = String::new();
    row(&mut line, HEADER.iter().copied());
    line
}

/// Appends one entry's row, ending in CRLF.
pub fn write_entry(out: &mut String, entry: &LogEntry) {
    let modified = entry
        .modified
        .iter()
        .map(|m| format!("{}: {} → {}", m.name, value(&m.old), value(&m.new)))
        .collect::<Vec<_>>()
        .join("; ");
    let fields = [
        entry.time.clone(),
        entry.job_name.clone(),
        entry.action.as_str().to_owned(),
        entry.status.as_str().to_owned(),
        identity(&entry.source),
        identity(&entry.target),
        modified,
        entry.error_code.clone().unwrap_or_default(),
        entry.reason.clone().unwrap_or_default(),
        entry.recommended_action.clone().unwrap_or_default(),
        entry.cycle_id.clone(),
        entry.id.clone(),
    ];
    row(out, fields.iter().map(String::as_str));
}

/// Appends one row of fields, ending in CRLF.
pub fn row<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (n, text) in fields.enumerate() {
        if n > 0 {
            out.push(',');
        }
        field(out, text);
    }
    out.push_str("\r\n");
}

/// Appends one field, quoted when it must be.
pub fn field(out: &mut String, text: &str) {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ');
    if !quote {
        out.push_str(text);
        return;
    }
    out.push('"');
    if formula {
        out.push('\'');
    }
    for c in text.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// `display (id)`, or whichever of the two there is.
fn identity(identity: &Identity) -> String {
    match (&identity.display, &identity.id) {
        (Some(display), Some(id)) if display != id => format!("{display} ({id})"),
        (Some(text), _) | (None, Some(text)) => text.clone(),
        (None, None) => String::new(),
    }
}

/// A value as text: strings as they are, nothing as `(none)`, the rest as JSON.
fn value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "(none)".to_owned(),
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use provisio_api::logs::{LogAction, LogStatus, ModifiedAttribute, RunKind};

    use super::*;

    #[track_caller]
    fn quoted(text: &str, expected: &str) {
        let mut out = String::new();
        field(&mut out, text);
        assert_eq!(out, expected);
    }

    #[test]
    fn fields_are_quoted_when_they_must_be() {
        quoted("plain", "plain");
        quoted("", "");
        quoted("a,b", "\"a,b\"");
        quoted("say \"hi\"", "\"say \"\"hi\"\"\"");
        quoted("two\nlines", "\"two\nlines\"");
        quoted("cr\r\nlf", "\"cr\r\nlf\"");
        quoted(" padded", "\" padded\"");
        quoted("Zoë Ångström 山田", "Zoë Ångström 山田");
        quoted("Zoë, 山田", "\"Zoë, 山田\"");
        quoted("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"");
        quoted("@SUM(A1)", "\"'@SUM(A1)\"");
    }

    #[test]
    fn an_entry_is_one_row_under_the_header() {
        let entry = LogEntry {
            id: "e1".into(),
            time: "2026-01-31T08:00:00.000Z".into(),
            job_id: "j1".into(),
            job_name: "Acme, Inc.".into(),
            run: RunKind::Cycle,
            cycle_id: "c1".into(),
            change_id: None,
            action: LogAction::Update,
            status: LogStatus::Failure,
            source: Identity::new("u1", "ada@example.org"),
            target: Identity {
                id: Some("t1".into()),
                display: None,
            },
            modified: vec![
                ModifiedAttribute {
                    name: "title".into(),
                    old: "Engineer".into(),
                    new: "CEO".into(),
                },
                ModifiedAttribute {
                    name: "password".into(),
                    old: serde_json::Value::Null,
                    new: "[Redact]".into(),
                },
            ],
            steps: serde_json::json!([]),
            error_code: Some("TooManyRequests".into()),
            reason: Some("the target said \"slow down\"".into()),
            recommended_action: None,
            duration_ms: 3,
            initiated_by: Default::default(),
            source_system: Default::default(),
            target_system: Default::default(),
        };
        let mut out = header();
        write_entry(&mut out, &entry);
        assert_eq!(
            out,
            "time,job,action,status,source,target,modified attributes,error code,reason,recommended action,cycle,id\r\n\
             2026-01-31T08:00:00.000Z,\"Acme, Inc.\",update,failure,ada@example.org (u1),t1,\
             title: Engineer → CEO; password: (none) → [Redact],TooManyRequests,\
             \"the target said \"\"slow down\"\"\",,c1,e1\r\n"
        );
    }
}
