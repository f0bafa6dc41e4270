//! `provisio plan`: an offline dry run. Decides what a job would do for one
//! source object (or, given a JSON array, for a whole cycle) and prints the
//! decision as JSON, or with `--format text` its steps in words
//! ([`text`]), without touching any target.

mod text;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use provisio_engine::job::SourceKind;

use crate::inputs::{EvalInputs, fail};
use provisio_engine::plan::{CompiledJob, CycleOptions, SourceRecord, TargetState, decide, plan_cycle};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The job definition (.json, .yaml or .yml).
    #[arg(long, value_name = "FILE")]
    job: PathBuf,
    /// The source object as a JSON object of directory attributes, or a JSON
    /// array of them for a cycle plan with counts.
    #[arg(long, value_name = "FILE.json")]
    source: PathBuf,
    /// The linked target object as the target holds it (for a SCIM target,
    /// the SCIM resource); with an array source, an array in the same order
    /// (null where an object is not linked).
    #[arg(long, value_name = "FILE.json")]
    target: Option<PathBuf>,
    /// Whether the sources are users or groups.
    #[arg(long, value_enum, default_value_t = Kind::User)]
    kind: Kind,
    #[command(flatten)]
    inputs: EvalInputs,
    /// Plan deletions beyond the job's deletion threshold instead of staging them.
    #[arg(long)]
    allow_deletes: bool,
    /// How to print the plan: json (the decision as the engine writes it) or text (each step in
    /// words, as `provisio job provision` shows a run).
    #[arg(long, value_enum, default_value_t = PlanFormat::Json)]
    format: PlanFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PlanFormat {
    Json,
    Text,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    User,
    Group,
}

pub fn run(args: PlanArgs) -> ExitCode {
    match plan(&args) {
        Ok(plan) => {
            println!("{}", plan.trim_end());
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

fn plan(args: &PlanArgs) -> Result<String, String> {
    let (job, report) = crate::job::load(&args.job);
    eprint!("{}", report.stderr);
    let job = job.ok_or_else(|| format!("error: {} is not a valid job definition\n", args.job.display()))?;
    let name = job.name.clone();
    let text = args.format == PlanFormat::Text;
    let job =
        CompiledJob::compile(job).map_err(|problems| problems.iter().map(|p| format!("{p}\n")).collect::<String>())?;
    let kind = match args.kind {
        Kind::User => SourceKind::User,
        Kind::Group => SourceKind::Group,
    };
    let object = job.object(kind).ok_or_else(|| {
        format!(
            "error: the job has no object mapping for {}s",
            format!("{:?}", args.kind).to_lowercase()
        )
    })?;
    let mut ctx = args.inputs.context()?;

    let source = read_json(&args.source, "--source")?;
    let target = args.target.as_deref().map(|t| read_json(t, "--target")).transpose()?;
    let json = match source {
        serde_json::Value::Array(sources) => {
            let targets = match target {
                None => vec![serde_json::Value::Null; sources.len()],
                Some(serde_json::Value::Array(targets)) if targets.len() == sources.len() => targets,
                Some(_) => {
                    return Err(format!(
                        "error: with {} sources, --target must be an array of {} target objects (null where not linked)",
                        sources.len(),
                        sources.len()
                    ));
                }
            };
            let objects = sources
                .into_iter()
                .zip(targets)
                .enumerate()
                .map(|(i, (s, t))| {
                    Ok((
                        record(kind, s, &format!("--source[{i}]"))?,
                        TargetState::from_resource(&t, object),
                    ))
                })
                .collect::<Result<Vec<_>, String>>()?;
            let options = CycleOptions {
                allow_deletes: args.allow_deletes,
            };
            let plan = plan_cycle(&job, &objects, options, &mut ctx);
            if text {
                return Ok(text::cycle(&name, &plan));
            }
            serde_json::to_string_pretty(&plan)
        }
        single => {
            let record = record(kind, single, "--source")?;
            let state = TargetState::from_resource(&target.unwrap_or(serde_json::Value::Null), object);
            let decision = decide(&job, &record, &state, &mut ctx);
            if text {
                return Ok(text::decision(&name, &decision));
            }
            serde_json::to_string_pretty(&decision)
        }
    };
    json.map_err(|e| format!("error: cannot print the decision: {e}"))
}

fn read_json(path: &Path, flag: &str) -> Result<serde_json::Value, String> {
    let shown = path.display();
    let text = fs::read_to_string(path).map_err(|e| format!("error: cannot read {flag} {shown}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("error: {flag} {shown} is not valid JSON: {e}"))
}

fn record(kind: SourceKind, json: serde_json::Value, what: &str) -> Result<SourceRecord, String> {
    SourceRecord::from_json(kind, json).map_err(|e| format!("error: {what}: {e}"))
}
