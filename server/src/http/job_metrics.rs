//! The per-job Prometheus metrics, written in the text format from the
//! figures the database keeps (`cycle::job_metrics`). They are rendered
//! here rather than through the server's recorder because they are
//! absolute values read at each scrape (counters and a histogram among
//! them), the same on every instance sharing the database.

use std::fmt::Write as _;

use crate::cycle::job_metrics::JobFigures;
use crate::cycle::state::durations::BUCKETS;

/// The families, in the text format, each with its `HELP` and `TYPE`.
pub(crate) fn render(jobs: &[JobFigures]) -> String {
    let mut out = String::new();
    family(
        &mut out,
        "provisio_job_actions_total",
        "counter",
        "Provisioning log entries written, by job, action (create, update, disable, delete, staged_delete, skip, other) and status (success, failure, skipped, warning).",
    );
    for job in jobs {
        for ((action, status), count) in &job.actions {
            sample(
                &mut out,
                "provisio_job_actions_total",
                job,
                &[("action", action), ("status", status)],
                *count as f64,
            );
        }
    }
    family(
        &mut out,
        "provisio_job_cycle_duration_seconds",
        "histogram",
        "How long each job's cycles took.",
    );
    for job in jobs.iter().filter(|j| j.durations.count() > 0) {
        for le in BUCKETS {
            let le_text = le.to_string();
            sample(
                &mut out,
                "provisio_job_cycle_duration_seconds_bucket",
                job,
                &[("le", &le_text)],
                job.durations.at_most(*le) as f64,
            );
        }
        let count = job.durations.count() as f64;
        sample(
            &mut out,
            "provisio_job_cycle_duration_seconds_bucket",
            job,
            &[("le", "+Inf")],
            count,
        );
        sample(
            &mut out,
            "provisio_job_cycle_duration_seconds_sum",
            job,
            &[],
            job.durations.sum_ms as f64 / 1000.0,
        );
        sample(&mut out, "provisio_job_cycle_duration_seconds_count", job, &[], count);
    }
    family(
        &mut out,
        "provisio_job_escrowed_objects",
        "gauge",
        "Objects waiting in escrow for a retry, by job.",
    );
    for job in jobs {
        sample(&mut out, "provisio_job_escrowed_objects", job, &[], job.escrowed as f64);
    }
    family(
        &mut out,
        "provisio_job_staged_deletes",
        "gauge",
        "Disables and deletes held for approval, by job.",
    );
    for job in jobs {
        sample(
            &mut out,
            "provisio_job_staged_deletes",
            job,
            &[],
            job.staged_deletes as f64,
        );
    }
    family(
        &mut out,
        "provisio_job_quarantined",
        "gauge",
        "Whether each job is quarantined (1) or not (0); `state` says quarantined or disabled (after 28 days).",
    );
    for job in jobs {
        let (state, value) = match &job.quarantine {
            Some(state) => (state.as_str(), 1.0),
            None => ("none", 0.0),
        };
        sample(&mut out, "provisio_job_quarantined", job, &[("state", state)], value);
    }
    family(
        &mut out,
        "provisio_job_last_successful_cycle_timestamp_seconds",
        "gauge",
        "When each job last finished a cycle that was not stopped and did not quarantine it (Unix time).",
    );
    for job in jobs {
        if let Some(at) = job.last_success_at {
            sample(
                &mut out,
                "provisio_job_last_successful_cycle_timestamp_seconds",
                job,
                &[],
                at.timestamp() as f64,
            );
        }
    }
    family(
        &mut out,
        "provisio_job_inbound_records",
        "gauge",
        "Records of the inbound requests kept (see the inbound retention), by job and status.",
    );
    for job in jobs {
        for (status, count) in &job.inbound_records {
            sample(
                &mut out,
                "provisio_job_inbound_records",
                job,
                &[("status", status)],
                *count as f64,
            );
        }
    }
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, job: &JobFigures, labels: &[(&str, &str)], value: f64) {
    let _ = write!(
        out,
        "{name}{{job=\"{}\",job_id=\"{}\"",
        escaped(&job.name),
        escaped(&job.id)
    );
    for (label, text) in labels {
        let _ = write!(out, ",{label}=\"{}\"", escaped(text));
    }
    let _ = writeln!(out, "}} {value}");
}

/// A label value as the text format spells it: backslash, quote and line
/// feed escaped.
fn escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_carry_every_job_with_escaped_names() {
        let mut job = JobFigures {
            id: "j1".into(),
            name: "Acme \"EU\"\nSCIM".into(),
            escrowed: 2,
            ..JobFigures::default()
        };
        job.actions.insert(("create".into(), "success".into()), 5);
        let text = render(&[job]);
        assert!(text.contains("# TYPE provisio_job_actions_total counter"), "{text}");
        assert!(
            text.contains(
                r#"provisio_job_actions_total{job="Acme \"EU\"\nSCIM",job_id="j1",action="create",status="success"} 5"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"provisio_job_escrowed_objects{job="Acme \"EU\"\nSCIM",job_id="j1"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"provisio_job_quarantined{job="Acme \"EU\"\nSCIM",job_id="j1",state="none"} 0"#),
            "{text}"
        );
    }
}
