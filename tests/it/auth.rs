//! Authentication end to end: `provisio admin` and `provisio token` on a
//! real SQLite file, and the server on loopback — signing in with a
//! password, the session cookie and its CSRF token, API tokens, the
//! sign-in rate limit; the first administrator of a first start
//! ([`first_start`]), the rate limit per client address ([`lockout`]) and
//! tokens with a lifetime ([`token_expiry`]) each in a module of their own.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use provisio_api::auth::{
    ADMINS_PATH, CSRF_HEADER, SESSION_PATH, Secret, SessionInfo, TOKENS_PATH, TokenCreateRequest, TokenScope,
    TokenSummary, admin_path,
};
use provisio_server::{RunningServer, Server, ServerConfig};
use reqwest::header::{CONTENT_TYPE, COOKIE, RETRY_AFTER, SET_COOKIE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::backends::{Backend, backend_test, with_backend};

mod first_start;
mod lockout;
mod token_expiry;

const PASSWORD: &str = "correct horse battery";

/// A temporary folder with the database file every process here shares.
struct Fixture {
    dir: tempfile::TempDir,
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn database_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("provisio.db").display())
    }

    fn config(&self) -> ServerConfig {
        ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: self.database_url(),
            portal_dir: self.dir.path().join("dist"),
        }
    }

    async fn start(&self) -> RunningServer {
        Server::start(self.config()).await.unwrap()
    }

    /// A server on `backend`'s database, its secret key in `key_dir`.
    async fn start_on(&self, backend: &Backend, key_dir: &std::path::Path) -> RunningServer {
        Server::new(ServerConfig {
            database_url: backend.url.clone(),
            ..self.config()
        })
        .with_secret_key_file(Some(key_dir.join("secret.key")))
        .launch()
        .await
        .unwrap()
    }

    /// The folder as the server's first start leaves it (its database and
    /// secret key), for commands that work on the server's database.
    fn first_start(self) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async { self.start().await.shutdown().await });
        self
    }

    /// A server that believes the `X-Forwarded-For` of peers in `proxies`,
    /// with the administrator `admin`.
    async fn start_behind(&self, proxies: &str) -> RunningServer {
        let server = Server::new(self.config())
            .with_trusted_proxies(proxies.parse().unwrap())
            .launch()
            .await
            .unwrap();
        provisio_server::auth::Admins::new(server.store())
            .create("admin", &Secret::new(PASSWORD))
            .await
            .unwrap();
        server
    }

    /// `provisio ARGS…` against the fixture's database, with
    /// `PROVISIO_ADMIN_PASSWORD` set to `password` (unset when `None`) and
    /// `stdin` written to its standard input.
    fn provisio(&self, args: &[&str], password: Option<&str>, stdin: &str) -> Run {
        let mut command = Command::new(crate::cli::provisio_binary());
        command
            .args(args)
            .env("PROVISIO_DATABASE", self.database_url())
            .env_remove("PROVISIO_ADMIN_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(password) = password {
            command.env("PROVISIO_ADMIN_PASSWORD", password);
        }
        let mut child = command.spawn().unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let Output { status, stdout, stderr } = child.wait_with_output().unwrap();
        Run {
            code: status.code(),
            stdout: String::from_utf8(stdout).unwrap(),
            stderr: String::from_utf8(stderr).unwrap(),
        }
    }

    /// `provisio ARGS…` exits 0; returns stdout.
    #[track_caller]
    fn ok(&self, args: &[&str], password: Option<&str>) -> String {
        let run = self.provisio(args, password, "");
        assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
        run.stdout
    }

    /// `provisio ARGS…` exits 2 with nothing on stdout; returns stderr.
    #[track_caller]
    fn refused(&self, args: &[&str], password: Option<&str>, stdin: &str) -> String {
        let run = self.provisio(args, password, stdin);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?}");
        run.stderr
    }
}

/// A client of one server, signed in or not.
struct Client {
    base: String,
    http: reqwest::Client,
    cookie: Option<String>,
    csrf: Option<String>,
    bearer: Option<String>,
}

struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Client {
    fn new(base: &str) -> Self {
        Client {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            cookie: None,
            csrf: None,
            bearer: None,
        }
    }

    fn with_token(base: &str, token: &str) -> Self {
        Client {
            bearer: Some(token.to_owned()),
            ..Client::new(base)
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        if let Some(csrf) = &self.csrf {
            request = request.header(CSRF_HEADER, csrf);
        }
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, headers, body }
    }

    async fn sign_in(&mut self, name: &str, password: &str) -> Reply {
        let body = json!({"name": name, "password": password});
        let reply = self.send(Method::POST, SESSION_PATH, Some(body)).await;
        if reply.status == StatusCode::OK {
            let set_cookie = reply.headers[SET_COOKIE].to_str().unwrap();
            self.cookie = Some(set_cookie.split(';').next().unwrap().to_owned());
            let info: SessionInfo = serde_json::from_value(reply.body.clone()).unwrap();
            self.csrf = Some(info.csrf_token.expose().to_owned());
        }
        reply
    }
}

#[track_caller]
fn refused(reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert_eq!(reply.body["error"], code, "{:?}", reply.body);
}

// ---- The command line (needs no router) -------------------------------

#[test]
fn admin_commands_create_list_reset_and_delete() {
    let f = Fixture::new().first_start();
    assert_eq!(
        f.ok(&["admin", "create", "alice"], Some(PASSWORD)),
        "Administrator `alice` created.\n"
    );
    let taken = f.refused(&["admin", "create", "alice"], Some(PASSWORD), "");
    assert!(taken.contains("already exists"), "{taken}");
    let short = f.refused(&["admin", "create", "bob"], Some("hunter2"), "");
    assert!(
        short.contains("at least 12 characters") && !short.contains("hunter2"),
        "{short}"
    );
    let none = f.refused(&["admin", "create", "bob"], None, "");
    assert!(
        none.contains("PROVISIO_ADMIN_PASSWORD") && none.contains("--password-stdin"),
        "{none}"
    );
    let bad_name = f.refused(&["admin", "create", "bob smith"], Some(PASSWORD), "");
    assert!(bad_name.contains("not a valid administrator name"), "{bad_name}");

    let run = f.provisio(
        &["admin", "create", "bob", "--password-stdin"],
        None,
        "from stdin, 1 line\n",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let empty = f.refused(&["admin", "create", "carol", "--password-stdin"], None, "");
    assert!(empty.contains("no password on stdin"), "{empty}");

    let list = f.ok(&["admin", "list"], None);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("LAST SIGN-IN"),
        "{list}"
    );
    assert!(lines[1].starts_with("alice ") && lines[1].ends_with("never"), "{list}");
    assert!(lines[2].starts_with("bob "), "{list}");

    let reset = f.provisio(
        &["admin", "password", "bob", "--password-stdin"],
        None,
        "another long password\n",
    );
    assert_eq!(reset.code, Some(0), "{}", reset.stderr);
    let nobody = f.refused(&["admin", "password", "carol"], Some(PASSWORD), "");
    assert!(nobody.contains("no administrator is named `carol`"), "{nobody}");

    assert!(
        f.refused(&["admin", "delete", "carol"], None, "")
            .contains("no administrator")
    );
    assert_eq!(
        f.ok(&["admin", "delete", "bob"], None),
        "Administrator `bob` deleted.\n"
    );
    let last = f.refused(&["admin", "delete", "alice"], None, "");
    assert!(last.contains("last administrator"), "{last}");
}

#[test]
fn token_create_prints_only_the_token_and_list_never_shows_it() {
    let f = Fixture::new().first_start();
    let run = f.provisio(&["token", "create", "--scope", "scim", "--name", "Okta"], None, "");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let token = run.stdout.strip_suffix('\n').unwrap();
    assert!(token.starts_with("pvs_") && token.len() == 47, "{:?}", run.stdout);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert_eq!(
        lines[0],
        format!(
            "provisio: using the database {}",
            f.dir.path().join("provisio.db").display()
        )
    );
    assert!(lines[1].contains("will not be shown again"), "{}", run.stderr);

    let unknown = f.refused(&["token", "create", "--scope", "inbound", "--job", "workday"], None, "");
    assert!(
        unknown.contains("error: no job has the id or name `workday`"),
        "{unknown}"
    );
    let definition = f.dir.path().join("workday.json");
    std::fs::write(
        &definition,
        serde_json::to_string(&provisio_engine::job::templates::inbound("workday")).unwrap(),
    )
    .unwrap();
    f.ok(&["job", "apply", definition.to_str().unwrap()], None);
    let inbound = f.ok(&["token", "create", "--scope", "inbound", "--job", "workday"], None);
    assert!(inbound.starts_with("pvs_"));
    let list = f.ok(&["token", "list"], None);
    assert!(
        !list.contains(&token[4..]) && !list.contains(&inbound.trim()[4..]),
        "{list}"
    );
    let okta = list.lines().find(|line| line.contains("Okta")).unwrap();
    assert!(okta.contains("scim") && okta.contains("active"), "{list}");
    let id = okta.split_whitespace().next().unwrap();
    assert!(
        list.lines()
            .any(|line| line.contains("inbound") && line.contains("workday")),
        "{list}"
    );

    let revoked = f.ok(&["token", "revoke", id], None);
    assert!(revoked.contains("revoked"), "{revoked}");
    assert!(
        f.ok(&["token", "list"], None)
            .lines()
            .any(|l| l.starts_with(id) && l.contains("revoked"))
    );
    assert!(
        f.refused(&["token", "revoke", "no-such-id"], None, "")
            .contains("no token has the id")
    );

    let run = f.provisio(&["token", "create", "--scope", "inbound"], None, "");
    assert_eq!(run.code, Some(2), "clap refuses inbound without --job: {}", run.stderr);
    assert!(run.stderr.contains("--job"), "{}", run.stderr);
    let stray = f.refused(&["token", "create", "--scope", "scim", "--job", "workday"], None, "");
    assert!(stray.contains("only inbound tokens name a job"), "{stray}");
    let run = f.provisio(&["token", "create", "--scope", "root"], None, "");
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}

// ---- Over HTTP (needs the auth routes wired into the router) ----------

#[tokio::test]
async fn a_password_session_drives_the_admin_api_with_its_csrf_token() {
    let f = Fixture::new();
    let server = f.start().await;
    provisio_server::auth::Admins::new(server.store())
        .create("alice", &Secret::new(PASSWORD))
        .await
        .unwrap();
    let mut browser = Client::new(&server.base_url());

    let signed_in = browser.sign_in("alice", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.body);
    let cookie = signed_in.headers[SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert_eq!(signed_in.body["name"], "alice");
    assert_eq!(
        browser.send(Method::GET, SESSION_PATH, None).await.body["name"],
        "alice"
    );

    let admins = browser.send(Method::GET, ADMINS_PATH, None).await;
    assert_eq!(admins.status, StatusCode::OK);
    assert_eq!(admins.body[0]["name"], "alice");

    let no_csrf = Client {
        cookie: browser.cookie.clone(),
        ..Client::new(&server.base_url())
    };
    let refused_write = no_csrf
        .send(Method::POST, TOKENS_PATH, Some(json!({"scope": "admin"})))
        .await;
    refused(&refused_write, StatusCode::FORBIDDEN, "csrf");

    let created = browser
        .send(Method::POST, TOKENS_PATH, Some(json!({"scope": "admin", "name": "ci"})))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let token = created.body["token"].as_str().unwrap().to_owned();
    let robot = Client::with_token(&server.base_url(), &token);
    let by_token = robot
        .send(
            Method::POST,
            ADMINS_PATH,
            Some(json!({"name": "bob", "password": PASSWORD})),
        )
        .await;
    assert_eq!(
        by_token.status,
        StatusCode::CREATED,
        "a token needs no CSRF token: {:?}",
        by_token.body
    );
    let tokens: Vec<TokenSummary> =
        serde_json::from_value(robot.send(Method::GET, TOKENS_PATH, None).await.body).unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!((tokens[0].name.as_str(), tokens[0].scope), ("ci", TokenScope::Admin));
    assert!(tokens[0].last_used_at.is_some());

    let yourself = browser.send(Method::DELETE, &admin_path("alice"), None).await;
    refused(&yourself, StatusCode::CONFLICT, "conflict");
    let deleted = browser.send(Method::DELETE, &admin_path("bob"), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let signed_out = browser.send(Method::DELETE, SESSION_PATH, None).await;
    assert_eq!(signed_out.status, StatusCode::NO_CONTENT);
    refused(
        &browser.send(Method::GET, ADMINS_PATH, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    server.shutdown().await;
}

#[tokio::test]
async fn every_auth_endpoint_but_sign_in_requires_credentials() {
    let f = Fixture::new();
    let server = f.start().await;
    let anonymous = Client::new(&server.base_url());
    for (method, path) in [
        (Method::GET, SESSION_PATH.to_owned()),
        (Method::DELETE, SESSION_PATH.to_owned()),
        (Method::GET, ADMINS_PATH.to_owned()),
        (Method::POST, ADMINS_PATH.to_owned()),
        (Method::DELETE, admin_path("admin")),
        (Method::GET, TOKENS_PATH.to_owned()),
        (Method::POST, TOKENS_PATH.to_owned()),
        (Method::DELETE, format!("{TOKENS_PATH}/some-id")),
    ] {
        let reply = anonymous.send(method.clone(), &path, Some(json!({}))).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {:?}",
            reply.body
        );
        assert_eq!(reply.headers[WWW_AUTHENTICATE], "Bearer", "{method} {path}");
        assert_eq!(reply.body["error"], "unauthenticated", "{method} {path}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn wrong_passwords_are_refused_alike_and_then_rate_limited() {
    let f = Fixture::new();
    let server = f.start().await;
    provisio_server::auth::Admins::new(server.store())
        .create("alice", &Secret::new(PASSWORD))
        .await
        .unwrap();
    let mut client = Client::new(&server.base_url());
    let wrong = client.sign_in("alice", "wrong horse battery").await;
    let unknown = client.sign_in("mallory", PASSWORD).await;
    refused(&wrong, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(wrong.body, unknown.body);
    for _ in 0..4 {
        client.sign_in("alice", "wrong horse battery").await;
    }
    let limited = client.sign_in("alice", PASSWORD).await;
    refused(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait: u64 = limited.headers[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    server.shutdown().await;
}

#[tokio::test]
async fn scim_and_the_admin_api_want_tokens_of_their_scope() {
    let f = Fixture::new();
    let server = f.start().await;
    let anonymous = Client::new(&server.base_url());
    let scim = anonymous.send(Method::GET, "/scim/v2/Users", None).await;
    assert_eq!(scim.status, StatusCode::UNAUTHORIZED);
    assert_eq!(scim.headers[CONTENT_TYPE], "application/scim+json");
    assert_eq!(scim.headers[WWW_AUTHENTICATE], "Bearer realm=\"provisio\"");
    assert_eq!(
        scim.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(scim.body["status"], "401");

    let token = f.ok(&["token", "create", "--scope", "scim"], None);
    let scim_client = Client::with_token(&server.base_url(), token.trim());
    assert_eq!(
        scim_client.send(Method::GET, "/scim/v2/Users", None).await.status,
        StatusCode::OK
    );
    refused(
        &scim_client.send(Method::GET, ADMINS_PATH, None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let id = provisio_server::auth::Tokens::new(server.store()).list().await.unwrap()[0]
        .id
        .clone();
    f.ok(&["token", "revoke", &id], None);
    let revoked = scim_client.send(Method::GET, "/scim/v2/Users", None).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    server.shutdown().await;
}

#[tokio::test]
async fn a_password_reset_on_the_command_line_ends_sessions() {
    let f = Fixture::new();
    let server = f.start().await;
    f.ok(&["admin", "create", "alice"], Some(PASSWORD));
    let mut browser = Client::new(&server.base_url());
    assert_eq!(browser.sign_in("alice", PASSWORD).await.status, StatusCode::OK);
    f.ok(&["admin", "password", "alice"], Some("a brand new password"));
    refused(
        &browser.send(Method::GET, ADMINS_PATH, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    refused(
        &browser.sign_in("alice", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    assert_eq!(
        browser.sign_in("alice", "a brand new password").await.status,
        StatusCode::OK
    );
    server.shutdown().await;
}

backend_test!(
    sessions_admins_and_tokens_work_on_every_database,
    with_backend,
    async |backend: Backend| {
        let label = backend.label;
        let f = Fixture::new();
        let key = tempfile::tempdir().unwrap();
        let server = f.start_on(&backend, key.path()).await;
        let store = server.store();
        assert!(
            provisio_server::auth::Admins::new(store)
                .create("alice", &Secret::new(PASSWORD))
                .await
                .unwrap()
                .is_some(),
            "{label}"
        );
        assert!(
            provisio_server::auth::Admins::new(store)
                .create("alice", &Secret::new(PASSWORD))
                .await
                .unwrap()
                .is_none(),
            "{label}"
        );
        provisio_server::auth::Admins::new(store)
            .create("bob", &Secret::new(PASSWORD))
            .await
            .unwrap();

        let mut browser = Client::new(&server.base_url());
        assert_eq!(
            browser.sign_in("alice", PASSWORD).await.status,
            StatusCode::OK,
            "{label}"
        );
        let admins = browser.send(Method::GET, ADMINS_PATH, None).await;
        assert!(
            admins.body[0]["last_sign_in_at"].is_string(),
            "{label}: {:?}",
            admins.body
        );
        let job = json!({"name": "workday", "direction": "inbound", "target": {"kind": "directory"}, "objects": []});
        let job = browser.send(Method::POST, "/api/v1/jobs", Some(job)).await;
        assert_eq!(job.status, StatusCode::CREATED, "{label}: {:?}", job.body);
        let created = browser
            .send(
                Method::POST,
                TOKENS_PATH,
                Some(json!({"scope": "inbound", "job": "workday"})),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{label}: {:?}", created.body);
        let inbound = created.body["token"].as_str().unwrap().to_owned();
        let robot = Client::with_token(&server.base_url(), &inbound);
        refused(
            &robot.send(Method::GET, ADMINS_PATH, None).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        );
        let tokens = provisio_server::auth::Tokens::new(store).list().await.unwrap();
        assert!(tokens[0].last_used_at.is_some(), "{label}");
        assert_eq!(tokens[0].job.as_deref(), Some("workday"), "{label}");
        provisio_server::auth::Tokens::new(store)
            .revoke(&tokens[0].id)
            .await
            .unwrap()
            .unwrap();
        refused(
            &robot.send(Method::GET, ADMINS_PATH, None).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        );

        assert!(
            provisio_server::auth::Admins::new(store).delete("bob").await.unwrap(),
            "{label}"
        );
        assert!(
            !provisio_server::auth::Admins::new(store).delete("alice").await.unwrap(),
            "{label}: the last one stays"
        );
        assert!(
            provisio_server::auth::Admins::new(store)
                .set_password("alice", &Secret::new("a brand new password"))
                .await
                .unwrap()
        );
        refused(
            &browser.send(Method::GET, SESSION_PATH, None).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        );
        assert_eq!(
            browser.sign_in("alice", "a brand new password").await.status,
            StatusCode::OK,
            "{label}"
        );
        server.shutdown().await;
    }
);
