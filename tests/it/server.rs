//! The server on a loopback port with a real SQLite file: health, the
//! portal's files and its fallbacks, the database it creates and reopens,
//! and the `provisio serve` binary's start and graceful stop.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use provisio_api::health::{HEALTH_PATH, Health, HealthStatus};
use provisio_server::{RunningServer, Server, ServerConfig, ServerError};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};

const INDEX: &str = "<!doctype html><title>Provisio</title><script src=\"/app.js\"></script>";

/// A temporary folder holding a built-looking portal and a database path
/// whose folder does not exist yet.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let portal = dir.path().join("dist");
        std::fs::create_dir(&portal).unwrap();
        std::fs::write(portal.join("index.html"), INDEX).unwrap();
        std::fs::write(portal.join("app.js"), "console.log('provisio');\n".repeat(200)).unwrap();
        Fixture { dir }
    }

    fn database_file(&self) -> PathBuf {
        self.dir.path().join("data/provisio.db")
    }

    fn config(&self) -> ServerConfig {
        ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: format!("sqlite://{}", self.database_file().display()),
            portal_dir: self.dir.path().join("dist"),
        }
    }

    async fn start(&self) -> RunningServer {
        Server::start(self.config()).await.unwrap()
    }

    /// A direct connection to the server's database file.
    async fn database(&self) -> SqliteConnection {
        SqliteConnectOptions::new()
            .filename(self.database_file())
            .connect()
            .await
            .unwrap()
    }

    async fn setting(&self, key: &str) -> Option<String> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut self.database().await)
            .await
            .unwrap()
    }
}

async fn get(server: &RunningServer, path: &str) -> (StatusCode, String) {
    let response = reqwest::get(format!("{}{path}", server.base_url())).await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn healthz_answers_with_status_and_version() {
    let fixture = Fixture::new();
    let server = fixture.start().await;
    let response = reqwest::get(format!("{}{HEALTH_PATH}", server.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let health: Health = response.json().await.unwrap();
    assert_eq!(health, Health::ok());
    assert_eq!(health.status, HealthStatus::Ok);
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    server.shutdown().await;
}

#[tokio::test]
async fn healthz_is_503_saying_why_once_the_database_was_migrated_by_a_newer_release() {
    let fixture = Fixture::new();
    let server = fixture.start().await;
    // A later release started on the same database and migrated it.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (99991231000000, 'from a newer release', CURRENT_TIMESTAMP, 1, x'00', 0)",
    )
    .execute(&mut fixture.database().await)
    .await
    .unwrap();
    let response = reqwest::get(format!("{}{HEALTH_PATH}", server.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let health: Health = response.json().await.unwrap();
    assert_eq!(health.status, HealthStatus::Unavailable);
    let problem = health.problem.unwrap_or_default();
    assert!(
        problem.contains("migrated by a newer release") && problem.contains("upgrade this instance"),
        "{problem}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_portal_is_served_at_the_root_and_at_its_routes() {
    let fixture = Fixture::new();
    let server = fixture.start().await;
    assert_eq!(get(&server, "/").await, (StatusCode::OK, INDEX.to_owned()));
    assert_eq!(get(&server, "/index.html").await, (StatusCode::OK, INDEX.to_owned()));
    assert_eq!(
        get(&server, "/applications/42/mappings").await,
        (StatusCode::OK, INDEX.to_owned())
    );
    let (status, script) = get(&server, "/app.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(script.starts_with("console.log"));
    assert_eq!(get(&server, "/missing-3f2a.wasm").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&server, "/api/v1/nothing").await.0, StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test]
async fn responses_are_gzipped_when_the_client_accepts_it() {
    let fixture = Fixture::new();
    let server = fixture.start().await;
    let response = reqwest::Client::new()
        .get(format!("{}/app.js", server.base_url()))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    let compressed = response.bytes().await.unwrap();
    assert!(compressed.len() < 1_000, "{} bytes", compressed.len());
    server.shutdown().await;
}

#[tokio::test]
async fn built_files_are_sent_precompressed_and_cached_by_their_hash() {
    let fixture = Fixture::new();
    let portal = fixture.dir.path().join("dist");
    let hashed = "app-0123456789abcdef_bg.wasm";
    std::fs::write(portal.join(hashed), b"\0asm plain").unwrap();
    // Not real gzip: the test only needs to tell the two files apart.
    std::fs::write(portal.join(format!("{hashed}.gz")), b"gzipped by the build").unwrap();
    let server = fixture.start().await;
    let client = reqwest::Client::new();
    let fetch = |path: String, gzip: bool| {
        let mut request = client.get(format!("{}{path}", server.base_url()));
        if gzip {
            request = request.header(ACCEPT_ENCODING, "gzip, deflate, br");
        }
        request.send()
    };

    let response = fetch(format!("/{hashed}"), true).await.unwrap();
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"gzipped by the build");

    let response = fetch(format!("/{hashed}"), false).await.unwrap();
    assert!(!response.headers().contains_key(CONTENT_ENCODING));
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"\0asm plain");

    for page in ["/", "/jobs/7"] {
        let response = fetch(page.to_owned(), true).await.unwrap();
        assert_eq!(response.headers()[CACHE_CONTROL], "no-cache", "{page}");
    }
    server.shutdown().await;
}

/// A page shaped like Trunk's, with its inline loader script; and the
/// loader's hash as a Content-Security-Policy source.
const TRUNK_INDEX: &str = "<!doctype html><html><head><link rel=\"stylesheet\" href=\"/style-0123456789abcdef.css\">\
    <script type=\"module\">\nimport init from '/app-0123456789abcdef.js';\n\
    await init({ module_or_path: '/app-0123456789abcdef_bg.wasm' });\n</script></head><body></body></html>";
const TRUNK_LOADER_HASH: &str = "'sha256-itXW83FnTNn8EMB35Go22RNuT8Nb6Pe1GtyVGjQmnPw='";

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let fixture = Fixture::new();
    std::fs::write(fixture.dir.path().join("dist/index.html"), TRUNK_INDEX).unwrap();
    let server = fixture.start().await;
    let client = reqwest::Client::new();
    for (method, path, status) in [
        ("GET", "/", 200),
        ("GET", "/applications/42", 200),
        ("GET", "/index.html", 200),
        ("GET", "/app.js", 200),
        ("GET", "/missing-3f2a.wasm", 404),
        ("GET", HEALTH_PATH, 200),
        ("GET", "/api/v1/openapi.json", 200),
        ("GET", "/api/v1/jobs", 401),
        ("POST", "/api/v1/jobs", 401),
        ("GET", "/scim/v2/Users?filter=userName%20eq%20%22x%22", 401),
        ("POST", "/api/v1/session", 400),
    ] {
        let response = client
            .request(method.parse().unwrap(), format!("{}{path}", server.base_url()))
            .header(CONTENT_TYPE, "application/json")
            .body(if method == "POST" { "{}" } else { "" })
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        let policy = headers["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "style-src 'self'",
            "base-uri 'none'",
            "object-src",
        ] {
            if directive == "object-src" {
                // default-src 'none' covers plugins.
                assert!(!policy.contains(directive), "{path}: {policy}");
            } else {
                assert!(policy.contains(directive), "{path}: {policy}");
            }
        }
        assert!(
            !policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"),
            "{path}: {policy}"
        );
        let page = headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/html"));
        assert_eq!(
            page,
            path == "/" || path.starts_with("/applications") || path == "/index.html",
            "{path}"
        );
        let script_src = if page {
            format!("script-src 'self' 'wasm-unsafe-eval' {TRUNK_LOADER_HASH};")
        } else {
            "script-src 'self' 'wasm-unsafe-eval';".to_owned()
        };
        assert!(policy.contains(&script_src), "{path}: {policy}");
    }
    // A revalidated page keeps its policy: a 304's headers replace the cached ones.
    let page = client.get(format!("{}/", server.base_url())).send().await.unwrap();
    let modified = page.headers()["last-modified"].clone();
    let again = client
        .get(format!("{}/applications", server.base_url()))
        .header("if-modified-since", modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let policy = again.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains(TRUNK_LOADER_HASH), "{policy}");
    server.shutdown().await;
}

#[test]
fn the_access_log_names_paths_but_never_queries() {
    let fixture = Fixture::new();
    let log = fixture.dir.path().join("server.log");
    let mut child = Command::new(crate::cli::provisio_binary())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("PROVISIO_DATABASE", &fixture.config().database_url)
        .env("PROVISIO_PORTAL_DIR", fixture.dir.path().join("dist"))
        // Queries are logged at debug, redacted: ask for that too.
        .env("RUST_LOG", "info,provisio_server::http::access_log=debug")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        for path in [
            "/scim/v2/Users?filter=userName%20eq%20%22grace.hopper%40contoso.com%22&count=5",
            "/api/v1/directory/users?search=grace.hopper",
        ] {
            let response = client
                .get(format!("{url}{path}"))
                .bearer_auth(format!("pvs_{}", "A".repeat(43)))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
    });
    terminate(child.id());
    assert!(child.wait().unwrap().success());
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(!log.contains("grace") && !log.contains("contoso"), "{log}");
    assert!(
        log.contains("/scim/v2/Users") && log.contains("/api/v1/directory/users"),
        "{log}"
    );
    assert!(log.contains("filter=…&count=…") && log.contains("search=…"), "{log}");
    for line in log.lines().filter(|line| line.contains("query parameters")) {
        assert!(line.contains("DEBUG"), "a query logged above debug: {line}");
    }
}

#[tokio::test]
async fn without_a_built_portal_the_root_says_how_to_build_it() {
    let fixture = Fixture::new();
    let config = ServerConfig {
        portal_dir: fixture.dir.path().join("not-built"),
        ..fixture.config()
    };
    let server = Server::start(config).await.unwrap();
    for path in ["/", "/applications"] {
        let response = reqwest::get(format!("{}{path}", server.base_url())).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
        assert!(response.text().await.unwrap().contains("cargo xtask run"));
    }
    assert_eq!(get(&server, HEALTH_PATH).await.0, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn the_first_start_creates_the_database_in_wal_mode_with_an_instance_id() {
    let fixture = Fixture::new();
    assert!(!fixture.database_file().parent().unwrap().exists());
    let server = fixture.start().await;
    assert!(fixture.database_file().is_file());
    let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut fixture.database().await)
        .await
        .unwrap();
    assert_eq!(journal_mode, "wal");
    let id = fixture.setting("instance_id").await.unwrap();
    assert_eq!(id.len(), 32);
    assert_eq!(server.store().instance_id().await.unwrap(), id);
    assert_eq!(fixture.setting("default_domain").await, None);
    server.shutdown().await;
}

#[tokio::test]
async fn restarting_on_the_same_file_keeps_its_data() {
    let fixture = Fixture::new();
    let first = fixture.start().await;
    first
        .store()
        .set_setting("default_domain", "fabrikam.com")
        .await
        .unwrap();
    first.shutdown().await;
    let id = fixture.setting("instance_id").await;

    let second = fixture.start().await;
    assert_eq!(fixture.setting("instance_id").await, id);
    assert_eq!(fixture.setting("default_domain").await.as_deref(), Some("fabrikam.com"));
    let migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut fixture.database().await)
        .await
        .unwrap();
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../server/migrations"))
        .unwrap()
        .count();
    assert_eq!(
        migrations,
        i64::try_from(shipped).unwrap(),
        "each migration applied once"
    );
    assert_eq!(get(&second, HEALTH_PATH).await.0, StatusCode::OK);
    second.shutdown().await;
}

#[tokio::test]
async fn demo_data_seeds_the_default_domain_once() {
    let fixture = Fixture::new();
    let demo = || Server::new(fixture.config()).with_demo_data(true).launch();
    let server = demo().await.unwrap();
    assert_eq!(fixture.setting("default_domain").await.as_deref(), Some("contoso.com"));
    server
        .store()
        .set_setting("default_domain", "fabrikam.com")
        .await
        .unwrap();
    server.shutdown().await;

    demo().await.unwrap().shutdown().await;
    assert_eq!(fixture.setting("default_domain").await.as_deref(), Some("fabrikam.com"));
}

#[tokio::test]
async fn start_up_problems_are_errors_not_panics() {
    let fixture = Fixture::new();
    let server = fixture.start().await;
    let taken = ServerConfig {
        listen: server.local_addr(),
        ..fixture.config()
    };
    assert!(matches!(Server::start(taken).await, Err(ServerError::Bind { .. })));
    let mysql = ServerConfig {
        database_url: "mysql://localhost/provisio".into(),
        ..fixture.config()
    };
    assert!(matches!(
        Server::start(mysql).await,
        Err(ServerError::DatabaseUrl { .. })
    ));
    server.shutdown().await;
}

#[tokio::test]
async fn provisio_serve_runs_until_sigterm() {
    let fixture = Fixture::new();
    let mut child = Command::new(crate::cli::provisio_binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--demo"])
        .env("PROVISIO_DATABASE", &fixture.config().database_url)
        .env("PROVISIO_PORTAL_DIR", fixture.dir.path().join("dist"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let health: Health = reqwest::get(format!("{}{}", url.trim_end_matches('/'), HEALTH_PATH))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, Health::ok());
    assert_eq!(fixture.setting("default_domain").await.as_deref(), Some("contoso.com"));

    terminate(child.id());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}

fn terminate(pid: u32) {
    let status = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(status.success());
}
