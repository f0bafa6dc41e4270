//! A cluster for the several-instances tests: `provisio serve` processes
//! on one fresh PostgreSQL database sharing one key, an admin token minted
//! on that database, the directory seeded straight through the store, and
//! what each instance says about itself (`/metrics`: which jobs it holds).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use provisio_server::directory::UserDraft;
use provisio_server::store::Store;
use reqwest::Method;
use serde_json::{Value, json};

use crate::cli::provisio_binary;

/// A `provisio serve` process, killed when dropped.
pub(crate) struct Instance {
    child: Child,
    pub(crate) url: String,
}

impl Instance {
    fn start(database: &str, key_file: &std::path::Path, log: &std::path::Path) -> Instance {
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
        let url = provisio_tests::server_process::served_url(&mut child);
        Instance { child, url }
    }

    /// Sends the process a signal (`KILL`, `STOP`, `CONT`).
    pub(crate) fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
    }

    /// SIGKILL, and waits for the process to be gone.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // A stopped process must be continued to die of SIGKILL promptly.
        if let Ok(None) = self.child.try_wait() {
            self.signal("CONT");
        }
        self.kill();
    }
}

/// `n` instances on one fresh PostgreSQL database.
pub(crate) struct Cluster {
    pub(crate) instances: Vec<Instance>,
    pub(crate) database: String,
    token: String,
    http: reqwest::Client,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// `None` (after saying so) when PostgreSQL is not installed.
    pub(crate) async fn start(n: usize) -> Option<Cluster> {
        let Some(database) = provisio_tests::postgres::fresh_database().await else {
            eprintln!("skipped: PostgreSQL is not installed (cargo xtask test installs it)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("secret.key");
        let log = dir.path().join("serve.log");
        let instances = (0..n).map(|_| Instance::start(&database, &key_file, &log)).collect();
        let output = Command::new(provisio_binary())
            .args(["token", "create", "--scope", "admin", "--database", &database])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
        Some(Cluster {
            instances,
            database,
            token,
            http: reqwest::Client::new(),
            log,
            _dir: dir,
        })
    }

    /// The admin token minted on the cluster's database.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// What every instance logged so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// An admin API call to instance `i`, which must succeed; its JSON answer.
    pub(crate) async fn call(&self, i: usize, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.instances[i].url))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {path} on instance {i}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Creates a job through instance `i` and starts it; its id.
    pub(crate) async fn start_job(&self, i: usize, definition: Value) -> String {
        let created = self.call(i, Method::POST, "/api/v1/jobs", Some(definition)).await;
        let id = created["id"].as_str().unwrap().to_owned();
        self.call(i, Method::POST, &format!("/api/v1/jobs/{id}/start"), Some(json!({})))
            .await;
        id
    }

    /// The jobs instance `i` runs now, as its `/metrics` says; `None`
    /// when it does not answer (stopped, killed).
    pub(crate) async fn held(&self, i: usize) -> Option<Vec<String>> {
        let response = self
            .http
            .get(format!("{}/metrics", self.instances[i].url))
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .ok()?;
        let text = response.text().await.ok()?;
        Some(
            text.lines()
                .filter_map(|line| line.strip_prefix("provisio_job_held{job=\""))
                .filter_map(|rest| rest.split_once("\"} "))
                .filter(|(_, value)| value.trim() == "1")
                .map(|(job, _)| job.to_owned())
                .collect(),
        )
    }

    /// The instance that holds `job`, once one does (within `within`).
    pub(crate) async fn holder(&self, job: &str, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        loop {
            for i in 0..self.instances.len() {
                if self.held(i).await.is_some_and(|held| held.iter().any(|j| j == job)) {
                    return i;
                }
            }
            assert!(Instant::now() < deadline, "no instance holds {job}\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The job's status as instance `i` reports it.
    pub(crate) async fn status(&self, i: usize, job: &str) -> Value {
        self.call(i, Method::GET, &provisio_api::jobs::status::job_status_path(job), None)
            .await
    }

    /// The job's log entries that failed, through instance `i`.
    pub(crate) async fn failures(&self, i: usize, job: &str) -> Value {
        self.call(i, Method::GET, &format!("/api/v1/logs?job={job}&status=failure"), None)
            .await
    }

    /// Fills the directory with users `user00000@contoso.com` … straight
    /// through the store (setup, not what is tested).
    pub(crate) async fn seed_users(&self, n: usize) {
        let store = Store::open(&self.database).await.unwrap();
        let directory = store.directory();
        let mut start = 0;
        while start < n {
            let end = (start + 2_000).min(n);
            let drafts = (start..end)
                .map(|i| UserDraft {
                    attributes: json!({
                        "userPrincipalName": format!("user{i:05}@contoso.com"),
                        "jobTitle": "Staff",
                    })
                    .as_object()
                    .unwrap()
                    .clone(),
                    scim_extra: None,
                })
                .collect();
            directory.create_users(drafts).await.unwrap();
            start = end;
        }
        store.close().await;
    }
}

/// A job provisioning every user into the SCIM service at `base_url`, its
/// userNames prefixed with `prefix` (so several jobs share one target).
pub(crate) fn job(name: &str, base_url: &str, token: &str, prefix: &str, realtime: bool) -> Value {
    json!({
        "name": name,
        "target": {"kind": "scim", "base_url": base_url, "auth": {"bearer_token": token}},
        "scope": "all",
        "schedule": {"interval_seconds": 3600, "realtime": realtime},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": format!("Join(\"\", \"{prefix}\", [userPrincipalName])"), "match_precedence": 1},
                {"target": "title", "expression": "[jobTitle]"}
            ]}
        ]
    })
}
