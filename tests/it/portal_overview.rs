//! The overview in headless Chromium against the real server with the demo
//! organisation: a job started into a real SCIM server (scim2-server) shows
//! its state and the running cycle's progress, then, refreshed by the page
//! itself, the finished cycle's counts per action, its failures link and
//! the activity chart.

use std::time::{Duration, Instant};

use provisio_api::auth::TokenScope;
use provisio_api::jobs::JOBS_PATH;
use provisio_api::jobs::status::job_status_path;
use provisio_tests::scim_target::ScimTarget;
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};

use crate::admin_api::create_token;
use crate::browser::{Portal, TestResult, e2e_enabled};

/// How long the initial cycle of the demo organisation's 300 users may take.
const CYCLE_TIMEOUT: Duration = Duration::from_secs(90);

#[tokio::test]
#[ignore = "needs Chromium, chromedriver, the built portal and scim2-server (cargo xtask test)"]
async fn a_started_job_shows_its_progress_then_its_counts() -> TestResult {
    if !e2e_enabled("portal_overview") {
        return Ok(());
    }
    let Some(target) = ScimTarget::start() else {
        return Ok(());
    };
    let portal = Portal::open_signed_in("/", ".overview h1").await?;
    portal.wait_for(".overview .empty").await?;

    // The job goes through the API, so the server's own key keeps its token
    // and its own scheduler runs the cycle.
    let bearer = format!("Bearer {}", create_token(portal.server(), TokenScope::Admin).await);
    let http = reqwest::Client::new();
    let base = portal.server().base_url();
    let definition = json!({
        "name": "Acme SCIM",
        "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "title", "expression": "[jobTitle]"}
            ]}
        ]
    });
    let created: Value = http
        .post(format!("{base}{JOBS_PATH}"))
        .header(AUTHORIZATION, &bearer)
        .json(&definition)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = created["id"].as_str().ok_or("no job id")?.to_owned();
    http.post(format!("{base}{JOBS_PATH}/{id}/start"))
        .header(AUTHORIZATION, &bearer)
        .send()
        .await?
        .error_for_status()?;

    // Wait for the scheduler to begin the cycle, then open the overview:
    // it shows the progress bar and keeps refreshing until the cycle ends.
    let deadline = Instant::now() + CYCLE_TIMEOUT;
    loop {
        let status: Value = http
            .get(format!("{base}{}", job_status_path(&id)))
            .header(AUTHORIZATION, &bearer)
            .send()
            .await?
            .json()
            .await?;
        if !status["current_cycle"].is_null() || !status["last_cycle"].is_null() {
            break;
        }
        assert!(Instant::now() < deadline, "no cycle began: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    portal.goto("/", ".job-overview .run-state").await?;
    assert_eq!(portal.text(".job-overview h3").await?, "Acme SCIM");
    if let Ok(progress) = portal.find(".job-overview progress").await {
        assert_eq!(portal.text(".cycle-progress label").await?, "Cycle progress");
        assert!(
            progress.attr("max").await?.is_some(),
            "an initial cycle knows its total"
        );
        assert_eq!(portal.text(".job-overview .run-state").await?, "Running");
        portal.screenshot("portal-overview-running").await?;
    }

    // The page refreshes itself until the cycle's counts are in.
    let counts = loop {
        if let Ok(counts) = portal.find(".job-overview .action-counts").await {
            break counts.text().await?;
        }
        assert!(
            Instant::now() < deadline,
            "the overview never showed the finished cycle"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(counts.contains("create"), "{counts}");
    let state = portal.text(".job-overview .run-state").await?;
    assert!(state.starts_with("Idle") || state == "Running", "{state}");
    let failures = portal.find(".job-overview .failures a").await?;
    assert_eq!(
        failures.attr("href").await?.as_deref(),
        Some(format!("/logs?job={id}&status=failure").as_str())
    );
    assert_eq!(failures.text().await?, "0 failures in the last 24 hours");

    // The chart counts the cycle's entries, and says so in words.
    let summary = portal
        .wait_for_text(".activity-summary", |t| {
            !t.is_empty() && !t.starts_with("0 log entries")
        })
        .await?;
    assert!(summary.ends_with("0 of them failures."), "{summary}");
    assert!(portal.find(".activity-chart[role=img]").await.is_ok());
    portal.screenshot("portal-overview").await?;
    portal.finish().await;
    Ok(())
}
