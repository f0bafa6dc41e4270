//! The portal in headless Chromium: a WebDriver harness (chromedriver + fantoccini) and a real
//! server on loopback serving the built portal (`dist/`). The portal engineer owns this module.
//!
//! These tests are ignored unless asked for (`cargo xtask test` runs them, with `PROVISIO_E2E=1`,
//! after building `dist/`) and run only with `PROVISIO_E2E=1`; `PROVISIO_PORTAL_DIR` overrides where the built portal is (default: `<workspace>/dist`),
//! `CHROMEDRIVER` and `CHROMIUM` where the browser is (default: `/usr/bin/...`).

use std::error::Error;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use provisio_server::{RunningServer, Server, ServerConfig};
use serde_json::json;
use tempfile::TempDir;

pub type TestResult<T = ()> = Result<T, Box<dyn Error + Send + Sync>>;

/// The administrator [`Portal::open_signed_in`] signs in as.
pub const ADMIN: &str = "tester";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// How long to wait for the page (wasm download and start-up) and for each expected change.
const PAGE_TIMEOUT: Duration = Duration::from_secs(30);
const CHANGE_TIMEOUT: Duration = Duration::from_secs(5);
/// How often an element a re-render replaced is looked for again.
const STALE_RETRIES: usize = 5;

/// One browser at a time: each Chromium takes most of a core on the 2-core test machine.
static ONE_BROWSER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Whether end-to-end tests should run; prints why not when they should not.
pub fn e2e_enabled(test: &str) -> bool {
    let enabled = std::env::var("PROVISIO_E2E").is_ok_and(|v| v == "1");
    if !enabled {
        eprintln!("skipped {test}: set PROVISIO_E2E=1 (and build dist/ with trunk) to run browser tests");
    }
    enabled
}

fn portal_dir() -> PathBuf {
    std::env::var_os("PROVISIO_PORTAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"))
}

/// A free loopback port (there is a small window in which another process could take it).
fn free_port() -> TestResult<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

/// A chromedriver process with a headless Chromium session. Dropping it kills chromedriver and
/// the browser it started (one process group), and removes the browser profile.
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    _profile: TempDir,
}

impl Browser {
    pub async fn start() -> TestResult<Browser> {
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
        let port = free_port()?;
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so that Drop can end it together with the browser.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {chromedriver}: {e}"))?;
        let profile = tempfile::tempdir()?;
        let mut browser = Browser {
            client: None,
            driver,
            _profile: profile,
        };
        wait_for_port(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            format!("--user-data-dir={}", browser._profile.path().display()),
            "--window-size=1280,800".to_owned(),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            return Err("capabilities must be a JSON object".into());
        };
        let client = ClientBuilder::rustls()?
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await?;
        browser.client = Some(client);
        Ok(browser)
    }

    pub fn client(&self) -> &Client {
        // `start` always sets it; only `close` takes it.
        self.client
            .as_ref()
            .unwrap_or_else(|| unreachable!("the session is open until close"))
    }

    /// Ends the session cleanly (Chromium exits), then chromedriver.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The group id is chromedriver's pid (process_group(0)); Chromium is in the same group.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

async fn wait_for_port(addr: SocketAddr) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(15);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        if Instant::now() > deadline {
            return Err(format!("chromedriver did not listen on {addr}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// The real server (temporary SQLite database) serving the built portal, and a browser on it.
/// Call [`Portal::finish`] at the end of a test; a failing test still cleans up through Drop.
pub struct Portal {
    pub browser: Browser,
    server: RunningServer,
    base_url: String,
    _data: TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Portal {
    /// Starts everything and opens `path` (e.g. `/`), waiting until `ready` (a CSS selector)
    /// is on the page.
    pub async fn open(path: &str, ready: &str) -> TestResult<Portal> {
        Portal::start(path, ready, false).await
    }

    /// Like [`Portal::open`], on a server with the demo organisation and the
    /// administrator [`ADMIN`] / [`ADMIN_PASSWORD`], signed in through the
    /// sign-in page first.
    pub async fn open_signed_in(path: &str, ready: &str) -> TestResult<Portal> {
        let portal = Portal::start("/signin", "#sign-in-name", true).await?;
        portal.find("#sign-in-name").await?.send_keys(ADMIN).await?;
        portal
            .find("#sign-in-password")
            .await?
            .send_keys(ADMIN_PASSWORD)
            .await?;
        portal.find(".sign-in button[type=submit]").await?.click().await?;
        if let Err(e) = portal.wait_for(".who-name").await {
            let shot = portal.screenshot("sign-in-failed").await?;
            return Err(format!("signing in failed ({e}); see {}", shot.display()).into());
        }
        portal.goto(path, ready).await?;
        Ok(portal)
    }

    /// Opens `path` in the portal and waits for `ready` (a CSS selector).
    pub async fn goto(&self, path: &str, ready: &str) -> TestResult {
        self.client().goto(&format!("{}{path}", self.base_url)).await?;
        self.wait_for(ready).await?;
        Ok(())
    }

    /// Waits until `selector` is on the page.
    pub async fn wait_for(&self, selector: &str) -> TestResult<Element> {
        Ok(self
            .client()
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(selector))
            .await
            .map_err(|e| format!("{selector} did not appear: {e}"))?)
    }

    /// Waits until the text of `selector` satisfies `expected`, for up to
    /// `within` (longer than [`Portal::wait_for_text`], for pages that
    /// refresh themselves every few seconds).
    pub async fn eventually(
        &self,
        selector: &str,
        within: Duration,
        expected: impl Fn(&str) -> bool,
    ) -> TestResult<String> {
        let deadline = Instant::now() + within;
        loop {
            let text = match self.client().find(Locator::Css(selector)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if expected(&text) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                return Err(format!("{selector} never matched; its text is {text:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks `selector`, finding it again when the page replaced it between
    /// the finding and the click (pages that refresh themselves do).
    pub async fn click(&self, selector: &str) -> TestResult {
        for _ in 0..STALE_RETRIES {
            match self.find(selector).await?.click().await {
                Err(e) if e.is_stale_element_reference() => tokio::time::sleep(Duration::from_millis(50)).await,
                clicked => return Ok(clicked?),
            }
        }
        Err(format!("{selector} kept being replaced before it could be clicked").into())
    }

    /// The server behind the portal (its store, for setting up and checking).
    pub fn server(&self) -> &RunningServer {
        &self.server
    }

    /// Saves a screenshot as `<test output dir>/<name>.png` (`target/screenshots`).
    pub async fn screenshot(&self, name: &str) -> TestResult<PathBuf> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client().screenshot().await?)?;
        Ok(path)
    }

    async fn start(path: &str, ready: &str, demo: bool) -> TestResult<Portal> {
        let turn = ONE_BROWSER_AT_A_TIME.lock().await;
        let portal_dir = portal_dir();
        if !portal_dir.join("index.html").is_file() {
            return Err(format!(
                "no built portal in {} (run `trunk build --release` or `cargo xtask test`)",
                portal_dir.display()
            )
            .into());
        }
        let data = tempfile::tempdir()?;
        let server = Server::new(ServerConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            database_url: format!("sqlite://{}", data.path().join("p.db").display()),
            portal_dir,
        })
        .with_demo_data(demo)
        .with_secret_key_file(Some(data.path().join("secret.key")))
        .launch()
        .await
        .map_err(|e| format!("starting the server: {e}"))?;
        if demo {
            provisio_server::auth::Admins::new(server.store())
                .create(ADMIN, &provisio_api::auth::Secret::new(ADMIN_PASSWORD))
                .await
                .map_err(|e| format!("creating the administrator: {e}"))?;
        }
        let base_url = server.base_url();
        let browser = Browser::start().await?;
        let portal = Portal {
            browser,
            server,
            base_url,
            _data: data,
            _turn: turn,
        };
        portal.client().goto(&format!("{}{path}", portal.base_url)).await?;
        portal
            .client()
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(ready))
            .await
            .map_err(|e| format!("{ready} did not appear on {path}: {e}"))?;
        Ok(portal)
    }

    pub fn client(&self) -> &Client {
        self.browser.client()
    }

    pub async fn find(&self, selector: &str) -> TestResult<Element> {
        Ok(self.client().find(Locator::Css(selector)).await?)
    }

    /// The text of `selector`, found again when the page replaced it in between.
    pub async fn text(&self, selector: &str) -> TestResult<String> {
        for _ in 0..STALE_RETRIES {
            match self.find(selector).await?.text().await {
                Err(e) if e.is_stale_element_reference() => tokio::time::sleep(Duration::from_millis(50)).await,
                text => return Ok(text?),
            }
        }
        Err(format!("{selector} kept being replaced before its text could be read").into())
    }

    /// Waits until the text of `selector` satisfies `expected`; returns the text.
    pub async fn wait_for_text(&self, selector: &str, expected: impl Fn(&str) -> bool) -> TestResult<String> {
        self.eventually(selector, CHANGE_TIMEOUT, expected).await
    }

    /// Closes the browser, then stops the server.
    pub async fn finish(self) {
        let Portal { browser, server, .. } = self;
        browser.close().await;
        server.shutdown().await;
    }
}
