//! Per-job Prometheus metrics (issue 19) after real cycles into a real SCIM
//! server (scim2-server): actions by kind and status, the cycle duration
//! histogram, the last successful cycle, escrow and quarantine gauges — the
//! figures the database keeps, so they survive the log's pruning and every
//! instance reports the same.

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_tests::scim_target::ScimTarget;
use serde_json::json;

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

/// The value of the sample whose line starts with `prefix` (name and labels).
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

backend_test!(
    each_job_reports_its_actions_durations_and_health,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        crate::target::directory_users(api, &["ada@contoso.com", "grace@contoso.com"]).await;
        let job_id = crate::target::user_job(api, &target, "Metered \"app\"").await;
        let jobs = api.server.jobs().clone();
        run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        // The log is pruned: the counters stay.
        api.server
            .store()
            .logs()
            .prune(chrono::Utc::now() + chrono::Duration::days(1))
            .await
            .unwrap();

        let text = api.get("/metrics").await.text;
        let labels = format!("job=\"Metered \\\"app\\\"\",job_id=\"{job_id}\"");
        let at = |name: &str, more: &str| sample(&text, &format!("{name}{{{labels}{more}}}"));
        assert_eq!(
            at("provisio_job_actions_total", ",action=\"create\",status=\"success\""),
            Some(2.0),
            "{text}"
        );
        assert_eq!(
            at("provisio_job_actions_total", ",action=\"skip\",status=\"skipped\""),
            Some(2.0),
            "{text}"
        );
        assert_eq!(at("provisio_job_cycle_duration_seconds_count", ""), Some(2.0), "{text}");
        assert_eq!(
            at("provisio_job_cycle_duration_seconds_bucket", ",le=\"+Inf\""),
            Some(2.0),
            "{text}"
        );
        assert!(
            at("provisio_job_cycle_duration_seconds_bucket", ",le=\"3600\"").is_some(),
            "{text}"
        );
        assert_eq!(at("provisio_job_escrowed_objects", ""), Some(0.0), "{text}");
        assert_eq!(at("provisio_job_staged_deletes", ""), Some(0.0), "{text}");
        assert_eq!(at("provisio_job_quarantined", ",state=\"none\""), Some(0.0), "{text}");
        let success = at("provisio_job_last_successful_cycle_timestamp_seconds", "").expect("a successful cycle");
        assert!(
            (success - chrono::Utc::now().timestamp() as f64).abs() < 120.0,
            "{success}"
        );
        assert!(
            text.contains("# TYPE provisio_job_cycle_duration_seconds histogram"),
            "{text}"
        );

        // A target that refuses the credentials quarantines the job.
        let mut refused = api.get(&format!("{JOBS_PATH}/{job_id}")).await.expect(200)["definition"].clone();
        refused["target"]["auth"]["bearer_token"] = json!("wrong");
        api.put(&format!("{JOBS_PATH}/{job_id}"), refused).await.expect(200);
        run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        let text = api.get("/metrics").await.text;
        let quarantined = sample(
            &text,
            &format!("provisio_job_quarantined{{{labels},state=\"quarantined\"}}"),
        );
        assert_eq!(quarantined, Some(1.0), "{text}");
        let after = sample(
            &text,
            &format!("provisio_job_last_successful_cycle_timestamp_seconds{{{labels}}}"),
        );
        assert_eq!(after, Some(success), "a quarantining cycle is not a success");
    }
);
