//! `provisio job check FILE`: loads a job definition (JSON or YAML) and
//! reports every problem with its place in the document. Problems go to
//! stderr; the summary of a valid job goes to stdout; any error exits 2.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use provisio_engine::job::{self, Format, JobDefinition};

use crate::inputs::FAILED;

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Check a job definition; print a summary, or every problem found.
    Check {
        /// The definition: .json, .yaml or .yml (other names: judged by content).
        file: PathBuf,
    },
}

pub fn run(command: JobCommand) -> ExitCode {
    match command {
        JobCommand::Check { file } => {
            let report = check(&file);
            eprint!("{}", report.stderr);
            print!("{}", report.stdout);
            if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(FAILED)
            }
        }
    }
}

/// What `check` prints, and whether the job is valid.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Report {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

fn check(file: &Path) -> Report {
    let (job, mut report) = load(file);
    if let Some(job) = job {
        report.ok = true;
        let _ = writeln!(report.stdout, "{}", summary(&job));
    }
    report
}

/// Reads, parses and validates a job definition. The report's stderr holds
/// every problem (and the error count when there are errors); the job is
/// `None` when any problem is an error.
pub(crate) fn load(file: &Path) -> (Option<JobDefinition>, Report) {
    let text = match fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            let report = Report {
                ok: false,
                stdout: String::new(),
                stderr: format!("error: cannot read {}: {e}\n", file.display()),
            };
            return (None, report);
        }
    };
    let format = match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => Format::Json,
        Some("yaml" | "yml") => Format::Yaml,
        _ => Format::detect(&text),
    };
    let (job, problems) = match job::parse(&text, format) {
        Ok(job) => {
            let problems = job::validate(&job);
            (Some(job), problems)
        }
        Err(problem) => (None, vec![problem]),
    };
    let mut report = Report::default();
    for problem in &problems {
        let _ = writeln!(report.stderr, "{problem}");
        if let Some(rendered) = problem.rendered_diagnostics() {
            for line in rendered.lines() {
                if line.is_empty() {
                    report.stderr.push('\n');
                } else {
                    let _ = writeln!(report.stderr, "  {line}");
                }
            }
        }
    }
    let errors = problems.iter().filter(|p| p.is_error()).count();
    match job {
        Some(job) if errors == 0 => (Some(job), report),
        _ => {
            let _ = writeln!(report.stderr, "{}", plural(errors, "error"));
            (None, report)
        }
    }
}

/// `ok: job "Acme SCIM" — 2 object mappings, 7 attribute mappings`.
fn summary(job: &JobDefinition) -> String {
    let attributes = job.objects.iter().map(|o| o.mappings.len()).sum();
    format!(
        "ok: job \"{}\" — {}, {}",
        job.name,
        plural(job.objects.len(), "object mapping"),
        plural(attributes, "attribute mapping")
    )
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
