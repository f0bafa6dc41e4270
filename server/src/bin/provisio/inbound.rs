//! `provisio inbound send --job NAME FILE`: feeds a CSV or JSON file of
//! people to an inbound job as SCIM bulk requests, as an HR system would
//! through `/bulkUpload`. The file is read whole first ([`records`]):
//! with any problem nothing is sent and it exits 2. Requests go one at a
//! time; each accepted one prints `ID LOCATION` on stdout, progress goes to
//! stderr. A refusal or an unreachable server exits 1; so does, with
//! `--wait`, any record that failed.

mod records;
mod upload;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use provisio_api::inbound::{Accepted, RecordStatus, RequestStatus};
use provisio_api::jobs::JobState;

use crate::inputs::FAILED;
use records::{Format, Operation};
use upload::{Token, Uploader};

#[derive(Debug, Subcommand)]
pub enum InboundCommand {
    /// Send a CSV or JSON file of people to an inbound job, as SCIM bulk requests.
    Send(SendArgs),
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The inbound job: its id or its name.
    #[arg(long, value_name = "NAME")]
    job: String,
    /// The people: CSV whose header row names SCIM attributes, or JSON of SCIM users.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The Provisio server.
    #[arg(
        long,
        env = "PROVISIO_SERVER",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080"
    )]
    server: String,
    /// An inbound token of the job (provisio token create --scope inbound --job NAME).
    #[arg(long, env = "PROVISIO_INBOUND_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    token: Option<Token>,
    /// Records per request, 1 to 1000 (the job may accept fewer).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=1000))]
    batch: u16,
    /// Then wait until every record is processed and print what became of them (a stopped job's
    /// records wait until it is started: that is said, with how).
    #[arg(long)]
    wait: bool,
    /// How FILE is written [default: by its extension, else by its content].
    #[arg(long, value_enum)]
    format: Option<Format>,
}

pub fn run(command: InboundCommand) -> ExitCode {
    match command {
        InboundCommand::Send(args) => send(args),
    }
}

fn send(args: SendArgs) -> ExitCode {
    let name = args.file.display().to_string();
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {name}: {e}");
            return ExitCode::from(FAILED);
        }
    };
    let format = args.format.unwrap_or_else(|| Format::of(&args.file, &text));
    let operations = match records::read(&text, format) {
        Ok(operations) => operations,
        Err(problems) => {
            for problem in &problems {
                eprintln!("error: {}", problem.in_file(&name));
            }
            let count = problems.len();
            eprintln!("{count} error{}: nothing was sent", if count == 1 { "" } else { "s" });
            return ExitCode::from(FAILED);
        }
    };
    if !(args.server.starts_with("http://") || args.server.starts_with("https://")) {
        eprintln!(
            "error: --server should be an http:// or https:// URL, not {:?}",
            args.server
        );
        return ExitCode::from(FAILED);
    }
    let Some(token) = args.token.clone().filter(|token| !token.is_empty()) else {
        eprintln!(
            "error: no inbound token: give --token or set PROVISIO_INBOUND_TOKEN to an inbound token of the job \
             (provisio token create --scope inbound --job {:?})",
            args.job
        );
        return ExitCode::from(FAILED);
    };
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
        .and_then(|runtime| runtime.block_on(upload(&args, token, &operations)));
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Sends every batch, then with `--wait` reports on them; whether every record succeeded.
async fn upload(args: &SendArgs, token: Token, operations: &[Operation]) -> Result<bool, String> {
    let uploader = Uploader::new(&args.server, &args.job, token)?;
    let batches: Vec<&[Operation]> = operations.chunks(usize::from(args.batch)).collect();
    let mut accepted: Vec<Accepted> = Vec::with_capacity(batches.len());
    let mut sent = 0;
    for (index, batch) in batches.iter().enumerate() {
        let records = match batch.len() {
            1 => format!("record {}", sent + 1),
            n => format!("records {}–{}", sent + 1, sent + n),
        };
        let which = format!("request {} of {} ({records})", index + 1, batches.len());
        let answer = uploader.send(batch, &which).await.map_err(|message| {
            if accepted.is_empty() {
                message
            } else {
                format!(
                    "{message}\n{} of {} requests were accepted before it (their ids are on stdout)",
                    accepted.len(),
                    batches.len()
                )
            }
        })?;
        sent += batch.len();
        println!("{} {}", answer.id, answer.location);
        if answer.job_state == JobState::Stopped && accepted.iter().all(|a| a.job_state != JobState::Stopped) {
            eprintln!(
                "note: the job {:?} is stopped: its records are kept and processed once an administrator starts it \
                 (provisio job start {:?})",
                args.job, args.job
            );
        }
        eprintln!(
            "sent {sent}/{} records ({} of {} requests)",
            operations.len(),
            index + 1,
            batches.len()
        );
        accepted.push(answer);
    }
    if !args.wait {
        return Ok(true);
    }
    if accepted.iter().any(|a| a.job_state == JobState::Stopped) {
        eprintln!("{}", stopped_while_waiting(&args.job));
    }
    let mut statuses = Vec::with_capacity(accepted.len());
    for request in &accepted {
        let status = uploader
            .wait(
                request,
                |status| {
                    let summary = &status.summary;
                    eprintln!(
                        "waiting for request {}: {}/{} records processed",
                        summary.id,
                        summary.operations - summary.pending,
                        summary.operations
                    );
                },
                |waited| eprintln!("{}", stalled(&args.job, waited)),
            )
            .await?;
        statuses.push(status);
    }
    let (text, ok) = summary(&statuses);
    eprint!("{text}");
    Ok(ok)
}

/// What `--wait` says before waiting on a stopped job, instead of waiting silently.
fn stopped_while_waiting(job: &str) -> String {
    format!(
        "waiting: the job {job:?} is stopped, so its records wait until it is started — start it with \
         `provisio job start {job:?}` (or in the portal); Ctrl-C stops waiting, the records stay queued"
    )
}

/// What `--wait` says when nothing has been processed for a while.
fn stalled(job: &str, waited: std::time::Duration) -> String {
    format!(
        "still waiting after {} s without progress: is the job {job:?} running? `provisio job status {job:?}` \
         says; `provisio job start {job:?}` starts it",
        waited.as_secs()
    )
}

/// What `--wait` prints once every request is done, and whether no record failed:
///
/// ```text
/// done: 3 records in 1 request — 2 succeeded, 1 failed, 0 skipped (create 2)
/// failed: bulkId "701986", externalId "701986": userName is required [missing_attribute]
/// ```
fn summary(statuses: &[RequestStatus]) -> (String, bool) {
    let total = |count: fn(&RequestStatus) -> usize| statuses.iter().map(count).sum::<usize>();
    let records = total(|s| s.summary.operations);
    let failed = total(|s| s.summary.failed);
    let mut actions: BTreeMap<&str, usize> = BTreeMap::new();
    for record in statuses.iter().flat_map(|s| &s.records) {
        if let (RecordStatus::Success, Some(action)) = (record.status, record.action.as_deref()) {
            *actions.entry(action).or_default() += 1;
        }
    }
    let actions = if actions.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = actions.iter().map(|(action, n)| format!("{action} {n}")).collect();
        format!(" ({})", list.join(", "))
    };
    let mut text = format!(
        "done: {records} record{} in {} request{} — {} succeeded, {failed} failed, {} skipped{actions}\n",
        if records == 1 { "" } else { "s" },
        statuses.len(),
        if statuses.len() == 1 { "" } else { "s" },
        total(|s| s.summary.succeeded),
        total(|s| s.summary.skipped),
    );
    for record in statuses.iter().flat_map(|s| &s.records) {
        if record.status != RecordStatus::Failure {
            continue;
        }
        let mut names = Vec::new();
        if let Some(bulk_id) = &record.bulk_id {
            names.push(format!("bulkId {bulk_id:?}"));
        }
        if let Some(external_id) = &record.external_id {
            names.push(format!("externalId {external_id:?}"));
        }
        if names.is_empty() {
            names.push(format!("operation {}", record.index + 1));
        }
        let error = record.error.as_deref().unwrap_or("no reason given");
        let code = record
            .error_code
            .as_deref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default();
        text.push_str(&format!("failed: {}: {error}{code}\n", names.join(", ")));
    }
    (text, failed == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use provisio_api::inbound::{RecordResult, RequestState, RequestSummary};

    fn record(index: usize, status: RecordStatus, action: Option<&str>, error: Option<&str>) -> RecordResult {
        RecordResult {
            index,
            bulk_id: Some(format!("{}", 701984 + index)),
            external_id: Some(format!("{}", 701984 + index)),
            status,
            action: action.map(str::to_owned),
            user_id: None,
            error_code: error.map(|_| "missing_attribute".to_owned()),
            error: error.map(str::to_owned),
            log_id: None,
            processed_at: None,
        }
    }

    fn status(records: Vec<RecordResult>) -> RequestStatus {
        let count = |s: RecordStatus| records.iter().filter(|r| r.status == s).count();
        RequestStatus {
            summary: RequestSummary {
                id: "r-1".to_owned(),
                job_id: "j-1".to_owned(),
                received_at: "2026-11-26T10:00:00Z".to_owned(),
                finished_at: None,
                state: RequestState::Done,
                operations: records.len(),
                pending: count(RecordStatus::Pending),
                succeeded: count(RecordStatus::Success),
                failed: count(RecordStatus::Failure),
                skipped: count(RecordStatus::Skipped),
            },
            records,
        }
    }

    #[test]
    fn the_summary_counts_and_lists_failures() {
        let done = status(vec![
            record(0, RecordStatus::Success, Some("create"), None),
            record(1, RecordStatus::Success, Some("update"), None),
            record(2, RecordStatus::Failure, None, Some("userName is required")),
        ]);
        let (text, ok) = summary(&[done]);
        assert!(!ok);
        assert_eq!(
            text,
            "done: 3 records in 1 request — 2 succeeded, 1 failed, 0 skipped (create 1, update 1)\n\
             failed: bulkId \"701986\", externalId \"701986\": userName is required [missing_attribute]\n"
        );
        let all_good = status(vec![record(0, RecordStatus::Skipped, Some("skip"), None)]);
        assert_eq!(
            summary(&[all_good.clone(), all_good]),
            (
                "done: 2 records in 2 requests — 0 succeeded, 0 failed, 2 skipped\n".to_owned(),
                true
            )
        );
    }

    #[test]
    fn waiting_on_a_stopped_job_says_what_to_do() {
        let said = stopped_while_waiting("HR");
        assert!(
            said.contains("is stopped") && said.contains("`provisio job start \"HR\"`"),
            "{said}"
        );
        let said = stalled("HR", std::time::Duration::from_secs(30));
        assert!(said.starts_with("still waiting after 30 s without progress") && said.contains("provisio job start"));
    }

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        command: InboundCommand,
    }

    fn parse(args: &[&str]) -> Result<SendArgs, String> {
        let argv = ["inbound"].iter().chain(args);
        match Cli::try_parse_from(argv) {
            Ok(Cli {
                command: InboundCommand::Send(args),
            }) => Ok(args),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn flags_and_their_defaults() {
        let args = parse(&["send", "--job", "HR", "people.csv", "--token", "pvs_secret"]).unwrap();
        assert_eq!(args.token.as_ref().map(Token::expose), Some("pvs_secret"));
        assert_eq!(
            (args.job.as_str(), args.batch, args.wait, args.format),
            ("HR", 50, false, None)
        );
        assert_eq!(args.file, PathBuf::from("people.csv"));
        // The token stays out of anything printed about the arguments.
        assert!(!format!("{args:?}").contains("pvs_secret"));
        let args = parse(&[
            "send",
            "--job",
            "HR",
            "x",
            "--token",
            "t",
            "--batch",
            "1000",
            "--wait",
            "--format",
            "json",
            "--server",
            "http://hr:9000/",
        ])
        .unwrap();
        assert_eq!((args.batch, args.wait, args.format), (1000, true, Some(Format::Json)));
        assert_eq!(args.server, "http://hr:9000/");
        for batch in ["0", "1001"] {
            let error = parse(&["send", "--job", "HR", "x", "--token", "t", "--batch", batch]).unwrap_err();
            assert!(error.contains("--batch"), "{error}");
        }
        assert!(parse(&["send", "x", "--token", "t"]).unwrap_err().contains("--job"));
    }
}
