//! `provisio job provision --job NAME --user UPN`: provision on demand from
//! the command line. Runs the real pipeline for one user (import, scoping,
//! matching, action, applied to the target, logged as an on-demand run)
//! and prints its steps, or with `--json` the outcome as the admin API
//! answers it. Exits 0 when it succeeded or there was nothing to do, 1 when
//! the run failed, 2 when the job or the user does not exist or the job
//! cannot be run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use provisio_api::jobs::on_demand::ReferenceOutcome;
use provisio_engine::plan::Status;
use provisio_server::cycle::run::{self, CycleError, ObjectOutcome};
use provisio_server::jobs::{JobError, Jobs};
use provisio_server::secrets::SecretBox;

use crate::database::{DatabaseArgs, NotOpened};
use crate::inputs::FAILED;
use crate::steps::{json_name, write_steps};
use crate::targets::TargetArgs;
use provisio_connectors::TargetPolicy;

#[derive(Debug, Args)]
pub struct ProvisionArgs {
    /// The job: its id or its name (any case).
    #[arg(long)]
    job: String,
    /// The directory user: its id or its userPrincipalName.
    #[arg(long)]
    user: String,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    targets: TargetArgs,
    /// The key file that encrypts job secrets when PROVISIO_SECRET_KEY is
    /// unset (default: secret.key beside the SQLite database).
    #[arg(long, env = "PROVISIO_SECRET_KEY_FILE")]
    secret_key_file: Option<PathBuf>,
    /// Print the outcome as JSON (run id, decision with its steps, what was
    /// done, the log entry) instead of the steps in words.
    #[arg(long)]
    json: bool,
}

/// Why nothing was run: a usage error (exit 2) or a failure (exit 1).
enum Refused {
    Usage(String),
    Failed(String),
}

pub fn run(args: ProvisionArgs) -> ExitCode {
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Refused::Failed(format!("cannot start the async runtime: {e}")))
        .and_then(|runtime| {
            runtime.block_on(provision(
                &args.database,
                args.secret_key_file.as_deref(),
                args.targets.policy(),
                &args.job,
                args.user.trim(),
            ))
        });
    let (run_id, outcome) = match outcome {
        Ok(done) => done,
        Err(Refused::Usage(message)) => {
            eprintln!("error: {message}");
            return ExitCode::from(FAILED);
        }
        Err(Refused::Failed(message)) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let failure = failed(&outcome);
    if args.json {
        // The admin API's provision-on-demand answer.
        let result = outcome.into_on_demand_result(run_id);
        match serde_json::to_string_pretty(&result) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("error: cannot print the outcome: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", render(&run_id, &outcome));
    }
    if failure { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

async fn provision(
    database: &DatabaseArgs,
    key_file: Option<&Path>,
    mut targets: TargetPolicy,
    job: &str,
    user: &str,
) -> Result<(String, ObjectOutcome), Refused> {
    let failed = |e: &dyn std::fmt::Display| Refused::Failed(e.to_string());
    // The database first: a wrong one is refused before any key is looked for.
    let store = database.open().await.map_err(|e| match e {
        NotOpened::Missing(message) => Refused::Usage(message),
        NotOpened::Failed(message) => Refused::Failed(message),
    })?;
    let secrets = SecretBox::existing(&database.database, key_file).map_err(|e| failed(&e))?;
    targets.own_database = provisio_server::store::sqlite_file(&database.database);
    let jobs = Jobs::new(store.clone(), secrets).with_target_policy(targets);
    // The agent polls the running server, not this process.
    if let Ok(detail) = jobs.get(job).await
        && let Some(agent) = detail.definition.target.via_agent()
    {
        store.close().await;
        return Err(Refused::Usage(format!(
            "job `{job}` reaches its target through the on-premises agent `{agent}`, which works for the running \
             server: provision on demand there (the job's Provision on demand tab in the portal, or \
             POST /api/v1/jobs/{}/provision-on-demand)",
            detail.id
        )));
    }
    let outcome = run::provision_on_demand(&store, &jobs, job, user).await;
    store.close().await;
    outcome.map_err(|e| match e {
        CycleError::Job(JobError::NotFound { .. }) | CycleError::NoSuchUser(_) | CycleError::Invalid(_) => {
            Refused::Usage(e.to_string())
        }
        other => Refused::Failed(other.to_string()),
    })
}

/// Whether the decision or its application failed.
fn failed(outcome: &ObjectOutcome) -> bool {
    outcome.decision.status == Status::Failure
        || outcome.applied.error_code.is_some()
        || outcome.applied.error.is_some()
}

/// The run in words: each step with what it found, then the result.
fn render(run_id: &str, outcome: &ObjectOutcome) -> String {
    let entry = &outcome.log_entry;
    let mut out = String::new();
    let source = [&entry.source.display, &entry.source.id]
        .into_iter()
        .flatten()
        .find(|text| !text.is_empty())
        .map_or("the user", String::as_str);
    let _ = writeln!(out, "Provisioning {source} with job {} (run {run_id})", entry.job_name);
    write_steps(&mut out, &outcome.decision);
    let _ = writeln!(out);
    write_result(&mut out, outcome);
    if !outcome.references.is_empty() {
        let _ = writeln!(out);
        write_references(&mut out, &outcome.references);
    }
    out
}

/// The references (manager, members) written after the object, and those
/// waiting for the objects they name to exist in the target.
fn write_references(out: &mut String, references: &[ReferenceOutcome]) {
    let _ = writeln!(out, "References:");
    for reference in references {
        let path = reference.path.rsplit(':').next().unwrap_or(&reference.path);
        if let Some(entry) = &reference.log_entry {
            for change in &entry.modified {
                let _ = writeln!(
                    out,
                    "   {path}: {} → {}",
                    json_text(&change.old),
                    json_text(&change.new)
                );
            }
            match &entry.reason {
                Some(reason) => {
                    let code = entry.error_code.as_deref().unwrap_or("Error");
                    let _ = writeln!(out, "   {path} not written: {code}: {reason}");
                }
                None => {
                    let _ = writeln!(out, "   {path} written");
                }
            }
        }
        if !reference.waiting.is_empty() {
            let (them, verb) = if reference.waiting.len() == 1 {
                ("it", "does")
            } else {
                ("them", "do")
            };
            let _ = writeln!(
                out,
                "   {path} waits: {} {verb} not exist in the target yet; the reference is written once a run \
                 provisions {them} (provision {them} on demand, or wait for the next cycle)",
                reference.waiting.join(", ")
            );
        }
    }
}

/// A logged value: text as it is, a list joined, `(none)` for null.
fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "(none)".to_owned(),
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(items) => items.iter().map(json_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn write_result(out: &mut String, outcome: &ObjectOutcome) {
    let applied = &outcome.applied;
    let verdict = if failed(outcome) {
        "failed"
    } else if applied.done {
        "done"
    } else {
        "nothing done"
    };
    let _ = writeln!(
        out,
        "Result: {} — {verdict}: {}",
        json_name(&outcome.decision.action),
        applied.summary
    );
    if let Some(target) = &applied.target_id {
        let _ = writeln!(out, "   target object {target}");
    }
    if let Some(error) = &applied.error {
        let code = applied.error_code.as_deref().unwrap_or("Error");
        let _ = writeln!(out, "   {code}: {error}");
    }
    if let Some(action) = &outcome.log_entry.recommended_action {
        let _ = writeln!(out, "   what to do: {action}");
    }
}
