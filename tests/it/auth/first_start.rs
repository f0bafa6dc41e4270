//! The first administrator of a first start, with `provisio serve` as a
//! process: from the environment, generated in demo mode, or a hint on how
//! to create one.

use super::*;

/// A `provisio serve` process, killed if a test fails before stopping it.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `provisio serve` on a free port with `env`; its stdout lines arrive on
/// the channel as it prints them.
fn serve(f: &Fixture, extra: &[&str], env: &[(&str, &str)]) -> (Serving, mpsc::Receiver<String>) {
    let mut command = Command::new(crate::cli::provisio_binary());
    command
        .args([&["serve", "--listen", "127.0.0.1:0"], extra].concat())
        .env("PROVISIO_DATABASE", f.database_url())
        .env("PROVISIO_PORTAL_DIR", f.dir.path().join("dist"))
        .env("RUST_LOG", "warn")
        .env_remove("PROVISIO_ADMIN_PASSWORD")
        .env_remove("PROVISIO_ADMIN_NAME")
        .stdout(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    (Serving(child), received)
}

/// The lines printed until one satisfies `until` (at most 30 seconds).
fn read_until(lines: &mpsc::Receiver<String>, until: impl Fn(&[String]) -> bool) -> Vec<String> {
    let mut seen = Vec::new();
    while !until(&seen) {
        match lines.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => seen.push(line),
            Err(e) => panic!("{e}; printed so far: {seen:?}"),
        }
    }
    seen
}

fn url_in(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .flat_map(|line| line.split_whitespace())
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .map(|url| url.trim_end_matches('/').to_owned())
}

/// Stops the server with SIGTERM, as service managers do; it exits cleanly.
fn stop(mut serving: Serving) {
    let status = Command::new("kill")
        .args(["-TERM", &serving.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(serving.0.wait().unwrap().success());
}

#[tokio::test]
async fn the_first_start_creates_the_administrator_from_the_environment() {
    let f = Fixture::new();
    let env = [("PROVISIO_ADMIN_PASSWORD", PASSWORD), ("PROVISIO_ADMIN_NAME", "root")];
    let (serving, lines) = serve(&f, &[], &env);
    let printed = read_until(&lines, |seen| url_in(seen).is_some());
    assert!(!printed.iter().any(|line| line.contains(PASSWORD)), "{printed:?}");
    let mut client = Client::new(&url_in(&printed).unwrap());
    assert_eq!(client.sign_in("root", PASSWORD).await.status, StatusCode::OK);
    stop(serving);
}

#[tokio::test]
async fn a_demo_start_prints_a_generated_password_that_signs_in() {
    let f = Fixture::new();
    let (serving, lines) = serve(&f, &["--demo"], &[]);
    let has_password = |seen: &[String]| seen.iter().any(|line| line.contains("password"));
    let printed = read_until(&lines, |seen| url_in(seen).is_some() && has_password(seen));
    let password = printed
        .iter()
        .flat_map(|line| line.split_whitespace())
        .skip_while(|word| *word != "password")
        .nth(1)
        .unwrap_or_else(|| panic!("{printed:?}"))
        .to_owned();
    let mut client = Client::new(&url_in(&printed).unwrap());
    assert_eq!(
        client.sign_in("admin", &password).await.status,
        StatusCode::OK,
        "{printed:?}"
    );
    stop(serving);
}

#[tokio::test]
async fn a_start_without_administrators_says_how_to_create_one() {
    let f = Fixture::new();
    let (serving, lines) = serve(&f, &[], &[]);
    let printed = read_until(&lines, |seen| {
        url_in(seen).is_some() && seen.iter().any(|line| line.contains("provisio admin create"))
    });
    assert!(
        printed.iter().any(|line| line.contains("provisio admin create NAME")),
        "{printed:?}"
    );
    stop(serving);
}
