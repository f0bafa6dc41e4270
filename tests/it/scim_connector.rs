//! The SCIM 2.0 client connector against a real, independent SCIM server
//! (scim2-server from PyPI, see `provisio_tests::scim_target`), with the
//! target's state read back by plain reqwest; and its fault handling
//! (throttling, errors, concurrency, batches, pages) against a small stub
//! that answers what each test scripts and records what it was sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use provisio_connectors::http::HttpOptions;
use provisio_connectors::scim::{ScimConnector, ScimOptions};
use provisio_connectors::{Connector, ConnectorError};
use provisio_engine::Value;
use provisio_engine::job::{Secret, SourceKind};
use provisio_engine::scim_path::{AttributeChange, TargetAttributes};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value as Json, json};

const WORK_EMAIL: &str = r#"emails[type eq "work"].value"#;

fn fast_http() -> HttpOptions {
    HttpOptions {
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        ..HttpOptions::default()
    }
}

pub(crate) fn fast_options() -> ScimOptions {
    ScimOptions {
        http: fast_http(),
        ..ScimOptions::default()
    }
}

pub(crate) fn connector(base_url: &str, token: &str, options: ScimOptions) -> ScimConnector {
    ScimConnector::new(base_url, Some(Secret::new(token)), options).unwrap()
}

pub(crate) fn attributes(pairs: &[(&str, Value)]) -> TargetAttributes {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn change(path: &str, old: Value, new: Value) -> AttributeChange {
    AttributeChange {
        path: Arc::from(path),
        old,
        new,
        add_only: false,
    }
}

/// The resource as the target holds it, read without the connector.
async fn get(target: &ScimTarget, path: &str) -> Json {
    let response = reqwest::Client::new()
        .get(format!("{}/{path}", target.base_url()))
        .bearer_auth(target.token())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "GET {path}: {}", response.status());
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs scim2-server (cargo xtask test)"]
async fn connection_test_checks_the_credentials() {
    let Some(target) = ScimTarget::start() else { return };
    connector(&target.base_url(), target.token(), fast_options())
        .test_connection()
        .await
        .unwrap();
    let wrong = connector(&target.base_url(), "not-the-token", fast_options());
    let error = wrong.test_connection().await.unwrap_err();
    assert_eq!(error, ConnectorError::InvalidCredentials { status: 401 });
    assert!(!error.to_string().contains("not-the-token"));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs scim2-server (cargo xtask test)"]
async fn users_are_created_found_updated_disabled_and_deleted() {
    let Some(target) = ScimTarget::start() else { return };
    let scim = connector(&target.base_url(), target.token(), fast_options());
    let created = scim
        .create(
            SourceKind::User,
            &attributes(&[
                ("userName", Value::str("zoe@acme.example")),
                ("externalId", Value::str("e-1")),
                ("active", Value::Bool(true)),
                ("name.givenName", Value::str("Zoe")),
                ("title", Value::str("CTO")),
                (WORK_EMAIL, Value::str("zoe@acme.example")),
            ]),
        )
        .await
        .unwrap();
    assert!(!created.id.is_empty());
    assert_eq!(created.attributes["name.givenName"], Value::str("Zoe"));

    let quoted = scim
        .create(
            SourceKind::User,
            &attributes(&[("userName", Value::str(r#"o"brien\x"#))]),
        )
        .await
        .unwrap();
    let found = scim
        .find(SourceKind::User, "userName", &Value::str(r#"o"brien\x"#))
        .await
        .unwrap();
    assert_eq!(found.iter().map(|o| &o.id).collect::<Vec<_>>(), [&quoted.id]);
    let found = scim
        .find(SourceKind::User, "externalId", &Value::str("e-1"))
        .await
        .unwrap();
    assert_eq!(found.iter().map(|o| &o.id).collect::<Vec<_>>(), [&created.id]);
    let by_email = scim
        .find(SourceKind::User, WORK_EMAIL, &Value::str("zoe@acme.example"))
        .await
        .unwrap();
    assert_eq!(by_email.len(), 1);
    assert!(
        scim.find(SourceKind::User, "userName", &Value::str("nobody"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        scim.value_exists(SourceKind::User, "userName", &Value::str("zoe@acme.example"))
            .await
            .unwrap()
    );
    assert!(
        !scim
            .value_exists(SourceKind::User, "userName", &Value::str("zoe2@acme.example"))
            .await
            .unwrap()
    );

    let read = scim.read(SourceKind::User, &created.id).await.unwrap().unwrap();
    assert_eq!(read.attributes["userName"], Value::str("zoe@acme.example"));
    assert_eq!(read.attributes[WORK_EMAIL], Value::str("zoe@acme.example"));

    let changes = [
        change("name.givenName", Value::str("Zoe"), Value::str("Zoë")),
        change("name.familyName", Value::Null, Value::str("Ng")),
        change("title", Value::str("CTO"), Value::Null),
        change("nickName", Value::Null, Value::str("Z")),
        change(
            WORK_EMAIL,
            Value::str("zoe@acme.example"),
            Value::str("zoe.ng@acme.example"),
        ),
        change(
            r#"phoneNumbers[type eq "mobile"].value"#,
            Value::Null,
            Value::str("+1 555 0100"),
        ),
    ];
    scim.update(SourceKind::User, &created.id, &changes).await.unwrap();
    let user = get(&target, &format!("Users/{}", created.id)).await;
    assert_eq!(user["name"]["givenName"], "Zoë");
    assert_eq!(user["name"]["familyName"], "Ng");
    assert_eq!(user["nickName"], "Z");
    assert!(user.get("title").is_none_or(Json::is_null), "{user}");
    assert_eq!(
        user["emails"],
        json!([{"type": "work", "value": "zoe.ng@acme.example"}])
    );
    assert_eq!(
        user["phoneNumbers"],
        json!([{"type": "mobile", "value": "+1 555 0100"}])
    );

    scim.disable(SourceKind::User, &created.id).await.unwrap();
    assert_eq!(get(&target, &format!("Users/{}", created.id)).await["active"], false);

    scim.delete(SourceKind::User, &created.id).await.unwrap();
    assert_eq!(scim.read(SourceKind::User, &created.id).await.unwrap(), None);
    let error = scim.update(SourceKind::User, &created.id, &changes).await.unwrap_err();
    assert!(matches!(error, ConnectorError::NotFound { .. }), "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs scim2-server (cargo xtask test)"]
async fn group_members_are_added_and_removed_in_batches() {
    let Some(target) = ScimTarget::start() else { return };
    let scim = Arc::new(connector(&target.base_url(), target.token(), fast_options()));
    let group = scim
        .create(
            SourceKind::Group,
            &attributes(&[("displayName", Value::str("Engineering"))]),
        )
        .await
        .unwrap();
    let mut creations = tokio::task::JoinSet::new();
    for n in 0..120 {
        let scim = Arc::clone(&scim);
        creations.spawn(async move {
            let user = attributes(&[("userName", Value::str(format!("user{n:03}")))]);
            scim.create(SourceKind::User, &user).await.unwrap().id
        });
    }
    let members: Vec<String> = creations.join_all().await;
    scim.add_members(&group.id, &members).await.unwrap();
    let held = get(&target, &format!("Groups/{}", group.id)).await;
    assert_eq!(held["members"].as_array().unwrap().len(), 120);

    let (leaving, staying) = members.split_at(70);
    scim.remove_members(&group.id, leaving).await.unwrap();
    let held = get(&target, &format!("Groups/{}", group.id)).await;
    let mut ids: Vec<&str> = held["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected: Vec<&str> = staying.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected);

    let found = scim
        .find(SourceKind::Group, "displayName", &Value::str("Engineering"))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        !found[0].attributes.contains_key("members"),
        "groups are found without members"
    );
    scim.disable(SourceKind::Group, &group.id).await.unwrap();
    assert_eq!(scim.read(SourceKind::Group, &group.id).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs scim2-server (cargo xtask test)"]
async fn find_follows_pages() {
    let Some(target) = ScimTarget::start() else { return };
    let options = ScimOptions {
        page_size: 2,
        ..fast_options()
    };
    let scim = connector(&target.base_url(), target.token(), options);
    for n in 0..5 {
        let user = attributes(&[("userName", Value::str(format!("p{n}"))), ("title", Value::str("Same"))]);
        scim.create(SourceKind::User, &user).await.unwrap();
    }
    let found = scim.find(SourceKind::User, "title", &Value::str("Same")).await.unwrap();
    assert_eq!(found.len(), 5);
}

// ---------------------------------------------------------------------------
// Fault paths, against a scripted stub.

/// What the stub answers one request.
pub(crate) struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Json,
    delay: Duration,
}

pub(crate) fn answer(status: u16, body: Json) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body,
        delay: Duration::ZERO,
    }
}

/// One request the stub received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: String,
    pub(crate) target: String,
    authorization: Option<String>,
    pub(crate) body: Json,
}

type Script = dyn Fn(usize, &Received) -> Answer + Send + Sync;

/// An HTTP/1.1 server on a loopback port that answers each request (in its
/// own thread) with `script(n, request)`, `n` counting from 0, and records
/// the requests and the most it had in flight at once.
pub(crate) struct Stub {
    pub(crate) base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
    max_in_flight: Arc<AtomicUsize>,
}

impl Stub {
    pub(crate) fn start(script: impl Fn(usize, &Received) -> Answer + Send + Sync + 'static) -> Stub {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let base_url = format!("http://{}/scim/v2", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let script: Arc<Script> = Arc::new(script);
        let (log, max) = (Arc::clone(&received), Arc::clone(&max_in_flight));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, max, in_flight, script) = (
                    Arc::clone(&log),
                    Arc::clone(&max),
                    Arc::clone(&in_flight),
                    Arc::clone(&script),
                );
                std::thread::spawn(move || serve(stream, &log, &max, &in_flight, &*script));
            }
        });
        Stub {
            base_url,
            received,
            max_in_flight,
        }
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Received>>, max: &AtomicUsize, in_flight: &AtomicUsize, script: &Script) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or_default().to_owned(),
    );
    let (mut length, mut authorization) = (0, None);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap(),
            "authorization" => authorization = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let request = Received {
        method,
        target,
        authorization,
        body: serde_json::from_slice(&body).unwrap_or(Json::Null),
    };
    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    max.fetch_max(now, Ordering::SeqCst);
    let n = {
        let mut log = log.lock().unwrap();
        log.push(request.clone());
        log.len() - 1
    };
    let answer = script(n, &request);
    std::thread::sleep(answer.delay);
    in_flight.fetch_sub(1, Ordering::SeqCst);
    let body = if answer.body.is_null() {
        String::new()
    } else {
        answer.body.to_string()
    };
    let mut response = format!(
        "HTTP/1.1 {} Stub\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n",
        answer.status,
        body.len()
    );
    for (name, value) in &answer.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&body);
    let _ = reader.get_mut().write_all(response.as_bytes());
}

fn user(id: &str) -> Json {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id, "userName": id})
}

#[tokio::test]
async fn throttling_is_retried_after_retry_after() {
    let stub = Stub::start(|n, _| match n {
        0 => Answer {
            headers: vec![("Retry-After", "1".into())],
            ..answer(429, json!(null))
        },
        1 => answer(503, json!(null)),
        _ => answer(200, user("u1")),
    });
    let scim = connector(&stub.base_url, "tok", fast_options());
    let started = Instant::now();
    let read = scim.read(SourceKind::User, "u1").await.unwrap().unwrap();
    assert_eq!(read.id, "u1");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(stub.received().len(), 3);
    assert_eq!(stub.received()[0].authorization.as_deref(), Some("Bearer tok"));
}

#[tokio::test]
async fn throttling_that_does_not_end_is_reported() {
    let stub = Stub::start(|_, _| Answer {
        headers: vec![("Retry-After", "0".into())],
        ..answer(429, json!(null))
    });
    let options = ScimOptions {
        http: HttpOptions {
            max_attempts: 3,
            ..fast_http()
        },
        ..fast_options()
    };
    let error = connector(&stub.base_url, "tok", options)
        .delete(SourceKind::User, "u1")
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ConnectorError::Throttled {
            retry_after: Some(Duration::ZERO)
        }
    );
    assert_eq!(stub.received().len(), 3);
}

#[tokio::test]
async fn statuses_become_errors_the_cycle_acts_on() {
    let stub = Stub::start(|_, request| match (request.method.as_str(), request.target.as_str()) {
        ("PATCH", _) => answer(404, json!({"status": "404", "detail": "no such user"})),
        ("POST", "/scim/v2/Users") => answer(409, json!({"scimType": "uniqueness", "detail": "userName taken"})),
        ("POST", _) => answer(500, json!(null)),
        ("GET", _) => answer(401, json!(null)),
        _ => answer(400, json!({"scimType": "invalidValue", "detail": "bad id"})),
    });
    let scim = connector(&stub.base_url, "tok", fast_options());
    let changes = [change("title", Value::Null, Value::str("CEO"))];
    assert_eq!(
        scim.update(SourceKind::User, "gone", &changes).await.unwrap_err(),
        ConnectorError::NotFound {
            detail: "no such user".into()
        }
    );
    let user = attributes(&[("userName", Value::str("taken"))]);
    assert_eq!(
        scim.create(SourceKind::User, &user).await.unwrap_err(),
        ConnectorError::Conflict {
            scim_type: Some("uniqueness".into()),
            detail: "userName taken".into()
        }
    );
    assert_eq!(
        scim.test_connection().await.unwrap_err(),
        ConnectorError::InvalidCredentials { status: 401 }
    );
    assert!(matches!(
        scim.delete(SourceKind::User, "x").await.unwrap_err(),
        ConnectorError::Rejected { status: 400, .. }
    ));
    let posts_before = stub.received().iter().filter(|r| r.method == "POST").count();
    let group = attributes(&[("displayName", Value::str("g"))]);
    assert!(matches!(
        scim.create(SourceKind::Group, &group).await.unwrap_err(),
        ConnectorError::Transient { .. }
    ));
    let posts = stub.received().iter().filter(|r| r.method == "POST").count();
    assert_eq!(
        posts - posts_before,
        1,
        "a POST that reached the target is not sent again"
    );
}

#[tokio::test]
async fn the_concurrency_limit_is_respected() {
    let stub = Stub::start(|_, _| Answer {
        delay: Duration::from_millis(100),
        ..answer(200, user("u1"))
    });
    let options = ScimOptions {
        http: HttpOptions {
            max_concurrency: 3,
            ..fast_http()
        },
        ..fast_options()
    };
    let scim: Arc<dyn Connector> = Arc::new(connector(&stub.base_url, "tok", options));
    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let scim = Arc::clone(&scim);
        reads.spawn(async move { scim.read(SourceKind::User, "u1").await.unwrap() });
    }
    reads.join_all().await;
    assert_eq!(stub.received().len(), 12);
    assert_eq!(stub.max_in_flight.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn members_go_in_batches_of_fifty() {
    let stub = Stub::start(|_, _| answer(204, json!(null)));
    let scim = connector(&stub.base_url, "tok", fast_options());
    let ids: Vec<String> = (0..120).map(|n| format!("u{n}")).collect();
    scim.add_members("g1", &ids).await.unwrap();
    scim.remove_members("g1", &ids).await.unwrap();
    let received = stub.received();
    let sizes: Vec<(String, usize)> = received
        .iter()
        .map(|r| {
            let ops = r.body["Operations"].as_array().unwrap();
            let count = if ops.len() == 1 {
                ops[0]["value"].as_array().unwrap().len()
            } else {
                ops.len()
            };
            (r.target.clone(), count)
        })
        .collect();
    // The answers are asked for without the group's members (RFC 7644 §3.9).
    let to = |n| ("/scim/v2/Groups/g1?excludedAttributes=members".to_owned(), n);
    assert_eq!(sizes, [to(50), to(50), to(20), to(50), to(50), to(20)]);
    assert_eq!(
        received[3].body["Operations"][0],
        json!({"op": "remove", "path": "members[value eq \"u0\"]"})
    );
}

#[tokio::test]
async fn entra_style_requests_follow_the_reference() {
    let stub = Stub::start(|_, request| match request.method.as_str() {
        "GET" => answer(200, json!({"totalResults": 0, "Resources": []})),
        _ => answer(204, json!(null)),
    });
    let options = ScimOptions {
        entra_compatible: true,
        ..fast_options()
    };
    let scim = connector(&stub.base_url, "tok", options);
    scim.disable(SourceKind::User, "u1").await.unwrap();
    scim.remove_members("g1", &["u1".to_owned()]).await.unwrap();
    scim.find(SourceKind::Group, "displayName", &Value::str("a\"b"))
        .await
        .unwrap();
    let received = stub.received();
    assert_eq!(
        received[0].body["Operations"],
        json!([{"op": "Replace", "path": "active", "value": "False"}])
    );
    assert_eq!(
        received[1].body["Operations"],
        json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}])
    );
    assert_eq!(
        received[2].target,
        "/scim/v2/Groups?filter=displayName+eq+%22a%5C%22b%22&startIndex=1&count=100&excludedAttributes=members"
    );
}

#[tokio::test]
async fn without_soft_delete_disabling_deletes() {
    let stub = Stub::start(|_, _| answer(204, json!(null)));
    let options = ScimOptions {
        soft_delete: false,
        ..fast_options()
    };
    connector(&stub.base_url, "tok", options)
        .disable(SourceKind::User, "u1")
        .await
        .unwrap();
    let received = stub.received();
    assert_eq!(
        (received[0].method.as_str(), received[0].target.as_str()),
        ("DELETE", "/scim/v2/Users/u1")
    );
}

#[tokio::test]
async fn paging_asks_for_the_next_start_index() {
    let stub = Stub::start(|n, _| {
        let resources: Vec<Json> = match n {
            0 => vec![user("a"), user("b")],
            1 => vec![user("c"), user("d")],
            _ => vec![user("e")],
        };
        answer(200, json!({"totalResults": 5, "Resources": resources}))
    });
    let options = ScimOptions {
        page_size: 2,
        ..fast_options()
    };
    let found = connector(&stub.base_url, "tok", options)
        .find(SourceKind::User, "title", &Value::str("x"))
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
        ["a", "b", "c", "d", "e"]
    );
    let starts: Vec<bool> = stub
        .received()
        .iter()
        .zip(["startIndex=1&", "startIndex=3&", "startIndex=5&"])
        .map(|(r, start)| r.target.contains(start))
        .collect();
    assert_eq!(starts, [true, true, true]);
}

/// Issue 14, item 4: targets' answers cannot take Provisio elsewhere, nor
/// fill its logs. A redirect is an error naming where it pointed — never
/// followed (the token would travel to a host nobody configured); a long
/// error body with control characters is quoted short and printable; an
/// answer past the size limit is refused; and a host in a denied network is
/// refused before anything is sent.
#[tokio::test]
async fn redirects_are_errors_naming_the_location_and_never_followed() {
    let elsewhere = Stub::start(|_, _| answer(200, user("stolen")));
    let to = format!("{}/Users/u1", elsewhere.base_url);
    let redirecting = Stub::start(move |_, _| Answer {
        headers: vec![("Location", to.clone())],
        ..answer(302, json!(null))
    });
    let scim = connector(&redirecting.base_url, "tok", fast_options());
    let error = scim.read(SourceKind::User, "u1").await.unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("redirect (HTTP 302)") && text.contains(&elsewhere.base_url),
        "{text}"
    );
    assert!(elsewhere.received().is_empty(), "nothing reached the other host");

    let rest = provisio_connectors::rest::RestConnector::new(
        &serde_json::from_value(json!({
            "base_url": redirecting.base_url, "bearer_token": "tok",
            "users": {
                "create": {"method": "POST", "path": "/users"},
                "read": {"method": "GET", "path": "/users/{id}"},
                "update": {"method": "PATCH", "path": "/users/{id}"},
                "delete": {"method": "DELETE", "path": "/users/{id}"},
                "find": {"path": "/users?{attribute}={value}", "results": "/items"}
            }
        }))
        .unwrap(),
        provisio_connectors::http::HttpOptions::default(),
    )
    .unwrap();
    let error = rest.read(SourceKind::User, "u1").await.unwrap_err();
    assert!(
        error.to_string().contains("Provisio does not follow redirects"),
        "{error}"
    );
    assert!(elsewhere.received().is_empty());
}

#[tokio::test]
async fn a_targets_error_text_is_quoted_short_and_printable() {
    let noisy = format!("bad value\r\n\u{1b}[31mFAKE LOG LINE {}", "x".repeat(10_000));
    let stub = Stub::start(move |_, _| answer(400, json!({"detail": noisy.clone()})));
    let scim = connector(&stub.base_url, "tok", fast_options());
    let ConnectorError::Rejected { detail, .. } = scim.read(SourceKind::User, "u1").await.unwrap_err() else {
        panic!("not a rejection");
    };
    assert!(detail.chars().count() <= 201, "{} characters", detail.chars().count());
    assert!(!detail.chars().any(char::is_control), "{detail:?}");
    assert!(detail.starts_with("bad value [31mFAKE LOG LINE"), "{detail:?}");
}

#[tokio::test]
async fn an_answer_past_the_size_limit_is_refused() {
    let huge = "y".repeat(provisio_connectors::network::MAX_RESPONSE_BYTES + 1);
    let stub = Stub::start(move |_, _| answer(200, json!({"id": "u1", "userName": huge.clone()})));
    let scim = connector(
        &stub.base_url,
        "tok",
        ScimOptions {
            http: HttpOptions {
                max_attempts: 1,
                ..fast_http()
            },
            ..fast_options()
        },
    );
    let error = scim.read(SourceKind::User, "u1").await.unwrap_err();
    assert!(error.to_string().contains("larger than 16 MiB"), "{error}");
}

#[tokio::test]
async fn denied_networks_are_refused_before_anything_is_sent() {
    use provisio_connectors::network::NetworkPolicy;
    let stub = Stub::start(|_, _| answer(200, user("u1")));
    // By name (localhost resolves into the denied network) and by address.
    let deny_loopback = ScimOptions {
        http: HttpOptions {
            network: NetworkPolicy::parse("127.0.0.0/8,::1").unwrap(),
            ..fast_http()
        },
        ..fast_options()
    };
    let by_name = stub.base_url.replace("127.0.0.1", "localhost");
    let scim = connector(&by_name, "tok", deny_loopback.clone());
    let error = scim.read(SourceKind::User, "u1").await.unwrap_err();
    assert!(matches!(error, ConnectorError::Invalid { .. }), "{error:?}");
    assert!(
        error.to_string().contains("a network Provisio does not reach"),
        "{error}"
    );
    let refused = ScimConnector::new(&stub.base_url, None, deny_loopback).err().unwrap();
    assert!(refused.to_string().contains("127.0.0.0/8"), "{refused}");
    assert!(stub.received().is_empty());
    // The default denies the cloud metadata address, and allows loopback.
    let metadata = ScimConnector::new("http://169.254.169.254/latest", None, fast_options());
    assert!(metadata.is_err());
    assert!(
        connector(&stub.base_url, "tok", fast_options())
            .read(SourceKind::User, "u1")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn plain_http_is_refused_except_to_loopback() {
    let error = ScimConnector::new("http://scim.example.com/v2", None, fast_options())
        .err()
        .unwrap();
    assert!(error.to_string().contains("plain HTTP to another machine"), "{error}");
    assert!(ScimConnector::new("https://scim.example.com/v2", None, fast_options()).is_ok());
    assert!(ScimConnector::new("http://localhost:9/v2", None, fast_options()).is_ok());
}
