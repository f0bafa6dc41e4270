//! A small JSON REST service for the tests to provision into, on a loopback
//! port: users and groups kept in memory under `/api/users` and
//! `/api/groups` (POST, GET by id, PATCH, PUT, DELETE, `POST …/{id}/disable`,
//! and `GET /api/users?attr=value` answering `{"items": […]}`), a bearer
//! token check, and every request recorded so tests can check what was
//! sent. The tests read and seed its state directly.
//!
//! ```no_run
//! # async fn run() {
//! let service = provisio_tests::rest_target::RestService::start().await;
//! // Point a REST target at service.base_url() (http://127.0.0.1:PORT/api) with service.token().
//! let users = service.objects("users");
//! # }
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

/// The bearer token the service accepts.
const TOKEN: &str = "rest-test-token";

/// One request the service received.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: String,
    /// The path and query, as sent.
    pub uri: String,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// The `X-Tenant` header, if any (to check configured headers).
    pub tenant: Option<String>,
}

/// An answer the service gives instead of serving a request.
#[derive(Debug, Clone)]
struct Fault {
    status: u16,
    retry_after: Option<u64>,
    /// `{auth}` in it is replaced by the request's `Authorization` header.
    body: String,
}

#[derive(Debug, Default)]
struct Data {
    /// By collection (`users`, `groups`), then id.
    objects: BTreeMap<String, BTreeMap<String, Value>>,
    calls: Vec<Call>,
    faults: VecDeque<Fault>,
}

#[derive(Debug, Default)]
struct Shared {
    data: Mutex<Data>,
    next_id: AtomicU64,
}

impl Shared {
    fn with<T>(&self, f: impl FnOnce(&mut Data) -> T) -> T {
        f(&mut self.data.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A running service; stopped when dropped.
#[derive(Debug)]
pub struct RestService {
    port: u16,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RestService {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RestService {
    /// Starts an empty service on a free loopback port (inside a tokio
    /// runtime).
    pub async fn start() -> RestService {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/api/{kind}", post(create).get(list))
            .route("/api/{kind}/{id}", get(read).patch(patch).put(put).delete(remove))
            .route("/api/{kind}/{id}/disable", post(disable))
            .layer(middleware::from_fn_with_state(shared.clone(), guard))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("the bound address").port();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        RestService { port, shared, task }
    }

    /// `http://127.0.0.1:PORT/api`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/api", self.port)
    }

    pub fn token(&self) -> &'static str {
        TOKEN
    }

    /// Every object of a collection (`users`, `groups`), by id order.
    pub fn objects(&self, kind: &str) -> Vec<Value> {
        self.shared.with(|data| {
            data.objects
                .get(kind)
                .map(|m| m.values().cloned().collect())
                .unwrap_or_default()
        })
    }

    /// The object of a collection whose `field` is `value`.
    pub fn object_where(&self, kind: &str, field: &str, value: &str) -> Option<Value> {
        self.objects(kind).into_iter().find(|o| o[field] == value)
    }

    /// Adds an object directly (not recorded as a call); returns its id.
    pub fn insert(&self, kind: &str, object: Value) -> String {
        let id = self.new_id();
        let object = with_id(object, &id);
        self.shared.with(|data| {
            data.objects
                .entry(kind.to_owned())
                .or_default()
                .insert(id.clone(), object);
        });
        id
    }

    /// Every request received so far.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.with(|data| data.calls.clone())
    }

    /// The requests with this method whose path starts with `prefix`.
    pub fn calls_to(&self, method: &str, prefix: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method && c.uri.starts_with(prefix))
            .collect()
    }

    /// Answers the next `count` requests (whatever they are, before the
    /// token check) with `status`, `Retry-After` and `body`, in which
    /// `{auth}` stands for the request's `Authorization` header.
    pub fn fail_next(&self, count: usize, status: u16, retry_after: Option<u64>, body: &str) {
        let fault = Fault {
            status,
            retry_after,
            body: body.to_owned(),
        };
        self.shared
            .with(|data| data.faults.extend(std::iter::repeat_n(fault, count)));
    }

    fn new_id(&self) -> String {
        new_id(&self.shared)
    }
}

fn new_id(shared: &Shared) -> String {
    let n = shared.next_id.fetch_add(1, Ordering::Relaxed) + 1;
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn with_id(object: Value, id: &str) -> Value {
    let mut map = match object {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.insert("id".into(), json!(id));
    Value::Object(map)
}

/// Checks the token and records the request.
async fn guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let call = Call {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        body: serde_json::from_slice(&bytes).ok(),
        tenant: header_text(&parts.headers, "x-tenant"),
    };
    let fault = shared.with(|data| {
        data.calls.push(call);
        data.faults.pop_front()
    });
    if let Some(fault) = fault {
        let auth = header_text(&parts.headers, header::AUTHORIZATION.as_str()).unwrap_or_default();
        let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, fault.body.replace("{auth}", &auth)).into_response();
        if let Some(seconds) = fault.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
        }
        return response;
    }
    let expected = format!("Bearer {TOKEN}");
    if header_text(&parts.headers, header::AUTHORIZATION.as_str()).as_deref() != Some(expected.as_str()) {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "bad token"}))).into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn known(kind: &str) -> bool {
    matches!(kind, "users" | "groups")
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, axum::Json(json!({"error": "not found"}))).into_response()
}

async fn create(State(shared): State<Arc<Shared>>, Path(kind): Path<String>, body: axum::Json<Value>) -> Response {
    if !known(&kind) {
        return not_found();
    }
    let id = new_id(&shared);
    let object = with_id(body.0, &id);
    shared.with(|data| {
        data.objects.entry(kind).or_default().insert(id, object.clone());
    });
    (StatusCode::CREATED, axum::Json(object)).into_response()
}

/// The objects whose fields (dotted paths for nested ones) equal every
/// query pair, case-insensitively.
async fn list(
    State(shared): State<Arc<Shared>>,
    Path(kind): Path<String>,
    Query(filter): Query<BTreeMap<String, String>>,
) -> Response {
    if !known(&kind) {
        return not_found();
    }
    let items: Vec<Value> = shared.with(|data| {
        data.objects
            .get(&kind)
            .map(|objects| {
                objects
                    .values()
                    .filter(|o| filter.iter().all(|(k, v)| field_is(o, k, v)))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    });
    axum::Json(json!({ "items": items })).into_response()
}

fn field_is(object: &Value, path: &str, wanted: &str) -> bool {
    let pointer = format!("/{}", path.replace('.', "/"));
    match object.pointer(&pointer) {
        Some(Value::String(s)) => s.eq_ignore_ascii_case(wanted),
        Some(other) => other.to_string().as_str() == wanted,
        None => false,
    }
}

async fn read(State(shared): State<Arc<Shared>>, Path((kind, id)): Path<(String, String)>) -> Response {
    match shared.with(|data| data.objects.get(&kind).and_then(|m| m.get(&id)).cloned()) {
        Some(object) => axum::Json(object).into_response(),
        None => not_found(),
    }
}

/// Replaces (`PUT`) or merges into (`PATCH`) an object.
fn write(shared: &Shared, kind: &str, id: &str, body: Value, method: Method) -> Response {
    let updated = shared.with(|data| {
        let object = data.objects.get_mut(kind)?.get_mut(id)?;
        if method == Method::PUT {
            *object = with_id(body, id);
        } else {
            merge(object, body);
        }
        Some(object.clone())
    });
    match updated {
        Some(object) => axum::Json(object).into_response(),
        None => not_found(),
    }
}

fn merge(into: &mut Value, patch: Value) {
    match (into, patch) {
        (Value::Object(into), Value::Object(patch)) => {
            for (key, value) in patch {
                match into.get_mut(&key) {
                    Some(existing) if existing.is_object() && value.is_object() => merge(existing, value),
                    _ => {
                        into.insert(key, value);
                    }
                }
            }
        }
        (into, patch) => *into = patch,
    }
}

async fn patch(
    State(shared): State<Arc<Shared>>,
    Path((kind, id)): Path<(String, String)>,
    body: axum::Json<Value>,
) -> Response {
    write(&shared, &kind, &id, body.0, Method::PATCH)
}

async fn put(
    State(shared): State<Arc<Shared>>,
    Path((kind, id)): Path<(String, String)>,
    body: axum::Json<Value>,
) -> Response {
    write(&shared, &kind, &id, body.0, Method::PUT)
}

async fn remove(State(shared): State<Arc<Shared>>, Path((kind, id)): Path<(String, String)>) -> Response {
    let removed = shared.with(|data| data.objects.get_mut(&kind).and_then(|m| m.remove(&id)));
    match removed {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => not_found(),
    }
}

async fn disable(State(shared): State<Arc<Shared>>, Path((kind, id)): Path<(String, String)>) -> Response {
    write(&shared, &kind, &id, json!({"active": false}), Method::PATCH)
}
