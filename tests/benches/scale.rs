//! How cycles scale with the directory, into a table of a real PostgreSQL
//! database with fsync on (`provisio_tests::postgres::fresh_durable_database`),
//! Provisio's own store on SQLite, release build. For each directory size,
//! in a child process of its own (so that one size's memory does not carry
//! over into the next): the directory seeded in bulk (not measured), an
//! initial cycle (its duration and the peak RSS of the process during it,
//! the peak reset with `/proc/self/clear_refs` after seeding), then 100
//! users changed and an incremental cycle (its duration and peak RSS).
//!
//! The directory is seeded by a child process of its own, so what seeding
//! leaves in the allocator is not counted as the cycles' memory.
//!
//! Sizes: 1,000 and 100,000 users; `cargo xtask bench --large` (which sets
//! `PROVISIO_BENCH_LARGE=1`) adds 1,000,000. Printed: the incremental
//! cycles of 100 changes side by side (goal: the largest within 1.5× of the
//! 1,000-user one), and the initial cycles' peak RSS (goal: < 500 MB at
//! 1,000,000 users, within ±10 % of the 100,000-user figure), with how
//! long seeding and each cycle took.
//!
//! Run it with `cargo bench -p provisio-tests --bench scale` (`cargo xtask
//! bench` does). The 100,000-user initial cycle takes minutes at today's
//! rates; the 1,000,000-user one about ten times that.

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use provisio_engine::job::JobDefinition;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_tests::postgres::fresh_durable_database;
use serde_json::{Value, json};

/// Directory changes before the incremental cycle.
const CHANGES: usize = 100;
const SMALL: usize = 1_000;
const MEDIUM: usize = 100_000;
const LARGE: usize = 1_000_000;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if let Some(part) = common::child_part() {
        let size = |prefix: &str| part.strip_prefix(prefix).and_then(|n| n.parse().ok());
        if let Some(size) = size("seed:") {
            return runtime.block_on(seed(size));
        }
        let size = size("size:").unwrap_or_else(|| panic!("scale: unknown part {part}"));
        return runtime.block_on(one_size(size));
    }
    if !common::benching("scale") {
        return;
    }
    let mut sizes = vec![SMALL, MEDIUM];
    if common::large() {
        sizes.push(LARGE);
    }
    let mut figures = Vec::new();
    for size in sizes {
        println!("scale: {size} users (in a child process) …");
        let lines = common::run_child(&format!("size:{size}"), &[]);
        let line = lines
            .first()
            .unwrap_or_else(|| panic!("scale: no figures for {size} users"));
        figures.push(serde_json::from_str::<Value>(line).unwrap());
    }
    let mut summary = vec![
        String::new(),
        "Cycles by directory size, into a PostgreSQL table (fsync on), Provisio on SQLite, release build:".to_owned(),
    ];
    for figure in &figures {
        summary.push(format!(
            "  {} users: seeded in {:.1} s; initial cycle {:.1} s ({:.0} users/s), peak RSS {:.0} MiB \
             (RSS {:.0} MiB at its start) ({}); {CHANGES} changes, incremental cycle {:.2} s, \
             peak RSS {:.0} MiB ({})",
            figure["size"],
            figure["seed_s"].as_f64().unwrap(),
            figure["initial_s"].as_f64().unwrap(),
            figure["size"].as_f64().unwrap() / figure["initial_s"].as_f64().unwrap(),
            figure["initial_peak_mib"].as_f64().unwrap(),
            figure["initial_start_mib"].as_f64().unwrap(),
            figure["initial_load"].as_str().unwrap(),
            figure["incremental_s"].as_f64().unwrap(),
            figure["incremental_peak_mib"].as_f64().unwrap(),
            figure["incremental_load"].as_str().unwrap(),
        ));
    }
    let small = &figures[0];
    for figure in &figures[1..] {
        let ratio = figure["incremental_s"].as_f64().unwrap() / small["incremental_s"].as_f64().unwrap();
        summary.push(format!(
            "  incremental cycle of {CHANGES} changes: {:.2} s at {} users vs {:.2} s at {} users: {ratio:.2}× \
             (goal within 1.5×: {})",
            figure["incremental_s"].as_f64().unwrap(),
            figure["size"],
            small["incremental_s"].as_f64().unwrap(),
            small["size"],
            if ratio <= 1.5 { "met" } else { "not met" }
        ));
    }
    if let [.., medium, large] = figures.as_slice()
        && large["size"] == LARGE
    {
        let (m, l) = (
            medium["initial_peak_mib"].as_f64().unwrap(),
            large["initial_peak_mib"].as_f64().unwrap(),
        );
        let mb = l * 1.048_576;
        summary.push(format!(
            "  initial cycle peak RSS: {l:.0} MiB ({mb:.0} MB) at {LARGE} users (goal < 500 MB: {}), \
             {m:.0} MiB at {MEDIUM} users: {:+.0} % (goal within ±10 %: {})",
            if mb < 500.0 { "met" } else { "not met" },
            100.0 * (l - m) / m,
            if (l - m).abs() <= 0.1 * m { "met" } else { "not met" }
        ));
    }
    println!("{}", summary.join("\n"));
}

/// The folder a seeding child seeds Provisio's database in.
const SEED_DIR: &str = "PROVISIO_BENCH_SEED_DIR";

/// Seeds a directory of `size` users in [`SEED_DIR`], in a child process:
/// how long it took and the ids of the users to change later ([`CHANGES`]
/// spread over the directory), as one JSON line.
async fn seed(size: usize) {
    let dir = std::path::PathBuf::from(std::env::var(SEED_DIR).expect("the folder to seed in"));
    let (server, _jobs) = common::provisio(&dir).await;
    let began = Instant::now();
    let ids = common::seed_users(&server, size).await;
    let took = began.elapsed();
    let changed: Vec<&String> = (0..CHANGES).map(|i| &ids[i * size / CHANGES]).collect();
    server.shutdown().await;
    common::report(&json!({"seed_s": took.as_secs_f64(), "changed": changed}).to_string());
}

/// One directory size, in a child process: its figures as one JSON line.
async fn one_size(size: usize) {
    let url = fresh_durable_database()
        .await
        .expect("PostgreSQL is not installed (cargo xtask bench installs it)");
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(
        "CREATE TABLE users (id TEXT PRIMARY KEY, user_name TEXT UNIQUE NOT NULL, display_name TEXT, \
         given_name TEXT, surname TEXT, mail TEXT, title TEXT, active BOOLEAN NOT NULL DEFAULT TRUE)",
    )
    .execute(&pool)
    .await
    .unwrap();
    // Seeded by a child of its own, so that what seeding leaves in this
    // process's allocator does not count as the cycles'.
    let dir = tempfile::tempdir().unwrap();
    let seeding = common::run_child(&format!("seed:{size}"), &[(SEED_DIR, dir.path().display().to_string())]);
    let seeding: Value = serde_json::from_str(seeding.first().expect("scale: the seeding child's figures")).unwrap();
    let seeded = seeding["seed_s"].as_f64().unwrap();
    let changed: Vec<String> = serde_json::from_value(seeding["changed"].clone()).unwrap();
    println!("  {size} users seeded in {seeded:.1} s");
    let (server, jobs) = common::provisio(dir.path()).await;
    let definition: JobDefinition = serde_json::from_value(json!({
        "name": "bench",
        "target": {"kind": "sql", "url": url, "users_table": "users", "key_column": "id",
                   "disable": {"mode": "column", "column": "active", "value": false}},
        "schedule": {"interval_seconds": 86400},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "user_name", "expression": "[userPrincipalName]", "match_precedence": 1},
            {"target": "display_name", "expression": "[displayName]"},
            {"target": "given_name", "expression": "[givenName]"},
            {"target": "surname", "expression": "[surname]"},
            {"target": "mail", "expression": "[mail]"},
            {"target": "title", "expression": "[jobTitle]"}
        ]}]
    }))
    .unwrap();
    let job = jobs.create(definition).await.unwrap().id;

    let ((), initial, initial_peak, initial_start) = common::measured(async {
        let report = run_cycle(server.store(), &jobs, &job, Mode::Initial).await.unwrap();
        assert_eq!(report.actions.get("create"), Some(&(size as u64)), "{report:?}");
        assert_eq!(report.failures, 0, "{report:?}");
    })
    .await;
    let initial_load = common::load();
    println!("  initial cycle: {}", common::rate(size, initial, "users"));

    for (i, id) in changed.iter().enumerate() {
        common::set_title(&server, id, &format!("Title {i}")).await;
    }
    let ((), incremental, incremental_peak, _) = common::measured(async {
        let report = run_cycle(server.store(), &jobs, &job, Mode::Incremental).await.unwrap();
        assert_eq!(report.actions.get("update"), Some(&(CHANGES as u64)), "{report:?}");
        assert_eq!(report.failures, 0, "{report:?}");
    })
    .await;
    let incremental_load = common::load();
    let changed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE title LIKE 'Title %'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(changed, CHANGES as i64);
    server.shutdown().await;
    common::report(
        &json!({
            "size": size,
            "seed_s": seeded,
            "initial_s": initial.as_secs_f64(),
            "initial_peak_mib": initial_peak,
            "initial_start_mib": initial_start,
            "initial_load": initial_load,
            "incremental_s": incremental.as_secs_f64(),
            "incremental_peak_mib": incremental_peak,
            "incremental_load": incremental_load,
        })
        .to_string(),
    );
}
