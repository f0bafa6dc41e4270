//! The provisioning logs pages in headless Chromium against the real
//! server: a deep link filtered to failures lists only the failed entries,
//! opening one shows its error, recommended action, modified properties and
//! steps, and the filter form writes its filters into the URL.

use fantoccini::Locator;
use provisio_api::logs::{Identity, LogAction, LogEntry, LogStatus, ModifiedAttribute, RunKind};
use serde_json::json;

use crate::browser::{Portal, TestResult, e2e_enabled};

fn entry(id: &str, upn: &str, action: LogAction, status: LogStatus, time: &str) -> LogEntry {
    LogEntry {
        id: id.into(),
        time: time.into(),
        job_id: "job-1".into(),
        job_name: "Acme SCIM".into(),
        run: RunKind::Cycle,
        cycle_id: "cycle-1".into(),
        change_id: None,
        action,
        status,
        source: Identity::new(format!("user-{id}"), upn),
        target: Identity::default(),
        modified: vec![ModifiedAttribute {
            name: "title".into(),
            old: "Engineer".into(),
            new: "Admiral".into(),
        }],
        steps: json!([
            {"kind": "import", "status": "success", "description": "Read the user from the directory", "details": {"id": id}},
            {"kind": "action", "status": "failure", "description": "The application refused the update"}
        ]),
        error_code: (status == LogStatus::Failure).then(|| "TooManyRequests".into()),
        reason: (status == LogStatus::Failure).then(|| "the application answered 429".into()),
        recommended_action: (status == LogStatus::Failure).then(|| "Wait; the next cycle retries it.".into()),
        duration_ms: 42,
        initiated_by: Default::default(),
        source_system: Default::default(),
        target_system: Default::default(),
    }
}

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn failures_are_listed_and_one_opens_with_its_detail() -> TestResult {
    if !e2e_enabled("portal_logs") {
        return Ok(());
    }
    let portal = Portal::open_signed_in("/logs", ".logs h1").await?;
    let entries = [
        entry(
            "e1",
            "ada@contoso.com",
            LogAction::Create,
            LogStatus::Success,
            "2026-11-20T08:00:00.000Z",
        ),
        entry(
            "e2",
            "grace@contoso.com",
            LogAction::Update,
            LogStatus::Failure,
            "2026-11-20T09:00:00.000Z",
        ),
        entry(
            "e3",
            "alan@contoso.com",
            LogAction::Update,
            LogStatus::Failure,
            "2026-11-20T10:00:00.000Z",
        ),
    ];
    portal.server().store().logs().append(&entries).await?;

    // A deep link filtered to failures: the two failed entries, newest first.
    portal.goto("/logs?status=failure", ".log-table tbody tr").await?;
    let rows = portal.client().find_all(Locator::Css(".log-table tbody tr")).await?;
    assert_eq!(rows.len(), 2);
    let table = portal.text(".log-table tbody").await?;
    assert!(
        table.contains("alan@contoso.com") && table.contains("grace@contoso.com"),
        "{table}"
    );
    assert!(!table.contains("ada@contoso.com"), "{table}");
    assert_eq!(
        portal.find("#log-status").await?.prop("value").await?.as_deref(),
        Some("failure")
    );
    let csv = portal.find(".exports a").await?.attr("href").await?.unwrap_or_default();
    assert_eq!(csv, "/api/v1/logs/export?format=csv&status=failure");
    portal.screenshot("portal-logs-failures").await?;

    // Opening one shows its error, what to do, the change and the steps.
    portal.find(".log-table tbody tr:first-child a").await?.click().await?;
    portal.wait_for(".recommended-action").await?;
    assert_eq!(portal.client().current_url().await?.path(), "/logs/e3");
    assert_eq!(portal.text(".error-code").await?, "TooManyRequests");
    assert_eq!(portal.text(".reason").await?, "the application answered 429");
    assert_eq!(
        portal.text(".recommended-action").await?,
        "Wait; the next cycle retries it."
    );
    let modified = portal.text(".modified tbody").await?;
    assert!(
        modified.contains("Engineer") && modified.contains("Admiral"),
        "{modified}"
    );
    let steps = portal.client().find_all(Locator::Css(".steps .step")).await?;
    assert_eq!(steps.len(), 2);
    assert!(
        portal
            .text(".steps")
            .await?
            .contains("The application refused the update")
    );
    portal.screenshot("portal-log-entry").await?;

    // Back returns to the filtered view.
    portal.find(".back a").await?.click().await?;
    portal.wait_for(".log-table tbody tr").await?;
    let url = portal.client().current_url().await?;
    assert_eq!((url.path(), url.query()), ("/logs", Some("status=failure")));

    // The filter form puts the identity text in the URL.
    portal.goto("/logs", ".log-table tbody tr").await?;
    portal.find("#log-q").await?.send_keys("ada").await?;
    portal.find(".log-filters button[type=submit]").await?.click().await?;
    portal
        .wait_for_text(".log-table caption", |t| t.contains("of 1 "))
        .await?;
    assert_eq!(portal.client().current_url().await?.query(), Some("q=ada"));
    assert!(portal.text(".log-table tbody").await?.contains("ada@contoso.com"));
    portal.finish().await;
    Ok(())
}
