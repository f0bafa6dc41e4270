//! The expression playground in headless Chromium against the real server serving the built
//! portal: results on every keystroke, underlined diagnostics, function examples, source errors.
//! The portal engineer owns this module.

use fantoccini::Locator;
use fantoccini::key::Key;

use crate::browser::{Portal, TestResult, e2e_enabled};

const EXPRESSION: &str = "#expression";
const RESULT: &str = "#result";
const RESULT_VALUE: &str = "#result-value";

async fn open_playground() -> TestResult<Portal> {
    Portal::open("/playground", RESULT_VALUE).await
}

/// Selects everything in a field, so that the next keys replace it.
async fn select_all(portal: &Portal, selector: &str) -> TestResult {
    let field = portal.find(selector).await?;
    portal
        .client()
        .execute(
            "arguments[0].focus(); arguments[0].select();",
            vec![serde_json::to_value(&field)?],
        )
        .await?;
    Ok(())
}

/// Replaces a field's text by typing, one keystroke at a time.
async fn retype(portal: &Portal, selector: &str, text: &str) -> TestResult {
    select_all(portal, selector).await?;
    portal.find(selector).await?.send_keys(text).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn the_default_expression_shows_the_users_address() -> TestResult {
    if !e2e_enabled("the_default_expression_shows_the_users_address") {
        return Ok(());
    }
    let portal = open_playground().await?;
    assert_eq!(portal.client().title().await?, "Provisio");
    assert!(portal.text("header").await?.contains("Provisio"));
    let expression = portal.find(EXPRESSION).await?.prop("value").await?.unwrap_or_default();
    assert!(
        expression.starts_with("ToLower(Join(\"@\", NormalizeDiacritics("),
        "{expression}"
    );
    portal
        .wait_for_text(RESULT_VALUE, |t| t == "\"zoe.vanderberg@contoso.com\"")
        .await?;
    assert_eq!(portal.text("#result-type").await?, "string");
    assert!(portal.client().find_all(Locator::Css("mark.diag")).await?.is_empty());
    portal.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn typing_updates_the_result_on_each_keystroke() -> TestResult {
    if !e2e_enabled("typing_updates_the_result_on_each_keystroke") {
        return Ok(());
    }
    let portal = open_playground().await?;
    retype(&portal, EXPRESSION, "Left([givenName], 1)").await?;
    portal.wait_for_text(RESULT_VALUE, |t| t == "\"Z\"").await?;
    let editor = portal.find(EXPRESSION).await?;
    // Cursor before ")", then one keystroke at a time.
    editor.send_keys(&Key::Left.to_string()).await?;
    editor.send_keys(&Key::Backspace.to_string()).await?;
    portal.wait_for_text(RESULT, |t| t.contains("Fix the problem")).await?;
    portal.wait_for_text("#diagnostics", |t| t.contains("error[E0")).await?;
    editor.send_keys("2").await?;
    portal.wait_for_text(RESULT_VALUE, |t| t == "\"Zo\"").await?;
    editor.send_keys(&Key::Backspace.to_string()).await?;
    editor.send_keys("3").await?;
    portal.wait_for_text(RESULT_VALUE, |t| t == "\"Zoë\"").await?;
    portal
        .wait_for_text("#diagnostics", |t| t.contains("No problems"))
        .await?;
    portal.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn an_unknown_function_is_underlined_with_a_suggestion() -> TestResult {
    if !e2e_enabled("an_unknown_function_is_underlined_with_a_suggestion") {
        return Ok(());
    }
    let portal = open_playground().await?;
    retype(&portal, EXPRESSION, "Tolower([mail])").await?;
    portal.wait_for_text("mark.diag", |t| t == "Tolower").await?;
    assert_eq!(portal.client().find_all(Locator::Css("mark.diag")).await?.len(), 1);
    let diagnostics = portal
        .wait_for_text("#diagnostics", |t| t.contains("error[E0201]"))
        .await?;
    assert!(diagnostics.contains("unknown function `Tolower`"), "{diagnostics}");
    assert!(diagnostics.contains("did you mean `ToLower`?"), "{diagnostics}");
    assert!(diagnostics.contains("1:1"), "{diagnostics}");
    // Choosing the diagnostic selects the misspelt name in the editor.
    portal.find("#diagnostics .diagnostic-jump").await?.click().await?;
    let selection = portal
        .client()
        .execute(
            "const e = document.querySelector('#expression'); \
             return [document.activeElement === e, e.selectionStart, e.selectionEnd];",
            vec![],
        )
        .await?;
    assert_eq!(selection, serde_json::json!([true, 0, 7]));
    portal.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn insert_puts_a_function_example_in_the_editor() -> TestResult {
    if !e2e_enabled("insert_puts_a_function_example_in_the_editor") {
        return Ok(());
    }
    let portal = open_playground().await?;
    select_all(&portal, EXPRESSION).await?;
    portal
        .find(EXPRESSION)
        .await?
        .send_keys(&Key::Backspace.to_string())
        .await?;
    portal.wait_for_text(RESULT, |t| t.contains("Fix the problem")).await?;
    retype(&portal, "#function-filter", "left").await?;
    portal
        .find("[data-function=\"Left\"] button.insert")
        .await?
        .click()
        .await?;
    portal.wait_for_text(RESULT_VALUE, |t| t == "\"Joh\"").await?;
    let expression = portal.find(EXPRESSION).await?.prop("value").await?;
    assert_eq!(expression.as_deref(), Some("Left(\"John Doe\", 3)"));
    portal.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn invalid_source_json_shows_an_error() -> TestResult {
    if !e2e_enabled("invalid_source_json_shows_an_error") {
        return Ok(());
    }
    let portal = open_playground().await?;
    retype(&portal, "#source", "{\"givenName\": \"Ann\", \"surname\": \"Lee\",}").await?;
    let error = portal
        .wait_for_text("#source-error", |t| t.contains("line 1 column"))
        .await?;
    assert!(error.starts_with("Invalid JSON:"), "{error}");
    portal.wait_for_text(RESULT, |t| t.contains("not valid JSON")).await?;
    // The expression still works once the JSON does.
    portal
        .find("#source")
        .await?
        .send_keys(&Key::Backspace.to_string())
        .await?;
    portal
        .find("#source")
        .await?
        .send_keys(&Key::Backspace.to_string())
        .await?;
    portal.find("#source").await?.send_keys("}").await?;
    portal
        .wait_for_text(RESULT_VALUE, |t| t == "\"ann.lee@contoso.com\"")
        .await?;
    assert!(!portal.find("#source-error").await?.is_displayed().await?);
    portal.finish().await;
    Ok(())
}
