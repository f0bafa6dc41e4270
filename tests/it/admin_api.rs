//! The admin JSON API (`/api/v1`) over HTTP against the real server on a
//! loopback port, on a SQLite file and on PostgreSQL: authentication, the
//! OpenAPI document against the routes actually served, and the metrics.
//! Jobs and the directory have a module each.

mod directory;
mod job_warnings;
mod jobs;

use std::path::PathBuf;

use provisio_api::auth::{TokenCreateRequest, TokenScope};
use provisio_server::{RunningServer, Server, ServerConfig};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::backends::Backend;

/// A server with an admin API token, on one backend.
pub(crate) struct Api {
    pub(crate) server: RunningServer,
    pub(crate) database_url: String,
    /// The key file job secrets are encrypted with.
    pub(crate) key_file: PathBuf,
    client: reqwest::Client,
    token: String,
    _dir: tempfile::TempDir,
}

/// An answer: status, headers, the body as JSON (`Null` when empty or not
/// JSON) and as text.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl Api {
    pub(crate) async fn start(backend: &Backend) -> Api {
        Api::start_with(backend, |server| server).await
    }

    /// A server set up by `configure` (its start-up options) before it starts.
    pub(crate) async fn start_with(backend: &Backend, configure: impl FnOnce(Server) -> Server) -> Api {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("keys/secret.key");
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: backend.url.clone(),
            portal_dir: dir.path().join("dist"),
        };
        let server = configure(
            Server::new(config)
                .with_secret_key_file(Some(key_file.clone()))
                .with_target_policy(test_targets()),
        )
        .launch()
        .await
        .unwrap();
        let token = create_token(&server, TokenScope::Admin).await;
        Api {
            server,
            database_url: backend.url.clone(),
            key_file,
            client: reqwest::Client::new(),
            token,
            _dir: dir,
        }
    }

    /// The admin API token the requests carry (for commands given `--token`).
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    pub(crate) async fn stop(self) {
        self.server.shutdown().await;
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// Sends a request with the admin token and, when given, a JSON body.
    pub(crate) async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .client
            .request(method, self.url(path))
            .header(AUTHORIZATION, format!("Bearer {}", self.token));
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.unwrap()).await
    }

    /// Sends a request as built by `build` (headers, raw bodies…) with the admin token.
    pub(crate) async fn send_with(
        &self,
        method: Method,
        path: &str,
        build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Answer {
        let request = self
            .client
            .request(method, self.url(path))
            .header(AUTHORIZATION, format!("Bearer {}", self.token));
        answer(build(request).send().await.unwrap()).await
    }

    pub(crate) async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    pub(crate) async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub(crate) async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }

    /// A request with no credentials at all.
    pub(crate) async fn anonymous(&self, method: Method, path: &str) -> Answer {
        answer(self.client.request(method, self.url(path)).send().await.unwrap()).await
    }

    /// A request with another token.
    pub(crate) async fn with_token(&self, token: &str, method: Method, path: &str) -> Answer {
        let request = self
            .client
            .request(method, self.url(path))
            .header(AUTHORIZATION, format!("Bearer {token}"));
        answer(request.send().await.unwrap()).await
    }

    /// A direct connection to the server's database.
    pub(crate) async fn database(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.database_url).await.unwrap()
    }
}

pub(crate) async fn create_token(server: &RunningServer, scope: TokenScope) -> String {
    let request = TokenCreateRequest {
        name: Some(format!("{scope} tests")),
        scope,
        job: None,
        agent: None,
        expires_in: None,
    };
    let created = provisio_server::auth::Tokens::new(server.store())
        .create(&request)
        .await
        .unwrap();
    created.token.expose().to_owned()
}

pub(crate) async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        text,
    }
}

impl Answer {
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub(crate) fn expect(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        &self.body
    }

    /// Asserts an error answer: its status, its code, and words of its message.
    #[track_caller]
    pub(crate) fn expect_error(&self, status: u16, code: &str, says: &str) {
        self.expect(status);
        assert_eq!(self.body["error"], code, "{}", self.text);
        let message = self.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{message:?} does not say {says:?}");
        assert_eq!(self.headers[CONTENT_TYPE], "application/json", "{}", self.text);
    }
}

/// What the tests' jobs may reach: SQLite targets in the temporary folders
/// the tests make (the server's own database among them stays refused).
pub(crate) fn test_targets() -> provisio_connectors::TargetPolicy {
    provisio_connectors::TargetPolicy {
        sqlite_dir: Some(std::env::temp_dir()),
        ..Default::default()
    }
}

/// Runs `test` against a fresh server on `backend`: the runner of
/// [`backend_test!`](crate::backends::backend_test) for API tests.
pub(crate) async fn with_api(backend: Backend, test: impl AsyncFn(&Api)) {
    with_configured_api(backend, |server| server, test).await;
}

/// [`with_api`] with the server set up by `configure` before it starts.
pub(crate) async fn with_configured_api(
    backend: Backend,
    configure: impl FnOnce(Server) -> Server,
    test: impl AsyncFn(&Api),
) {
    let api = Api::start_with(&backend, configure).await;
    test(&api).await;
    api.stop().await;
}

/// One fresh server on a SQLite file, for tests that do not touch storage
/// in backend-specific ways.
async fn sqlite_api() -> (Api, Backend) {
    let backend = Backend::sqlite();
    (Api::start(&backend).await, backend)
}

#[tokio::test]
async fn every_endpoint_needs_an_admin() {
    let (api, _backend) = sqlite_api().await;
    let scim_token = create_token(&api.server, TokenScope::Scim).await;
    for (method, path) in [
        (Method::GET, "/api/v1/jobs"),
        (Method::POST, "/api/v1/jobs"),
        (Method::GET, "/api/v1/jobs/x/assignments"),
        (Method::DELETE, "/api/v1/jobs/x"),
        (Method::GET, "/api/v1/directory/users"),
        (Method::PATCH, "/api/v1/directory/users/x"),
        (Method::GET, "/api/v1/directory/attributes"),
        (Method::GET, "/metrics"),
    ] {
        let anonymous = api.anonymous(method.clone(), path).await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {}",
            anonymous.text
        );
        assert_eq!(anonymous.body["error"], "unauthenticated");
        let scim = api.with_token(&scim_token, method.clone(), path).await;
        assert_eq!(scim.status, StatusCode::FORBIDDEN, "{method} {path}: {}", scim.text);
    }
    api.stop().await;
}

/// The OpenAPI document is public, is OpenAPI 3.1 with the security
/// schemes, and names exactly routes the server has: each of its
/// operations, requested, reaches a handler (no 405, and no 404 but the
/// handlers' own JSON "not found").
#[tokio::test]
async fn the_openapi_document_matches_the_routes_served() {
    let (api, _backend) = sqlite_api().await;
    let answer = api.anonymous(Method::GET, "/api/v1/openapi.json").await;
    let doc = answer.expect(200).clone();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for scheme in ["bearer", "session_cookie", "csrf_header"] {
        assert!(doc["components"]["securitySchemes"].get(scheme).is_some(), "{scheme}");
    }
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "no-such-thing"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let body = matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
            let answer = api.send(method.clone(), &concrete, body).await;
            let status = answer.status.as_u16();
            assert_ne!(status, 405, "{method} {path} is documented but not routed");
            assert_ne!(status, 503, "{method} {path} fell through to the portal");
            if status == 404 {
                assert_eq!(
                    answer.body["error"], "not_found",
                    "{method} {path} is not routed: {}",
                    answer.text
                );
            }
            operations += 1;
        }
    }
    assert!(operations >= 40, "only {operations} operations documented");
    for documented in [
        "/api/v1/jobs/{id}/assignments/{principal_id}",
        "/api/v1/directory/groups/{id}/members/{member_id}",
        "/api/v1/session",
        "/api/v1/tokens",
        "/api/v1/admins",
        "/metrics",
    ] {
        assert!(paths.contains_key(documented), "{documented}");
    }
    api.stop().await;
}

#[tokio::test]
async fn metrics_count_requests_and_measure_the_directory_and_jobs() {
    let (api, _backend) = sqlite_api().await;
    api.post(
        "/api/v1/directory/users",
        json!({"attributes": {"userPrincipalName": "ada@contoso.com"}}),
    )
    .await
    .expect(201);
    let gone = api
        .post(
            "/api/v1/directory/users",
            json!({"attributes": {"userPrincipalName": "bob@contoso.com"}}),
        )
        .await;
    let gone = gone.body["id"].as_str().unwrap().to_owned();
    api.delete(&format!("/api/v1/directory/users/{gone}")).await.expect(204);
    let job = api.post("/api/v1/jobs", jobs::acme("Metrics", "t")).await;
    let job = job.body["id"].as_str().unwrap().to_owned();
    api.post(&format!("/api/v1/jobs/{job}/start"), json!({}))
        .await
        .expect(200);
    api.get("/api/v1/jobs/no-such-job").await.expect(404);

    let scrape = api.get("/metrics").await;
    scrape.expect(200);
    assert!(
        scrape.headers[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = scrape.text;
    for line in [
        r#"provisio_http_requests_total{method="POST",route="/api/v1/directory/users",status="201"} 2"#,
        r#"provisio_http_requests_total{method="GET",route="/api/v1/jobs/{id}",status="404"} 1"#,
        r#"provisio_http_requests_total{method="DELETE",route="/api/v1/directory/users/{id}",status="204"} 1"#,
        r#"provisio_directory_objects{type="user",state="live"} 1"#,
        r#"provisio_directory_objects{type="user",state="deleted"} 1"#,
        r#"provisio_directory_objects{type="group",state="live"} 0"#,
        r#"provisio_jobs{state="running"} 1"#,
        r#"provisio_jobs{state="stopped"} 0"#,
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
    assert!(
        text.contains("# TYPE provisio_http_request_duration_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains(
            r#"provisio_http_request_duration_seconds_bucket{method="GET",route="/api/v1/jobs/{id}",le="+Inf"} 1"#
        ),
        "{text}"
    );

    // A second server in the same process keeps its own counts.
    let (other, _other_backend) = sqlite_api().await;
    let other_text = other.get("/metrics").await.text;
    assert!(
        !other_text.contains("route=\"/api/v1/directory/users\""),
        "{other_text}"
    );
    other.stop().await;
    api.stop().await;
}

/// The `provisio_http_*` series in a scrape.
fn http_series(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.starts_with("provisio_http_"))
        .filter_map(|line| line.rsplit_once(' ').map(|(series, _)| series.to_owned()))
        .collect()
}

#[tokio::test]
async fn made_up_methods_and_paths_add_no_metric_series() {
    let (api, _backend) = sqlite_api().await;
    let client = reqwest::Client::new();
    let base = api.server.base_url();
    let flood = |round: usize| {
        let client = client.clone();
        let base = base.clone();
        async move {
            for i in 0..40 {
                let method = Method::from_bytes(format!("MADEUP{round}X{i}").as_bytes()).unwrap();
                for path in [
                    format!("/api/v1/jobs/job-{round}-{i}"),
                    format!("/scim/v2/Users/user-{round}-{i}"),
                    format!("/scim/v2/Nothing{round}{i}/x"),
                    format!("/no/such/page/{round}/{i}.js"),
                    format!("/api/v1/nothing-{round}-{i}"),
                ] {
                    for method in [method.clone(), Method::GET, Method::TRACE] {
                        client.request(method, format!("{base}{path}")).send().await.unwrap();
                    }
                }
            }
        }
    };
    // Scraping counts too: once before, so both scrapes below see its series.
    api.get("/metrics").await.expect(200);
    flood(1).await;
    let first = http_series(&api.get("/metrics").await.text);
    flood(2).await;
    let text = api.get("/metrics").await.text;
    let second = http_series(&text);
    assert_eq!(first.len(), second.len(), "{text}");
    assert!(second.len() < 150, "{} series:\n{text}", second.len());
    assert!(!text.contains("MADEUP") && !text.contains("TRACE"), "{text}");
    assert!(
        !text.contains("job-1-") && !text.contains("user-2-") && !text.contains("/no/such"),
        "{text}"
    );
    assert!(text.contains(r#"method="other""#), "{text}");
    api.stop().await;
}
