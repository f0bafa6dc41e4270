//! The portal's sign-in in headless Chromium against the real server with
//! demo data: signing in, the header naming the administrator, signing
//! out, and a protected page sending a visitor to sign-in and back.

use crate::browser::{ADMIN, ADMIN_PASSWORD, Portal, TestResult, e2e_enabled};

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn sign_in_sign_out_and_back_to_the_page_asked_for() -> TestResult {
    if !e2e_enabled("portal_session") {
        return Ok(());
    }
    let portal = Portal::open_signed_in("/", ".who-name").await?;
    assert_eq!(portal.text(".who-name").await?, ADMIN);
    portal.screenshot("portal-signed-in").await?;

    portal.find(".sign-out").await?.click().await?;
    // Signed out, a protected page goes to sign-in, remembering where to return.
    portal.goto("/logs?status=failure", "#sign-in-name").await?;
    let url = portal.client().current_url().await?;
    assert_eq!(url.path(), "/signin");
    assert_eq!(
        url.query_pairs()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned()),
        Some("/logs?status=failure".to_owned())
    );

    // A wrong password is refused in place.
    portal.find("#sign-in-name").await?.send_keys(ADMIN).await?;
    portal
        .find("#sign-in-password")
        .await?
        .send_keys("wrong password")
        .await?;
    portal.find(".sign-in button[type=submit]").await?.click().await?;
    let note = portal.wait_for_text(".error-note", |t| !t.is_empty()).await?;
    assert!(note.contains("unauthenticated") || note.contains("sign"), "{note}");

    portal.find("#sign-in-password").await?.clear().await?;
    portal
        .find("#sign-in-password")
        .await?
        .send_keys(ADMIN_PASSWORD)
        .await?;
    portal.find(".sign-in button[type=submit]").await?.click().await?;
    portal.wait_for(".who-name").await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let url = portal.client().current_url().await?;
        if url.path() == "/logs" {
            assert_eq!(url.query(), Some("status=failure"));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still at {url}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    portal.finish().await;
    Ok(())
}
