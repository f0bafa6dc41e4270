//! What a job's target may be (issue 14, items 4 and 7): plain HTTP only to
//! loopback (job validation says so where the URL is); SQLite targets only
//! under the folder the operator allows, never Provisio's own database;
//! `provisio serve --deny-target-networks` keeps targets out of networks;
//! and PostgreSQL — Provisio's own database and SQL targets — over TLS as
//! `sslmode` asks, against the test cluster's throwaway certificate.

use std::process::Command;

use provisio_api::jobs::JOBS_PATH;
use provisio_connectors::Connector as _;
use provisio_connectors::sql::SqlConnector;
use provisio_server::store::Store;
use provisio_tests::postgres::TestPostgres;
use serde_json::{Value, json};
use sqlx::Row as _;

use crate::admin_api::{Api, with_api};
use crate::backends::{Backend, backend_test};
use crate::cli::provisio_binary;

fn scim_job(base_url: &str) -> Value {
    json!({
        "name": "plain",
        "target": {"kind": "scim", "base_url": base_url, "auth": {"bearer_token": "t"}},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
        ]}]
    })
}

fn sql_job(url: &str) -> Value {
    json!({
        "name": "table",
        "target": {"kind": "sql", "url": url, "users_table": "users", "key_column": "id"},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "id", "expression": "[userPrincipalName]", "match_precedence": 1}
        ]}]
    })
}

backend_test!(
    plain_http_targets_are_refused_unless_on_loopback,
    with_api,
    async |api: &Api| {
        for (kind, job) in [
            ("scim", scim_job("http://scim.example.com/scim/v2")),
            (
                "rest",
                serde_json::to_value(provisio_engine::job::templates::rest("HR", "http://hr.example.com/api")).unwrap(),
            ),
        ] {
            let answer = api.post(JOBS_PATH, job).await;
            answer.expect(400);
            let problem = answer.body["problems"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["location"] == "target.base_url")
                .cloned()
                .unwrap_or_else(|| panic!("{kind}: {}", answer.text));
            assert!(problem["message"].as_str().unwrap().contains("plain HTTP"), "{problem}");
        }
        api.post(JOBS_PATH, scim_job("http://127.0.0.1:9/scim/v2"))
            .await
            .expect(201);
    }
);

#[tokio::test]
async fn sqlite_targets_stay_in_the_allowed_folder_and_off_provisios_own_database() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    // The server's own database lies in the allowed (temporary) folder.
    for (url, says) in [
        (backend.url.clone(), "Provisio's own database"),
        ("sqlite:///etc/provisio-target.db".to_owned(), "outside"),
    ] {
        let mut job = sql_job(&url);
        job["name"] = json!(format!("table {}", says.len()));
        let id = api.post(JOBS_PATH, job).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let answer = api.post(&format!("{JOBS_PATH}/{id}/test-connection"), json!({})).await;
        assert_eq!(answer.expect(200)["ok"], false, "{}", answer.text);
        assert!(answer.text.contains(says), "{says}: {}", answer.text);
    }
    api.stop().await;
}

#[tokio::test]
async fn serve_refuses_targets_in_denied_networks() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("p.db").display());
    let mut child = Command::new(provisio_binary())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--deny-target-networks",
            "127.0.0.0/8, ::1",
        ])
        .env("PROVISIO_DATABASE", &database)
        .env("PROVISIO_PORTAL_DIR", dir.path().join("dist"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    // The server made its database: a token for it.
    let token = {
        let output = Command::new(provisio_binary())
            .args(["token", "create", "--scope", "admin", "--database", &database])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{base}{JOBS_PATH}"))
        .bearer_auth(&token)
        .json(&scim_job("http://localhost:9/scim/v2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let tested: Value = http
        .post(format!("{base}{JOBS_PATH}/{id}/test-connection"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tested["ok"], false, "{tested}");
    let message = tested["message"].as_str().unwrap_or_default();
    assert!(message.contains("a network Provisio does not reach"), "{message}");
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn postgresql_is_reached_over_tls_as_sslmode_asks() {
    let Some(cluster) = TestPostgres::shared() else {
        eprintln!("skipped: PostgreSQL is not installed (cargo xtask test installs it)");
        return;
    };
    let url = cluster.create_database().await;
    let ca = cluster.ca_certificate();
    let verified = format!("{url}?sslmode=verify-full&sslrootcert={}", ca.display());

    // Provisio's own database: encrypted on request, and verified.
    for own in [format!("{url}?sslmode=require"), verified.clone()] {
        let store = Store::open(&own).await.unwrap_or_else(|e| panic!("{own}: {e}"));
        store.close().await;
    }
    let unverifiable = Store::open(&format!("{url}?sslmode=verify-full")).await.unwrap_err();
    assert!(
        unverifiable.to_string().to_lowercase().contains("certificate"),
        "a certificate from an unknown CA is refused: {unverifiable}"
    );
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("{url}?sslmode=require")).await.unwrap();
    let row = sqlx::query("SELECT CAST(ssl AS TEXT) AS ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row.try_get::<String, _>("ssl").unwrap(), "true");
    sqlx::query("CREATE TABLE users (id TEXT PRIMARY KEY, user_name TEXT)")
        .execute(&pool)
        .await
        .unwrap();

    // A SQL target, verified against its CA.
    let target = serde_json::from_value(json!({
        "url": verified, "users_table": "users", "key_column": "id"
    }))
    .unwrap();
    let sql = SqlConnector::connect(&target).await.unwrap();
    sql.test_connection().await.unwrap();
}
