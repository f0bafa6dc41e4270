//! `cargo xtask run | test | bench`: installs what Provisio needs (each step
//! skipped in about a second when already satisfied) and runs the server,
//! every check, or the benchmarks. Plain `std::process::Command`, no shell.

mod bench;
mod run;
mod steps;
mod test;
mod tools;
mod workspace;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  run     build the portal and the server, then serve http://127.0.0.1:8080 with demo data
  test    formatting, clippy (native with the fuzz targets, and wasm), the portal build and every test
  bench   the expression engine's benchmarks, native and in wasm";

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "run" => run::run(),
        "test" => test::test(),
        "bench" => bench::bench(),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask {task}: {error}");
            ExitCode::FAILURE
        }
    }
}
