//! `POST /api/v1/jobs/{id}/test-connection` over HTTP: a job pointing at a
//! real SCIM server (scim2-server, see `provisio_tests::scim_target`;
//! ignored unless asked for, as `cargo xtask test` does) with the right token, the
//! wrong token, a closed port, a job writing to the directory, an unknown
//! job and a request without credentials.

use provisio_api::jobs::JOBS_PATH;
use provisio_api::jobs::connection::test_connection_path;
use provisio_tests::scim_target::ScimTarget;
use reqwest::Method;
use serde_json::{Value, json};

use crate::admin_api::Api;
use crate::backends::Backend;

fn job(name: &str, base_url: &str, token: &str) -> Value {
    json!({
        "name": name,
        "target": {"kind": "scim", "base_url": base_url, "auth": {"bearer_token": token}},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
        ]}]
    })
}

async fn test(api: &Api, definition: Value) -> Value {
    let name = definition["name"].as_str().unwrap_or_default().to_owned();
    api.post(JOBS_PATH, definition).await.expect(201);
    let body = api
        .post(&test_connection_path(&name), json!({}))
        .await
        .expect(200)
        .clone();
    eprintln!("{body:#}");
    body
}

#[tokio::test]
#[ignore = "needs scim2-server (cargo xtask test)"]
async fn a_scim_target_with_the_right_token_passes_and_a_wrong_token_is_refused() {
    let Some(target) = ScimTarget::start() else { return };
    // The backend owns the SQLite file's folder: it must outlive the server.
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let ok = test(&api, job("ok", &target.base_url(), target.token())).await;
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(ok["base_url"], json!(target.base_url()));

    let refused = test(&api, job("refused", &target.base_url(), "not-the-token")).await;
    assert_eq!(refused["ok"], false, "{refused}");
    let message = refused["message"].as_str().unwrap_or_default();
    assert!(message.contains("refused the credentials"), "{message}");
    assert!(!refused.to_string().contains("not-the-token"), "{refused}");
    api.stop().await;
}

#[tokio::test]
async fn an_unreachable_target_fails_the_test_with_the_reason() {
    // The backend owns the SQLite file's folder: it must outlive the server.
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    // Port 9 (discard) on loopback: nothing listens there.
    let body = test(&api, job("closed", "http://127.0.0.1:9/scim/v2", "secret-token")).await;
    assert_eq!(body["ok"], false, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("could not be reached"), "{message}");
    assert!(!body.to_string().contains("secret-token"), "{body}");
    api.stop().await;
}

#[tokio::test]
async fn only_an_administrator_tests_an_existing_scim_job() {
    // The backend owns the SQLite file's folder: it must outlive the server.
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    api.post(JOBS_PATH, job("closed", "http://127.0.0.1:9/scim/v2", "t"))
        .await
        .expect(201);
    api.anonymous(Method::POST, &test_connection_path("closed"))
        .await
        .expect_error(401, "unauthenticated", "");
    api.post(&test_connection_path("no such job"), json!({}))
        .await
        .expect_error(404, "not_found", "");
    let inbound = json!({"name": "inbound", "direction": "inbound", "target": {"kind": "directory"},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "userPrincipalName", "expression": "[userName]", "match_precedence": 1}]}]});
    api.post(JOBS_PATH, inbound).await.expect(201);
    api.post(&test_connection_path("inbound"), json!({}))
        .await
        .expect_error(400, "invalid", "needs no connection test");
    api.stop().await;
}
