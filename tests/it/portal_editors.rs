//! A job's Mappings, Scoping and Preview tabs in headless Chromium against
//! the real server with the demo organisation: an expression evaluated live
//! for a picked directory user and its typo underlined, a scoping clause
//! changing who is in scope (and saved), and the dry run's counts.

use provisio_server::jobs::Jobs;
use provisio_server::secrets::SecretBox;
use serde_json::json;

use crate::browser::{Portal, TestResult, e2e_enabled};

/// Selects everything in a field, so that the next keys replace it.
async fn retype(portal: &Portal, selector: &str, text: &str) -> TestResult {
    let field = portal.find(selector).await?;
    portal
        .client()
        .execute(
            "arguments[0].focus(); arguments[0].select();",
            vec![serde_json::to_value(&field)?],
        )
        .await?;
    portal.find(selector).await?.send_keys(text).await?;
    Ok(())
}

/// The leading number of `#scope-count` ("42 of 300 users in scope").
fn in_scope(text: &str) -> Option<usize> {
    text.split_whitespace().next()?.parse().ok()
}

async fn create_job(portal: &Portal) -> TestResult<String> {
    let definition = serde_json::from_value(json!({
        "name": "Editors",
        "target": {"kind": "scim", "base_url": "http://127.0.0.1:9/scim"},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "displayName", "expression": "[displayName]"},
                {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"}
            ]}
        ]
    }))?;
    let jobs = Jobs::new(portal.server().store().clone(), SecretBox::ephemeral()?);
    Ok(jobs.create(definition).await?.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn portal_editors_evaluate_scope_and_preview_in_the_browser() -> TestResult {
    if !e2e_enabled("portal_editors_evaluate_scope_and_preview_in_the_browser") {
        return Ok(());
    }
    let portal = Portal::open_signed_in("/", ".who-name").await?;
    let id = create_job(&portal).await?;

    // Mappings: edit displayName's expression, evaluated for a picked user.
    portal.goto(&format!("/jobs/{id}/mappings"), "#mappings-table").await?;
    portal.find("#mapping-1-edit").await?.click().await?;
    portal.wait_for("#expression").await?;
    portal.find("#mapping-user-search").await?.send_keys("a\n").await?;
    portal.wait_for(".user-result").await?.click().await?;
    let name = portal
        .wait_for_text("#mapping-user", |t| !t.is_empty() && !t.contains("sample"))
        .await?;
    portal
        .wait_for_text("#result-value", |t| t == format!("{name:?}"))
        .await?;
    retype(&portal, "#expression", "ToUpper([displayName])").await?;
    portal
        .wait_for_text("#result-value", |t| t == format!("{:?}", name.to_uppercase()))
        .await?;
    retype(&portal, "#expression", "ToUppr([displayName])").await?;
    portal
        .wait_for_text("#diagnostics", |t| t.contains("E0201") && t.contains("ToUppr"))
        .await?;
    portal.wait_for("mark.diag").await?;
    portal.screenshot("portal-editors-mappings").await?;
    portal.find("#cancel-mapping").await?.click().await?;

    // Scoping: department EQUALS Sales narrows the scope; save it.
    portal.goto(&format!("/jobs/{id}/scoping"), "#add-filter").await?;
    let all = portal.wait_for_text("#scope-count", |t| in_scope(t).is_some()).await?;
    let total = in_scope(&all).unwrap_or_default();
    assert!(all.contains(&format!("{total} of {total} users")), "{all}");
    portal.find("#add-filter").await?.click().await?;
    portal
        .wait_for(".clause-attribute")
        .await?
        .send_keys("department")
        .await?;
    portal.find(".clause-value").await?.send_keys("Sales").await?;
    let sales = portal
        .wait_for_text("#scope-count", |t| in_scope(t).is_some_and(|n| n > 0 && n < total))
        .await?;
    let sales = in_scope(&sales).unwrap_or_default();
    portal.screenshot("portal-editors-scoping").await?;
    portal.find("#save-draft").await?.click().await?;
    portal
        .wait_for_text(".save-status", |t| t == "Saved the filters.")
        .await?;

    // Preview: Sales users created (but not disabled accounts), everyone else skipped.
    portal.goto(&format!("/jobs/{id}/preview"), "#preview-counts").await?;
    let create = portal.text("#preview-counts tr[data-kind=users] .count-create").await?;
    let skip = portal.text("#preview-counts tr[data-kind=users] .count-skip").await?;
    let (create, skip): (usize, usize) = (create.parse()?, skip.parse()?);
    assert!(
        create > 0 && create <= sales && create + skip == total,
        "{create} {skip} {sales}"
    );
    assert!(
        portal
            .text("#preview-notice")
            .await?
            .contains("initial cycle against an empty")
    );
    portal.wait_for("#preview-decisions .action-create").await?;
    portal.screenshot("portal-editors-preview").await?;
    portal.finish().await;
    Ok(())
}
