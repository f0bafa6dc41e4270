//! Initial cycles into the on-premises targets, each beside that target's
//! raw create rate from a plain client with the same concurrency
//! ([`CONCURRENCY`]), measured in the same run into a fresh target right
//! before the cycle: 10,000 directory users provisioned into a real slapd
//! (OpenLDAP, see `provisio_tests::slapd`, indexed on `uid`, the matching
//! attribute, as a real deployment would be; the raw client adds entries
//! with ldap3), into slapd again through an on-premises agent
//! (`provisio_server::agent`, in process, polling the server over loopback
//! HTTP), and into a table of a real PostgreSQL database with fsync on
//! (`provisio_tests::postgres::fresh_durable_database`; the raw client
//! INSERTs with sqlx). Loopback, release build, Provisio's own store on
//! SQLite. Each user is matched (an LDAP search, a SQL SELECT) and then
//! created. Figures go to docs/performance.md.
//!
//! Not criterion: one long measurement per target. Run it with
//! `cargo bench -p provisio-tests --bench targets` (`cargo xtask bench`
//! does); `-- slapd`, `-- agent` or `-- postgres` runs one part.

#[path = "common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use provisio_api::auth::TokenScope;
use provisio_engine::job::JobDefinition;
use provisio_server::RunningServer;
use provisio_server::agent::AgentConfig;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_server::jobs::Jobs;
use provisio_tests::postgres::fresh_durable_database;
use provisio_tests::slapd::{ADMIN_DN, ADMIN_PASSWORD, PEOPLE, Slapd};
use serde_json::{Value, json};
use tokio::task::JoinSet;

/// Operations in flight from each raw client: as many as the cycle sends
/// the target at once (its connectors' limit: the SCIM connector's HTTP
/// concurrency, the SQL connector's pool; the cycle keeps `IN_FLIGHT`
/// objects going, more than that, so that those requests never wait), so
/// that the ratio compares like with like.
const CONCURRENCY: usize = 4;
const USERS: usize = 10_000;
/// The PostgreSQL target's table.
const TABLE: &str = "CREATE TABLE users (id TEXT PRIMARY KEY, user_name TEXT UNIQUE NOT NULL, display_name TEXT, \
                     given_name TEXT, surname TEXT, mail TEXT, title TEXT, active BOOLEAN NOT NULL DEFAULT TRUE)";

fn main() {
    if !common::benching("targets") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut summary = vec![
        String::new(),
        format!(
            "Initial cycles of {USERS} users on loopback, beside each target's raw create rate with {CONCURRENCY} in flight (release build, Provisio on SQLite):"
        ),
    ];
    let mut slapd_raw = None;
    if common::wanted("slapd") || common::wanted("agent") {
        slapd_raw = runtime.block_on(raw_ldap());
    }
    if common::wanted("slapd")
        && let Some(raw) = &slapd_raw
        && let Some(line) = runtime.block_on(ldap(None, raw))
    {
        summary.push(line);
    }
    if common::wanted("agent")
        && let Some(raw) = &slapd_raw
        && let Some(line) = runtime.block_on(ldap(Some("bench-agent"), raw))
    {
        summary.push(line);
    }
    if common::wanted("postgres")
        && let Some(line) = runtime.block_on(postgres())
    {
        summary.push(line);
    }
    println!("{}", summary.join("\n"));
}

/// A raw measurement: how long, and the load right after.
struct Raw {
    took: Duration,
    load: String,
}

/// A server with `USERS` directory users and a job with this target.
async fn provisio(target: Value, mappings: Value) -> (RunningServer, Jobs, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (server, jobs) = common::provisio(dir.path()).await;
    common::seed_users(&server, USERS).await;
    let definition: JobDefinition = serde_json::from_value(json!({
        "name": "bench",
        "target": target,
        "schedule": {"interval_seconds": 86400},
        "objects": [{"source": "user", "target": "User", "mappings": mappings}]
    }))
    .unwrap();
    let job = jobs.create(definition).await.unwrap().id;
    (server, jobs, job, dir)
}

/// Runs the initial cycle and compares it with the raw rate.
async fn initial_cycle(label: &str, server: &RunningServer, jobs: &Jobs, job: &str, raw: &Raw) -> String {
    println!("targets: {label}, initial cycle of {USERS} users …");
    let began = Instant::now();
    let report = run_cycle(server.store(), jobs, job, Mode::Initial).await.unwrap();
    let took = began.elapsed();
    let load = common::load();
    if report.failures > 0 {
        let first = server
            .store()
            .logs()
            .query(&provisio_server::logs::LogFilter {
                job: Some(job.to_owned()),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        panic!("{label}: {report:?}; a log entry: {:?}", first.items.first());
    }
    assert_eq!(report.actions.get("create"), Some(&(USERS as u64)), "{report:?}");
    assert_eq!(report.failures, 0, "{report:?}");
    let line = format!(
        "  {} (raw: {}; cycle: {load})",
        common::ratio_line(label, USERS, raw.took, took),
        raw.load
    );
    println!("{line}");
    line
}

/// The entry a plain client adds for user `n`: what the job sends for it.
fn ldap_entry(n: usize) -> (String, Vec<(String, HashSet<String>)>) {
    let attributes = common::user_attributes(n);
    let text = |name: &str| attributes[name].as_str().unwrap().to_owned();
    let uid = text("mailNickname");
    let one = |value: String| HashSet::from([value]);
    (
        format!("uid={uid},{PEOPLE}"),
        vec![
            ("objectClass".to_owned(), one("inetOrgPerson".to_owned())),
            ("uid".to_owned(), one(uid)),
            ("cn".to_owned(), one(text("displayName"))),
            ("sn".to_owned(), one(text("surname"))),
            ("givenName".to_owned(), one(text("givenName"))),
            ("mail".to_owned(), one(text("mail"))),
            ("title".to_owned(), one(text("jobTitle"))),
        ],
    )
}

/// `USERS` entries added to a fresh indexed slapd with ldap3, on
/// `CONCURRENCY` connections.
async fn raw_ldap() -> Option<Raw> {
    let slapd = Slapd::start_indexed()?;
    println!("targets: slapd, raw adds of {USERS} entries, {CONCURRENCY} in flight …");
    let next = Arc::new(AtomicUsize::new(0));
    let mut connections = Vec::new();
    for _ in 0..CONCURRENCY {
        let (connection, mut ldap) = ldap3::LdapConnAsync::new(&slapd.url()).await.unwrap();
        ldap3::drive!(connection);
        ldap.simple_bind(ADMIN_DN, ADMIN_PASSWORD)
            .await
            .unwrap()
            .success()
            .unwrap();
        connections.push(ldap);
    }
    let began = Instant::now();
    let mut adders = JoinSet::new();
    for mut ldap in connections {
        let next = next.clone();
        adders.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= USERS {
                    break;
                }
                let (dn, attributes) = ldap_entry(i);
                ldap.add(&dn, attributes).await.unwrap().success().unwrap();
            }
            let _ = ldap.unbind().await;
        });
    }
    while let Some(done) = adders.join_next().await {
        done.unwrap();
    }
    let took = began.elapsed();
    let load = common::load();
    println!("  {} ({load})", common::rate(USERS, took, "users"));
    assert_eq!(slapd.entries(PEOPLE, "(objectClass=inetOrgPerson)").len(), USERS);
    Some(Raw { took, load })
}

/// Into a fresh indexed slapd, directly or through the agent `via_agent`.
async fn ldap(via_agent: Option<&str>, raw: &Raw) -> Option<String> {
    let slapd = Slapd::start_indexed()?;
    let mut target = json!({"kind": "ldap", "url": slapd.url(), "bind_dn": ADMIN_DN,
           "bind_password": ADMIN_PASSWORD,
           "users_base_dn": PEOPLE, "user_object_classes": ["inetOrgPerson"]});
    if let Some(agent) = via_agent {
        target["via_agent"] = json!(agent);
    }
    let (server, jobs, job, _dir) = provisio(
        target,
        json!([
            {"target": "dn", "expression": format!("Join(\",\", Join(\"=\", \"uid\", [mailNickname]), \"{PEOPLE}\")")},
            {"target": "uid", "expression": "[mailNickname]", "match_precedence": 1},
            {"target": "cn", "expression": "[displayName]"},
            {"target": "sn", "expression": "[surname]"},
            {"target": "givenName", "expression": "[givenName]"},
            {"target": "mail", "expression": "[mail]"},
            {"target": "title", "expression": "[jobTitle]"}
        ]),
    )
    .await;
    let result = match via_agent {
        None => initial_cycle("slapd (OpenLDAP, mdb, uid indexed)", &server, &jobs, &job, raw).await,
        Some(agent) => {
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let running = tokio::spawn(start_agent(&server, agent, stopped).await);
            // Operations for an agent that has not polled yet fail at once.
            wait_connected(&server, agent).await;
            let result = initial_cycle("slapd through the agent", &server, &jobs, &job, raw).await;
            let _ = stop.send(());
            running.await.unwrap().unwrap();
            result
        }
    };
    server.shutdown().await;
    Some(result)
}

/// An agent for `agent` polling `server`, until `stop` fires.
async fn start_agent(
    server: &RunningServer,
    agent: &str,
    stop: tokio::sync::oneshot::Receiver<()>,
) -> impl std::future::Future<Output = Result<(), String>> + use<> {
    let token = common::token(server, TokenScope::Agent, None, Some(agent.to_owned())).await;
    let config = AgentConfig::new(server.base_url().trim_end_matches('/'), token, None).unwrap();
    provisio_server::agent::run(config, async move {
        let _ = stop.await;
    })
}

/// Waits until the server lists `agent` as connected (it has polled).
async fn wait_connected(server: &RunningServer, agent: &str) {
    let admin = common::token(server, TokenScope::Admin, None, None).await;
    let url = format!(
        "{}{}",
        server.base_url().trim_end_matches('/'),
        provisio_api::agents::AGENTS_PATH
    );
    let client = common::http_client();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let listed: Value = client
            .get(&url)
            .bearer_auth(admin.expose())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let agents = listed.as_array().or_else(|| listed["agents"].as_array()).cloned();
        let connected = agents
            .unwrap_or_default()
            .iter()
            .any(|a| a["name"] == agent && a["connected"] == true);
        if connected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the agent {agent} did not poll within a minute: {listed}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fresh database of the durable cluster with the target table.
async fn users_table() -> Option<(String, sqlx::PgPool)> {
    let url = fresh_durable_database().await?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(CONCURRENCY as u32)
        .connect(&url)
        .await
        .unwrap();
    sqlx::query(TABLE).execute(&pool).await.unwrap();
    Some((url, pool))
}

async fn row_count(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// `USERS` rows INSERTed one statement each, `CONCURRENCY` at a time.
async fn raw_sql() -> Option<Raw> {
    let (_url, pool) = users_table().await?;
    println!("targets: PostgreSQL (fsync on), raw INSERTs of {USERS} rows, {CONCURRENCY} in flight …");
    let next = Arc::new(AtomicUsize::new(0));
    let began = Instant::now();
    let mut writers = JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (pool, next) = (pool.clone(), next.clone());
        writers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= USERS {
                    break;
                }
                let attributes = common::user_attributes(i);
                let text = |name: &str| attributes[name].as_str().unwrap().to_owned();
                sqlx::query(
                    "INSERT INTO users (id, user_name, display_name, given_name, surname, mail, title) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(format!("raw-{i}"))
                .bind(text("userPrincipalName"))
                .bind(text("displayName"))
                .bind(text("givenName"))
                .bind(text("surname"))
                .bind(text("mail"))
                .bind(text("jobTitle"))
                .execute(&pool)
                .await
                .unwrap();
            }
        });
    }
    while let Some(done) = writers.join_next().await {
        done.unwrap();
    }
    let took = began.elapsed();
    let load = common::load();
    println!("  {} ({load})", common::rate(USERS, took, "users"));
    assert_eq!(row_count(&pool).await, USERS as i64);
    pool.close().await;
    Some(Raw { took, load })
}

async fn postgres() -> Option<String> {
    let raw = raw_sql().await?;
    let (url, pool) = users_table().await?;
    let (server, jobs, job, _dir) = provisio(
        json!({"kind": "sql", "url": url, "users_table": "users", "key_column": "id",
               "disable": {"mode": "column", "column": "active", "value": false}}),
        json!([
            {"target": "user_name", "expression": "[userPrincipalName]", "match_precedence": 1},
            {"target": "display_name", "expression": "[displayName]"},
            {"target": "given_name", "expression": "[givenName]"},
            {"target": "surname", "expression": "[surname]"},
            {"target": "mail", "expression": "[mail]"},
            {"target": "title", "expression": "[jobTitle]"}
        ]),
    )
    .await;
    let result = initial_cycle("PostgreSQL table (fsync on)", &server, &jobs, &job, &raw).await;
    assert_eq!(row_count(&pool).await, USERS as i64);
    server.shutdown().await;
    Some(result)
}
