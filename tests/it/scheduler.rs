//! The scheduler against a real, independent SCIM server (scim2-server, see
//! `provisio_tests::scim_target`; skipped when `PROVISIO_SCIM2_PYTHON` is
//! unset): starting a realtime job provisions the directory without anyone
//! running a cycle, a change reaches the target within seconds, and once
//! the job is stopped changes no longer do; a change of a job's mappings
//! restarts it (an initial cycle re-provisions every user, whether the job
//! is running or started later), a change of its schedule does not.

use std::time::{Duration, Instant};

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::state::StatusRecord;
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

const USERS: &str = "/api/v1/directory/users";

/// Every user the target holds.
async fn target_users(target: &ScimTarget) -> Vec<Value> {
    crate::target::resources(target, "Users").await
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

backend_test!(
    a_started_realtime_job_provisions_changes_until_stopped,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
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
    }
);

/// A user's value of `attribute` in the target.
fn value_of(users: &[Value], name: &str, attribute: &str) -> Option<String> {
    users
        .iter()
        .find(|u| u["userName"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|u| u[attribute].as_str().map(str::to_owned))
}

/// A job whose `title` comes from `expression`, with cycles only when it
/// starts or restarts (a day's interval, not realtime).
fn titled_job(target: &ScimTarget, expression: &str, interval_seconds: u64) -> Value {
    json!({
        "name": "restarting",
        "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
        "schedule": {"realtime": false, "interval_seconds": interval_seconds},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "title", "expression": expression}
            ]}
        ]
    })
}

backend_test!(
    a_change_of_mappings_restarts_the_job_but_one_of_schedule_does_not,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let people = [
            ("ada@contoso.com", "Engineer", "Analytics"),
            ("grace@contoso.com", "Admiral", "Navy"),
        ];
        for (upn, title, department) in people {
            api.post(
                USERS,
                json!({"attributes": {"userPrincipalName": upn, "jobTitle": title, "department": department}}),
            )
            .await
            .expect(201);
        }
        let job_id = api
            .post(JOBS_PATH, titled_job(&target, "[jobTitle]", 86400))
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("{JOBS_PATH}/{job_id}");
        let state = api.server.store().cycle_state(&job_id);
        let titles_from = |column: usize| {
            move |users: &[Value]| {
                people.iter().all(|p| {
                    let wanted = if column == 1 { p.1 } else { p.2 };
                    value_of(users, p.0, "title").as_deref() == Some(wanted)
                })
            }
        };

        // Started: the initial cycle, then nothing for a day.
        api.post(&format!("{path}/start"), json!({})).await.expect(200);
        assert!(
            eventually(&target, Duration::from_secs(15), titles_from(1)).await,
            "{:?}",
            target_users(&target).await
        );
        // The target holds the values before the cycle has finished its bookkeeping.
        let first = wait_for_idle(&state).await;
        assert!(first.initial_done && first.watermark > 0, "{first:?}");

        // Only the schedule changes: no restart, no cycle.
        let replaced = api.put(&path, titled_job(&target, "[jobTitle]", 43200)).await;
        assert_eq!(replaced.expect(200)["restart_requested_at"], Value::Null);
        tokio::time::sleep(Duration::from_secs(5)).await;
        let same = state.status().await.unwrap();
        assert_eq!(same.last_cycle_id, first.last_cycle_id, "{same:?}");

        // A mapping changes: the running job restarts and re-provisions everyone.
        let replaced = api.put(&path, titled_job(&target, "[department]", 43200)).await;
        let body = replaced.expect(200).clone();
        assert!(body["restart_requested_at"].is_string(), "{body}");
        assert_eq!(body["state"], "running");
        assert!(
            eventually(&target, Duration::from_secs(15), titles_from(2)).await,
            "{:?}",
            target_users(&target).await
        );
        let restarted = wait_for_idle(&state).await;
        assert_ne!(restarted.last_cycle_id, first.last_cycle_id);
        assert!(restarted.initial_done, "{restarted:?}");
        let counts = restarted.last_cycle_counts.clone().unwrap_or_default();
        assert_eq!(counts["objects"], 2, "an initial cycle reads every user: {counts}");
        assert_eq!(counts["actions"]["update"], 2, "{counts}");

        // Stopped, changed, started again: it begins with an initial cycle.
        api.post(&format!("{path}/stop"), json!({})).await.expect(200);
        tokio::time::sleep(Duration::from_secs(3)).await;
        api.put(&path, titled_job(&target, "[jobTitle]", 43200))
            .await
            .expect(200);
        assert!(!titles_from(1)(&target_users(&target).await));
        api.post(&format!("{path}/start"), json!({})).await.expect(200);
        assert!(
            eventually(&target, Duration::from_secs(15), titles_from(1)).await,
            "{:?}",
            target_users(&target).await
        );
        api.post(&format!("{path}/stop"), json!({})).await.expect(200);
    }
);

/// The run record once no cycle is running (at most 15 seconds).
async fn wait_for_idle(state: &provisio_server::cycle::state::CycleState) -> StatusRecord {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = state.status().await.unwrap();
        if status.last_cycle_finished_at.is_some() || Instant::now() >= deadline {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
