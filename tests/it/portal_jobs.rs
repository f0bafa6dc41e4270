//! Applications in the portal, in a real browser against a real SCIM
//! server (scim2-server): create a job from the blank SCIM form, test its
//! connection, provision a demo user on demand and read the steps, start it
//! from Settings and watch its status change, and save a definition with a
//! mistake to see the problem where it is.

use fantoccini::Locator;
use provisio_tests::scim_target::ScimTarget;
use serde_json::json;

use crate::browser::{Portal, TestResult, e2e_enabled};

/// Opens one of the job's tabs by its link, as a keyboard user would follow it.
async fn open_tab(portal: &Portal, segment: &str, ready: &str) -> TestResult {
    portal
        .find(&format!("a[role='tab'][href$='/{segment}']"))
        .await?
        .click()
        .await?;
    portal.wait_for(ready).await?;
    Ok(())
}

/// Scrolls `selector` into view, so the screenshot shows it.
async fn show(portal: &Portal, selector: &str) -> TestResult {
    let script = format!("document.querySelector({selector:?}).scrollIntoView({{block: 'center'}})");
    portal.client().execute(&script, Vec::new()).await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs Chromium, chromedriver, the built portal and scim2-server (cargo xtask test)"]
async fn create_test_provision_start_and_edit_an_application() -> TestResult {
    if !e2e_enabled("portal_jobs") {
        return Ok(());
    }
    let Some(target) = ScimTarget::start() else {
        return Ok(());
    };
    let portal = Portal::open_signed_in("/jobs", ".page-header").await?;
    portal.wait_for(".jobs-table, .empty").await?;
    portal.screenshot("portal-jobs-list").await?;

    // A new SCIM application from the blank form.
    portal.find("a[href='/jobs/new']").await?.click().await?;
    portal.wait_for("#new-name").await?.send_keys("Acme Test").await?;
    portal.find("#new-url").await?.send_keys(&target.base_url()).await?;
    portal.find("#new-token").await?.send_keys(target.token()).await?;
    portal.screenshot("portal-jobs-new").await?;
    portal.find("#new-token").await?.send_keys("\u{E007}").await?; // Enter submits the form.
    portal.wait_for("#connection-url").await?;
    let url = portal.find("#connection-url").await?.prop("value").await?;
    assert_eq!(url.as_deref(), Some(target.base_url().as_str()));

    // Test connection: the stored token is accepted.
    portal.find(".connection-test button").await?.click().await?;
    portal.wait_for(".test-result").await?;
    let result = portal.text(".test-result").await?;
    assert!(result.contains("Connection succeeded"), "{result}");
    show(&portal, ".test-result").await?;
    portal.screenshot("portal-jobs-connection").await?;

    // Provision one demo user on demand and read the steps.
    open_tab(&portal, "on-demand", "#on-demand-search").await?;
    portal
        .find("#on-demand-search")
        .await?
        .send_keys("contoso.com\u{E007}")
        .await?;
    portal.wait_for("input[name='on-demand-user']").await?.click().await?;
    portal.find("#on-demand-run").await?.click().await?;
    portal.wait_for(".on-demand-result").await?;
    for kind in ["import", "scoping", "matching", "action"] {
        portal.find(&format!(".on-demand-step[data-kind='{kind}']")).await?;
    }
    let action = portal.text(".on-demand-step[data-kind='action']").await?;
    assert!(action.contains("create") && action.contains("userName"), "{action}");
    let result = portal.text(".on-demand-result").await?;
    assert!(result.contains("create — done"), "{result}");
    show(&portal, ".on-demand-step[data-kind='action']").await?;
    portal.screenshot("portal-jobs-on-demand").await?;

    // Start it from Settings: the status follows.
    open_tab(&portal, "settings", ".job-status .status-state").await?;
    assert_eq!(portal.text(".job-status .status-state").await?, "stopped");
    portal.find(".run-controls button.primary").await?.click().await?;
    portal
        .wait_for_text(".job-status .status-state", |t| t == "running")
        .await?;
    portal
        .wait_for_text(".job-header .job-state", |t| t == "running")
        .await?;
    portal.screenshot("portal-jobs-settings").await?;

    // A mistake in the definition is shown with its place.
    open_tab(&portal, "definition", "#definition-text").await?;
    let text = portal
        .find("#definition-text")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(text.contains("\"********\""), "the token reads masked: {text}");
    let broken = text.replacen("\"[userPrincipalName]\"", "\"Left([givenName], )\"", 1);
    save_definition(&portal, &broken).await?;
    portal.wait_for(".job-problems").await?;
    let problems = portal.text(".job-problems").await?;
    assert!(problems.contains("objects[0].mappings[0].expression"), "{problems}");
    assert!(problems.contains("numChars"), "{problems}");
    let locations = portal.client().find_all(Locator::Css(".problem-location")).await?;
    assert_eq!(locations.len(), 1, "{problems}");
    show(&portal, ".job-problems").await?;
    portal.screenshot("portal-jobs-definition-problem").await?;

    // A source attribute the directory does not have is saved, with a
    // warning that says what was probably meant.
    let misspelt = text.replacen("\"[userPrincipalName]\"", "\"[userPrincipalNmae]\"", 1);
    save_definition(&portal, &misspelt).await?;
    let saved = portal.wait_for_text(".saved-note", |t| t.starts_with("Saved")).await?;
    assert!(saved.starts_with("Saved: version"), "{saved}");
    let warnings = portal.text(".job-problems").await?;
    assert!(warnings.contains("objects[0].mappings[0].expression"), "{warnings}");
    assert!(warnings.contains("did you mean `userPrincipalName`"), "{warnings}");
    let area = portal.find("#definition-text").await?;
    assert_eq!(
        area.attr("aria-invalid").await?.as_deref(),
        Some("false"),
        "a warning is no error"
    );
    portal.screenshot("portal-jobs-definition-warning").await?;

    portal.finish().await;
    Ok(())
}

/// Types `text` into the Definition tab's editor and saves it.
async fn save_definition(portal: &Portal, text: &str) -> TestResult {
    portal
        .client()
        .execute(
            "const area = document.querySelector('#definition-text');\
             area.value = arguments[0];\
             area.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![json!(text)],
        )
        .await?;
    portal
        .find(".definition-form button[type='submit']")
        .await?
        .click()
        .await?;
    Ok(())
}
