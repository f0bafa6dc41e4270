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
use provisio_engine::plan::{Decision, Status, Step, StepDetails};
use provisio_engine::value::Value;
use provisio_server::cycle::run::{self, Applied, CycleError, ObjectOutcome, ReferenceOutcome};
use provisio_server::jobs::{JobError, Jobs};
use provisio_server::logs::LogEntry;
use provisio_server::secrets::SecretBox;
use serde::Serialize;

use crate::database::{DatabaseArgs, NotOpened};
use crate::inputs::FAILED;
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

/// What the run answers with `--json`: the admin API's provision-on-demand answer.
#[derive(Debug, Serialize)]
struct OnDemandResult<'a> {
    run_id: &'a str,
    decision: &'a Decision,
    applied: &'a Applied,
    log_entry: &'a LogEntry,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    reference_outcomes: &'a [ReferenceOutcome],
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
    if args.json {
        let result = OnDemandResult {
            run_id: &run_id,
            decision: &outcome.decision,
            applied: &outcome.applied,
            log_entry: &outcome.log_entry,
            reference_outcomes: &outcome.references,
        };
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
    if failed(&outcome) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
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
    for (i, step) in outcome.decision.steps.iter().enumerate() {
        let _ = writeln!(out);
        write_step(&mut out, i + 1, step, &outcome.decision);
    }
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

fn write_step(out: &mut String, n: usize, step: &Step, decision: &Decision) {
    let _ = writeln!(
        out,
        "{n}. {} — {}: {}",
        title(&json_name(&step.kind)),
        json_name(&step.status),
        step.description
    );
    match &step.details {
        StepDetails::Import { id, lifecycle, .. } => {
            let _ = writeln!(
                out,
                "   source {} ({})",
                id.as_deref().unwrap_or("(no id)"),
                json_name(lifecycle).replace('_', " ")
            );
        }
        StepDetails::Scoping {
            scope,
            assigned,
            active_in_source,
            passed_scoping_filters,
            filters,
        } => {
            let _ = writeln!(
                out,
                "   scope {}; assigned: {}; active in the source: {}; passed the scoping filters: {}",
                json_name(scope),
                yes(*assigned),
                yes(*active_in_source),
                yes(*passed_scoping_filters)
            );
            for filter in filters {
                let verdict = if filter.matched { "matched" } else { "did not match" };
                let _ = writeln!(out, "   filter \"{}\": {verdict}", filter.name);
                for clause in &filter.clauses {
                    let value = clause
                        .value
                        .as_ref()
                        .and_then(|v| serde_json::to_value(v).ok())
                        .map(|v| format!(" {v}"))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "     {} {}{value}: {} (the value is {})",
                        clause.attribute,
                        clause.operator,
                        if clause.matched { "holds" } else { "does not hold" },
                        shown(&clause.actual)
                    );
                    if !clause.explanation.is_empty() {
                        let _ = writeln!(out, "       {}", clause.explanation);
                    }
                }
            }
        }
        StepDetails::Matching {
            linked,
            queries,
            matched,
            candidates,
        } => {
            if let Some(linked) = linked {
                let _ = writeln!(out, "   linked to {linked}");
            }
            for query in queries {
                let _ = writeln!(
                    out,
                    "   attempt {}: {} eq {}",
                    query.precedence,
                    query.target,
                    shown(&query.value)
                );
            }
            if let Some(found) = matched {
                let _ = writeln!(out, "   matched {}", found.id);
            }
            if !candidates.is_empty() {
                let ids: Vec<&str> = candidates.iter().map(|c| c.id.as_str()).collect();
                let _ = writeln!(out, "   candidates: {}", ids.join(", "));
            }
        }
        StepDetails::Action { reason, failures } => {
            if let Some(reason) = reason {
                let _ = writeln!(out, "   reason: {}", json_name(reason));
            }
            let _ = writeln!(out, "   action: {}", json_name(&decision.action));
            if let Some(reason) = &decision.reason {
                let _ = writeln!(out, "   {}", reason.message);
            }
            for change in &decision.changes {
                let _ = writeln!(
                    out,
                    "   {}: {} → {}",
                    change.path,
                    shown(&change.old),
                    shown(&change.new)
                );
            }
            for failure in failures {
                let _ = writeln!(
                    out,
                    "   {} = {}: {}",
                    failure.target, failure.expression, failure.diagnostic.message
                );
            }
        }
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

/// An enum's name as the JSON output spells it.
fn json_name(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => String::from("?"),
    }
}

fn title(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn yes(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

/// A value as JSON (text in quotes), or `(none)`.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "(none)".to_owned(),
        other => other.to_json().to_string(),
    }
}
