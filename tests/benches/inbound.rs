//! Inbound provisioning's throughput: 10,000 HR records sent as 200 bulk
//! requests of 50 to a running inbound job over loopback, timed from the
//! first request sent to the last record written to the directory (SQLite,
//! release build). Also reported: how long accepting the 200 requests took.
//! Every fifth person reports to someone in the previous request, so the
//! references phase is in the figure. A first record, processed before the
//! clock starts, makes sure the job's worker is running. Figures go to docs/performance.md.
//!
//! Goal (issue 17): ≥ 2,000 records/s.
//!
//! Not criterion: one long measurement. Run it with
//! `cargo bench -p provisio-tests --bench inbound` (`cargo xtask bench` does).

use std::time::{Duration, Instant};

use provisio_api::auth::TokenScope;
use provisio_api::inbound::{
    BULK_REQUEST_SCHEMA, ENTERPRISE_USER_SCHEMA, SCIM_JSON, USER_SCHEMA, bulk_upload_path, requests_path,
};
use provisio_engine::job::{InboundSettings, templates};
use provisio_server::jobs::{Jobs, StateChange};
use provisio_server::secrets::SecretBox;
use provisio_server::{Server, ServerConfig};
use serde_json::{Value, json};

#[path = "common/mod.rs"]
mod common;

const RECORDS: usize = 10_000;
const PER_REQUEST: usize = 50;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|arg| arg == "--bench") {
        println!("inbound: run it with `cargo bench -p provisio-tests --bench inbound`");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let key_file = dir.path().join("secret.key");
    let server = Server::new(ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url.clone(),
        portal_dir: dir.path().join("dist"),
    })
    .with_secret_key_file(Some(key_file.clone()))
    // All 200 requests are sent at once: the queue must hold them (its
    // default, 100, answers the rest 429), since processing is measured.
    .with_inbound_queue_limit(provisio_server::inbound::QueueLimit::requests(
        (RECORDS / PER_REQUEST) as u32,
    ))
    .launch()
    .await
    .unwrap();
    let jobs = Jobs::new(
        server.store().clone(),
        SecretBox::from_environment(&database_url, Some(&key_file)).unwrap(),
    );
    let mut definition = templates::inbound("HR");
    // The rate limit is not what is measured: the processing is.
    definition.inbound = Some(InboundSettings {
        max_operations: PER_REQUEST as u32,
        requests_per_second: 10_000,
    });
    let job = jobs.create(definition).await.unwrap().id;
    jobs.change_state(&job, StateChange::Start).await.unwrap();
    let token = common::token(&server, TokenScope::Inbound, Some(job.clone()), None)
        .await
        .expose()
        .to_owned();
    let admin = common::token(&server, TokenScope::Admin, None, None)
        .await
        .expose()
        .to_owned();
    let client = reqwest::Client::new();
    let base = server.base_url();
    let bodies: Vec<Vec<u8>> = (0..RECORDS).collect::<Vec<_>>().chunks(PER_REQUEST).map(bulk).collect();

    // The scheduler gives a started job its worker within a poll (two
    // seconds): one record first, so that the figure is the processing's,
    // not when the worker came.
    let upload = async |body: Vec<u8>| {
        let response = client
            .post(format!("{base}{}", bulk_upload_path(&job)))
            .bearer_auth(&token)
            .header("content-type", SCIM_JSON)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202, "{}", response.text().await.unwrap_or_default());
    };
    let processed = async || {
        loop {
            let requests: Vec<Value> = client
                .get(format!("{base}{}?limit=200", requests_path(&job)))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let pending: u64 = requests.iter().map(|r| r["pending"].as_u64().unwrap_or(0)).sum();
            if pending == 0 {
                let failed: u64 = requests.iter().map(|r| r["failed"].as_u64().unwrap_or(0)).sum();
                assert_eq!(failed, 0, "no record fails");
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    upload(bulk(&[RECORDS])).await;
    processed().await;

    println!("inbound: {RECORDS} records in {} requests …", bodies.len());
    let began = Instant::now();
    for body in bodies {
        upload(body).await;
    }
    let accepted = began.elapsed();
    processed().await;
    let done = began.elapsed();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    assert_eq!(server.store().directory().user_count().await.unwrap(), RECORDS + 1);
    println!();
    println!("Inbound provisioning on loopback (SQLite, release build):");
    println!(
        "  {} requests of {PER_REQUEST} accepted in {:.2} s ({:.0} requests/s)",
        RECORDS / PER_REQUEST,
        accepted.as_secs_f64(),
        (RECORDS / PER_REQUEST) as f64 / accepted.as_secs_f64()
    );
    let records_per_second = RECORDS as f64 / done.as_secs_f64();
    println!(
        "  {RECORDS} records from the first request sent to the last directory write: {:.1} s, \
         {records_per_second:.0} records/s (goal ≥ 2,000 records/s: {}) (load {})",
        done.as_secs_f64(),
        if records_per_second >= 2_000.0 {
            "met"
        } else {
            "not met"
        },
        load.join(" ")
    );
    server.shutdown().await;
}

/// A bulk request of these people; person n reports to person n - 50 when n % 5 == 0.
fn bulk(people: &[usize]) -> Vec<u8> {
    let operations: Vec<Value> = people
        .iter()
        .map(|&n| {
            let mut data = json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "externalId": format!("E{n:05}"),
                "userName": format!("person{n}@contoso.com"),
                "displayName": format!("Person {n}"),
                "name": {"givenName": "Person", "familyName": format!("Number {n}")},
                "emails": [{"type": "work", "value": format!("person{n}@contoso.com")}],
                "title": "Engineer",
                "active": true,
                ENTERPRISE_USER_SCHEMA: {"department": format!("Dept {}", n % 20)}
            });
            if n % 5 == 0 && n >= PER_REQUEST {
                data[ENTERPRISE_USER_SCHEMA]["manager"] = json!({"value": format!("E{:05}", n - PER_REQUEST)});
            }
            json!({"method": "POST", "bulkId": n.to_string(), "path": "/Users", "data": data})
        })
        .collect();
    serde_json::to_vec(&json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": operations})).unwrap()
}
