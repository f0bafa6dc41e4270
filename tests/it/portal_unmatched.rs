//! The warning about objects a job cannot match, in headless Chromium
//! against the real server: after a cycle into a real SCIM server
//! (scim2-server) whose userName is the mailNickname, the overview says how many users lack it, in the status's
//! own words, and its link opens the logs filtered to their entries.

use provisio_api::auth::TokenScope;
use provisio_api::jobs::JOBS_PATH;
use provisio_api::jobs::status::job_status_path;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_tests::scim_target::ScimTarget;
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};

use crate::admin_api::create_token;
use crate::browser::{Portal, TestResult, e2e_enabled};

#[tokio::test]
#[ignore = "needs Chromium, chromedriver, the built portal and scim2-server (cargo xtask test)"]
async fn the_overview_warns_about_unmatched_users_and_links_to_them() -> TestResult {
    if !e2e_enabled("portal_unmatched") {
        return Ok(());
    }
    let Some(target) = ScimTarget::start() else {
        return Ok(());
    };
    let portal = Portal::open_signed_in("/", ".overview h1").await?;
    let server = portal.server();
    let bearer = format!("Bearer {}", create_token(portal.server(), TokenScope::Admin).await);
    let http = reqwest::Client::new();
    let base = server.base_url();

    http.post(format!("{base}/api/v1/directory/users"))
        .header(AUTHORIZATION, &bearer)
        .json(&json!({"attributes": {"userPrincipalName": "no.alias@contoso.com"}}))
        .send()
        .await?
        .error_for_status()?;
    let definition = json!({
        "name": "Acme SCIM",
        "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[mailNickname]", "match_precedence": 1}
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
    run_cycle(server.store(), server.jobs(), &id, Mode::Initial).await?;
    let status: Value = http
        .get(format!("{base}{}", job_status_path(&id)))
        .header(AUTHORIZATION, &bearer)
        .send()
        .await?
        .json()
        .await?;
    let message = status["unmatched"][0]["message"]
        .as_str()
        .ok_or_else(|| format!("no unmatched users in {status}"))?
        .to_owned();
    assert!(
        message.ends_with("could not be matched: no value for mailNickname"),
        "{message}"
    );

    portal.goto("/", ".job-overview .unmatched-note").await?;
    let note = portal.text(".job-overview .unmatched-note li").await?;
    assert_eq!(note, format!("{message} see the log entries"));
    let link = portal.find(".job-overview .unmatched-note a").await?;
    assert_eq!(
        link.attr("href").await?.as_deref(),
        Some(format!("/logs?job={id}&code=ImportSkipped").as_str())
    );
    portal.screenshot("portal-overview-unmatched").await?;

    portal.click(".job-overview .unmatched-note a").await?;
    let filter = portal.wait_for_text(".code-filter", |t| !t.is_empty()).await?;
    assert_eq!(filter, "Only entries with code ImportSkipped");
    let rows = portal
        .wait_for_text(".log-table tbody", |t| t.contains("no.alias@contoso.com"))
        .await?;
    assert!(!rows.contains("Success"), "only the skipped entries: {rows}");
    portal.finish().await;
    Ok(())
}
