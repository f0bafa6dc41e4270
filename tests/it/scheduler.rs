//! The scheduler against a real, independent SCIM server (scim2-server, see
//! `provisio_tests::scim_target`; ignored unless asked for, as `cargo
//! xtask test` does): starting a realtime job provisions the directory
//! without anyone running a cycle, a change reaches the target within
//! seconds, and once the job is stopped changes no longer do; a change of a
//! job's mappings restarts it (an initial cycle re-provisions every user,
//! whether the job is running or started later), a change of its schedule
//! does not.
//!
//! The server's scheduler runs fast here ([`with_fast_scheduler`]) and
//! counts its passes over the jobs table ([`Passes`]): what must not happen
//! is checked once the scheduler has looked several times, against the
//! job's run record, rather than after a sleep.

use std::time::{Duration, Instant};

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::scheduler::SchedulerOptions;
use provisio_server::cycle::state::StatusRecord;
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::admin_api::{Api, with_configured_api};
use crate::backends::{Backend, backend_test};

/// The fast scheduler's poll: a worker looks at its job at least this often.
const POLL: Duration = Duration::from_millis(50);
/// Passes enough for every worker to have looked at its job since (each
/// waits a poll at most, and a realtime burst settles sooner): at least
/// three polls.
const PASSES_TO_NOTICE: u64 = 4;

/// The scheduler's passes over the jobs table, as it counts them.
pub(crate) struct Passes(watch::Receiver<u64>);

impl Passes {
    /// Waits until the scheduler has made [`PASSES_TO_NOTICE`] more passes:
    /// by then every worker has acted on what happened before the call.
    pub(crate) async fn noticed(&self) {
        let mut passes = self.0.clone();
        let target = *passes.borrow_and_update() + PASSES_TO_NOTICE;
        tokio::time::timeout(Duration::from_secs(10), passes.wait_for(|done| *done >= target))
            .await
            .expect("the scheduler made no pass for 10 s")
            .expect("the scheduler stopped");
    }
}

/// Runs `test` against a fresh server on `backend` whose scheduler polls
/// every 50 ms and settles realtime bursts within 40 ms, with its passes.
pub(crate) async fn with_fast_scheduler(backend: Backend, test: impl AsyncFn(&Api, &Passes)) {
    let (passes, counted) = watch::channel(0);
    let options = SchedulerOptions {
        poll: POLL,
        quiet: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        passes: Some(passes),
    };
    let passes = Passes(counted);
    let configure = |server: provisio_server::Server| server.with_scheduler_options(options);
    with_configured_api(backend, configure, async |api: &Api| test(api, &passes).await).await;
}

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
        tokio::time::sleep(POLL).await;
    }
}

backend_test!(
    a_started_realtime_job_provisions_changes_until_stopped,
    with_fast_scheduler,
    needs = "scim2-server",
    async |api: &Api, passes: &Passes| {
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
        // Nothing happens while the job is stopped: the scheduler passes it by.
        let state = api.server.store().cycle_state(&job_id);
        passes.noticed().await;
        assert_eq!(state.status().await.unwrap().last_cycle_id, None);
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

        // Stopped: a change no longer does; no cycle starts for it.
        api.post(&format!("{JOBS_PATH}/{job_id}/stop"), json!({}))
            .await
            .expect(200);
        let last = wait_for_idle(&state).await;
        api.patch(
            &format!("{USERS}/{}", ids[1]),
            json!({"attributes": {"jobTitle": "Rear Admiral"}}),
        )
        .await
        .expect(200);
        passes.noticed().await;
        let after = state.status().await.unwrap();
        assert_eq!(after.last_cycle_id, last.last_cycle_id, "{after:?}");
        let users = target_users(&target).await;
        assert_eq!(
            title_of(&users, "grace@contoso.com").as_deref(),
            Some("Admiral"),
            "{users:?}"
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
    with_fast_scheduler,
    needs = "scim2-server",
    async |api: &Api, passes: &Passes| {
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
        passes.noticed().await;
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
        assert_eq!(counts.objects, 2, "an initial cycle reads every user: {counts:?}");
        assert_eq!(counts.actions.get("update"), Some(&2), "{counts:?}");

        // Stopped (its worker ends), changed, started again: it begins
        // with an initial cycle.
        api.post(&format!("{path}/stop"), json!({})).await.expect(200);
        passes.noticed().await;
        api.put(&path, titled_job(&target, "[jobTitle]", 43200))
            .await
            .expect(200);
        passes.noticed().await;
        assert_eq!(state.status().await.unwrap().last_cycle_id, restarted.last_cycle_id);
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
        tokio::time::sleep(POLL).await;
    }
}
