//! The scheduler against a real, independent SCIM server (scim2-server, see
//! `provisio_tests::scim_target`; skipped when `PROVISIO_SCIM2_PYTHON` is
//! unset): starting a realtime job provisions the directory without anyone
//! running a cycle, a change reaches the target within seconds, and once
//! the job is stopped changes no longer do.

use std::time::{Duration, Instant};

use provisio_api::jobs::JOBS_PATH;
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};

use crate::admin_api::{Api, for_each_backend};

const USERS: &str = "/api/v1/directory/users";

/// Every user the target holds.
async fn target_users(target: &ScimTarget) -> Vec<Value> {
    let response = reqwest::Client::new()
        .get(format!("{}/Users?count=1000", target.base_url()))
        .bearer_auth(target.token())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let body: Value = response.json().await.unwrap();
    body["Resources"].as_array().cloned().unwrap_or_default()
}

fn title_of(users: &[Value], name: &str) -> Option<String> {
    users
        .iter()
        .find(|u| u["userName"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|u| u["title"].as_str().map(str::to_owned))
}

/// Polls the target until `check` holds or `within` passes; whether it held.
async fn eventually(target: &ScimTarget, within: Duration, check: impl Fn(&[Value]) -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if check(&target_users(target).await) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_started_realtime_job_provisions_changes_until_stopped() {
    for_each_backend(async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let job = json!({
            "name": "scheduled",
            "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
            "schedule": {"realtime": true, "interval_seconds": 86400},
            "objects": [
                {"source": "user", "target": "User", "mappings": [
                    {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                    {"target": "title", "expression": "[jobTitle]"}
                ]}
            ]
        });
        let job_id = api.post(JOBS_PATH, job).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut ids = Vec::new();
        for (upn, title) in [("ada@contoso.com", "Engineer"), ("grace@contoso.com", "Admiral")] {
            let answer = api
                .post(
                    USERS,
                    json!({"attributes": {"userPrincipalName": upn, "jobTitle": title}}),
                )
                .await;
            ids.push(answer.expect(201)["id"].as_str().unwrap().to_owned());
        }
        // Nothing happens while the job is stopped.
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(target_users(&target).await.is_empty());

        // Started: the initial cycle provisions both users.
        api.post(&format!("{JOBS_PATH}/{job_id}/start"), json!({}))
            .await
            .expect(200);
        assert!(
            eventually(&target, Duration::from_secs(15), |users| {
                title_of(users, "ada@contoso.com").as_deref() == Some("Engineer")
                    && title_of(users, "grace@contoso.com").as_deref() == Some("Admiral")
            })
            .await,
            "{:?}",
            target_users(&target).await
        );

        // Realtime: a change reaches the target within seconds.
        api.patch(
            &format!("{USERS}/{}", ids[0]),
            json!({"attributes": {"jobTitle": "Countess"}}),
        )
        .await
        .expect(200);
        assert!(
            eventually(&target, Duration::from_secs(5), |users| {
                title_of(users, "ada@contoso.com").as_deref() == Some("Countess")
            })
            .await,
            "{:?}",
            target_users(&target).await
        );

        // Stopped: a change no longer does.
        api.post(&format!("{JOBS_PATH}/{job_id}/stop"), json!({}))
            .await
            .expect(200);
        api.patch(
            &format!("{USERS}/{}", ids[1]),
            json!({"attributes": {"jobTitle": "Rear Admiral"}}),
        )
        .await
        .expect(200);
        assert!(
            !eventually(&target, Duration::from_secs(3), |users| {
                title_of(users, "grace@contoso.com").as_deref() != Some("Admiral")
            })
            .await,
            "{:?}",
            target_users(&target).await
        );
    })
    .await;
}
