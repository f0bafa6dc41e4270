//! `provisio job check FILE`: loads a job definition (JSON or YAML) and
//! reports every problem with its place in the document, source attributes
//! looked up in the directory's attribute catalogue (built in; with
//! `--database` or `--server`, extension attributes too). Problems go to
//! stderr; the summary of a valid job goes to stdout; any error exits 2, and
//! with `--strict` any warning too.
//!
//! `provisio job apply FILE --database URL`: resolves the file's secret
//! references (`${NAME}`, `secret_file: PATH`, [`secrets`]), checks the
//! definition as the admin API does, then creates the job, or replaces the
//! job of the same name, through the store code the admin API uses (secrets
//! encrypted, and write-only: a `"********"` or missing secret keeps the
//! stored one). Warnings (an unknown source attribute, a secret the job
//! needs and does not have) are printed, and with `--strict` refuse the
//! file. Exits 2 on an invalid or refused definition, 1 when the database
//! or the secret key fails.
//!
//! An inbound definition without object mappings (`"objects": []`) gets the
//! template's, as the admin API gives it
//! ([`provisio_engine::job::templates::complete_inbound`]).
//!
//! `provisio job provision --job NAME --user UPN`: provision on demand
//! ([`provision`]). `provisio job start|stop|restart|status NAME`: a job's
//! lifecycle, through a running server or on the database ([`lifecycle`],
//! [`status`]). `provisio job assign JOB [--user U] [--group G] [--role R]
//! [--remove]`: who a job provisions, and with which app role ([`assign`]).

mod apply_remote;
mod assign;
mod catalogue;
mod lifecycle;
mod provision;
mod quarantine_note;
mod reset;
mod secrets;
mod status;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use provisio_engine::attributes::Catalogue;
use provisio_engine::diagnostic::{Code, Severity};
use provisio_engine::job::{self, Format, JobDefinition, JobProblem};
use provisio_server::jobs::{Applied, JobError, Jobs, StateChange};
use provisio_server::secrets::SecretBox;
use provisio_server::store::Store;

use self::catalogue::CatalogueArgs;
use crate::admin::Stop;
use crate::inputs::FAILED;
use crate::via::{self, Backend, Via};

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Check a job definition; print a summary, or every problem found. Source attributes are
    /// checked against the built-in attributes, or with --database or --server against the
    /// directory's, extension attributes included.
    Check {
        /// The definition: .json, .yaml or .yml (other names: judged by content).
        file: PathBuf,
        #[command(flatten)]
        catalogue: CatalogueArgs,
        /// Fail (exit 2) on warnings too, e.g. an unknown source attribute.
        #[arg(long)]
        strict: bool,
    },
    /// Create the job, or replace the job of the same name (works through --server or on
    /// --database). Secret fields may read "${NAME}" (an environment variable) or `secret_file:
    /// PATH` (relative to FILE's folder), resolved here and stored write-only; warnings (unknown
    /// source attributes, a missing secret) are printed, and refuse the file with --strict.
    Apply {
        /// The definition: .json, .yaml or .yml (other names: judged by content).
        file: PathBuf,
        #[command(flatten)]
        via: Via,
        /// On the database: the key file that encrypts job secrets when
        /// PROVISIO_SECRET_KEY is unset (default: secret.key beside the SQLite database).
        #[arg(long, env = "PROVISIO_SECRET_KEY_FILE")]
        secret_key_file: Option<PathBuf>,
        /// Refuse the file (write nothing, exit 2) when it has warnings, e.g.
        /// an unknown source attribute or no token for a target that needs one.
        #[arg(long)]
        strict: bool,
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
    /// List a job's assignments, or assign (--remove: unassign) users and groups, with an app role
    /// (--role; default Default Access). Works through --server or on --database.
    Assign(assign::AssignArgs),
    /// Reset a job as Entra's reset scopes do: retry its escrowed objects, lift its quarantine, or
    /// restart it forgetting its links (works through --server or on --database).
    Reset(reset::ResetArgs),
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
        JobCommand::Check {
            file,
            catalogue,
            strict,
        } => {
            let report = match runtime() {
                Ok(runtime) => runtime.block_on(check(&file, &catalogue, strict)),
                Err(e) => Err(e),
            };
            match report {
                Ok(report) => {
                    eprint!("{}", report.stderr);
                    print!("{}", report.stdout);
                    if report.ok {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(FAILED)
                    }
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        JobCommand::Provision(args) => provision::run(args),
        JobCommand::Reset(args) => reset::run(args),
        JobCommand::Assign(args) => assign::run(args),
        JobCommand::Apply {
            file,
            via,
            secret_key_file,
            start,
            strict,
        } => {
            let Some(job) = read_resolved(&file) else {
                return ExitCode::from(FAILED);
            };
            let applied = runtime()
                .map_err(Refused::Failed)
                .and_then(|runtime| runtime.block_on(apply(job, &via, secret_key_file.as_deref(), strict, start)));
            match applied {
                Ok(line) => {
                    println!("{line}");
                    ExitCode::SUCCESS
                }
                Err(Refused::Invalid(problems)) => {
                    eprint!("{}", render_problems(&problems));
                    ExitCode::from(FAILED)
                }
                Err(Refused::Strict(warnings)) => {
                    for warning in &warnings {
                        write_problem_to_stderr(warning);
                    }
                    eprintln!("{}", strict_refusal(warnings.len(), "nothing was written"));
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

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// `2 warnings, and --strict refuses warnings: nothing was written`.
fn strict_refusal(warnings: usize, consequence: &str) -> String {
    format!(
        "{}, and --strict refuses warnings: {consequence}",
        plural(warnings, "warning")
    )
}

fn write_problem_to_stderr(problem: &JobProblem) {
    let mut text = String::new();
    write_problem(&mut text, problem);
    eprint!("{text}");
}

/// The file's definition with its secret references resolved, or `None`
/// after printing why not (it does not parse, it has errors even against
/// the built-in catalogue, or a reference cannot be resolved).
fn read_resolved(file: &Path) -> Option<JobDefinition> {
    let mut job = match read(file) {
        Ok(job) => job,
        Err(stderr) => {
            eprint!("{stderr}");
            return None;
        }
    };
    let mut problems = secrets::misplaced(&job);
    problems.extend(secrets::resolve(&mut job, folder_of(file)));
    // Errors the definition has anywhere are refused before any database
    // is opened; warnings wait for the directory's own catalogue.
    problems.extend(
        provisio_server::jobs::problems(&job, &Catalogue::builtin())
            .into_iter()
            .filter(JobProblem::is_error),
    );
    if problems.iter().any(JobProblem::is_error) {
        eprint!("{}", render_problems(&problems));
        return None;
    }
    Some(job)
}

/// The folder a job file's relative `secret_file:` paths start from.
fn folder_of(file: &Path) -> &Path {
    file.parent().unwrap_or(Path::new("."))
}

/// Why `apply` wrote nothing.
enum Refused {
    /// The server's own checks found problems (e.g. a name too long).
    Invalid(Vec<JobProblem>),
    /// `--strict`, and these warnings.
    Strict(Vec<JobProblem>),
    Failed(String),
}

/// Creates or replaces the job, and with `start` starts it; the lines to
/// print (its warnings are printed on stderr first).
async fn apply(
    job: JobDefinition,
    via: &Via,
    key_file: Option<&Path>,
    strict: bool,
    start: bool,
) -> Result<String, Refused> {
    // The database first: a wrong one is refused before any key is looked for.
    let applied = match via.connect().await.map_err(stop_refused)? {
        Backend::Server(remote) => apply_remote::apply(&remote, job, strict, start).await,
        Backend::Database(store) => {
            let applied = match SecretBox::existing(&via.database_url(), key_file) {
                Ok(secrets) => apply_to(&store, &Jobs::new(store.clone(), secrets), job, strict, start).await,
                Err(e) => Err(Refused::Failed(e.to_string())),
            };
            store.close().await;
            applied
        }
    };
    let (applied, warnings) = applied?;
    for warning in &warnings {
        write_problem_to_stderr(warning);
    }
    Ok(applied)
}

/// A command's stop, as a refusal of `apply` (its message without `error: `,
/// which the refusal adds).
fn stop_refused(stop: Stop) -> Refused {
    match stop {
        Stop::Input(message) | Stop::Failed(message) => {
            Refused::Failed(message.trim_start_matches("error: ").to_owned())
        }
    }
}

/// What `apply` does once the database is open: the lines to print and
/// the job's warnings.
async fn apply_to(
    store: &Store,
    jobs: &Jobs,
    job: JobDefinition,
    strict: bool,
    start: bool,
) -> Result<(String, Vec<JobProblem>), Refused> {
    let refused = |e: JobError| match e {
        JobError::Invalid(problems) => Refused::Invalid(problems),
        e => Refused::Failed(e.to_string()),
    };
    if strict {
        let warnings = jobs.warnings(&job).await.map_err(refused)?;
        if !warnings.is_empty() {
            return Err(Refused::Strict(warnings));
        }
    }
    let (mut lines, detail) = match jobs.apply(job).await.map_err(refused)? {
        Applied::Created(job) => (format!("created job {} ({})", job.definition.name, job.id), job),
        Applied::Replaced { job, changed: true } => {
            let note = quarantine_note::from_database(store, &job, start).await;
            (format!("replaced job {}{note}", job.definition.name), job)
        }
        Applied::Replaced { job, changed: false } => {
            (format!("replaced job {} (no changes)", job.definition.name), job)
        }
    };
    if start {
        let started = lifecycle::change(&Backend::Database(store.clone()), &detail.id, StateChange::Start)
            .await
            .map_err(stop_refused)?;
        lines = format!("{lines}\n{}", started.trim_end());
    }
    Ok((lines, detail.warnings))
}

/// What `check` prints, and whether the job is valid.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Report {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// `provisio job check`: the report, or why the catalogue could not be read.
async fn check(file: &Path, catalogue: &CatalogueArgs, strict: bool) -> Result<Report, String> {
    let mut job = match read(file) {
        Ok(job) => job,
        Err(stderr) => {
            return Ok(Report {
                stderr,
                ..Report::default()
            });
        }
    };
    let mut problems = secrets::misplaced(&job);
    // A reference that cannot be resolved here may be resolved where the
    // file is applied: a warning.
    problems.extend(
        secrets::resolve(&mut job, folder_of(file))
            .into_iter()
            .map(|p| JobProblem {
                severity: Severity::Warning,
                ..p
            }),
    );
    let known = catalogue.catalogue().await?;
    problems.extend(provisio_server::jobs::problems(&job, &known));
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    let mut report = Report::default();
    if errors > 0 {
        report.stderr = render_problems(&problems);
        return Ok(report);
    }
    for problem in &problems {
        write_problem(&mut report.stderr, problem);
    }
    let unknown_attribute = problems.iter().any(|p| {
        p.diagnostics.iter().any(|d| d.code == Code::UnknownAttribute) || p.message.contains("is not an attribute of")
    });
    if unknown_attribute && !catalogue.online() {
        let _ = writeln!(
            report.stderr,
            "note: source attributes were checked against the built-in attributes; give --database or --server to \
             know the directory's extension attributes too"
        );
    }
    if strict && warnings > 0 {
        let _ = writeln!(report.stderr, "{}", strict_refusal(warnings, "the check fails"));
        return Ok(report);
    }
    report.ok = true;
    let _ = writeln!(report.stdout, "{}", summary(&job));
    Ok(report)
}

/// Reads and parses a job definition, completing an inbound one without
/// object mappings as the admin API does; the error is what to print.
fn read(file: &Path) -> Result<JobDefinition, String> {
    let text = fs::read_to_string(file).map_err(|e| format!("error: cannot read {}: {e}\n", file.display()))?;
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
    let mut job = job::parse(&text, format).map_err(|problem| render_problems(&[problem]))?;
    job::templates::complete_inbound(&mut job);
    Ok(job)
}

/// Reads, parses and validates a job definition (with the built-in
/// attribute catalogue). The report's stderr holds every problem (and the
/// error count when there are errors); the job is `None` when any problem
/// is an error.
pub(crate) fn load(file: &Path) -> (Option<JobDefinition>, Report) {
    let job = match read(file) {
        Ok(job) => job,
        Err(stderr) => {
            return (
                None,
                Report {
                    stderr,
                    ..Report::default()
                },
            );
        }
    };
    let problems = job::validate_with(&job, &Catalogue::builtin());
    if problems.iter().any(JobProblem::is_error) {
        let report = Report {
            stderr: render_problems(&problems),
            ..Report::default()
        };
        return (None, report);
    }
    let mut report = Report::default();
    for problem in &problems {
        write_problem(&mut report.stderr, problem);
    }
    (Some(job), report)
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
