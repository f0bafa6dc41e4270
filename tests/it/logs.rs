//! `/api/v1/logs` over HTTP on each backend: entries appended through the
//! server's store, then listed with each filter, paged, read one by one,
//! exported as JSON and CSV; credentials required; bad parameters named.

use provisio_api::logs::{Identity, LogAction, LogEntry, LogStatus, ModifiedAttribute, RunKind, log_path};
use provisio_server::logs::EntryBuilder;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

#[allow(clippy::too_many_arguments)]
fn entry(id: &str, job: &str, cycle: &str, action: LogAction, status: LogStatus, upn: &str, time: &str) -> LogEntry {
    LogEntry {
        id: id.into(),
        time: time.into(),
        job_id: job.into(),
        job_name: format!("{job} app"),
        run: RunKind::Cycle,
        cycle_id: cycle.into(),
        change_id: Some("7".into()),
        action,
        status,
        source: Identity::new(format!("user-{id}"), upn),
        target: Identity {
            id: Some(format!("acct-{id}")),
            display: None,
        },
        modified: vec![
            ModifiedAttribute {
                name: "title".into(),
                old: "Engineer".into(),
                new: "CEO, \"acting\"".into(),
            },
            ModifiedAttribute {
                name: "password".into(),
                old: Value::Null,
                new: "[Redact]".into(),
            },
        ],
        steps: serde_json::json!([{"kind": "action", "status": "success", "description": "Decided"}]),
        error_code: None,
        reason: None,
        recommended_action: None,
        duration_ms: 12,
        initiated_by: Default::default(),
        source_system: Default::default(),
        target_system: Default::default(),
    }
}

/// Four entries of two jobs, oldest first.
async fn seed(api: &Api) {
    let entries = vec![
        entry(
            "e1",
            "j1",
            "c1",
            LogAction::Create,
            LogStatus::Success,
            "ada@example.org",
            "2026-01-10T08:00:00.000Z",
        ),
        entry(
            "e2",
            "j1",
            "c1",
            LogAction::Update,
            LogStatus::Success,
            "Bob@Example.org",
            "2026-01-10T09:00:00.000Z",
        )
        .failed("TooManyRequests", "the application answered 429"),
        entry(
            "e3",
            "j1",
            "c2",
            LogAction::Skip,
            LogStatus::Skipped,
            "zoë@example.org",
            "2026-01-11T08:00:00.000Z",
        ),
        entry(
            "e4",
            "j2",
            "c3",
            LogAction::StagedDelete,
            LogStatus::Skipped,
            "dan@example.org",
            "2026-01-12T08:00:00.000Z",
        ),
    ];
    api.server.store().logs().append(&entries).await.unwrap();
}

async fn ids(api: &Api, query: &str) -> Vec<String> {
    let body = api.get(&format!("/api/v1/logs{query}")).await.expect(200).clone();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

backend_test!(logs_need_an_admin, with_api, async |api: &Api| {
    for path in ["/api/v1/logs", "/api/v1/logs/e1", "/api/v1/logs/export?format=csv"] {
        let answer = api.anonymous(Method::GET, path).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
    }
});

backend_test!(logs_are_filtered_and_paged, with_api, async |api: &Api| {
    seed(api).await;
    assert_eq!(ids(api, "").await, ["e4", "e3", "e2", "e1"]);
    assert_eq!(ids(api, "?job=j1").await, ["e3", "e2", "e1"]);
    assert_eq!(ids(api, "?job=J2%20APP").await, ["e4"]);
    assert_eq!(ids(api, "?action=staged_delete").await, ["e4"]);
    assert_eq!(ids(api, "?status=failure").await, ["e2"]);
    assert_eq!(ids(api, "?status=skipped&job=j1").await, ["e3"]);
    assert_eq!(ids(api, "?q=bob%40example").await, ["e2"]);
    assert_eq!(ids(api, "?q=ZO%C3%8B").await, ["e3"]);
    assert_eq!(ids(api, "?q=acct-e1").await, ["e1"]);
    assert_eq!(ids(api, "?cycle=c1").await, ["e2", "e1"]);
    assert_eq!(
        ids(api, "?since=2026-01-10T09:00:00Z&until=2026-01-12T00:00:00Z").await,
        ["e3", "e2"]
    );
    assert_eq!(ids(api, "?since=2026-01-11T09:00:00%2B01:00").await, ["e4", "e3"]);

    let page = api.get("/api/v1/logs?limit=2&offset=1").await.expect(200).clone();
    assert_eq!(page["total"], 4);
    assert_eq!(page["items"][0]["id"], "e3");
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let filtered = api.get("/api/v1/logs?job=j1&limit=1").await.expect(200).clone();
    assert_eq!(filtered["total"], 3);
});

backend_test!(bad_parameters_are_named, with_api, async |api: &Api| {
    api.get("/api/v1/logs?since=yesterday")
        .await
        .expect_error(400, "invalid", "`since`");
    api.get("/api/v1/logs?until=2026-02-30T00:00:00Z")
        .await
        .expect_error(400, "invalid", "`until`");
    api.get("/api/v1/logs?action=Created")
        .await
        .expect_error(400, "invalid", "`action`");
    api.get("/api/v1/logs?status=ok")
        .await
        .expect_error(400, "invalid", "`status`");
    api.get("/api/v1/logs?limit=501")
        .await
        .expect_error(400, "invalid", "`limit`");
    api.get("/api/v1/logs/export?since=soon")
        .await
        .expect_error(400, "invalid", "`since`");
    api.get("/api/v1/logs/export?format=xml").await.expect(400);
});

backend_test!(
    one_entry_has_its_steps_and_modified_attributes,
    with_api,
    async |api: &Api| {
        seed(api).await;
        let entry = api.get(&log_path("e2")).await.expect(200).clone();
        assert_eq!(entry["job_id"], "j1");
        assert_eq!(entry["run"], "cycle");
        assert_eq!(entry["action"], "update");
        assert_eq!(entry["status"], "failure");
        assert_eq!(entry["change_id"], "7");
        assert_eq!(entry["source"]["display"], "Bob@Example.org");
        assert_eq!(entry["target"]["id"], "acct-e2");
        assert_eq!(entry["error_code"], "TooManyRequests");
        assert!(entry["recommended_action"].as_str().unwrap().contains("retried"));
        assert_eq!(entry["modified"][1]["new"], "[Redact]");
        assert_eq!(entry["steps"][0]["kind"], "action");
        assert_eq!(entry["duration_ms"], 12);
        api.get(&log_path("nope")).await.expect_error(404, "not_found", "nope");
    }
);

backend_test!(exports_download_json_and_csv, with_api, async |api: &Api| {
    seed(api).await;
    let json = api.get("/api/v1/logs/export?format=json&job=j1").await;
    json.expect(200);
    assert_eq!(json.headers[CONTENT_TYPE], "application/json");
    assert_eq!(
        json.headers[CONTENT_DISPOSITION],
        "attachment; filename=\"provisioning-logs.json\""
    );
    let entries: Vec<LogEntry> = serde_json::from_str(&json.text).unwrap();
    assert_eq!(
        entries.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["e3", "e2", "e1"]
    );
    assert_eq!(entries[1].error_code.as_deref(), Some("TooManyRequests"));

    // No filters and no format: JSON of everything; offset and limit do not apply.
    let all = api.get("/api/v1/logs/export?limit=1&offset=3").await;
    assert_eq!(serde_json::from_str::<Vec<LogEntry>>(&all.text).unwrap().len(), 4);
    let none = api.get("/api/v1/logs/export?job=nobody").await;
    assert_eq!(none.text, "[]");

    let csv = api.get("/api/v1/logs/export?format=csv&cycle=c1").await;
    csv.expect(200);
    assert_eq!(csv.headers[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        csv.headers[CONTENT_DISPOSITION],
        "attachment; filename=\"provisioning-logs.csv\""
    );
    let lines: Vec<&str> = csv.text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "time,job,action,status,source,target,modified attributes,error code,reason,recommended action,cycle,id"
    );
    assert_eq!(lines.len(), 4, "{}", csv.text); // header, two rows, and the empty text after the last CRLF
    assert!(lines[1].starts_with(
        "2026-01-10T09:00:00.000Z,j1 app,update,failure,Bob@Example.org (user-e2),acct-e2,\
         \"title: Engineer → CEO, \"\"acting\"\"; password: (none) → [Redact]\",TooManyRequests,\
         the application answered 429,"
    ));
    assert!(lines[1].ends_with(",c1,e2"));
    assert!(lines[2].starts_with("2026-01-10T08:00:00.000Z,j1 app,create,success,ada@example.org (user-e1)"));
    assert_eq!(lines[3], "");
});

backend_test!(
    activity_counts_every_hour_by_status_in_one_request,
    with_api,
    async |api: &Api| {
        seed(api).await;
        let body = api
            .get("/api/v1/logs/activity?since=2026-01-10T07:30:00Z&until=2026-01-10T10:00:00Z")
            .await
            .expect(200)
            .clone();
        let hours: Vec<(String, u64, Value)> = body["hours"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["start"].as_str().unwrap().to_owned(),
                    h["total"].as_u64().unwrap(),
                    h["by_status"].clone(),
                )
            })
            .collect();
        assert_eq!(
            hours,
            [
                ("2026-01-10T07:00:00Z".to_owned(), 0, serde_json::json!({})),
                ("2026-01-10T08:00:00Z".to_owned(), 1, serde_json::json!({"success": 1})),
                ("2026-01-10T09:00:00Z".to_owned(), 1, serde_json::json!({"failure": 1})),
            ]
        );
        let one_job = api
            .get("/api/v1/logs/activity?since=2026-01-12T00:00:00Z&until=2026-01-13T00:00:00Z&job=j2")
            .await;
        let hours = one_job.expect(200)["hours"].as_array().unwrap().clone();
        assert_eq!(hours.len(), 24);
        assert_eq!(
            hours.iter().map(|h| h["total"].as_u64().unwrap()).sum::<u64>(),
            1,
            "j2's one entry"
        );
        for bad in [
            "since=yesterday&until=2026-01-10T10:00:00Z",
            "since=2026-01-10T10:00:00Z&until=2026-01-10T09:00:00Z",
            "since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z",
        ] {
            let answer = api.get(&format!("/api/v1/logs/activity?{bad}")).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}: {}", answer.text);
        }
    }
);
