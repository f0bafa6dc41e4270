//! Provisioning users into a real SCIM server (scim2-server from PyPI, see
//! `provisio_tests::scim_target`) over loopback, measured once each in one
//! run: the server's raw create rate from a plain client with
//! [`CONCURRENCY`] in flight (the ceiling), an initial cycle of 10,000 users
//! into a fresh server and its share of that ceiling, and how long
//! directory changes take to reach the target with a realtime job under a
//! sustained [`RATE`] changes per second for 30 s (60 s with
//! `cargo xtask bench --large`, which sets `PROVISIO_BENCH_LARGE=1`): p50
//! and p99. Figures go to docs/performance.md.
//!
//! The realtime part runs against its own scim2-server behind a recording
//! proxy in this process: a change has reached the target when the target
//! has answered the write carrying it.
//!
//! Not criterion: the cycle is one long measurement (criterion wants at
//! least ten samples) and the realtime latency is reported as percentiles,
//! which criterion does not give.
//!
//! `cargo xtask bench` installs scim2-server (target/tools/scim2-venv) and
//! runs this with `cargo bench -p provisio-tests --bench provisioning`;
//! `PROVISIO_SCIM2_PYTHON` names another Python holding scim2-server.

#[path = "common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use provisio_connectors::scim::ScimOptions;
use provisio_engine::job::JobDefinition;
use provisio_server::RunningServer;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_server::jobs::{Jobs, StateChange};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};

/// Requests in flight from the raw client: as many as the cycle sends
/// the target at once (its connectors' limit: the SCIM connector's HTTP
/// concurrency, the SQL connector's pool; the cycle keeps `IN_FLIGHT`
/// objects going, more than that, so that those requests never wait), so
/// that the ratio compares like with like.
const CONCURRENCY: usize = 4;
/// Users in the directory, and created by the raw client.
const USERS: usize = 10_000;
/// Objects of the sequential find-then-create comparison.
const SEQUENTIAL: usize = 2_000;
/// Directory changes per second made while the realtime job runs.
const RATE: usize = 100;
/// For how long (60 s under `--large`).
const SUSTAINED: Duration = Duration::from_secs(30);
const SUSTAINED_LARGE: Duration = Duration::from_secs(60);
/// How long the last changes may take to arrive before they count as lost.
const DRAIN_WITHIN: Duration = Duration::from_secs(30);
/// What `ScimTarget::start` reads.
const PYTHON: &str = "PROVISIO_SCIM2_PYTHON";

fn main() {
    if !common::benching("provisioning") {
        return;
    }
    if std::env::var_os(PYTHON).is_none() {
        rerun_with_default_python();
        return;
    }
    // Like criterion's filters: `-- raw`, `-- sequential`, `-- cycle`,
    // `-- realtime` run those parts only (`raw` and `cycle` go together
    // for the ratio).
    let began = Instant::now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut summary = vec![
        String::new(),
        "Provisioning into scim2-server on loopback (SQLite, release build):".to_owned(),
    ];

    let mut raw = None;
    if common::wanted("raw") {
        println!("provisioning: raw creates, {USERS} users, {CONCURRENCY} in flight …");
        let took = runtime.block_on(raw_creates());
        let load = common::load();
        println!("  {} ({load})", common::rate(USERS, took, "users"));
        summary.push(format!(
            "  raw create ceiling, plain client, {CONCURRENCY} in flight: {} ({load})",
            common::rate(USERS, took, "users")
        ));
        raw = Some(took);
    }
    if common::wanted("sequential") {
        println!("provisioning: sequential find-then-create, {SEQUENTIAL} users, 1 in flight …");
        let took = runtime.block_on(find_then_create(SEQUENTIAL));
        let load = common::load();
        println!("  {}", common::rate(SEQUENTIAL, took, "users"));
        summary.push(format!(
            "  find + create, plain client, one at a time: {} ({load})",
            common::rate(SEQUENTIAL, took, "users")
        ));
    }
    if common::wanted("cycle") {
        println!("provisioning: initial cycle of {USERS} users …");
        let (took, report) = runtime.block_on(initial_cycle());
        let load = common::load();
        summary.push(format!(
            "  initial cycle: {} ({load}); report: {} objects, actions {:?}",
            common::rate(USERS, took, "users"),
            report.0,
            report.1
        ));
        if let Some(raw) = raw {
            summary.push(format!("  {}", common::ratio_line("scim2-server", USERS, raw, took)));
        }
    }
    if common::wanted("realtime") {
        let sustained = if common::large() { SUSTAINED_LARGE } else { SUSTAINED };
        summary.extend(runtime.block_on(realtime(sustained)));
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

/// [`USERS`] users POSTed to a fresh scim2-server, [`CONCURRENCY`] at a time.
async fn raw_creates() -> Duration {
    let target = ScimTarget::start().unwrap();
    let took = common::raw_scim_creates(&target.base_url(), target.token(), USERS, CONCURRENCY).await;
    assert_eq!(
        common::scim_user_count(&target.base_url(), target.token()).await,
        USERS as u64
    );
    took
}

/// What an initial cycle asks of the target for each new user, one user at
/// a time: the matching query (`userName eq`), then the create.
async fn find_then_create(n: usize) -> Duration {
    let target = ScimTarget::start().unwrap();
    let client = common::http_client();
    // The connector asks for a page of its page size.
    let count = ScimOptions::default().page_size.to_string();
    let started = Instant::now();
    for i in 0..n {
        let filter = format!("userName eq \"user{i}@contoso.com\"");
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
        let response = client
            .post(format!("{}/Users", target.base_url()))
            .bearer_auth(target.token())
            .header("content-type", "application/scim+json")
            .body(common::scim_user(i).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
    started.elapsed()
}

/// A Provisio server with `users` directory users and a realtime job into
/// `base_url` (scim2-server's token).
async fn provisio(dir: &std::path::Path, base_url: &str, users: usize) -> (RunningServer, Jobs, String, Vec<String>) {
    let (server, jobs) = common::provisio(dir).await;
    let ids = common::seed_users(&server, users).await;
    let definition: JobDefinition = serde_json::from_value(json!({
        "name": "bench",
        "target": {"kind": "scim", "base_url": base_url, "auth": {"bearer_token": "provisio-test-token"}},
        "schedule": {"realtime": true, "interval_seconds": 86400},
        "objects": [{"source": "user", "target": "User", "mappings": common::scim_user_mappings()}]
    }))
    .unwrap();
    let job = jobs.create(definition).await.unwrap().id;
    (server, jobs, job, ids)
}

/// An initial cycle of [`USERS`] users into a fresh scim2-server: how long,
/// and the report's objects and actions.
async fn initial_cycle() -> (Duration, (u64, std::collections::BTreeMap<String, u64>)) {
    let target = ScimTarget::start().unwrap();
    assert_eq!(target.token(), "provisio-test-token");
    let dir = tempfile::tempdir().unwrap();
    let (server, jobs, job, _) = provisio(dir.path(), &target.base_url(), USERS).await;
    let started = Instant::now();
    let report = run_cycle(server.store(), &jobs, &job, Mode::Initial).await.unwrap();
    let took = started.elapsed();
    assert_eq!(report.actions.get("create"), Some(&(USERS as u64)), "{report:?}");
    assert_eq!(report.failures, 0, "{report:?}");
    assert_eq!(
        common::scim_user_count(&target.base_url(), target.token()).await,
        USERS as u64
    );
    println!("  {}", common::rate(USERS, took, "users"));
    server.shutdown().await;
    (took, (report.objects, report.actions))
}

/// The last finished cycle of `job`.
async fn last_finished_cycle(server: &RunningServer, job: &str) -> Option<String> {
    let status = server.store().cycle_state(job).status().await.unwrap();
    status.last_cycle_finished_at.and(status.last_cycle_id)
}

/// Sustained directory changes through a realtime job: user `i` gets the
/// title `rt-i` at second `i / RATE`; the proxy notes when the target
/// answered the write carrying it.
async fn realtime(sustained: Duration) -> Vec<String> {
    let changes = RATE * sustained.as_secs() as usize;
    let target = ScimTarget::start().unwrap();
    let proxy = RecordingProxy::start(&target.base_url()).await;
    let dir = tempfile::tempdir().unwrap();
    // One user per change, so that no change supersedes another.
    let (server, jobs, job, ids) = provisio(dir.path(), &proxy.base_url, changes).await;
    println!("provisioning: realtime, initial cycle of {changes} users first …");
    let report = run_cycle(server.store(), &jobs, &job, Mode::Initial).await.unwrap();
    assert_eq!(report.failures, 0, "{report:?}");
    let initial = last_finished_cycle(&server, &job).await;
    jobs.change_state(&job, StateChange::Start).await.unwrap();
    // The scheduler picks the job up (it reads the jobs every 2 s) and runs
    // an incremental cycle at once, which finds nothing to do.
    let deadline = Instant::now() + Duration::from_secs(30);
    while last_finished_cycle(&server, &job).await == initial {
        assert!(Instant::now() < deadline, "the realtime job ran no cycle");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    println!(
        "provisioning: realtime, {RATE} changes/s for {} s …",
        sustained.as_secs()
    );
    // Writes of the initial cycle are not the realtime job's.
    *proxy.writes.lock().unwrap() = 0;
    let mut changed = Vec::with_capacity(changes);
    let mut tick = tokio::time::interval(Duration::from_secs(1) / RATE as u32);
    let began = Instant::now();
    for (i, id) in ids.iter().enumerate() {
        tick.tick().await;
        common::set_title(&server, id, &format!("rt-{i}")).await;
        changed.push(Instant::now());
    }
    let generated = began.elapsed();
    let load = common::load();
    let deadline = Instant::now() + DRAIN_WITHIN;
    while proxy.arrived.lock().unwrap().len() < changes && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let arrived = proxy.arrived.lock().unwrap().clone();
    server.shutdown().await;

    let mut latencies: Vec<Duration> = changed
        .iter()
        .enumerate()
        .filter_map(|(i, at)| arrived.get(&i).map(|arrival| arrival.saturating_duration_since(*at)))
        .collect();
    latencies.sort();
    let lost = changes - latencies.len();
    let (p50, p99) = (percentile(&latencies, 50), percentile(&latencies, 99));
    let met = lost == 0 && p50 <= Duration::from_millis(500) && p99 <= Duration::from_secs(1);
    vec![
        format!(
            "  realtime: {changes} changes at {:.0} changes/s for {:.0} s, directory change → target: \
             p50 {} ms, p99 {} ms, max {} ms, {lost} not arrived within {} s of the last change \
             (goal p50 ≤ 500 ms, p99 ≤ 1,000 ms: {}) ({load})",
            changes as f64 / generated.as_secs_f64(),
            generated.as_secs_f64(),
            millis(p50),
            millis(p99),
            millis(latencies.last().copied().unwrap_or_default()),
            DRAIN_WITHIN.as_secs(),
            if met { "met" } else { "not met" },
        ),
        format!(
            "    writes the target received while the changes ran and drained: {}",
            proxy.writes.lock().unwrap()
        ),
    ]
}

/// A plain HTTP proxy in front of the realtime target that notes when the
/// target answered a write carrying the title `rt-N`.
struct RecordingProxy {
    base_url: String,
    /// When change N reached the target (the first write carrying it).
    arrived: Arc<Mutex<HashMap<usize, Instant>>>,
    /// Writes (anything but GET) forwarded.
    writes: Arc<Mutex<u64>>,
}

#[derive(Clone)]
struct ProxyState {
    client: reqwest::Client,
    upstream: String,
    arrived: Arc<Mutex<HashMap<usize, Instant>>>,
    writes: Arc<Mutex<u64>>,
}

impl RecordingProxy {
    /// In front of `upstream_base_url` (`http://127.0.0.1:PORT/v2`).
    async fn start(upstream_base_url: &str) -> RecordingProxy {
        let upstream = upstream_base_url.trim_end_matches("/v2").to_owned();
        let state = ProxyState {
            client: common::http_client(),
            upstream,
            arrived: Arc::default(),
            writes: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let proxy = RecordingProxy {
            base_url: format!("http://{address}/v2"),
            arrived: state.arrived.clone(),
            writes: state.writes.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await });
        proxy
    }
}

async fn forward(
    axum::extract::State(state): axum::extract::State<ProxyState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut request = state
        .client
        .request(method.clone(), format!("{}{path}", state.upstream));
    for name in [header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value.clone());
        }
    }
    let answer = match request.body(body.clone()).send().await {
        Ok(answer) => answer,
        Err(error) => return (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    };
    let status = answer.status();
    let content_type = answer.headers().get(header::CONTENT_TYPE).cloned();
    let answer_body = answer.bytes().await.unwrap_or_default();
    if method != Method::GET {
        let now = Instant::now();
        *state.writes.lock().unwrap() += 1;
        let text = String::from_utf8_lossy(&body);
        let mut arrived = state.arrived.lock().unwrap();
        for (at, _) in text.match_indices("\"rt-") {
            let digits: String = text[at + 4..].chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                arrived.entry(n).or_insert(now);
            }
        }
    }
    let mut response = (status, answer_body).into_response();
    if let Some(content_type) = content_type {
        response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    }
    response
}
