//! `provisio logs` run as a real process against a running server, through
//! its API and on its database: the same entries, filters and formats both
//! ways (a table by default, `--csv`, `--json`), the count on stderr, and a
//! bad filter named by its flag.

use provisio_api::logs::{Identity, LogAction, LogEntry, LogStatus, RunKind};
use provisio_server::logs::EntryBuilder;
use serde_json::Value;

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;
use crate::lifecycle_cli::{WAYS, provisio};

fn entry(id: &str, job: &str, status: LogStatus, upn: &str, time: &str) -> LogEntry {
    LogEntry {
        id: id.into(),
        time: time.into(),
        job_id: format!("{job}-id"),
        job_name: job.into(),
        run: RunKind::Cycle,
        cycle_id: "c1".into(),
        change_id: None,
        action: if status == LogStatus::Failure {
            LogAction::Update
        } else {
            LogAction::Create
        },
        status,
        source: Identity::new(format!("user-{id}"), upn),
        target: Identity::default(),
        modified: vec![],
        steps: Value::Null,
        error_code: None,
        reason: None,
        recommended_action: None,
        duration_ms: 3,
        initiated_by: Default::default(),
        source_system: Default::default(),
        target_system: Default::default(),
    }
}

backend_test!(logs_list_filter_and_export_both_ways, with_api, async |api: &Api| {
    let entries = vec![
        entry(
            "e1",
            "Acme",
            LogStatus::Success,
            "ada@contoso.com",
            "2026-01-10T08:00:00.000Z",
        ),
        entry(
            "e2",
            "Acme",
            LogStatus::Failure,
            "bob@contoso.com",
            "2026-01-11T08:00:00.000Z",
        )
        .failed("TooManyRequests", "the application answered 429"),
        entry(
            "e3",
            "Payroll",
            LogStatus::Success,
            "ada@contoso.com",
            "2026-01-12T08:00:00.000Z",
        ),
    ];
    api.server.store().logs().append(&entries).await.unwrap();
    for way in WAYS {
        let all = provisio(api, way, &["logs"]).await;
        let lines: Vec<&str> = all.ok().lines().collect();
        assert_eq!(lines.len(), 4, "{way:?}: a header and three entries: {}", all.stdout);
        assert!(
            lines[0].starts_with("TIME") && lines[0].ends_with("WHY"),
            "{way:?}: {}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("2026-01-12 08:00:00 UTC  Payroll"),
            "{way:?}: newest first: {}",
            lines[1]
        );
        assert!(
            all.stderr.contains("3 matching entries, newest first"),
            "{way:?}: {}",
            all.stderr
        );

        let failures = provisio(api, way, &["logs", "--job", "acme", "--status", "failure"]).await;
        let text = failures.ok();
        assert_eq!(text.lines().count(), 2, "{way:?}: {text}");
        assert!(
            text.contains("bob@contoso.com") && text.contains("TooManyRequests: the application answered 429"),
            "{way:?}: {text}"
        );

        let since = provisio(
            api,
            way,
            &["logs", "--since", "2026-01-11", "--search", "ADA", "--json"],
        )
        .await;
        let json: Value = serde_json::from_str(since.ok()).unwrap();
        let ids: Vec<&str> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["e3"], "{way:?}");

        let csv = provisio(api, way, &["logs", "--csv", "--limit", "1"]).await;
        let text = csv.ok();
        assert_eq!(text.lines().count(), 2, "{way:?}: the header and one entry: {text}");
        assert!(text.lines().nth(1).unwrap().contains("e3"), "{way:?}: {text}");
        assert!(
            csv.stderr.contains("the newest 1 of 3 matching entries"),
            "{way:?}: {}",
            csv.stderr
        );

        let bad = provisio(api, way, &["logs", "--status", "failed"]).await;
        let stderr = bad.fails(2);
        assert!(
            stderr.contains("--status must be one of") && stderr.contains("failure"),
            "{way:?}: {stderr}"
        );
    }
});
