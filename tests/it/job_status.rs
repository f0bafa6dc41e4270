//! `GET /api/v1/jobs/{id}/status` over HTTP, on SQLite and PostgreSQL: a
//! job never run, a job after a cycle into a real SCIM server
//! (scim2-server, see `provisio_tests::scim_target`; ignored unless asked
//! for, as `cargo xtask test` does), a quarantined job, an unknown job and
//! a request without credentials.

use provisio_api::jobs::JOBS_PATH;
use provisio_api::jobs::status::QuarantineChange;
use provisio_api::jobs::status::job_status_path;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_server::jobs::Jobs;
use provisio_tests::scim_target::ScimTarget;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

const USERS: &str = "/api/v1/directory/users";

fn job(name: &str, base_url: &str, token: &str) -> Value {
    json!({
        "name": name,
        "target": {"kind": "scim", "base_url": base_url, "auth": {"bearer_token": token}},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "title", "expression": "[jobTitle]"}
            ]}
        ]
    })
}

async fn create_job(api: &Api, definition: Value) -> String {
    api.post(JOBS_PATH, definition).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn add_users(api: &Api, upns: &[&str]) {
    for upn in upns {
        api.post(
            USERS,
            json!({"attributes": {"userPrincipalName": upn, "jobTitle": "Engineer"}}),
        )
        .await
        .expect(201);
    }
}

fn jobs_of(api: &Api) -> Jobs {
    api.server.jobs().clone()
}

async fn status(api: &Api, job: &str) -> Value {
    let answer = api.get(&job_status_path(job)).await;
    let body = answer.expect(200).clone();
    eprintln!("{body:#}");
    body
}

backend_test!(
    a_job_never_run_is_idle_with_nothing_to_show,
    with_api,
    async |api: &Api| {
        let id = create_job(api, job("Never Run", "https://acme.example/scim/v2", "t")).await;
        let body = status(api, "never run").await;
        assert_eq!(
            body,
            json!({
                "id": id,
                "name": "Never Run",
                "state": "stopped",
                "run_status": "idle",
                "watermark": 0,
                "initial_cycle_done": false,
                "restart_requested_at": null,
                "quarantine": null,
                "current_cycle": null,
                "last_cycle": null,
                "escrowed": 0,
                "staged_deletes": 0,
                "failures_last_24h": 0,
                "unmatched": []
            })
        );
        api.post(&format!("{JOBS_PATH}/{id}/restart"), json!({}))
            .await
            .expect(200);
        let body = status(api, &id).await;
        assert_eq!(body["state"], "running");
        assert!(body["restart_requested_at"].is_string(), "{body}");
    }
);

backend_test!(
    after_a_cycle_the_status_counts_its_actions,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let id = create_job(api, job("acme", &target.base_url(), target.token())).await;
        add_users(api, &["ada@contoso.com", "grace@contoso.com"]).await;
        let report = run_cycle(api.server.store(), &jobs_of(api), &id, Mode::Initial)
            .await
            .unwrap();
        assert_eq!(report.actions.get("create"), Some(&2), "{report:?}");

        let body = status(api, &id).await;
        assert_eq!(body["run_status"], "idle");
        assert_eq!(body["initial_cycle_done"], true);
        assert_eq!(body["watermark"], json!(report.watermark));
        assert!(report.watermark > 0, "{report:?}");
        assert_eq!(body["current_cycle"], Value::Null);
        assert_eq!(body["quarantine"], Value::Null);
        let last = &body["last_cycle"];
        assert_eq!(last["cycle_id"], json!(report.cycle_id));
        assert_eq!(last["mode"], "initial");
        assert_eq!(last["objects"], 2);
        assert_eq!(last["actions"], json!({"create": 2}));
        assert_eq!(last["failures"], 0);
        assert_eq!((&last["stopped"], &last["quarantine"]), (&Value::Null, &Value::Null));
        assert!(
            last["started_at"].is_string() && last["finished_at"].is_string(),
            "{last}"
        );
        assert!(last["duration_ms"].is_u64(), "{last}");
        assert_eq!((&body["escrowed"], &body["failures_last_24h"]), (&json!(0), &json!(0)));
    }
);

backend_test!(
    a_quarantined_job_shows_why_and_when_it_is_retried,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let id = create_job(api, job("acme", &target.base_url(), "not-the-token")).await;
        add_users(api, &["ada@contoso.com"]).await;
        let report = run_cycle(api.server.store(), &jobs_of(api), &id, Mode::Initial)
            .await
            .unwrap();
        assert_eq!(report.quarantine, Some(QuarantineChange::Quarantined), "{report:?}");

        let body = status(api, "ACME").await;
        assert_eq!(body["run_status"], "quarantined");
        assert_eq!(body["initial_cycle_done"], false);
        let quarantine = &body["quarantine"];
        let reason = quarantine["reason"].as_str().unwrap_or_default();
        assert!(reason.starts_with("EncounteredQuarantineException"), "{reason}");
        assert!(reason.contains("credentials"), "{reason}");
        assert!(
            quarantine["since"].is_string() && quarantine["next_retry_at"].is_string(),
            "{quarantine}"
        );
        let last = &body["last_cycle"];
        assert_eq!(last["quarantine"], "quarantined");
        assert!(
            last["stopped"].as_str().unwrap_or_default().contains("credentials"),
            "{last}"
        );
        assert_eq!((&last["objects"], &last["failures"]), (&json!(1), &json!(1)));
        assert_eq!(body["failures_last_24h"], 1, "the refused user is logged as a failure");
    }
);

backend_test!(
    an_unknown_job_is_not_found_and_credentials_are_needed,
    with_api,
    async |api: &Api| {
        let id = create_job(api, job("acme", "https://acme.example/scim/v2", "t")).await;
        api.get(&job_status_path("no-such-job"))
            .await
            .expect_error(404, "not_found", "no-such-job");
        let anonymous = api.anonymous(Method::GET, &job_status_path(&id)).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{}", anonymous.text);
    }
);
