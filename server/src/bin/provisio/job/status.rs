//! `provisio job status NAME`: where a job's cycles stand and how the last
//! one went — the admin API's `GET /api/v1/jobs/{id}/status`, read through a
//! running server or from the database (both assembled by
//! `cycle::job_status`, so they say the same) — in words with what to do
//! next, or with `--json` as the API answers it.

use std::fmt::Write as _;

use provisio_api::jobs::JobState;
use provisio_api::jobs::status::{JobStatus, QuarantineChange, RunStatus, job_status_path};
use provisio_server::cycle::job_status::job_status;
use provisio_server::cycle::run::CycleError;

use super::lifecycle::{job_error, jobs};
use crate::admin::{Stop, human_time};
use crate::via::Backend;

/// The job's status, as text or JSON.
pub async fn status(backend: &Backend, name: &str, json: bool) -> Result<String, Stop> {
    let status: JobStatus = match backend {
        Backend::Server(remote) => remote.get(&job_status_path(name)).await?,
        Backend::Database(store) => job_status(store, &jobs(store)?, name).await.map_err(|e| match e {
            CycleError::Job(e) => job_error(e),
            other => Stop::Failed(format!("error: {other}")),
        })?,
    };
    if json {
        serde_json::to_string_pretty(&status)
            .map(|text| format!("{text}\n"))
            .map_err(|e| Stop::Failed(format!("error: cannot print the status: {e}")))
    } else {
        Ok(render(&status))
    }
}

/// The status in words, a fact a line, then what to do about it.
fn render(status: &JobStatus) -> String {
    let mut out = String::new();
    let name = &status.name;
    let _ = writeln!(out, "job {name} ({})", status.id);
    let _ = writeln!(
        out,
        "  state:         {} — {}",
        status.state,
        run_status(status.run_status)
    );
    let initial = if status.initial_cycle_done {
        format!("done (watermark {})", status.watermark)
    } else {
        "not yet: the next cycle is an initial one".to_owned()
    };
    let _ = writeln!(out, "  initial cycle: {initial}");
    if let Some(at) = &status.restart_requested_at {
        let _ = writeln!(out, "  restarted:     {}", human_time(at));
    }
    if let Some(quarantine) = &status.quarantine {
        let mut line = quarantine
            .reason
            .clone()
            .unwrap_or_else(|| "no reason recorded".to_owned());
        if let Some(since) = &quarantine.since {
            let _ = write!(line, "; since {}", human_time(since));
        }
        if let Some(next) = &quarantine.next_retry_at {
            let _ = write!(line, "; next retry {}", human_time(next));
        }
        let _ = writeln!(out, "  quarantine:    {line}");
    }
    if let Some(cycle) = &status.current_cycle {
        let progress = if cycle.total > 0 {
            format!("{} of {} objects", cycle.done, cycle.total)
        } else {
            format!("{} objects so far", cycle.done)
        };
        let started = cycle
            .started_at
            .as_deref()
            .map(|at| format!(", started {}", human_time(at)))
            .unwrap_or_default();
        let _ = writeln!(out, "  running cycle: {}{started} — {progress}", cycle.cycle_id);
    }
    match &status.last_cycle {
        None => {
            let _ = writeln!(out, "  last cycle:    none yet");
        }
        Some(last) => {
            let mode = last.mode.map(|m| format!("{} ", m.as_str())).unwrap_or_default();
            let when = last
                .finished_at
                .as_deref()
                .map(|at| format!(", finished {}", human_time(at)))
                .unwrap_or_default();
            let took = last
                .duration_ms
                .map(|ms| format!(" in {:.1} s", ms as f64 / 1000.0))
                .unwrap_or_default();
            let _ = writeln!(out, "  last cycle:    {mode}cycle{when}{took}");
            let actions: Vec<String> = last.actions.iter().map(|(action, n)| format!("{action} {n}")).collect();
            let actions = if actions.is_empty() {
                String::new()
            } else {
                format!(" ({})", actions.join(", "))
            };
            let retried = if last.retried > 0 {
                format!(", {} retried", last.retried)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "                 {} objects{retried}{actions}, {}",
                last.objects,
                plural(last.failures, "failure")
            );
            if let Some(stopped) = &last.stopped {
                let _ = writeln!(out, "                 stopped early: {stopped}");
            }
            if let Some(change) = last.quarantine {
                let _ = writeln!(out, "                 quarantine: {}", quarantine_change(change));
            }
        }
    }
    let _ = writeln!(
        out,
        "  waiting:       {} escrowed (to retry), {} staged deletes (to approve)",
        status.escrowed, status.staged_deletes
    );
    let _ = writeln!(
        out,
        "  failures:      {} in the last 24 hours",
        status.failures_last_24h
    );
    if let Some(holder) = &status.held_by {
        let _ = writeln!(
            out,
            "  runs on:       {} ({}), instance {}",
            holder.host, holder.listen, holder.instance
        );
    }
    for unmatched in &status.unmatched {
        let _ = writeln!(out, "  unmatched:     {}", unmatched.message);
    }
    for hint in hints(status) {
        let _ = writeln!(out, "what to do: {hint}");
    }
    out
}

/// What an administrator can do about the status, if anything.
fn hints(status: &JobStatus) -> Vec<String> {
    let name = format!("{:?}", status.name);
    let mut hints = Vec::new();
    if status.state == JobState::Stopped {
        hints.push(format!("the job is stopped: start it with `provisio job start {name}`"));
    }
    match status.run_status {
        RunStatus::Quarantined => hints.push(format!(
            "fix what the quarantine names: a job the application refused tries a corrected target or \
             credentials (`provisio job apply FILE`) at once; otherwise `provisio job restart {name}` retries now"
        )),
        RunStatus::Disabled => hints.push(format!(
            "the job was quarantined too long and runs no more cycles: fix the cause, then `provisio job restart {name}`"
        )),
        RunStatus::WaitingForApproval => hints.push(format!(
            "the deletion guard holds {} deletes back: review and approve them in the portal (the job's \
             Provisioning tab) or with POST /api/v1/jobs/{{id}}/allow-deletes",
            status.staged_deletes
        )),
        RunStatus::Idle | RunStatus::Running => {}
    }
    if status.failures_last_24h > 0 {
        hints.push(format!(
            "see the failures with `provisio logs --job {name} --status failure`"
        ));
    }
    if !status.unmatched.is_empty() {
        hints.push(format!(
            "see the objects that could not be matched with `provisio logs --job {name} --code ImportSkipped`; \
             give them a value for the attribute they are matched on"
        ));
    }
    hints
}

fn run_status(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Idle => "idle (between cycles)",
        RunStatus::Running => "a cycle is running",
        RunStatus::Quarantined => "quarantined",
        RunStatus::WaitingForApproval => "waiting for approval of staged deletes",
        RunStatus::Disabled => "disabled (too long in quarantine)",
    }
}

fn quarantine_change(change: QuarantineChange) -> &'static str {
    match change {
        QuarantineChange::Quarantined => "the cycle put the job in quarantine",
        QuarantineChange::StillQuarantined => "the retry failed again: still quarantined",
        QuarantineChange::Released => "the retry succeeded: the job left quarantine",
        QuarantineChange::Disabled => "too long in quarantine: the job is disabled",
    }
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provisio_api::jobs::status::{CycleMode, LastCycle, Quarantine};

    fn status() -> JobStatus {
        JobStatus {
            id: "j-1".to_owned(),
            name: "Acme SCIM".to_owned(),
            state: JobState::Running,
            run_status: RunStatus::Idle,
            watermark: 1842,
            initial_cycle_done: true,
            restart_requested_at: None,
            quarantine: None,
            current_cycle: None,
            last_cycle: Some(LastCycle {
                cycle_id: Some("c-1".to_owned()),
                started_at: Some("2026-11-26T10:00:00.012Z".to_owned()),
                finished_at: Some("2026-11-26T10:00:03.470Z".to_owned()),
                duration_ms: Some(3458),
                mode: Some(CycleMode::Incremental),
                objects: 120,
                retried: 1,
                actions: [("create".to_owned(), 3), ("skip".to_owned(), 117)].into(),
                failures: 1,
                stopped: None,
                quarantine: None,
            }),
            escrowed: 1,
            staged_deletes: 0,
            failures_last_24h: 2,
            unmatched: Vec::new(),
            held_by: None,
        }
    }

    #[test]
    fn a_running_job_in_words() {
        assert_eq!(
            render(&status()),
            "job Acme SCIM (j-1)\n\
             \x20 state:         running — idle (between cycles)\n\
             \x20 initial cycle: done (watermark 1842)\n\
             \x20 last cycle:    incremental cycle, finished 2026-11-26 10:00:03 UTC in 3.5 s\n\
             \x20                120 objects, 1 retried (create 3, skip 117), 1 failure\n\
             \x20 waiting:       1 escrowed (to retry), 0 staged deletes (to approve)\n\
             \x20 failures:      2 in the last 24 hours\n\
             what to do: see the failures with `provisio logs --job \"Acme SCIM\" --status failure`\n"
        );
    }

    #[test]
    fn the_instance_running_the_job_is_named() {
        let mut held = status();
        held.held_by = Some(provisio_api::jobs::status::JobHolder {
            instance: "01a25273".into(),
            host: "app-2".into(),
            listen: "10.0.1.12:8080".into(),
        });
        assert!(
            render(&held).contains("\n  runs on:       app-2 (10.0.1.12:8080), instance 01a25273\n"),
            "{}",
            render(&held)
        );
        assert!(!render(&status()).contains("runs on"));
    }

    #[test]
    fn unmatched_objects_are_counted_with_where_to_see_them() {
        let mut unmatched = status();
        unmatched.failures_last_24h = 0;
        unmatched.unmatched = vec![provisio_api::jobs::status::Unmatched::new(
            "user",
            vec!["mailNickname".into()],
            12,
        )];
        let text = render(&unmatched);
        assert!(
            text.contains("  unmatched:     12 users could not be matched: no value for mailNickname\n"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "what to do: see the objects that could not be matched with `provisio logs --job \"Acme SCIM\" \
                 --code ImportSkipped`; give them a value for the attribute they are matched on\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_stopped_or_quarantined_job_says_what_to_do() {
        let mut stopped = status();
        stopped.state = JobState::Stopped;
        stopped.failures_last_24h = 0;
        assert!(
            render(&stopped)
                .ends_with("what to do: the job is stopped: start it with `provisio job start \"Acme SCIM\"`\n")
        );
        let mut quarantined = status();
        quarantined.run_status = RunStatus::Quarantined;
        quarantined.quarantine = Some(Quarantine {
            reason: Some("SystemForCrossDomainIdentityManagementCredentialValidationUnavailable: 401".to_owned()),
            since: Some("2026-11-26T10:00:00Z".to_owned()),
            next_retry_at: None,
        });
        let text = render(&quarantined);
        assert!(text.contains("  quarantine:    SystemForCrossDomainIdentityManagementCredentialValidationUnavailable: 401; since 2026-11-26 10:00:00 UTC\n"), "{text}");
        assert!(text.contains("`provisio job restart \"Acme SCIM\"`"), "{text}");
        let mut fresh = status();
        fresh.last_cycle = None;
        fresh.initial_cycle_done = false;
        let text = render(&fresh);
        assert!(
            text.contains("  initial cycle: not yet: the next cycle is an initial one\n  last cycle:    none yet\n"),
            "{text}"
        );
    }
}
