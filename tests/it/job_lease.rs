//! One run of a job at a time (issue 14, item 2), held by the job's lease in
//! the database: concurrent on-demand calls for one user, and a cycle with
//! on-demand calls beside it, create each account once; a run that cannot
//! have the job within its wait answers 409 saying who holds it. Several
//! `provisio serve` processes on one PostgreSQL database are tested in
//! `several_instances.rs`.
//! The target is scim2-server, which refuses a second user of the same
//! userName: without the lease the second create shows up as a failure.

use std::time::{Duration, Instant};

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::lease::JobLease;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_server::logs::{LogFilter, LogStatus};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::{Backend, backend_test};

const USERS: &str = "/api/v1/directory/users";

fn job(target: &ScimTarget) -> Value {
    json!({
        "name": "leased",
        "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "title", "expression": "[jobTitle]"}
            ]}
        ]
    })
}

async fn create_users(api: &Api, n: usize) -> Vec<String> {
    let mut names = Vec::new();
    for i in 0..n {
        let upn = format!("user{i:03}@contoso.com");
        api.post(
            USERS,
            json!({"attributes": {"userPrincipalName": upn, "jobTitle": "Staff"}}),
        )
        .await
        .expect(201);
        names.push(upn);
    }
    names
}

/// Every userName the target holds, with how many users have it.
async fn target_names(target: &ScimTarget) -> std::collections::BTreeMap<String, usize> {
    let mut names = std::collections::BTreeMap::new();
    for user in crate::target::resources(target, "Users").await {
        *names
            .entry(user["userName"].as_str().unwrap_or_default().to_lowercase())
            .or_default() += 1;
    }
    names
}

/// The job's failures in the provisioning logs, as `code: reason`.
async fn failures(api: &Api, job_id: &str) -> Vec<String> {
    let filter = LogFilter {
        job: Some(job_id.to_owned()),
        status: Some(LogStatus::Failure),
        limit: 50,
        ..LogFilter::default()
    };
    let page = api.server.store().logs().query(&filter).await.unwrap();
    page.items
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e.error_code.as_deref().unwrap_or_default(),
                e.reason.as_deref().unwrap_or_default()
            )
        })
        .collect()
}

backend_test!(
    concurrent_on_demand_calls_for_one_user_create_one_account,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let job_id = api.post(JOBS_PATH, job(&target)).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        create_users(api, 1).await;
        let path = format!("{JOBS_PATH}/{job_id}/provision-on-demand");
        let calls = (0..4).map(|_| api.post(&path, json!({"user": "user000@contoso.com"})));
        let answers = futures_util::future::join_all(calls).await;
        let mut actions: Vec<String> = answers
            .iter()
            .map(|a| {
                a.expect(200)["decision"]["action"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        actions.sort();
        assert_eq!(
            actions,
            ["create", "skip", "skip", "skip"],
            "one creates, the others find its link"
        );
        assert_eq!(target_names(&target).await.values().copied().collect::<Vec<_>>(), [1]);
        assert_eq!(failures(api, &job_id).await, Vec::<String>::new());
    }
);

backend_test!(
    a_cycle_and_on_demand_calls_together_create_each_account_once,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let job_id = api.post(JOBS_PATH, job(&target)).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let names = create_users(api, 40).await;
        let jobs = api.server.jobs().clone();
        let store = api.server.store().clone();
        let cycle = {
            let (jobs, job_id) = (jobs.clone(), job_id.clone());
            tokio::spawn(async move { run_cycle(&store, &jobs, &job_id, Mode::Initial).await })
        };
        let path = format!("{JOBS_PATH}/{job_id}/provision-on-demand");
        let calls = names
            .iter()
            .rev()
            .take(5)
            .map(|upn| api.post(&path, json!({"user": upn})));
        for answer in futures_util::future::join_all(calls).await {
            answer.expect(200);
        }
        let report = cycle.await.unwrap().unwrap();
        assert_eq!(report.failures, 0, "{report:?}");
        let held = target_names(&target).await;
        assert_eq!(held.len(), 40, "{held:?}");
        assert!(held.values().all(|n| *n == 1), "no account twice: {held:?}");
        assert_eq!(failures(api, &job_id).await, Vec::<String>::new());
    }
);

#[tokio::test]
async fn a_run_that_cannot_have_the_job_answers_409_naming_the_holder() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let job_id = api
        .post(JOBS_PATH, job_at("https://scim.example.invalid/scim"))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    create_users(&api, 1).await;
    let lease = JobLease::acquire(api.server.store(), &job_id, "a provisioning cycle", Duration::ZERO)
        .await
        .unwrap();
    let started = Instant::now();
    let path = format!("{JOBS_PATH}/{job_id}/provision-on-demand");
    let answer = api.post(&path, json!({"user": "user000@contoso.com"})).await;
    answer.expect_error(
        409,
        "conflict",
        "the job is busy: a provisioning cycle has been running it",
    );
    assert!(
        started.elapsed() >= Duration::from_secs(9),
        "it waited for the cycle first"
    );
    lease.release().await;
    api.stop().await;
}

fn job_at(base_url: &str) -> Value {
    json!({
        "name": "leased",
        "target": {"kind": "scim", "base_url": base_url, "auth": {"bearer_token": "t"}},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
        ]}]
    })
}
