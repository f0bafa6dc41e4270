//! `cargo xtask run`: builds the portal and the server (release) and serves
//! them with demo data at http://127.0.0.1:8080.

use crate::steps::{Steps, describe};
use crate::tools;
use crate::workspace::{cargo, command, root};

const URL: &str = "http://127.0.0.1:8080";

pub fn run() -> Result<(), String> {
    let mut steps = Steps::new();
    tools::for_portal(&mut steps)?;
    steps.run("portal: trunk build --release", &mut trunk_build())?;
    steps.run(
        "server: cargo build --release",
        cargo().args(["build", "--release", "-p", "provisio-server"]),
    )?;
    steps.print_summary();

    let binary = root().join("target").join("release").join("provisio");
    let mut serve = command(&binary.to_string_lossy());
    serve.args([
        "serve",
        "--listen",
        "127.0.0.1:8080",
        "--database",
        "sqlite://data/provisio.db",
        "--portal",
        "dist",
        "--demo",
    ]);
    println!("\nProvisio: {URL}  (data in data/provisio.db; Ctrl-C stops it)\n");
    exec(serve)
}

/// `trunk build --release` into dist/, offline, with binaryen 132 first on PATH.
pub fn trunk_build() -> std::process::Command {
    let mut trunk = command("trunk");
    trunk
        .args(["build", "--release"])
        .env("TRUNK_SKIP_VERSION_CHECK", "true");
    trunk
}

/// Becomes the server process, so Ctrl-C and SIGTERM reach it directly.
#[cfg(unix)]
fn exec(mut command: std::process::Command) -> Result<(), String> {
    use std::os::unix::process::CommandExt as _;
    let error = command.exec();
    Err(format!("cannot start {}: {error}", describe(&command)))
}

#[cfg(not(unix))]
fn exec(mut command: std::process::Command) -> Result<(), String> {
    crate::steps::check(&mut command)
}
