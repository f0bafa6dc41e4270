//! The authentication routes and extractors over HTTP, in process: the
//! routes plus probe endpoints guarded by each extractor, with [`Auth`] as
//! the router's state, driven with `tower::ServiceExt::oneshot`.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, RETRY_AFTER, SET_COOKIE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::routing::{get, post};
use provisio_api::auth::{
    ADMINS_PATH, CSRF_HEADER, SESSION_PATH, Secret, SessionInfo, TOKENS_PATH, TokenCreateRequest, TokenScope,
    admin_path, token_path,
};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use super::testing::{ManualClock, auth, auth_with, inbound_job};
use super::{AdminCaller, Admins, Auth, AuthOptions, InboundCaller, ScimCaller, Tokens, Via, routes};

const PASSWORD: &str = "correct horse battery";

struct Harness {
    app: Router,
    auth: Auth,
    clock: ManualClock,
    /// The id of the inbound job `workday`, which inbound tokens name.
    workday: String,
}

/// A signed-in browser: its `Cookie` header and the session's CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Harness {
    /// The routes and probes over a database with the administrator `alice`.
    async fn new() -> Self {
        Self::with(auth().await).await
    }

    async fn with((auth, clock): (Auth, ManualClock)) -> Self {
        Admins::new(auth.store())
            .create("alice", &Secret::new(PASSWORD))
            .await
            .unwrap();
        let workday = inbound_job(auth.store(), "workday").await;
        let probes = Router::new()
            .route("/probe/admin", get(admin_probe).post(admin_probe))
            .route("/probe/scim", get(scim_probe))
            .route("/probe/inbound", post(inbound_probe));
        let app = routes::<Auth>().merge(probes).with_state(auth.clone());
        Harness {
            app,
            auth,
            clock,
            workday,
        }
    }

    async fn send(&self, method: Method, path: &str, headers: &[(&str, &str)], body: Option<Value>) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut request = match body {
            Some(body) => request
                .header(CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 40000))));
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Answer { status, headers, body }
    }

    async fn sign_in_as(&self, name: &str, password: &str) -> Answer {
        let body = json!({"name": name, "password": password});
        self.send(Method::POST, SESSION_PATH, &[], Some(body)).await
    }

    async fn browser(&self) -> Browser {
        let answer = self.sign_in_as("alice", PASSWORD).await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        let set_cookie = answer.headers[SET_COOKIE].to_str().unwrap();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let info: SessionInfo = serde_json::from_value(answer.body).unwrap();
        Browser {
            cookie,
            csrf: info.csrf_token.expose().to_owned(),
        }
    }

    /// A request from the browser, with its CSRF token when `csrf`.
    async fn from(&self, browser: &Browser, csrf: bool, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut headers = vec![(COOKIE.as_str(), browser.cookie.as_str())];
        if csrf {
            headers.push((CSRF_HEADER, browser.csrf.as_str()));
        }
        self.send(method, path, &headers, body).await
    }

    async fn with_token(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Answer {
        let authorization = format!("Bearer {token}");
        self.send(method, path, &[("authorization", &authorization)], body)
            .await
    }

    async fn token(&self, scope: TokenScope, job: Option<&str>) -> String {
        let request = TokenCreateRequest {
            name: Some(format!("{scope} probe")),
            scope,
            job: job.map(str::to_owned),
            agent: None,
            expires_in: None,
        };
        let created = Tokens::new(self.auth.store()).create(&request).await.unwrap();
        created.token.expose().to_owned()
    }
}

async fn admin_probe(caller: AdminCaller) -> axum::Json<Value> {
    let via = match caller.via {
        Via::Session { csrf_verified } => json!({"session": {"csrf_verified": csrf_verified}}),
        Via::Token { .. } => json!("token"),
    };
    axum::Json(json!({"admin": caller.admin, "via": via}))
}

async fn scim_probe(caller: ScimCaller) -> axum::Json<Value> {
    axum::Json(json!({"name": caller.name}))
}

async fn inbound_probe(caller: InboundCaller) -> axum::Json<Value> {
    axum::Json(json!({"job": caller.job}))
}

#[track_caller]
fn error(answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(answer.body["error"], code, "{:?}", answer.body);
    assert!(answer.body["message"].is_string(), "{:?}", answer.body);
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_and_answers_the_session() {
    let h = Harness::new().await;
    let answer = h.sign_in_as("alice", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK);
    let cookie = answer.headers[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("provisio_session="), "{cookie}");
    assert!(cookie.ends_with("; HttpOnly; SameSite=Strict; Path=/"), "{cookie}");
    assert_eq!(answer.headers[CACHE_CONTROL], "no-store");
    let info: SessionInfo = serde_json::from_value(answer.body).unwrap();
    assert_eq!(info.name, "alice");
    assert_eq!(info.csrf_token.expose().len(), 43);
    assert_eq!(info.expires_at, "2026-11-26T21:30:00.000000Z");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_name_get_the_same_answer() {
    let h = Harness::new().await;
    let wrong = h.sign_in_as("alice", "wrong horse battery").await;
    let unknown = h.sign_in_as("mallory", PASSWORD).await;
    error(&wrong, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(!wrong.headers.contains_key(SET_COOKIE));
}

#[tokio::test]
async fn failed_sign_ins_are_rate_limited() {
    let h = Harness::new().await;
    for _ in 0..5 {
        error(
            &h.sign_in_as("alice", "wrong horse battery").await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        );
    }
    let limited = h.sign_in_as("alice", PASSWORD).await;
    error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(limited.headers[RETRY_AFTER], "900");
    h.clock.advance(Duration::from_secs(900));
    assert_eq!(h.sign_in_as("alice", PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_full_sign_in_table_still_counts_new_clients() {
    // Room for two clients' counters; the harness's peer is a trusted proxy.
    let options = AuthOptions {
        sign_in_counters: 4,
        trusted_proxies: "192.0.2.1".parse().unwrap(),
        ..AuthOptions::default()
    };
    let h = Harness::with(auth_with(options).await).await;
    let sign_in_from = |client: &'static str, password: &'static str| {
        let body = json!({"name": "alice", "password": password});
        let h = &h;
        async move {
            h.send(Method::POST, SESSION_PATH, &[("x-forwarded-for", client)], Some(body))
                .await
                .status
        }
    };
    for client in ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"] {
        assert_eq!(
            sign_in_from(client, "wrong horse battery").await,
            StatusCode::UNAUTHORIZED
        );
    }
    for _ in 0..5 {
        assert_eq!(
            sign_in_from("198.51.100.9", "wrong horse battery").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in_from("198.51.100.9", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(sign_in_from("198.51.100.8", PASSWORD).await, StatusCode::OK);
}

#[tokio::test]
async fn malformed_sign_ins_are_bad_requests() {
    let h = Harness::new().await;
    let missing = h
        .send(Method::POST, SESSION_PATH, &[], Some(json!({"name": "alice"})))
        .await;
    error(&missing, StatusCode::BAD_REQUEST, "invalid");
    let form = h
        .send(
            Method::POST,
            SESSION_PATH,
            &[("content-type", "application/x-www-form-urlencoded")],
            None,
        )
        .await;
    error(&form, StatusCode::BAD_REQUEST, "invalid");
}

#[tokio::test]
async fn the_session_answers_its_csrf_token_to_its_cookie_only() {
    let h = Harness::new().await;
    let browser = h.browser().await;
    let answer = h.from(&browser, false, Method::GET, SESSION_PATH, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["csrf_token"], browser.csrf.as_str());
    assert_eq!(answer.headers[CACHE_CONTROL], "no-store");
    let none = h.send(Method::GET, SESSION_PATH, &[], None).await;
    error(&none, StatusCode::UNAUTHORIZED, "unauthenticated");
    let forged = h
        .send(
            Method::GET,
            SESSION_PATH,
            &[("cookie", "provisio_session=forged")],
            None,
        )
        .await;
    error(&forged, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn state_changing_session_requests_need_the_csrf_token() {
    let h = Harness::new().await;
    let browser = h.browser().await;
    let read = h.from(&browser, false, Method::GET, "/probe/admin", None).await;
    assert_eq!(
        read.body,
        json!({"admin": "alice", "via": {"session": {"csrf_verified": false}}})
    );
    error(
        &h.from(&browser, false, Method::POST, "/probe/admin", None).await,
        StatusCode::FORBIDDEN,
        "csrf",
    );
    let wrong = Browser {
        cookie: browser.cookie.clone(),
        csrf: "not-the-token".into(),
    };
    error(
        &h.from(&wrong, true, Method::POST, "/probe/admin", None).await,
        StatusCode::FORBIDDEN,
        "csrf",
    );
    let write = h.from(&browser, true, Method::POST, "/probe/admin", None).await;
    assert_eq!(
        write.body,
        json!({"admin": "alice", "via": {"session": {"csrf_verified": true}}})
    );
}

#[tokio::test]
async fn signing_out_ends_the_session_and_clears_the_cookie() {
    let h = Harness::new().await;
    let browser = h.browser().await;
    error(
        &h.from(&browser, false, Method::DELETE, SESSION_PATH, None).await,
        StatusCode::FORBIDDEN,
        "csrf",
    );
    let out = h.from(&browser, true, Method::DELETE, SESSION_PATH, None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let cleared = out.headers[SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("provisio_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    error(
        &h.from(&browser, false, Method::GET, SESSION_PATH, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
}

#[tokio::test]
async fn an_idle_session_ends() {
    let h = Harness::new().await;
    let browser = h.browser().await;
    h.clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(
        h.from(&browser, false, Method::GET, ADMINS_PATH, None).await.status,
        StatusCode::OK
    );
    h.clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(
        h.from(&browser, false, Method::GET, ADMINS_PATH, None).await.status,
        StatusCode::OK
    );
    h.clock.advance(Duration::from_secs(31 * 60));
    error(
        &h.from(&browser, false, Method::GET, ADMINS_PATH, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
}

#[tokio::test]
async fn every_admin_endpoint_requires_authentication() {
    let h = Harness::new().await;
    let body = Some(json!({}));
    for (method, path, body) in [
        (Method::GET, SESSION_PATH.to_owned(), None),
        (Method::DELETE, SESSION_PATH.to_owned(), None),
        (Method::GET, ADMINS_PATH.to_owned(), None),
        (Method::POST, ADMINS_PATH.to_owned(), body.clone()),
        (Method::DELETE, admin_path("alice"), None),
        (Method::GET, TOKENS_PATH.to_owned(), None),
        (Method::POST, TOKENS_PATH.to_owned(), body.clone()),
        (Method::DELETE, token_path("0b8e"), None),
    ] {
        let answer = h.send(method.clone(), &path, &[], body).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(answer.headers[WWW_AUTHENTICATE], "Bearer", "{method} {path}");
        assert_eq!(answer.body["error"], "unauthenticated", "{method} {path}");
    }
    assert_eq!(Admins::new(h.auth.store()).list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn admin_tokens_call_the_admin_api_and_other_tokens_do_not() {
    let h = Harness::new().await;
    let admin = h.token(TokenScope::Admin, None).await;
    let scim = h.token(TokenScope::Scim, None).await;
    let answer = h.with_token(&admin, Method::POST, "/probe/admin", None).await;
    assert_eq!(
        answer.body,
        json!({"admin": "admin probe", "via": "token"}),
        "no CSRF token needed"
    );
    error(
        &h.with_token(&scim, Method::GET, ADMINS_PATH, None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let unknown = super::token::generate().unwrap();
    for bad in [unknown.expose(), "pvs_short", "not-a-token"] {
        let answer = h.with_token(bad, Method::GET, ADMINS_PATH, None).await;
        error(&answer, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let basic = h
        .send(Method::GET, ADMINS_PATH, &[("authorization", "Basic YTpi")], None)
        .await;
    error(&basic, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn a_bad_bearer_token_is_refused_even_beside_a_good_cookie() {
    let h = Harness::new().await;
    let browser = h.browser().await;
    let headers = [
        ("cookie", browser.cookie.as_str()),
        ("authorization", "Bearer pvs_wrong"),
    ];
    let answer = h.send(Method::GET, ADMINS_PATH, &headers, None).await;
    error(&answer, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn administrators_are_created_listed_and_deleted() {
    let h = Harness::new().await;
    let browser = h.browser().await;
    let create = |name: &str, password: &str| json!({"name": name, "password": password});
    let created = h
        .from(&browser, true, Method::POST, ADMINS_PATH, Some(create("bob", PASSWORD)))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["name"], "bob");
    assert!(created.body.get("password").is_none() && created.body.get("password_hash").is_none());
    let taken = h
        .from(&browser, true, Method::POST, ADMINS_PATH, Some(create("bob", PASSWORD)))
        .await;
    error(&taken, StatusCode::CONFLICT, "conflict");
    let short = h
        .from(
            &browser,
            true,
            Method::POST,
            ADMINS_PATH,
            Some(create("carol", "short")),
        )
        .await;
    error(&short, StatusCode::BAD_REQUEST, "invalid");
    assert!(short.body["message"].as_str().unwrap().contains("at least 12"));
    let bad_name = h
        .from(
            &browser,
            true,
            Method::POST,
            ADMINS_PATH,
            Some(create("carol smith", PASSWORD)),
        )
        .await;
    error(&bad_name, StatusCode::BAD_REQUEST, "invalid");
    let list = h.from(&browser, false, Method::GET, ADMINS_PATH, None).await;
    let names: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(list.body[0]["last_sign_in_at"], "2026-11-26T09:30:00.000000Z");

    let yourself = h.from(&browser, true, Method::DELETE, &admin_path("alice"), None).await;
    error(&yourself, StatusCode::CONFLICT, "conflict");
    assert!(yourself.body["message"].as_str().unwrap().contains("yourself"));
    let nobody = h.from(&browser, true, Method::DELETE, &admin_path("carol"), None).await;
    error(&nobody, StatusCode::NOT_FOUND, "not_found");
    let deleted = h.from(&browser, true, Method::DELETE, &admin_path("bob"), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let admin = h.token(TokenScope::Admin, None).await;
    let last = h.with_token(&admin, Method::DELETE, &admin_path("alice"), None).await;
    error(&last, StatusCode::CONFLICT, "conflict");
    assert!(last.body["message"].as_str().unwrap().contains("last administrator"));
}

#[tokio::test]
async fn a_deleted_administrators_sessions_end() {
    let h = Harness::new().await;
    Admins::new(h.auth.store())
        .create("bob", &Secret::new(PASSWORD))
        .await
        .unwrap();
    let alice = h.browser().await;
    let answer = h.sign_in_as("bob", PASSWORD).await;
    let bob_cookie = answer.headers[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    h.from(&alice, true, Method::DELETE, &admin_path("bob"), None).await;
    let answer = h.send(Method::GET, ADMINS_PATH, &[("cookie", &bob_cookie)], None).await;
    error(&answer, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn tokens_are_shown_once_listed_without_secrets_and_revocable() {
    let h = Harness::new().await;
    let browser = h.browser().await;
    let created = h
        .from(
            &browser,
            true,
            Method::POST,
            TOKENS_PATH,
            Some(json!({"scope": "scim", "name": "Okta"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.headers[CACHE_CONTROL], "no-store");
    let token = created.body["token"].as_str().unwrap().to_owned();
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with("pvs_") && token.len() == 47, "{token}");
    assert_eq!(created.body["scope"], "scim");

    let list = h.from(&browser, false, Method::GET, TOKENS_PATH, None).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(list.body[0]["name"], "Okta");
    assert!(!list.body.to_string().contains(&token[4..]), "{:?}", list.body);
    assert!(list.body[0].get("token").is_none());

    assert_eq!(
        h.with_token(&token, Method::GET, "/probe/scim", None).await.body,
        json!({"name": "Okta"})
    );
    let revoked = h.from(&browser, true, Method::DELETE, &token_path(&id), None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        h.with_token(&token, Method::GET, "/probe/scim", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let listed = h.from(&browser, false, Method::GET, TOKENS_PATH, None).await;
    assert!(listed.body[0]["revoked_at"].is_string());
    let unknown = h.from(&browser, true, Method::DELETE, &token_path("nope"), None).await;
    error(&unknown, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn token_requests_are_checked() {
    let h = Harness::new().await;
    let admin = h.token(TokenScope::Admin, None).await;
    for body in [
        json!({"scope": "inbound"}),
        json!({"scope": "scim", "job": "workday"}),
        json!({"scope": "root"}),
        json!({"scope": "admin", "name": ""}),
    ] {
        let answer = h
            .with_token(&admin, Method::POST, TOKENS_PATH, Some(body.clone()))
            .await;
        error(&answer, StatusCode::BAD_REQUEST, "invalid");
    }
    let inbound = h
        .with_token(
            &admin,
            Method::POST,
            TOKENS_PATH,
            Some(json!({"scope": "inbound", "job": "workday"})),
        )
        .await;
    assert_eq!(inbound.status, StatusCode::CREATED);
    assert_eq!(inbound.body["job"], "workday");
    assert!(inbound.body["name"].as_str().unwrap().starts_with("inbound token "));
    let unknown = h
        .with_token(
            &admin,
            Method::POST,
            TOKENS_PATH,
            Some(json!({"scope": "inbound", "job": "payroll"})),
        )
        .await;
    error(&unknown, StatusCode::BAD_REQUEST, "invalid");
    assert!(
        unknown.body["message"].as_str().unwrap().contains("`payroll`"),
        "{:?}",
        unknown.body
    );
}

#[tokio::test]
async fn scim_needs_a_scim_or_admin_token_and_answers_scim_errors() {
    let h = Harness::new().await;
    let missing = h.send(Method::GET, "/probe/scim", &[], None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.headers[CONTENT_TYPE], "application/scim+json");
    assert_eq!(missing.headers[WWW_AUTHENTICATE], "Bearer realm=\"provisio\"");
    assert_eq!(
        missing.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(missing.body["status"], "401");
    assert!(missing.body["detail"].is_string());

    let browser = h.browser().await;
    let cookie = h.from(&browser, false, Method::GET, "/probe/scim", None).await;
    assert_eq!(
        cookie.status,
        StatusCode::UNAUTHORIZED,
        "a session is not a SCIM credential"
    );

    let admin = h.token(TokenScope::Admin, None).await;
    assert_eq!(
        h.with_token(&admin, Method::GET, "/probe/scim", None).await.status,
        StatusCode::OK
    );
    let inbound = h.token(TokenScope::Inbound, Some("workday")).await;
    let refused = h.with_token(&inbound, Method::GET, "/probe/scim", None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body["status"], "403");
}

#[tokio::test]
async fn inbound_needs_an_inbound_token_and_names_its_job() {
    let h = Harness::new().await;
    let inbound = h.token(TokenScope::Inbound, Some("workday")).await;
    let answer = h.with_token(&inbound, Method::POST, "/probe/inbound", None).await;
    assert_eq!(answer.body, json!({"job": h.workday}), "the job's id");
    // Refusals are SCIM errors: the callers are SCIM clients.
    let admin = h.token(TokenScope::Admin, None).await;
    let refused = h.with_token(&admin, Method::POST, "/probe/inbound", None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body["status"], "403");
    assert!(refused.body["detail"].as_str().unwrap().contains("an inbound token"));
    let anonymous = h.send(Method::POST, "/probe/inbound", &[], None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.body["status"], "401");
}

/// Collects everything the server logs while a test runs.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn secrets_never_reach_the_log() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .finish();
    // With a single subscriber alive, tracing caches whether a log
    // statement is wanted by asking the subscriber of whichever thread
    // reaches it first: often another test's, which has none. A second
    // subscriber makes it ask every subscriber alive instead.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::new().await;
    h.sign_in_as("alice", "wrong horse battery").await;
    h.sign_in_as("correct horse battery staple", PASSWORD).await;
    let browser = h.browser().await;
    let created = h
        .from(
            &browser,
            true,
            Method::POST,
            TOKENS_PATH,
            Some(json!({"scope": "admin"})),
        )
        .await;
    let token = created.body["token"].as_str().unwrap().to_owned();
    h.with_token(&token, Method::GET, ADMINS_PATH, None).await;
    let new_admin = json!({"name": "bob", "password": "bob's secret password"});
    h.from(&browser, true, Method::POST, ADMINS_PATH, Some(new_admin)).await;

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("signed in") && log.contains("API token created"), "{log}");
    let session_id = browser.cookie.trim_start_matches("provisio_session=");
    for secret in ["horse battery", "bob's secret", &token[4..], session_id, &browser.csrf] {
        assert!(!log.contains(secret), "{secret:?} in the log:\n{log}");
    }
}

#[test]
fn the_handlers_make_an_openapi_document_with_their_security_schemes() {
    use utoipa::OpenApi;

    use super::routes::{
        __path_create_admin, __path_create_token, __path_delete_admin, __path_list_admins, __path_list_tokens,
        __path_revoke_token, __path_session_info, __path_sign_in, __path_sign_out, SecuritySchemes,
    };

    #[derive(OpenApi)]
    #[openapi(
        paths(
            sign_in,
            session_info,
            sign_out,
            list_admins,
            create_admin,
            delete_admin,
            list_tokens,
            create_token,
            revoke_token
        ),
        modifiers(&SecuritySchemes)
    )]
    struct Doc;

    let doc = serde_json::to_value(Doc::openapi()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let mut names: Vec<&str> = paths.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "/api/v1/admins",
            "/api/v1/admins/{name}",
            "/api/v1/session",
            "/api/v1/tokens",
            "/api/v1/tokens/{id}"
        ]
    );
    let session = &paths["/api/v1/session"];
    assert!(
        session["post"].get("security").is_none(),
        "signing in needs no credentials"
    );
    assert_eq!(
        session["delete"]["security"],
        json!([{"csrf_header": [], "session_cookie": []}])
    );
    assert_eq!(
        paths["/api/v1/admins"]["get"]["security"],
        json!([{"session_cookie": []}, {"bearer": []}])
    );
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert_eq!(schemes["session_cookie"]["name"], "provisio_session");
    assert_eq!(schemes["csrf_header"]["name"], "X-CSRF-Token");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for schema in [
        "SignInRequest",
        "SessionInfo",
        "AdminSummary",
        "TokenCreated",
        "ApiError",
        "Secret",
    ] {
        assert!(schemas.contains_key(schema), "{schema}: {:?}", schemas.keys());
    }
}
