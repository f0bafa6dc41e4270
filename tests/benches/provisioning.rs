//! Provisioning users into a real SCIM server (scim2-server from PyPI, see
//! `provisio_tests::scim_target`) over loopback, measured once each in one
//! run: the server's raw create rate from a plain client (the ceiling), an
//! initial cycle of 10,000 users, and how long a directory change takes to
//! reach the target with a realtime job. Figures go to docs/performance.md.
//!
//! Not criterion: the cycle is one long measurement (criterion wants at
//! least ten samples) and the realtime latency is reported as a median and
//! a 95th percentile, which criterion does not give.
//!
//! `cargo xtask bench` installs scim2-server (target/tools/scim2-venv) and
//! runs this with `cargo bench -p provisio-tests --bench provisioning`;
//! `PROVISIO_SCIM2_PYTHON` names another Python holding scim2-server.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use provisio_connectors::scim::ScimOptions;
use provisio_engine::job::JobDefinition;
use provisio_server::cycle::run::{CycleReport, Mode, run_cycle};
use provisio_server::directory::{DirectoryError, ObjectType, User, UserDraft};
use provisio_server::jobs::{Jobs, StateChange};
use provisio_server::secrets::SecretBox;
use provisio_server::{RunningServer, Server, ServerConfig};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};
use tokio::task::JoinSet;

/// Users in the directory, and created by the raw client.
const USERS: usize = 10_000;
/// Objects of the sequential find-then-create comparison.
const SEQUENTIAL: usize = 2_000;
/// Directory changes timed through a realtime job.
const CHANGES: usize = 20;
/// How often the target is read while waiting for a change.
const POLL: Duration = Duration::from_millis(5);
/// The longest a change may take to reach the target.
const CHANGE_WITHIN: Duration = Duration::from_secs(15);
/// What `ScimTarget::start` reads.
const PYTHON: &str = "PROVISIO_SCIM2_PYTHON";

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // there is nothing to check quickly.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|arg| arg == "--bench") {
        println!("provisioning: run it with `cargo bench -p provisio-tests --bench provisioning`");
        return;
    }
    if std::env::var_os(PYTHON).is_none() {
        rerun_with_default_python();
        return;
    }
    // Like criterion's filters: `-- raw`, `-- sequential`, `-- cycle` (the
    // cycle and then the realtime changes) run those parts only.
    let filters: Vec<&String> = args.iter().filter(|arg| !arg.starts_with('-')).collect();
    let wanted = |part: &str| filters.is_empty() || filters.iter().any(|f| part.contains(f.as_str()));
    let began = Instant::now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let concurrency = ScimOptions::default().http.max_concurrency;
    let mut summary = vec![
        String::new(),
        "Provisioning into scim2-server on loopback (SQLite, release build):".to_owned(),
    ];

    let mut raw = None;
    if wanted("raw") {
        println!("provisioning: raw creates, {USERS} users, {concurrency} in flight …");
        let took = runtime.block_on(raw_creates(USERS, concurrency));
        println!("  {}", rate(USERS, took));
        summary.push(format!(
            "  raw create ceiling, plain client, {concurrency} in flight: {}",
            rate(USERS, took)
        ));
        raw = Some(took);
    }
    if wanted("sequential") {
        println!("provisioning: sequential find-then-create, {SEQUENTIAL} users, 1 in flight …");
        let took = runtime.block_on(find_then_create(SEQUENTIAL));
        println!("  {}", rate(SEQUENTIAL, took));
        summary.push(format!(
            "  find + create, plain client, one at a time:     {}",
            rate(SEQUENTIAL, took)
        ));
    }
    if wanted("cycle") {
        println!("provisioning: initial cycle of {USERS} users …");
        let (cycle, latencies) = runtime.block_on(cycle_then_realtime());
        let share = raw
            .map(|raw| {
                format!(
                    "  ({:.1}% of the ceiling)",
                    100.0 * raw.as_secs_f64() / cycle.elapsed.as_secs_f64()
                )
            })
            .unwrap_or_default();
        summary.push(format!(
            "  initial cycle, {USERS} users:                    {}{share}",
            rate(USERS, cycle.elapsed)
        ));
        summary.push(format!(
            "    report: {} objects, actions {:?}",
            cycle.report.objects, cycle.report.actions
        ));
        let mut sorted = latencies.clone();
        sorted.sort();
        summary.push(format!(
            "  realtime: directory change → target, {CHANGES} changes: median {} ms, p95 {} ms, min {} ms, max {} ms",
            millis(percentile(&sorted, 50)),
            millis(percentile(&sorted, 95)),
            millis(sorted.first().copied().unwrap_or_default()),
            millis(sorted.last().copied().unwrap_or_default()),
        ));
        summary.push(format!(
            "    each: {:?} ms",
            latencies.iter().map(|d| millis(*d)).collect::<Vec<_>>()
        ));
    }
    summary.push(format!("  whole benchmark: {:.0} s", began.elapsed().as_secs_f64()));
    println!("{}", summary.join("\n"));
}

/// Runs this benchmark again with `PROVISIO_SCIM2_PYTHON` set to the
/// virtualenv `cargo xtask bench` makes (`target/tools/scim2-venv`): the
/// environment of this process cannot be changed without `unsafe`.
fn rerun_with_default_python() {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let python = workspace.join("target/tools/scim2-venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: `cargo xtask bench` installs scim2-server there, or set {PYTHON}",
        python.display()
    );
    let exe = std::env::current_exe().unwrap();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let status = std::process::Command::new(exe)
        .args(args)
        .env(PYTHON, &python)
        .status()
        .unwrap();
    std::process::exit(status.code().unwrap_or(1));
}

fn rate(objects: usize, took: Duration) -> String {
    format!(
        "{objects} in {:.2} s = {:.0} users/s ({:.2} ms each)",
        took.as_secs_f64(),
        objects as f64 / took.as_secs_f64(),
        took.as_secs_f64() * 1000.0 / objects as f64
    )
}

fn millis(d: Duration) -> u128 {
    d.as_millis()
}

/// The nearest-rank percentile of sorted durations.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// The user the connector would send for user `n`, as the job maps it.
fn scim_user(n: usize) -> Value {
    let (given, family) = names(n);
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": upn(n),
        "displayName": format!("{given} {family}"),
        "name": {"givenName": given, "familyName": family},
        "title": "Staff",
        "active": true
    })
}

fn upn(n: usize) -> String {
    format!("user{n}@contoso.com")
}

fn names(n: usize) -> (String, String) {
    (format!("Given{n}"), format!("Family{}", n % 997))
}

/// A SCIM client like the connector's: one pool, its timeouts.
fn client() -> reqwest::Client {
    let options = ScimOptions::default().http;
    reqwest::Client::builder()
        .connect_timeout(options.connect_timeout)
        .timeout(options.request_timeout)
        .build()
        .unwrap()
}

async fn post_user(client: &reqwest::Client, target: &ScimTarget, n: usize) {
    let response = client
        .post(format!("{}/Users", target.base_url()))
        .bearer_auth(target.token())
        .header("content-type", "application/scim+json")
        .body(scim_user(n).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
}

async fn user_count(target: &ScimTarget) -> u64 {
    let response = client()
        .get(format!("{}/Users?count=1", target.base_url()))
        .bearer_auth(target.token())
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["totalResults"].as_u64().unwrap()
}

/// `n` users POSTed to a fresh scim2-server, `concurrency` at a time.
async fn raw_creates(n: usize, concurrency: usize) -> Duration {
    let target = Arc::new(ScimTarget::start().unwrap());
    let client = client();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut senders = JoinSet::new();
    for _ in 0..concurrency {
        let (target, client, next) = (target.clone(), client.clone(), next.clone());
        senders.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                post_user(&client, &target, i).await;
            }
        });
    }
    while let Some(done) = senders.join_next().await {
        done.unwrap();
    }
    let took = started.elapsed();
    assert_eq!(user_count(&target).await, n as u64);
    took
}

/// What an initial cycle asks of the target for each new user, one user at
/// a time: the matching query (`userName eq`), then the create.
async fn find_then_create(n: usize) -> Duration {
    let target = ScimTarget::start().unwrap();
    let client = client();
    // The connector asks for a page of its page size.
    let count = ScimOptions::default().page_size.to_string();
    let started = Instant::now();
    for i in 0..n {
        let filter = format!("userName eq \"{}\"", upn(i));
        let url = reqwest::Url::parse_with_params(
            &format!("{}/Users", target.base_url()),
            [
                ("filter", filter.as_str()),
                ("startIndex", "1"),
                ("count", count.as_str()),
            ],
        )
        .unwrap();
        let response = client.get(url).bearer_auth(target.token()).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let found: Value = response.json().await.unwrap();
        assert_eq!(found["totalResults"], 0);
        post_user(&client, &target, i).await;
    }
    started.elapsed()
}

/// The Provisio server on a SQLite file, with a job into the target.
struct Provisio {
    server: RunningServer,
    jobs: Jobs,
    job_id: String,
    _dir: tempfile::TempDir,
}

impl Provisio {
    async fn start(target: &ScimTarget) -> Provisio {
        let dir = tempfile::tempdir().unwrap();
        let database_url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let key_file = dir.path().join("secret.key");
        let server = Server::new(ServerConfig {
            // Serving also runs the housekeeping, the scheduler among it.
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: database_url.clone(),
            portal_dir: dir.path().join("dist"),
        })
        .with_secret_key_file(Some(key_file.clone()))
        .launch()
        .await
        .unwrap();
        let secrets = SecretBox::from_environment(&database_url, Some(&key_file)).unwrap();
        let jobs = Jobs::new(server.store().clone(), secrets);
        let definition: JobDefinition = serde_json::from_value(json!({
            "name": "bench",
            "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
            "schedule": {"realtime": true, "interval_seconds": 86400},
            "objects": [
                {"source": "user", "target": "User", "mappings": [
                    {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                    {"target": "displayName", "expression": "[displayName]"},
                    {"target": "name.givenName", "expression": "[givenName]"},
                    {"target": "name.familyName", "expression": "[surname]"},
                    {"target": "title", "expression": "[jobTitle]"},
                    {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"}
                ]}
            ]
        }))
        .unwrap();
        let job_id = jobs.create(definition).await.unwrap().id;
        Provisio {
            server,
            jobs,
            job_id,
            _dir: dir,
        }
    }

    /// Fills the directory in transactions of 5,000 (setup, not measured);
    /// the users' ids.
    async fn seed(&self, n: usize) -> Vec<String> {
        let directory = self.server.store().directory();
        let mut ids = Vec::with_capacity(n);
        for chunk in (0..n).collect::<Vec<_>>().chunks(5_000) {
            let drafts = chunk
                .iter()
                .map(|&i| {
                    let (given, family) = names(i);
                    let attributes = json!({
                        "userPrincipalName": upn(i),
                        "displayName": format!("{given} {family}"),
                        "givenName": given,
                        "surname": family,
                        "jobTitle": "Staff",
                        "department": "Sales",
                    });
                    UserDraft {
                        attributes: attributes.as_object().unwrap().clone(),
                        scim_extra: None,
                    }
                })
                .collect();
            let users = directory.create_users(drafts).await.unwrap();
            ids.extend(users.into_iter().map(|u| u.id));
        }
        ids
    }

    /// The id of the last cycle, once it has finished.
    async fn last_finished_cycle(&self) -> Option<String> {
        let status = self.server.store().cycle_state(&self.job_id).status().await.unwrap();
        status.last_cycle_finished_at.and(status.last_cycle_id)
    }

    /// Waits until a cycle other than `previous` has finished.
    async fn cycle_after(&self, previous: &Option<String>, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let last = self.last_finished_cycle().await;
            if last.is_some() && last != *previous {
                return;
            }
            assert!(Instant::now() < deadline, "no cycle finished within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn set_title(&self, id: &str, title: &str) {
        self.server
            .store()
            .directory()
            .modify_user(id, None, |user: &User| {
                let mut draft = user.draft();
                draft.attributes.insert("jobTitle".into(), json!(title));
                Ok::<_, DirectoryError>(draft)
            })
            .await
            .unwrap();
    }
}

struct Cycle {
    elapsed: Duration,
    report: CycleReport,
}

/// An initial cycle of [`USERS`] users into a fresh target, then the job
/// started as a realtime job and [`CHANGES`] changes timed to the target.
async fn cycle_then_realtime() -> (Cycle, Vec<Duration>) {
    let target = ScimTarget::start().unwrap();
    let provisio = Provisio::start(&target).await;
    let ids = provisio.seed(USERS).await;

    let started = Instant::now();
    let report = run_cycle(provisio.server.store(), &provisio.jobs, &provisio.job_id, Mode::Initial)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(report.actions.get("create"), Some(&(USERS as u64)), "{report:?}");
    assert_eq!(report.failures, 0, "{report:?}");
    assert_eq!(user_count(&target).await, USERS as u64);
    let cycle = Cycle { elapsed, report };
    println!("  {}", rate(USERS, elapsed));

    println!("provisioning: realtime, {CHANGES} directory changes …");
    let initial = provisio.last_finished_cycle().await;
    provisio
        .jobs
        .change_state(&provisio.job_id, StateChange::Start)
        .await
        .unwrap();
    // The scheduler picks the job up (it reads the jobs every 2 s) and runs
    // an incremental cycle at once, which finds nothing to do.
    provisio.cycle_after(&initial, Duration::from_secs(30)).await;

    let state = provisio.server.store().cycle_state(&provisio.job_id);
    let client = client();
    let mut latencies = Vec::with_capacity(CHANGES);
    for i in 0..CHANGES {
        let source_id = &ids[(i * 487 + 13) % ids.len()];
        let target_id = state.target_of(ObjectType::User, source_id).await.unwrap().unwrap();
        let url = format!("{}/Users/{target_id}", target.base_url());
        let title = format!("Title {i}");
        let before = provisio.last_finished_cycle().await;
        provisio.set_title(source_id, &title).await;
        let changed = Instant::now();
        loop {
            let response = client.get(&url).bearer_auth(target.token()).send().await.unwrap();
            let user: Value = response.json().await.unwrap();
            if user["title"] == title.as_str() {
                break;
            }
            assert!(changed.elapsed() < CHANGE_WITHIN, "the change did not reach the target");
            tokio::time::sleep(POLL).await;
        }
        latencies.push(changed.elapsed());
        // The next change only once this cycle is over, so it needs a cycle
        // of its own.
        provisio.cycle_after(&before, Duration::from_secs(10)).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    provisio.server.shutdown().await;
    (cycle, latencies)
}
