//! Crash and resume (issue 5): the real `provisio serve`, killed with
//! SIGKILL in the middle of a job's initial cycle and again in the middle of
//! an incremental one, and started again on the same SQLite file, resumes
//! and converges — exactly one target user per directory user, every
//! change made through the SCIM API present (an attribute change, a disable,
//! a deletion, a new user), no create ever repeated and no failure logged.
//! The target is scim2-server (`provisio_tests::scim_target`) behind
//! `provisio_tests::fault_proxy`, used here only to count the requests and
//! slow them a little so the kills land mid-cycle.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use provisio_tests::fault_proxy::{FaultProxy, Faults};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};

use crate::cli::provisio_binary;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// How long the job may take to converge after a restart: the killed
/// server's lease on the job expires first (15 s), then the cycle runs.
const CONVERGE_WITHIN: Duration = Duration::from_secs(60);
/// Users changed at once for the incremental cycle that is killed.
const WAVE: usize = 120;

/// A running `provisio serve`, killed when dropped.
struct Provisio {
    child: Child,
    url: String,
    _stdout: BufReader<ChildStdout>,
}

impl Provisio {
    /// Starts `provisio serve` on the database in `dir`, its log appended
    /// to `dir/serve.log`, and waits for the line saying where it listens.
    fn start(dir: &Path, demo: bool) -> Provisio {
        let log = File::options().create(true).append(true).open(log_file(dir)).unwrap();
        let mut command = Command::new(provisio_binary());
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("PROVISIO_DATABASE", database_url(dir))
            .env("PROVISIO_PORTAL_DIR", dir.join("dist"))
            .env("RUST_LOG", "info,sqlx=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        if demo {
            command.arg("--demo");
        }
        let mut child = command.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {line:?}; log: {}", log_tail(dir)))
            .trim_end_matches('/')
            .to_owned();
        Provisio {
            child,
            url,
            _stdout: stdout,
        }
    }

    /// SIGKILL: no shutdown, no flushing, mid-whatever it was doing.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Provisio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn database_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("provisio.db").display())
}

fn log_file(dir: &Path) -> PathBuf {
    dir.join("serve.log")
}

/// The end of the servers' log, for failure messages.
fn log_tail(dir: &Path) -> String {
    let text = std::fs::read_to_string(log_file(dir)).unwrap_or_default();
    let lines: Vec<_> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// `provisio token create --scope SCOPE` on the database: the token.
fn create_token(dir: &Path, scope: &str) -> String {
    let output = Command::new(provisio_binary())
        .args(["token", "create", "--scope", scope, "--database", &database_url(dir)])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Requests to the server (whichever process answers at `base`) and to the target.
struct Client {
    http: reqwest::Client,
    base: String,
    admin: String,
    scim: String,
}

impl Client {
    async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.admin);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn scim(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}/scim/v2{path}", self.base))
            .bearer_auth(&self.scim);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} /scim/v2{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Every live directory user, as the SCIM API shows them.
    async fn directory_users(&self) -> Vec<Value> {
        let page = self.scim(reqwest::Method::GET, "/Users?count=1000", None).await;
        let users = page["Resources"].as_array().cloned().unwrap_or_default();
        assert_eq!(page["totalResults"], users.len(), "one page holds them all");
        users
    }

    async fn patch_user(&self, id: &str, path: &str, value: Value) {
        let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": path, "value": value}]});
        self.scim(reqwest::Method::PATCH, &format!("/Users/{id}"), Some(body))
            .await;
    }
}

/// Every user the target holds, read from the target itself.
async fn target_users(target: &ScimTarget) -> Vec<Value> {
    crate::target::resources(target, "Users").await
}

/// What the job provisions of a user: given name, title, active.
fn provisioned(user: &Value) -> (Option<String>, Option<String>, bool) {
    (
        user["name"]["givenName"].as_str().map(str::to_owned),
        user["title"].as_str().map(str::to_owned),
        user["active"].as_bool().unwrap_or(true),
    )
}

fn user_name(user: &Value) -> String {
    user["userName"].as_str().unwrap_or_default().to_lowercase()
}

/// Why the target does not yet mirror the directory, or `None` once it
/// does: every enabled user with its values; a disabled or deleted one
/// disabled (its other attributes no longer flow), or absent when it was
/// never provisioned (a disabled user is not created); nothing else, and no
/// name twice.
fn difference(directory: &[Value], deleted: &[Value], target: &[Value]) -> Option<String> {
    let mut held: HashMap<String, Vec<&Value>> = HashMap::new();
    for user in target {
        held.entry(user_name(user)).or_default().push(user);
    }
    if let Some((name, found)) = held.iter().find(|(_, found)| found.len() > 1) {
        return Some(format!("{} target users named {name}", found.len()));
    }
    let expected = directory
        .iter()
        .map(|u| (user_name(u), provisioned(u)))
        .chain(deleted.iter().map(|u| {
            let (given, title, _) = provisioned(u);
            (user_name(u), (given, title, false))
        }));
    let mut known = 0;
    for (name, want) in expected {
        match held.get(&name) {
            None if want.2 => return Some(format!("{name} is not in the target")),
            None => {}
            // A disabled or deleted user's other attributes no longer flow.
            Some(found) if (want.2 && provisioned(found[0]) != want) || (!want.2 && provisioned(found[0]).2) => {
                return Some(format!(
                    "{name}: the target holds {:?}, not {want:?}",
                    provisioned(found[0])
                ));
            }
            Some(_) => known += 1,
        }
    }
    (held.len() != known).then(|| format!("the target holds {} users not in the directory", held.len() - known))
}

/// Polls until the target mirrors the directory; panics with the difference
/// and the server's log after [`CONVERGE_WITHIN`].
async fn converge(client: &Client, target: &ScimTarget, deleted: &[Value], dir: &Path) -> Duration {
    let started = Instant::now();
    loop {
        let directory = client.directory_users().await;
        let Some(why) = difference(&directory, deleted, &target_users(target).await) else {
            return started.elapsed();
        };
        if started.elapsed() > CONVERGE_WITHIN {
            panic!(
                "not converged within {CONVERGE_WITHIN:?}: {why}\n--- server log ---\n{}",
                log_tail(dir)
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Polls the target until `ready` says so (a count it reached), or panics.
async fn wait_for(target: &ScimTarget, what: &str, ready: impl Fn(&[Value]) -> Option<usize>) -> usize {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(n) = ready(&target_users(target).await) {
            return n;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
#[ignore = "needs scim2-server (cargo xtask test)"]
async fn a_killed_server_resumes_its_cycles_and_converges_without_duplicates() {
    let Some(target) = ScimTarget::start() else { return };
    // Only delays, so the cycles last long enough to be killed in the middle.
    let proxy = FaultProxy::start(
        &target.base_url(),
        Faults {
            delay: 1.0,
            max_delay: Duration::from_millis(8),
            ..Faults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    // The demo directory (about 300 users), a realtime job over all of them, started.
    let server = Provisio::start(dir, true);
    let mut client = Client {
        http: reqwest::Client::new(),
        base: server.url.clone(),
        admin: create_token(dir, "admin"),
        scim: create_token(dir, "scim"),
    };
    let directory = client.directory_users().await;
    let total = directory.len();
    assert!(total >= 250, "the demo directory has {total} users");
    let job = json!({
        "name": "crashy",
        "target": {"kind": "scim", "base_url": proxy.base_url(), "auth": {"bearer_token": target.token()}},
        "scope": "all",
        "schedule": {"interval_seconds": 3600, "realtime": true},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "name.givenName", "expression": "[givenName]"},
                {"target": "title", "expression": "[jobTitle]"},
                {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"}
            ]}
        ]
    });
    let created = client.admin(reqwest::Method::POST, "/api/v1/jobs", Some(job)).await;
    let job_id = created["id"].as_str().unwrap().to_owned();
    client
        .admin(
            reqwest::Method::POST,
            &format!("/api/v1/jobs/{job_id}/start"),
            Some(json!({})),
        )
        .await;

    // Killed in the middle of the initial cycle.
    let reached = wait_for(&target, "the initial cycle to begin", |users| {
        (users.len() >= 20).then_some(users.len())
    })
    .await;
    server.kill();
    let at_kill = target_users(&target).await.len();
    eprintln!("killed during the initial cycle: {reached} target users seen, {at_kill} at the kill");
    assert!(
        at_kill < total,
        "the initial cycle was over before the kill ({at_kill} of {total})"
    );
    // While it is down nothing changes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(target_users(&target).await.len(), at_kill);

    // Started again: it resumes; meanwhile users change through the SCIM API.
    let server = Provisio::start(dir, false);
    client.base = server.url.clone();
    // Users the target holds already (provisioned before the kill), in userName order.
    let held: Vec<String> = target_users(&target).await.iter().map(user_name).collect();
    let mut users: Vec<Value> = client
        .directory_users()
        .await
        .into_iter()
        .filter(|u| u["active"] == true && held.contains(&user_name(u)))
        .collect();
    users.sort_by_key(user_name);
    assert!(users.len() >= 3, "{held:?}");
    let (retitled, disabled, removed) = (&users[0], &users[1], &users[2]);
    client
        .patch_user(retitled["id"].as_str().unwrap(), "title", json!("Crash Survivor"))
        .await;
    client
        .patch_user(disabled["id"].as_str().unwrap(), "active", json!(false))
        .await;
    let removed_id = removed["id"].as_str().unwrap();
    client
        .scim(reqwest::Method::DELETE, &format!("/Users/{removed_id}"), None)
        .await;
    let newcomer = json!({"schemas": [USER_SCHEMA], "userName": "newcomer@contoso.com",
        "displayName": "Zoe Newcomer", "name": {"givenName": "Zoe"}, "title": "Fresh"});
    client.scim(reqwest::Method::POST, "/Users", Some(newcomer)).await;
    let deleted = vec![removed.clone()];
    let took = converge(&client, &target, &deleted, dir).await;
    eprintln!("converged {took:?} after the restart");
    let now = target_users(&target).await;
    let title = |name: &str| now.iter().find(|u| user_name(u) == name).map(provisioned);
    assert_eq!(
        title(&user_name(retitled)).unwrap().1.as_deref(),
        Some("Crash Survivor")
    );
    assert!(!title(&user_name(disabled)).unwrap().2);
    assert!(!title(&user_name(removed)).unwrap().2);
    assert_eq!(title("newcomer@contoso.com").unwrap().1.as_deref(), Some("Fresh"));

    // Killed again, in the middle of an incremental cycle.
    let wave: Vec<Value> = client.directory_users().await.into_iter().take(WAVE).collect();
    for (i, user) in wave.iter().enumerate() {
        client
            .patch_user(user["id"].as_str().unwrap(), "title", json!(format!("Wave {i}")))
            .await;
    }
    let seen = wait_for(&target, "the incremental cycle to begin", |users| {
        let n = users
            .iter()
            .filter(|u| u["title"].as_str().is_some_and(|t| t.starts_with("Wave ")))
            .count();
        (n > 0).then_some(n)
    })
    .await;
    server.kill();
    let applied = target_users(&target)
        .await
        .iter()
        .filter(|u| u["title"].as_str().is_some_and(|t| t.starts_with("Wave ")))
        .count();
    eprintln!("killed during an incremental cycle: {seen} changes seen, {applied} of {WAVE} at the kill");
    if applied == WAVE {
        eprintln!("note: the incremental cycle had finished before the kill");
    }
    let server = Provisio::start(dir, false);
    client.base = server.url.clone();
    let took = converge(&client, &target, &deleted, dir).await;
    eprintln!("converged {took:?} after the second restart");

    // No create was ever repeated (each target user was created once) and
    // nothing failed.
    let target_now = target_users(&target).await.len();
    let events = proxy.events();
    let created = events.iter().filter(|e| e.method == "POST" && e.status == 201).count();
    let conflicts: Vec<_> = events.iter().filter(|e| e.status == 409).collect();
    assert!(conflicts.is_empty(), "creates of users that exist: {conflicts:?}");
    assert_eq!(created, target_now, "one create per target user");
    let failures = client
        .admin(
            reqwest::Method::GET,
            &format!("/api/v1/logs?job={job_id}&status=failure"),
            None,
        )
        .await;
    assert_eq!(failures["total"], 0, "{failures}");
    server.kill();
}
