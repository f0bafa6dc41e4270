//! Running commands as named steps: a header before, the time after, and a
//! summary line per step at the end; the first failure stops everything.

use std::process::Command;
use std::time::{Duration, Instant};

/// The steps run so far and how each ended.
#[derive(Default)]
pub struct Steps {
    done: Vec<(String, Duration, bool)>,
}

impl Steps {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `command` as the step `name`, with inherited output.
    pub fn run(&mut self, name: &str, command: &mut Command) -> Result<(), String> {
        self.step(name, || check(command))
    }

    /// Runs `work` as the step `name`.
    pub fn step(&mut self, name: &str, work: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
        println!("\n==> {name}");
        let started = Instant::now();
        let result = work();
        let took = started.elapsed();
        self.done.push((name.to_owned(), took, result.is_ok()));
        match &result {
            Ok(()) => println!("==> {name}: ok in {}", seconds(took)),
            Err(error) => {
                println!("==> {name}: FAILED after {}: {error}", seconds(took));
                self.print_summary();
            }
        }
        result
    }

    /// One line per step, with its time, and the total.
    pub fn print_summary(&self) {
        println!("\nsummary:");
        for (name, took, ok) in &self.done {
            println!(
                "  {:<6} {:>8}  {name}",
                if *ok { "ok" } else { "FAILED" },
                seconds(*took)
            );
        }
        let total: Duration = self.done.iter().map(|(_, took, _)| *took).sum();
        println!("  {:<6} {:>8}", "total", seconds(total));
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// The command line, for error messages.
pub fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `command` quietly and returns its stdout, or `None` when it cannot
/// start or fails: the answer to "is this tool here, in which version?".
pub fn probe(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs `command` with inherited output; an error unless it succeeds.
pub fn check(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot start {}: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(command)))
    }
}
