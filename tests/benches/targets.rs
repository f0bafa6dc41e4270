//! Initial cycles into the on-premises targets: 10,000 directory users
//! provisioned into a real slapd (OpenLDAP, see `provisio_tests::slapd`)
//! and into a table of a real PostgreSQL database (`provisio_tests::postgres`),
//! over loopback, release build, Provisio's own store on SQLite; and into
//! slapd again through an on-premises agent (`provisio_server::agent`, in
//! process, polling the server over loopback HTTP). Each user is matched (an
//! LDAP search, a SQL SELECT) and then created. Figures go to
//! docs/performance.md.
//!
//! Not criterion: one long measurement per target. Run it with
//! `cargo bench -p provisio-tests --bench targets` (`cargo xtask bench` does).

use std::time::{Duration, Instant};

use provisio_api::auth::{TokenCreateRequest, TokenScope};
use provisio_engine::job::JobDefinition;
use provisio_server::agent::AgentConfig;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_server::directory::UserDraft;
use provisio_server::jobs::Jobs;
use provisio_server::secrets::SecretBox;
use provisio_server::{RunningServer, Server, ServerConfig};
use provisio_tests::postgres::fresh_database;
use provisio_tests::slapd::Slapd;
use serde_json::{Value, json};

const USERS: usize = 10_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|arg| arg == "--bench") {
        println!("targets: run it with `cargo bench -p provisio-tests --bench targets`");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut summary = vec![
        String::new(),
        "Initial cycles on loopback (release build, Provisio on SQLite):".to_owned(),
    ];
    if let Some(line) = runtime.block_on(ldap(None)) {
        summary.push(line);
    }
    if let Some(line) = runtime.block_on(ldap(Some("bench-agent"))) {
        summary.push(line);
    }
    if let Some(line) = runtime.block_on(postgres()) {
        summary.push(line);
    }
    println!("{}", summary.join("\n"));
}

/// A server with `USERS` directory users and a job with this target.
async fn provisio(target: Value, mappings: Value) -> (RunningServer, Jobs, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let key_file = dir.path().join("secret.key");
    let server = Server::new(ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url.clone(),
        portal_dir: dir.path().join("dist"),
    })
    .with_secret_key_file(Some(key_file.clone()))
    .launch()
    .await
    .unwrap();
    let directory = server.store().directory();
    for chunk in (0..USERS).collect::<Vec<_>>().chunks(5_000) {
        let drafts = chunk
            .iter()
            .map(|&i| {
                let attributes = json!({
                    "userPrincipalName": format!("user{i}@contoso.com"),
                    "mailNickname": format!("user{i}"),
                    "displayName": format!("User {i}"),
                    "givenName": "User",
                    "surname": format!("Number {i}"),
                    "mail": format!("user{i}@contoso.com"),
                    "jobTitle": "Staff",
                });
                UserDraft {
                    attributes: attributes.as_object().unwrap().clone(),
                    scim_extra: None,
                }
            })
            .collect();
        directory.create_users(drafts).await.unwrap();
    }
    let jobs = Jobs::new(
        server.store().clone(),
        SecretBox::from_environment(&database_url, Some(&key_file)).unwrap(),
    );
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

/// Runs the initial cycle and says how fast it went.
async fn initial_cycle(label: &str, server: &RunningServer, jobs: &Jobs, job: &str) -> String {
    println!("targets: {label}, initial cycle of {USERS} users …");
    let began = Instant::now();
    let report = run_cycle(server.store(), jobs, job, Mode::Initial).await.unwrap();
    let took = began.elapsed();
    assert_eq!(report.actions.get("create"), Some(&(USERS as u64)), "{report:?}");
    assert_eq!(report.failures, 0, "{report:?}");
    line(label, took)
}

fn line(label: &str, took: Duration) -> String {
    format!(
        "  {label}: {USERS} users in {:.1} s, {:.0} users/s",
        took.as_secs_f64(),
        USERS as f64 / took.as_secs_f64()
    )
}

/// Into slapd, directly or through the agent `via_agent`.
async fn ldap(via_agent: Option<&str>) -> Option<String> {
    let slapd = Slapd::start()?;
    let mut target = json!({"kind": "ldap", "url": slapd.url(), "bind_dn": provisio_tests::slapd::ADMIN_DN,
           "bind_password": provisio_tests::slapd::ADMIN_PASSWORD,
           "users_base_dn": provisio_tests::slapd::PEOPLE, "user_object_classes": ["inetOrgPerson"]});
    if let Some(agent) = via_agent {
        target["via_agent"] = json!(agent);
    }
    let (server, jobs, job, _dir) = provisio(
        target,
        json!([
            {"target": "dn", "expression": format!("Join(\",\", Join(\"=\", \"uid\", [mailNickname]), \"{}\")", provisio_tests::slapd::PEOPLE)},
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
        None => initial_cycle("slapd (OpenLDAP, mdb)", &server, &jobs, &job).await,
        Some(agent) => {
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let running = tokio::spawn(start_agent(&server, agent, stopped).await);
            let result = initial_cycle("slapd through the agent", &server, &jobs, &job).await;
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
    let token = provisio_server::auth::Tokens::new(server.store())
        .create(&TokenCreateRequest {
            name: None,
            scope: TokenScope::Agent,
            job: None,
            agent: Some(agent.to_owned()),
            expires_in: None,
        })
        .await
        .unwrap()
        .token;
    let config = AgentConfig::new(server.base_url().trim_end_matches('/'), token, None).unwrap();
    provisio_server::agent::run(config, async move {
        let _ = stop.await;
    })
}

async fn postgres() -> Option<String> {
    let url = fresh_database().await?;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(
        "CREATE TABLE users (id TEXT PRIMARY KEY, user_name TEXT UNIQUE NOT NULL, display_name TEXT, \
         given_name TEXT, surname TEXT, mail TEXT, title TEXT, active BOOLEAN NOT NULL DEFAULT TRUE)",
    )
    .execute(&pool)
    .await
    .unwrap();
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
    let result = initial_cycle("PostgreSQL table", &server, &jobs, &job).await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, USERS as i64);
    server.shutdown().await;
    Some(result)
}
