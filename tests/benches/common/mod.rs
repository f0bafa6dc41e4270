//! What the provisioning benchmarks share: `--large` (from
//! `cargo xtask bench --large`, passed as `PROVISIO_BENCH_LARGE=1`), the
//! machine's load next to each figure, peak memory of this process, a
//! Provisio server on a SQLite file with a fast bulk-seeded directory, and
//! running a part of a benchmark in a child process of its own (the same
//! benchmark binary again) so that its memory is measured alone.
//!
//! Each benchmark includes this module and uses part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use provisio_api::auth::{Secret, TokenCreateRequest, TokenScope};
use provisio_server::directory::UserDraft;
use provisio_server::jobs::Jobs;
use provisio_server::{RunningServer, Server, ServerConfig};
use serde_json::{Map, Value, json};

/// Set to `1` by `cargo xtask bench --large`: the million-user figures run.
pub const LARGE: &str = "PROVISIO_BENCH_LARGE";
/// Names the part a child process of a benchmark runs (see [`run_child`]).
pub const CHILD: &str = "PROVISIO_BENCH_CHILD";
/// A child's figures are the lines of its output starting with this.
const RESULT: &str = "RESULT ";

/// Whether `--large` was asked for.
pub fn large() -> bool {
    std::env::var(LARGE).is_ok_and(|value| value == "1")
}

/// Whether the binary was run by `cargo bench` (which passes `--bench`);
/// `cargo test --benches` does not, and then there is nothing to check
/// quickly. Says so when not.
pub fn benching(name: &str) -> bool {
    let benching = std::env::args().any(|arg| arg == "--bench");
    if !benching && std::env::var_os(CHILD).is_none() {
        println!("{name}: run it with `cargo bench -p provisio-tests --bench {name}`");
    }
    benching
}

/// The command-line filters after `--` (arguments not starting with `-`):
/// a part runs when there are none or one of them is in its name.
pub fn wanted(part: &str) -> bool {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    filters.is_empty() || filters.iter().any(|f| part.contains(f.as_str()))
}

/// The 1-, 5- and 15-minute load averages, as `load 1.23 1.50 1.61`: the
/// machine is shared, so every figure carries it.
pub fn load() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let averages: Vec<&str> = text.split_whitespace().take(3).collect();
    format!("load {}", averages.join(" "))
}

/// `n` objects in `took`, as `10000 in 12.3 s = 813 users/s`.
pub fn rate(n: usize, took: Duration, unit: &str) -> String {
    format!(
        "{n} in {:.1} s = {:.0} {unit}/s",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    )
}

/// Objects per second.
pub fn per_second(n: usize, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}

/// The line comparing a cycle with the raw client into the same kind of
/// target: `cycle X users/s = Y % of raw Z users/s`.
pub fn ratio_line(label: &str, n: usize, raw: Duration, cycle: Duration) -> String {
    format!(
        "{label}: cycle {:.0} users/s = {:.0} % of raw {:.0} users/s ({n} users; raw {:.1} s, cycle {:.1} s)",
        per_second(n, cycle),
        100.0 * raw.as_secs_f64() / cycle.as_secs_f64(),
        per_second(n, raw),
        raw.as_secs_f64(),
        cycle.as_secs_f64()
    )
}

/// Resets this process's peak resident set (VmHWM) to its current size,
/// so that what was done before (seeding) does not count.
pub fn reset_peak_memory() {
    std::fs::write("/proc/self/clear_refs", "5").expect("/proc/self/clear_refs: resetting the peak RSS");
}

/// This process's peak resident set since the last [`reset_peak_memory`],
/// in MiB.
pub fn peak_memory_mib() -> f64 {
    status_kib("VmHWM") as f64 / 1024.0
}

/// This process's resident set now, in MiB.
pub fn memory_mib() -> f64 {
    status_kib("VmRSS") as f64 / 1024.0
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// A Provisio server on a SQLite file in `dir`, serving on a loopback port
/// (which also runs its housekeeping and scheduler), and its jobs.
pub async fn provisio(dir: &Path) -> (RunningServer, Jobs) {
    let database_url = format!("sqlite://{}", dir.join("bench.db").display());
    let key_file = dir.join("secret.key");
    let server = Server::new(ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url,
        portal_dir: dir.join("dist"),
    })
    .with_secret_key_file(Some(key_file))
    .launch()
    .await
    .unwrap();
    // The server's own jobs: they hold the agent relay the server serves.
    let jobs = server.jobs().clone();
    (server, jobs)
}

/// The attributes of directory user `n`: a unique UPN and mailNickname.
pub fn user_attributes(n: usize) -> Map<String, Value> {
    let attributes = json!({
        "userPrincipalName": format!("user{n}@contoso.com"),
        "mailNickname": format!("user{n}"),
        "displayName": format!("User {n}"),
        "givenName": "User",
        "surname": format!("Number {n}"),
        "mail": format!("user{n}@contoso.com"),
        "jobTitle": "Staff",
        "department": "Sales",
    });
    attributes.as_object().unwrap().clone()
}

/// Fills the directory with users `0..n` in transactions of 5,000 (setup,
/// not measured); their ids in order.
pub async fn seed_users(server: &RunningServer, n: usize) -> Vec<String> {
    let directory = server.store().directory();
    let mut ids = Vec::with_capacity(n);
    let mut start = 0;
    while start < n {
        let end = (start + 5_000).min(n);
        let drafts = (start..end)
            .map(|i| UserDraft {
                attributes: user_attributes(i),
                scim_extra: None,
            })
            .collect();
        let users = directory.create_users(drafts).await.unwrap();
        ids.extend(users.into_iter().map(|user| user.id));
        start = end;
    }
    ids
}

/// The mappings of a job into a SCIM target: `userName` matched on the UPN.
pub fn scim_user_mappings() -> Value {
    json!([
        {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
        {"target": "displayName", "expression": "[displayName]"},
        {"target": "name.givenName", "expression": "[givenName]"},
        {"target": "name.familyName", "expression": "[surname]"},
        {"target": "title", "expression": "[jobTitle]"},
        {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"}
    ])
}

/// The SCIM user a plain client creates for user `n`: what the job above
/// sends for it.
pub fn scim_user(n: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": format!("user{n}@contoso.com"),
        "displayName": format!("User {n}"),
        "name": {"givenName": "User", "familyName": format!("Number {n}")},
        "title": "Staff",
        "active": true
    })
}

/// Runs this benchmark's binary again with [`CHILD`] set to `part` (and
/// the given environment), and returns the lines it printed after
/// [`RESULT`]; its other output is passed through. Panics when it fails.
pub fn run_child(part: &str, env: &[(&str, String)]) -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new(exe);
    command.arg("--bench").env(CHILD, part).stderr(Stdio::inherit());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let mut results = Vec::new();
    for line in text.lines() {
        match line.strip_prefix(RESULT) {
            Some(result) => results.push(result.to_owned()),
            None => println!("{line}"),
        }
    }
    assert!(
        output.status.success(),
        "the child process for {part} failed: {}",
        output.status
    );
    results
}

/// The part this process runs as a child ([`run_child`]), if it is one.
pub fn child_part() -> Option<String> {
    std::env::var(CHILD).ok()
}

/// Prints a figure for the parent process ([`run_child`]).
pub fn report(line: &str) {
    println!("{RESULT}{line}");
}

/// The part name of a child serving a second Provisio ([`SecondProvisio`]).
pub const SERVE_TARGET: &str = "serve-target";

/// A second Provisio, a fast and real SCIM server, to provision into: a
/// `Server` on its own SQLite file with a SCIM token made through its
/// store, in a child process (this benchmark's binary again, see
/// [`serve_target`]) so that its memory and the source's are apart. It
/// stops when this is dropped (its standard input closes).
pub struct SecondProvisio {
    child: std::process::Child,
    base_url: String,
    token: String,
}

impl SecondProvisio {
    pub fn start() -> SecondProvisio {
        use std::io::BufRead as _;
        let exe = std::env::current_exe().unwrap();
        let mut child = Command::new(exe)
            .arg("--bench")
            .env(CHILD, SERVE_TARGET)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let mut words = first.split_whitespace();
        let (Some("TARGET"), Some(base_url), Some(token)) = (words.next(), words.next(), words.next()) else {
            panic!("the second Provisio did not start: {first:?}");
        };
        SecondProvisio {
            base_url: base_url.to_owned(),
            token: token.to_owned(),
            child,
        }
    }

    /// `http://127.0.0.1:PORT/scim/v2`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// A job's target for it.
    pub fn target(&self) -> Value {
        json!({"kind": "scim", "base_url": self.base_url, "auth": {"bearer_token": self.token}})
    }
}

impl Drop for SecondProvisio {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The child's side of [`SecondProvisio`]: serves until its standard input
/// closes.
pub async fn serve_target() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _jobs) = provisio(dir.path()).await;
    let token = token(&server, TokenScope::Scim, None, None).await;
    println!(
        "TARGET {}/scim/v2 {}",
        server.base_url().trim_end_matches('/'),
        token.expose()
    );
    let (closed, stdin_closed) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let _ = closed.send(());
    });
    let _ = stdin_closed.await;
    server.shutdown().await;
}

/// A reqwest client for SCIM: JSON bodies, a generous timeout.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap()
}

/// `n` SCIM users ([`scim_user`]) POSTed to `base_url` by a plain client,
/// `concurrency` at a time: how long it took.
pub async fn raw_scim_creates(base_url: &str, token: &str, n: usize, concurrency: usize) -> Duration {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let client = http_client();
    let next = Arc::new(AtomicUsize::new(0));
    let url = format!("{}/Users", base_url.trim_end_matches('/'));
    let started = std::time::Instant::now();
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, next, url, token) = (client.clone(), next.clone(), url.clone(), token.to_owned());
        senders.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/scim+json")
                    .body(scim_user(i).to_string())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
            }
        });
    }
    while let Some(done) = senders.join_next().await {
        done.unwrap();
    }
    started.elapsed()
}

/// How many users a SCIM server holds.
pub async fn scim_user_count(base_url: &str, token: &str) -> u64 {
    let body: Value = http_client()
        .get(format!("{}/Users?count=1", base_url.trim_end_matches('/')))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["totalResults"].as_u64().unwrap()
}

/// Changes user `id`'s job title in the directory (one directory write,
/// with its change-log entry, as an administrator's edit).
pub async fn set_title(server: &RunningServer, id: &str, title: &str) {
    use provisio_server::directory::{DirectoryError, User};
    server
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

/// A token of `scope` on `server`'s own store (for `job` or `agent`
/// where the scope takes one).
pub async fn token(server: &RunningServer, scope: TokenScope, job: Option<String>, agent: Option<String>) -> Secret {
    provisio_server::auth::Tokens::new(server.store())
        .create(&TokenCreateRequest {
            name: None,
            scope,
            job,
            agent,
            expires_in: None,
        })
        .await
        .unwrap()
        .token
}

/// Runs `cycle` (not started before: futures are lazy) with the peak RSS
/// reset first: its output, how long it took, the peak RSS during it and
/// the RSS at its start, in MiB.
pub async fn measured<T>(cycle: impl std::future::Future<Output = T>) -> (T, Duration, f64, f64) {
    reset_peak_memory();
    let start = memory_mib();
    let began = Instant::now();
    let output = cycle.await;
    (output, began.elapsed(), peak_memory_mib(), start)
}
