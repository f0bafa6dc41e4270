//! What of a run administrators are told (the server's alerts): after a
//! cycle, the quarantine verdict when it changed (quarantined, released,
//! disabled — never "still quarantined"), deletions newly held for
//! approval (not again while the job already waits), and failures that
//! may reach the failure share threshold (not when the cycle quarantined
//! the job: that notification says it); after an inbound request, its
//! failed records. Raising an alert returns at once: the run never waits
//! for a notification. The job's own credentials are handed along to be
//! kept out of the notification.

use provisio_api::jobs::status::QuarantineChange;

use super::*;

/// The alerts of the cycle just finished; `before` is the job's record as
/// the cycle found it.
pub(super) async fn after_cycle(pipeline: &Pipeline, before: &StatusRecord, report: &CycleReport) {
    let at = pipeline.now();
    let job = (pipeline.job_id.as_str(), pipeline.job.definition.name.as_str());
    let mut alerts = Vec::new();
    match report.quarantine {
        Some(QuarantineChange::Quarantined) => {
            // The reason and next retry as the verdict stored them.
            let status = pipeline.state.status().await.ok();
            let reason = status
                .as_ref()
                .and_then(|s| s.quarantine_reason.clone())
                .unwrap_or_default();
            let next_retry_at = status.and_then(|s| s.next_retry_at);
            alerts.push(crate::alerts::Alert::quarantined(job, &reason, next_retry_at, at));
        }
        Some(QuarantineChange::Released) => alerts.push(crate::alerts::Alert::released(job, at)),
        Some(QuarantineChange::Disabled) => alerts.push(crate::alerts::Alert::disabled(job, at)),
        Some(QuarantineChange::StillQuarantined) | None => {}
    }
    let ran_on = matches!(report.quarantine, None | Some(QuarantineChange::Released));
    if ran_on && report.staged_deletes > 0 && before.status != RunStatus::WaitingForApproval {
        alerts.push(crate::alerts::Alert::deletes_held(
            job,
            report.staged_deletes,
            pipeline.job.definition.deletion_threshold,
            at,
        ));
    }
    if ran_on && report.failures > 0 {
        alerts.push(crate::alerts::Alert::cycle_failures(
            job,
            report.failures,
            report.objects,
            &report.cycle_id,
            at,
        ));
    }
    raise(pipeline, alerts);
}

/// The alert of an inbound request whose records failed.
pub(super) fn after_inbound(pipeline: &Pipeline, request_id: &str, report: &InboundReport) {
    if report.failures == 0 {
        return;
    }
    let job = (pipeline.job_id.as_str(), pipeline.job.definition.name.as_str());
    let alert =
        crate::alerts::Alert::inbound_failures(job, request_id, report.failures, report.records, pipeline.now());
    raise(pipeline, vec![alert]);
}

fn raise(pipeline: &Pipeline, alerts: Vec<crate::alerts::Alert>) {
    if alerts.is_empty() {
        return;
    }
    let mut definition = pipeline.job.definition.clone();
    let secrets: Vec<String> = crate::jobs::secret_slots(&mut definition)
        .into_iter()
        .filter_map(|(_, secret)| secret.as_ref().map(|s| s.expose().to_owned()))
        .collect();
    for mut alert in alerts {
        alert.redact.clone_from(&secrets);
        pipeline.alerts.raise(alert);
    }
}
