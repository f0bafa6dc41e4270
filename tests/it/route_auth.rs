//! Every route refuses a request without credentials: each operation of the
//! OpenAPI document (which the admin API's router is built from), each
//! SCIM route, and the metrics. Only signing in, the OpenAPI document, the
//! health check and the portal's files are public.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::backends::Backend;

/// The `/scim/v2` routes (server/src/scim/routes.rs), with every method each serves.
const SCIM_ROUTES: &[(&str, &[&str])] = &[
    ("/ServiceProviderConfig", &["GET"]),
    ("/ResourceTypes", &["GET"]),
    ("/ResourceTypes/User", &["GET"]),
    ("/Schemas", &["GET"]),
    ("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", &["GET"]),
    ("/Bulk", &["POST"]),
    ("/.search", &["POST"]),
    ("/Users", &["GET", "POST"]),
    ("/Users/.search", &["POST"]),
    ("/Users/x", &["GET", "PUT", "PATCH", "DELETE"]),
    ("/Groups", &["GET", "POST"]),
    ("/Groups/.search", &["POST"]),
    ("/Groups/x", &["GET", "PUT", "PATCH", "DELETE"]),
    ("/NoSuchEndpoint", &["GET"]),
];

/// Public by design: signing in, and the API's own description.
fn is_public(method: &Method, path: &str) -> bool {
    (method == Method::POST && path == "/api/v1/session") || path == "/api/v1/openapi.json"
}

#[tokio::test]
async fn every_route_refuses_an_unauthenticated_request() {
    let backend = Backend::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let server = provisio_server::Server::new(provisio_server::ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: backend.url.clone(),
        portal_dir: dir.path().join("dist"),
    })
    .launch()
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let base = server.base_url();
    let doc: Value = http
        .get(format!("{base}/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let mut requests: Vec<(Method, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete: String = path
            .split('/')
            .map(|segment| if segment.starts_with('{') { "x" } else { segment })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            if !is_public(&method, path) {
                requests.push((method, concrete.clone()));
            }
        }
    }
    assert!(
        requests.len() >= 40,
        "the OpenAPI document lists only {} operations",
        requests.len()
    );
    for (path, methods) in SCIM_ROUTES {
        for method in *methods {
            requests.push((method.parse().unwrap(), format!("/scim/v2{path}")));
        }
    }

    for (method, path) in requests {
        let body = matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| "{}".to_owned());
        let mut request = http
            .request(method.clone(), format!("{base}{path}"))
            .header("content-type", "application/json");
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let challenge = response.headers().get("www-authenticate").cloned();
        let text = response.text().await.unwrap();
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} answered {status}: {text}"
        );
        assert!(challenge.is_some(), "{method} {path}: 401 without WWW-Authenticate");
        assert!(!text.contains("\"Resources\""), "{method} {path} leaked data");
    }
    server.shutdown().await;
}
