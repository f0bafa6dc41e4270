//! One run of a job at a time (issue 14, item 2), held by the job's lease in
//! the database: concurrent on-demand calls for one user, and a cycle with
//! on-demand calls beside it, create each account once; a run that cannot
//! have the job within its wait answers 409 saying who holds it; and two
//! `provisio serve` processes sharing one PostgreSQL database, both
//! scheduling the same job, provision each account once with no failure.
//! The target is scim2-server, which refuses a second user of the same
//! userName: without the lease the second create shows up as a failure.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::lease::JobLease;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_server::logs::{LogFilter, LogStatus};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::{Backend, backend_test};
use crate::cli::provisio_binary;

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

/// A `provisio serve` on a database, killed when dropped.
struct Instance {
    child: Child,
    url: String,
}

impl Instance {
    fn start(database: &str, key_file: &Path, log: &Path) -> Instance {
        use std::io::BufRead as _;
        let log = std::fs::File::options().create(true).append(true).open(log).unwrap();
        let mut child = Command::new(provisio_binary())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("PROVISIO_DATABASE", database)
            .env("PROVISIO_SECRET_KEY_FILE", key_file)
            .env("PROVISIO_PORTAL_DIR", key_file.with_file_name("dist"))
            .env("RUST_LOG", "info,sqlx=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        Instance { child, url }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL and scim2-server (cargo xtask test)"]
async fn two_server_processes_on_one_postgres_database_provision_each_account_once() {
    let Some(database) = provisio_tests::postgres::fresh_database().await else {
        eprintln!("skipped: PostgreSQL is not installed (cargo xtask test installs it)");
        return;
    };
    let Some(target) = ScimTarget::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("secret.key");
    let log = dir.path().join("serve.log");
    let first = Instance::start(&database, &key_file, &log);
    let second = Instance::start(&database, &key_file, &log);

    // An admin token, minted on the shared database.
    let output = Command::new(provisio_binary())
        .args(["token", "create", "--scope", "admin", "--database", &database])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let http = reqwest::Client::new();
    let call = async |base: &str, method: reqwest::Method, path: &str, body: Value| -> Value {
        let response = http
            .request(method.clone(), format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    };

    for i in 0..60 {
        let upn = format!("user{i:03}@contoso.com");
        call(
            &first.url,
            reqwest::Method::POST,
            USERS,
            json!({"attributes": {"userPrincipalName": upn}}),
        )
        .await;
    }
    let created = call(&second.url, reqwest::Method::POST, JOBS_PATH, job(&target)).await;
    let job_id = created["id"].as_str().unwrap().to_owned();
    // Started: both instances' schedulers pick the job up within seconds.
    call(
        &first.url,
        reqwest::Method::POST,
        &format!("{JOBS_PATH}/{job_id}/start"),
        json!({}),
    )
    .await;

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let held = target_names(&target).await;
        if held.len() == 60 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every account after a minute: {held:?}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // A run after the one that provisioned everyone finished, creating
    // nothing (the other instance's: an incremental cycle, or an initial
    // one that found every account linked).
    let status_path = provisio_api::jobs::status::job_status_path(&job_id);
    loop {
        let status = call(&second.url, reqwest::Method::GET, &status_path, Value::Null).await;
        let created = status["last_cycle"]["actions"]["create"].as_u64().unwrap_or(0);
        if status["initial_cycle_done"] == true && status["run_status"] == "idle" && created == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no second run within a minute: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let held = target_names(&target).await;
    assert_eq!(held.len(), 60);
    assert!(held.values().all(|n| *n == 1), "no account twice: {held:?}");
    let failed = call(
        &second.url,
        reqwest::Method::GET,
        &format!("/api/v1/logs?job={job_id}&status=failure"),
        Value::Null,
    )
    .await;
    assert_eq!(failed["total"], 0, "no run failed (a duplicate create would): {failed}");
    drop((first, second));
}
