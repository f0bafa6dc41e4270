//! Inbound provisioning in the portal, in a real browser against the real
//! server: create an inbound job from the template card, read its endpoint,
//! create a token (shown once), upload two HR records over HTTP with it,
//! start the job and watch the request's records succeed.

use std::time::Duration;

use provisio_api::inbound::{BULK_REQUEST_SCHEMA, SCIM_JSON, USER_SCHEMA, bulk_upload_path};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::browser::{Portal, TestResult, e2e_enabled};

/// Longer than the tab's 5 s polling plus the worker's processing.
const PROCESSED: Duration = Duration::from_secs(40);

/// A BulkRequest creating one user per externalId.
fn bulk(ids: &[&str]) -> Value {
    let operations: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({"method": "POST", "bulkId": format!("b{id}"), "path": "/Users", "data": {
                "schemas": [USER_SCHEMA],
                "externalId": id,
                "userName": format!("{}@contoso.com", id.to_lowercase()),
                "displayName": format!("Hire {id}"),
                "name": {"givenName": "Hire", "familyName": id},
                "active": true
            }})
        })
        .collect();
    json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": operations})
}

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn an_hr_system_uploads_to_an_inbound_job_made_in_the_portal() -> TestResult {
    if !e2e_enabled("portal_inbound") {
        return Ok(());
    }
    let portal = Portal::open_signed_in("/jobs/new", "#inbound-name").await?;

    // The template card opens the new job's Provisioning API tab.
    portal.find("#inbound-name").await?.send_keys("Workday\u{E007}").await?;
    let endpoint = portal.wait_for("#inbound-endpoint").await?;
    let url = portal.client().current_url().await?;
    let id = url
        .path()
        .trim_start_matches("/jobs/")
        .trim_end_matches("/inbound")
        .to_owned();
    let expected = format!("{}{}", portal.server().base_url(), bulk_upload_path(&id));
    assert_eq!(endpoint.prop("value").await?.as_deref(), Some(expected.as_str()));
    // An inbound job has no connection, preview or on-demand tab.
    // Read in one script: the tabs re-render once the job has loaded.
    let read = "return [...document.querySelectorAll(\"a[role='tab']\")].map(tab => tab.textContent.trim())";
    let tabs = ["Provisioning API", "Mappings", "Scoping", "Settings", "Definition"];
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let labels = loop {
        let labels: Vec<String> = serde_json::from_value(portal.client().execute(read, Vec::new()).await?)?;
        if labels == tabs || std::time::Instant::now() > deadline {
            break labels;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(labels, tabs);

    // A token, shown once.
    portal.find("#token-name").await?.send_keys("Workday tenant").await?;
    portal.click("#create-token").await?;
    let token = portal
        .wait_for("#new-token-value")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(token.starts_with("pvs_"), "{token}");
    portal
        .eventually(".tokens-table tbody", PROCESSED, |t| t.contains("Workday tenant"))
        .await?;
    portal.screenshot("portal-inbound-token").await?;

    // The HR system uploads two records; the job is stopped, so they wait.
    let answer = reqwest::Client::new()
        .post(&expected)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(CONTENT_TYPE, SCIM_JSON)
        .body(serde_json::to_vec(&bulk(&["E2001", "E2002"]))?)
        .send()
        .await?;
    assert_eq!(answer.status(), StatusCode::ACCEPTED, "{}", answer.text().await?);
    portal
        .eventually(".requests-table .request-state", PROCESSED, |t| t == "pending")
        .await?;

    // Started from Settings, the job processes them.
    portal.click("a[role='tab'][href$='/settings']").await?;
    portal.wait_for(".run-controls button.primary").await?;
    portal.click(".run-controls button.primary").await?;
    portal
        .eventually(".job-header .job-state", PROCESSED, |t| t == "running")
        .await?;
    portal.click("a[role='tab'][href$='/inbound']").await?;
    portal
        .eventually(".requests-table .request-state", PROCESSED, |t| t == "done")
        .await?;
    assert_eq!(portal.text(".requests-table .request-succeeded").await?, "2");

    // Its records, each a success with a link to its log entry.
    portal.click(".request-open").await?;
    portal.wait_for(".records-table tbody tr").await?;
    // Read in one script: the tab refreshes itself every 5 s, and an element
    // found a moment earlier may have been replaced by then.
    let read = "return [...document.querySelectorAll('.records-table tbody tr')].map(row => [\
                row.textContent, row.querySelector('.record-status')?.textContent ?? ''])";
    let rows: Vec<(String, String)> = serde_json::from_value(portal.client().execute(read, Vec::new()).await?)?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let records: String = rows.iter().map(|(text, _)| text.as_str()).collect();
    assert!(records.contains("bE2001") && records.contains("E2002"), "{records}");
    assert!(rows.iter().all(|(_, status)| status == "success"), "{rows:?}");
    portal.find(".records-table a[href^='/logs/']").await?;
    let scroll = "document.querySelector('.request-records').scrollIntoView({block: 'center'})";
    portal.client().execute(scroll, Vec::new()).await?;
    portal.screenshot("portal-inbound-requests").await?;

    // Only failures: there are none.
    portal.click("#failures-only").await?;
    portal
        .eventually(".request-records .empty", PROCESSED, |t| t == "No records to show.")
        .await?;

    // A mapping is evaluated for a pasted SCIM record, flattened as the server does.
    portal.click("a[role='tab'][href$='/mappings']").await?;
    portal.wait_for("#mapping-0-edit").await?;
    portal.click("#mapping-0-edit").await?;
    portal.wait_for("#mapping-record").await?;
    portal
        .eventually("#result-value", PROCESSED, |t| t.contains("E1001"))
        .await?;
    let scroll = "document.querySelector('#mapping-record').scrollIntoView({block: 'start'})";
    portal.client().execute(scroll, Vec::new()).await?;
    portal.screenshot("portal-inbound-mapping-record").await?;

    portal.finish().await;
    Ok(())
}
