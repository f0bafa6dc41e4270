//! `provisio job check FILE`: loads a job definition (JSON or YAML) and
//! reports every problem with its place in the document. Problems go to
//! stderr; the summary of a valid job goes to stdout; any error exits 2.
//!
//! `provisio job apply FILE --database URL`: checks the definition the same
//! way, then creates the job, or replaces the job of the same name, through
//! the store code the admin API uses (secrets encrypted, and write-only: a
//! `"********"` or missing secret keeps the stored one). Exits 2 on an
//! invalid definition, 1 when the database or the secret key fails.
//!
//! `provisio job provision --job NAME --user UPN`: provision on demand
//! ([`provision`]). `provisio job start|stop|restart|status NAME`: a job's
//! lifecycle, through a running server or on the database ([`lifecycle`],
//! [`status`]).

mod lifecycle;
mod provision;
mod quarantine_note;
mod status;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use provisio_engine::job::{self, Format, JobDefinition, JobProblem};
use provisio_server::jobs::{Applied, JobError, Jobs, StateChange};
use provisio_server::secrets::SecretBox;

use crate::admin::Stop;
use crate::database::{DatabaseArgs, NotOpened};
use crate::inputs::FAILED;
use crate::via::{self, Backend, Via};

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Check a job definition; print a summary, or every problem found.
    Check {
        /// The definition: .json, .yaml or .yml (other names: judged by content).
        file: PathBuf,
    },
    /// Create the job in the database, or replace the job of the same name.
    Apply {
        /// The definition: .json, .yaml or .yml (other names: judged by content).
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
        /// The key file that encrypts job secrets when PROVISIO_SECRET_KEY is
        /// unset (default: secret.key beside the SQLite database).
        #[arg(long, env = "PROVISIO_SECRET_KEY_FILE")]
        secret_key_file: Option<PathBuf>,
        /// Then start the job (as `provisio job start`); a running job keeps running.
        #[arg(long)]
        start: bool,
    },
    /// Start a job: the server's scheduler runs its cycles (works through --server or on --database).
    Start(JobName),
    /// Stop a job: no new cycle starts (works through --server or on --database).
    Stop(JobName),
    /// Restart a job: start it and forget its progress, so its next cycle is an initial one (works
    /// through --server or on --database).
    Restart(JobName),
    /// Show where a job's cycles stand and how the last one went (works through --server or on
    /// --database).
    Status {
        #[command(flatten)]
        job: JobName,
        /// Print the status as the admin API answers it (GET /api/v1/jobs/{id}/status).
        #[arg(long)]
        json: bool,
    },
    /// Provision one user now with a job, as provision on demand does, and
    /// print the steps.
    Provision(provision::ProvisionArgs),
}

/// The job a lifecycle command acts on, and where it works.
#[derive(Debug, Args)]
pub struct JobName {
    /// The job: its name (any case) or its id.
    #[arg(value_name = "NAME")]
    name: String,
    #[command(flatten)]
    via: Via,
}

pub fn run(command: JobCommand) -> ExitCode {
    match command {
        JobCommand::Start(job) => change(job, StateChange::Start),
        JobCommand::Stop(job) => change(job, StateChange::Stop),
        JobCommand::Restart(job) => change(job, StateChange::Restart),
        JobCommand::Status { job, json } => via::run(&job.via, |backend| async move {
            status::status(&backend, &job.name, json).await
        }),
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
        JobCommand::Provision(args) => provision::run(args),
        JobCommand::Apply {
            file,
            database,
            secret_key_file,
            start,
        } => {
            let (job, report) = load(&file);
            eprint!("{}", report.stderr);
            let Some(job) = job else {
                return ExitCode::from(FAILED);
            };
            let applied = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Refused::Failed(format!("cannot start the async runtime: {e}")))
                .and_then(|runtime| runtime.block_on(apply(job, &database, secret_key_file.as_deref(), start)));
            match applied {
                Ok(line) => {
                    println!("{line}");
                    ExitCode::SUCCESS
                }
                Err(Refused::Invalid(problems)) => {
                    eprint!("{}", render_problems(&problems));
                    ExitCode::from(FAILED)
                }
                Err(Refused::Failed(message)) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn change(job: JobName, change: StateChange) -> ExitCode {
    via::run(&job.via, |backend| async move {
        lifecycle::change(&backend, &job.name, change).await
    })
}

/// Why `apply` wrote nothing.
enum Refused {
    /// The server's own checks found problems (e.g. a name too long).
    Invalid(Vec<JobProblem>),
    Failed(String),
}

/// Creates or replaces the job, and with `start` starts it; what to print.
async fn apply(
    job: JobDefinition,
    database: &DatabaseArgs,
    key_file: Option<&Path>,
    start: bool,
) -> Result<String, Refused> {
    let failed = |e: &dyn std::fmt::Display| Refused::Failed(e.to_string());
    // The database first: a wrong one is refused before any key is looked for.
    let store = database.open().await.map_err(|e| match e {
        NotOpened::Missing(message) | NotOpened::Failed(message) => Refused::Failed(message),
    })?;
    let secrets = SecretBox::existing(&database.database, key_file).map_err(|e| failed(&e))?;
    let jobs = Jobs::new(store.clone(), secrets);
    let applied = jobs.apply(job).await;
    let said = match applied {
        Ok(Applied::Created(job)) => Ok((format!("created job {} ({})", job.definition.name, job.id), job.id)),
        Ok(Applied::Replaced { job, changed: true }) => {
            let note = quarantine_note::quarantine_note(&store, &job, start).await;
            Ok((format!("replaced job {}{note}", job.definition.name), job.id))
        }
        Ok(Applied::Replaced { job, changed: false }) => {
            Ok((format!("replaced job {} (no changes)", job.definition.name), job.id))
        }
        Err(JobError::Invalid(problems)) => Err(Refused::Invalid(problems)),
        Err(e) => Err(failed(&e)),
    };
    let said = match said {
        Ok((line, id)) if start => lifecycle::change(&Backend::Database(store.clone()), &id, StateChange::Start)
            .await
            .map(|started| format!("{line}\n{}", started.trim_end()))
            .map_err(|stop| match stop {
                Stop::Input(message) | Stop::Failed(message) => {
                    Refused::Failed(message.trim_start_matches("error: ").to_owned())
                }
            }),
        other => other.map(|(line, _)| line),
    };
    store.close().await;
    said
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
    let errors = problems.iter().filter(|p| p.is_error()).count();
    match job {
        Some(job) if errors == 0 => {
            let mut report = Report::default();
            for problem in &problems {
                write_problem(&mut report.stderr, problem);
            }
            (Some(job), report)
        }
        _ => {
            let report = Report {
                stderr: render_problems(&problems),
                ..Report::default()
            };
            (None, report)
        }
    }
}

/// Every problem, each with its expression's diagnostics, then the error count.
fn render_problems(problems: &[JobProblem]) -> String {
    let mut text = String::new();
    for problem in problems {
        write_problem(&mut text, problem);
    }
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let _ = writeln!(text, "{}", plural(errors, "error"));
    text
}

fn write_problem(text: &mut String, problem: &JobProblem) {
    let _ = writeln!(text, "{problem}");
    if let Some(rendered) = problem.rendered_diagnostics() {
        for line in rendered.lines() {
            if line.is_empty() {
                text.push('\n');
            } else {
                let _ = writeln!(text, "  {line}");
            }
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
