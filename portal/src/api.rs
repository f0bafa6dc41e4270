//! The admin API from the browser: JSON requests with the session's CSRF
//! token, answers read into `provisio-api` wire types, and one [`Failure`]
//! type that pages show where it belongs. A 401 means the session ended:
//! every request that meets one sends the portal back to sign-in.

use std::cell::RefCell;

use gloo_net::http::{Request, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;

thread_local! {
    /// The signed-in session's CSRF token (memory only, never stored).
    static CSRF: RefCell<Option<String>> = const { RefCell::new(None) };
    /// What to do when the server says the session is over.
    static ON_SIGNED_OUT: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Sets (or clears) the CSRF token sent with state-changing requests.
pub fn set_csrf_token(token: Option<String>) {
    CSRF.with(|csrf| *csrf.borrow_mut() = token);
}

/// Called whenever a request is answered 401 (the session expired or was ended).
pub fn on_signed_out(callback: impl Fn() + 'static) {
    ON_SIGNED_OUT.with(|slot| *slot.borrow_mut() = Some(Box::new(callback)));
}

/// Why a request failed: the server's `error` code and message, or a
/// network failure (`status` 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub status: u16,
    pub error: String,
    pub message: String,
    /// The whole error body, for answers with more than a message (an
    /// invalid job definition lists every problem).
    pub body: Option<serde_json::Value>,
}

impl Failure {
    fn network(error: impl std::fmt::Display) -> Failure {
        Failure {
            status: 0,
            error: "network".into(),
            message: format!("the server could not be reached: {error}"),
            body: None,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// `GET path`, answered as `T`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    decode(&exchange(Request::get(path), None).await?)
}

/// `GET path`, answered as text (exports).
pub async fn get_text(path: &str) -> Result<String, Failure> {
    exchange(Request::get(path), None).await
}

/// `POST path` with a JSON body, answered as `T`.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, Failure> {
    let body = to_json(body)?;
    decode(&exchange(Request::post(path), Some(body)).await?)
}

/// `PUT path` with a JSON body, answered as `T`.
pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, Failure> {
    let body = to_json(body)?;
    decode(&exchange(Request::put(path), Some(body)).await?)
}

/// `PUT path` with a JSON body, only if the resource is still at `version`
/// (`If-Match`; a later version answers 412).
pub async fn put_if_match<B: Serialize, T: DeserializeOwned>(path: &str, body: &B, version: i64) -> Result<T, Failure> {
    let body = to_json(body)?;
    decode(&exchange(if_match(Request::put(path), version), Some(body)).await?)
}

/// `PATCH path` with a JSON body, only if the resource is still at
/// `version` (`If-Match`; a later version answers 412).
pub async fn patch_if_match<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
    version: i64,
) -> Result<T, Failure> {
    let body = to_json(body)?;
    decode(&exchange(if_match(Request::patch(path), version), Some(body)).await?)
}

/// `DELETE path`, only if the resource is still at `version`.
pub async fn delete_if_match(path: &str, version: i64) -> Result<(), Failure> {
    exchange(if_match(Request::delete(path), version), None)
        .await
        .map(|_| ())
}

/// `PATCH path` with a JSON body, answered as `T`.
pub async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, Failure> {
    let body = to_json(body)?;
    decode(&exchange(Request::patch(path), Some(body)).await?)
}

/// `DELETE path`; the answer's body is not read.
pub async fn delete(path: &str) -> Result<(), Failure> {
    exchange(Request::delete(path), None).await.map(|_| ())
}

fn if_match(builder: RequestBuilder, version: i64) -> RequestBuilder {
    builder.header("If-Match", &format!("\"{version}\""))
}

fn to_json<B: Serialize>(body: &B) -> Result<String, Failure> {
    serde_json::to_string(body).map_err(|e| Failure {
        status: 0,
        error: "unwritable".into(),
        message: format!("the request could not be written: {e}"),
        body: None,
    })
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, Failure> {
    serde_json::from_str(text).map_err(|e| Failure {
        status: 200,
        error: "unreadable".into(),
        message: format!("the server's answer could not be read: {e}"),
        body: None,
    })
}

/// Sends a request with the CSRF token and answers the body's text; any
/// answer but 2xx is a [`Failure`]. Not generic, so the portal carries one
/// copy of it whatever it reads and writes.
async fn exchange(builder: RequestBuilder, body: Option<String>) -> Result<String, Failure> {
    let mut builder = builder.header("Accept", "application/json");
    if let Some(token) = CSRF.with(|csrf| csrf.borrow().clone()) {
        builder = builder.header(provisio_api::auth::CSRF_HEADER, &token);
    }
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(Failure::network)?,
        None => builder.build().map_err(Failure::network)?,
    };
    let response = request.send().await.map_err(Failure::network)?;
    let status = response.status();
    let text = response.text().await.map_err(Failure::network)?;
    if response.ok() {
        return Ok(text);
    }
    let body: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    let field = |key: &str| {
        body.as_ref()
            .and_then(|b| b.get(key))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let failure = Failure {
        status,
        error: field("error").unwrap_or_else(|| "http".into()),
        message: field("message").unwrap_or_else(|| format!("the server answered {status}")),
        body,
    };
    if status == 401 {
        ON_SIGNED_OUT.with(|slot| {
            if let Some(callback) = slot.borrow().as_ref() {
                callback();
            }
        });
    }
    Err(failure)
}

/// A path segment or query value, percent-encoded.
pub fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}
