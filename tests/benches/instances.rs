//! Several instances on one PostgreSQL database (issue 18): the initial
//! cycles of 4 jobs, each over a quarter of 20,000 users (a scoping filter
//! on the department), into a second Provisio's `/scim/v2` (a fast, real
//! SCIM server), run by one `provisio serve` and then by three on the same
//! machine and database. The figure is the time from starting the jobs to
//! every job's initial cycle done, and what that makes in users per second;
//! the three instances share the machine's cores, so what the comparison
//! shows is what coordinating them costs (heartbeats, ownership, leases,
//! fenced commits, notifications), not a speed-up.
//!
//! Run it with `cargo bench -p provisio-tests --bench instances` (`cargo
//! xtask bench` does). It needs PostgreSQL (`cargo xtask test` installs
//! it) and builds the release `provisio` binary. Figures go to
//! docs/performance.md.

#[path = "common/mod.rs"]
mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use provisio_server::directory::UserDraft;
use provisio_server::store::Store;
use serde_json::{Value, json};

const USERS: usize = 20_000;
const JOBS: usize = 4;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if let Some(common::SERVE_TARGET) = common::child_part().as_deref() {
        return runtime.block_on(common::serve_target());
    }
    if !common::benching("instances") {
        return;
    }
    let mut summary = vec![
        String::new(),
        format!("{JOBS} jobs over {USERS} users into a second Provisio, PostgreSQL (fsync on) as Provisio's store:"),
    ];
    for instances in [1, 3] {
        if common::wanted(&format!("{instances}-instance")) {
            summary.push(runtime.block_on(run(instances)));
        }
    }
    println!("{}", summary.join("\n"));
}

/// The release `provisio` binary.
fn provisio_binary() -> std::path::PathBuf {
    escargot::CargoBuild::new()
        .package("provisio-server")
        .bin("provisio")
        .release()
        .run()
        .expect("cargo build --release -p provisio-server --bin provisio")
        .path()
        .to_path_buf()
}

/// A `provisio serve` on `database`, killed when dropped.
struct Instance {
    child: Child,
    url: String,
}

impl Instance {
    fn start(binary: &std::path::Path, database: &str, key_file: &std::path::Path) -> Instance {
        let mut child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("PROVISIO_DATABASE", database)
            .env("PROVISIO_SECRET_KEY_FILE", key_file)
            .env("PROVISIO_PORTAL_DIR", key_file.with_file_name("dist"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let url = provisio_tests::server_process::served_url(&mut child);
        Instance { child, url }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn run(instances: usize) -> String {
    println!("instances: {JOBS} jobs, {USERS} users, {instances} instance(s) …");
    let Some(database) = provisio_tests::postgres::fresh_durable_database().await else {
        return format!("  {instances} instance(s): not run (PostgreSQL is not installed)");
    };
    let binary = provisio_binary();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("secret.key");
    seed(&database).await;
    let servers: Vec<Instance> = (0..instances)
        .map(|_| Instance::start(&binary, &database, &key_file))
        .collect();
    let output = Command::new(&binary)
        .args(["token", "create", "--scope", "admin", "--database", &database])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let target = common::SecondProvisio::start();
    let http = common::http_client();
    let call = async |i: usize, method: reqwest::Method, path: &str, body: Option<Value>| -> Value {
        let mut request = http
            .request(method, format!("{}{path}", servers[i % servers.len()].url))
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap_or(Value::Null)
    };

    let mut jobs = Vec::new();
    for k in 0..JOBS {
        let definition = json!({
            "name": format!("app{k}"),
            "target": target.target(),
            "scope": "all",
            "schedule": {"interval_seconds": 86400},
            "objects": [{"source": "user", "target": "User",
                "scoping": [{"name": "Department", "clauses": [
                    {"attribute": "department", "operator": "EQUALS", "value": format!("D{k}")}
                ]}],
                "mappings": common::scim_user_mappings()}]
        });
        let created = call(k, reqwest::Method::POST, "/api/v1/jobs", Some(definition)).await;
        jobs.push(created["id"].as_str().unwrap().to_owned());
    }
    common::reset_peak_memory();
    let started = Instant::now();
    for (k, job) in jobs.iter().enumerate() {
        call(
            k,
            reqwest::Method::POST,
            &format!("/api/v1/jobs/{job}/start"),
            Some(json!({})),
        )
        .await;
    }
    for (k, job) in jobs.iter().enumerate() {
        let path = provisio_api::jobs::status::job_status_path(job);
        while call(k, reqwest::Method::GET, &path, None).await["initial_cycle_done"] != true {
            assert!(started.elapsed() < Duration::from_secs(900), "{job} did not finish");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let took = started.elapsed();
    let load = common::load();
    assert_eq!(
        common::scim_user_count(target.base_url(), target.token()).await,
        USERS as u64
    );
    let line = format!(
        "  {instances} instance(s): {} ({load})",
        common::rate(USERS, took, "users")
    );
    println!("{line}");
    line
}

/// 20,000 users in 4 departments, straight through the store.
async fn seed(database: &str) {
    let store = Store::open(database).await.unwrap();
    let directory = store.directory();
    for start in (0..USERS).step_by(5_000) {
        let drafts = (start..start + 5_000)
            .map(|i| {
                let mut attributes = common::user_attributes(i);
                attributes.insert("department".into(), json!(format!("D{}", i % JOBS)));
                UserDraft {
                    attributes,
                    scim_extra: None,
                }
            })
            .collect();
        directory.create_users(drafts).await.unwrap();
    }
    store.close().await;
}
