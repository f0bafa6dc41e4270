//! `cargo xtask run | test [--quick] | bench [--large]`: installs what Provisio needs
//! (each step skipped in about a second when already satisfied) and runs
//! the server, every check (or the quick ones), or the benchmarks. Plain
//! `std::process::Command`, no shell.

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
  run           build the portal and the server, then serve http://127.0.0.1:8080 with demo data
  test          formatting, clippy (native with the fuzz targets, and wasm), the portal build, the docs and every test,
                those that need a tool (PostgreSQL, slapd, scim2-server, the browser) included
  test --quick  formatting, clippy (native) and the tests that need no tool: no browser, no
                portal build, no wasm
  bench         the benchmarks: the expression engine (native and in wasm), the SCIM service,
                provisioning into scim2-server, a second Provisio, slapd and PostgreSQL, inbound,
                and how cycles scale with the directory
  bench --large the same with the million-user figures (the scale benchmark at 1,000,000 users,
                a minute of realtime changes): not for CI, long";

/// What the command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    Run,
    Test,
    QuickTest,
    Bench { large: bool },
    Help,
}

/// The task named by the arguments after `cargo xtask`; `None` when they
/// name none (or add options it does not take).
fn task(args: &[&str]) -> Option<Task> {
    match args {
        ["run"] => Some(Task::Run),
        ["test"] => Some(Task::Test),
        ["test", "--quick"] => Some(Task::QuickTest),
        ["bench"] => Some(Task::Bench { large: false }),
        ["bench", "--large"] => Some(Task::Bench { large: true }),
        ["-h" | "--help" | "help", ..] => Some(Task::Help),
        _ => None,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match task(&args) {
        Some(Task::Run) => run::run(),
        Some(Task::Test) => test::test(),
        Some(Task::QuickTest) => test::quick(),
        Some(Task::Bench { large }) => bench::bench(large),
        Some(Task::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask {}: {error}", args.join(" "));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_and_their_options() {
        assert_eq!(task(&["test"]), Some(Task::Test));
        assert_eq!(task(&["test", "--quick"]), Some(Task::QuickTest));
        assert_eq!(task(&["run"]), Some(Task::Run));
        assert_eq!(task(&["bench"]), Some(Task::Bench { large: false }));
        assert_eq!(task(&["bench", "--large"]), Some(Task::Bench { large: true }));
        assert_eq!(task(&["bench", "--larg"]), None);
        assert_eq!(task(&["--help"]), Some(Task::Help));
        assert_eq!(task(&["test", "--quik"]), None);
        assert_eq!(task(&["run", "--quick"]), None);
        assert_eq!(task(&[]), None);
        assert_eq!(task(&["deploy"]), None);
    }
}
