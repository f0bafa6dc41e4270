//! Settings → Notifications in a real browser against the real server: a
//! bad port is refused with the field named; a webhook (a loopback
//! receiver that checks signatures) is added with its secret and saved,
//! after which the secret shows only as set; "Send a test" shows the
//! webhook delivered, and the receiver got the signed test.

use provisio_api::notifications::AlertEvent;

use super::WEBHOOK_SECRET;
use super::receiver::Receiver;
use crate::browser::{Portal, TestResult, e2e_enabled};

const FORM: &str = "form.notifications-form:not([hidden])";

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn a_webhook_saved_in_the_portal_receives_the_test() -> TestResult {
    if !e2e_enabled("alerts::portal") {
        return Ok(());
    }
    let receiver = Receiver::start(WEBHOOK_SECRET, 0).await;
    let portal = Portal::open_signed_in("/settings/notifications", FORM).await?;
    assert_eq!(portal.text("#smtp-password-state").await?, "(not set)");

    // A port out of range: refused, the field named.
    let port = portal.find("#smtp-port").await?;
    port.clear().await?;
    port.send_keys("70000").await?;
    portal.click("#save-notifications").await?;
    portal
        .wait_for_text(".error-note", |t| t.contains("email.port: 70000 is not a port"))
        .await?;
    port.clear().await?;
    port.send_keys("587").await?;

    // A webhook with its secret, saved: the secret is "set" and not shown.
    portal.click("#webhook-add").await?;
    portal.find("#webhook-url-0").await?.send_keys(&receiver.url).await?;
    portal
        .find("#webhook-secret-0")
        .await?
        .send_keys(WEBHOOK_SECRET)
        .await?;
    portal.click("#save-notifications").await?;
    portal.wait_for_text(".saved-note", |t| t == "Saved.").await?;
    portal
        .wait_for_text(".webhook-row .secret-state", |t| t == "(set)")
        .await?;
    let secret = portal.find("#webhook-secret-0").await?.prop("value").await?;
    assert_eq!(secret.as_deref(), Some(""));
    let page = portal.find("main").await?.html(false).await?;
    assert!(!page.contains(WEBHOOK_SECRET), "the secret is not on the page");

    // Send a test: the webhook's outcome on the page, the signed test received.
    portal.click("#send-test").await?;
    let result = portal
        .wait_for_text("#test-results", |t| t.contains("delivered"))
        .await?;
    assert_eq!(result, format!("webhook {}: delivered", receiver.url));
    let tests: Vec<_> = receiver
        .received()
        .into_iter()
        .filter(|r| r.payload.as_ref().is_some_and(|p| p.event == AlertEvent::Test))
        .collect();
    assert_eq!(tests.len(), 1, "{tests:#?}");
    assert!(tests[0].verified && tests[0].answered == 204, "{tests:#?}");
    portal.screenshot("settings-notifications").await?;
    portal.finish().await;
    Ok(())
}
