//! The Agents page in a real browser against the real server: register an
//! agent (its token and the command that runs it, shown once), see it
//! listed as never connected with its token, then see a job that routes
//! through it appear in its row as the page refreshes itself, revoke the
//! token, and see the job's Connection tab name the agent, never connected.

use std::time::Duration;

use provisio_api::auth::{TokenCreateRequest, TokenScope};
use provisio_api::jobs::JOBS_PATH;
use reqwest::header::AUTHORIZATION;
use serde_json::json;

use crate::browser::{Portal, TestResult, e2e_enabled};

const AGENT: &str = "datacenter-1";
const ROW: &str = "tr[data-agent='datacenter-1']";
/// Longer than the page's 5 s refresh.
const REFRESHED: Duration = Duration::from_secs(15);

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn an_agent_registered_in_the_portal_lists_its_token_and_jobs() -> TestResult {
    if !e2e_enabled("portal_agents") {
        return Ok(());
    }
    let portal = Portal::open_signed_in("/agents", "#agent-name").await?;
    portal.wait_for(".agents-empty").await?;
    let empty = portal.text(".agents-empty").await?;
    assert!(
        empty.contains("No agents yet") && empty.contains("via_agent"),
        "{empty}"
    );

    // A blank name is refused in place, before any request.
    portal.click("#create-agent-token").await?;
    portal
        .eventually("#agent-name-problem", REFRESHED, |t| t.contains("empty"))
        .await?;
    let invalid = portal.find("#agent-name").await?.attr("aria-invalid").await?;
    assert_eq!(invalid.as_deref(), Some("true"));

    // Registered: the token, shown once, and the command that runs the agent.
    portal.find("#agent-name").await?.send_keys(AGENT).await?;
    portal.click("#create-agent-token").await?;
    let token = portal
        .wait_for("#new-agent-token")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(token.starts_with("pvs_"), "{token}");
    let command = portal.find("#new-agent-command").await?.prop("value").await?;
    let expected = format!("provisio agent --server {} --token {token}", portal.server().base_url());
    assert_eq!(command.as_deref(), Some(expected.as_str()));

    // Listed, never connected, with its one token (also under Agent tokens).
    portal
        .eventually(&format!("{ROW} .agent-status"), REFRESHED, |t| t == "Never connected")
        .await?;
    assert_eq!(portal.text(&format!("{ROW} .agent-tokens")).await?, "1");
    assert_eq!(portal.text(&format!("{ROW} .agent-last-contact")).await?, "never");
    assert_eq!(portal.text(&format!("{ROW} .agent-jobs")).await?, "none");
    let tokens = portal.text(".agent-tokens .tokens-table tbody").await?;
    assert!(tokens.contains("active"), "{tokens}");

    // A job routed through the agent, made through the admin API.
    let admin = provisio_server::auth::Tokens::new(portal.server().store())
        .create(&TokenCreateRequest {
            name: Some("agents test".into()),
            scope: TokenScope::Admin,
            job: None,
            agent: None,
            expires_in: None,
        })
        .await?;
    let definition = json!({
        "name": "Datacenter LDAP",
        "target": {
            "kind": "ldap", "url": "ldap://127.0.0.1:1", "bind_dn": "cn=admin,dc=example,dc=org",
            "bind_password": "secret", "users_base_dn": "ou=people,dc=example,dc=org",
            "user_object_classes": ["inetOrgPerson"], "via_agent": AGENT
        },
        "objects": [
            {"source": "user", "target": "inetOrgPerson", "mappings": [
                {"target": "dn", "expression": "Join(\",\", Join(\"=\", \"uid\", EscapeDNComponent([mailNickname])), \"ou=people,dc=example,dc=org\")"},
                {"target": "uid", "expression": "[mailNickname]", "match_precedence": 1},
                {"target": "cn", "expression": "[displayName]"},
                {"target": "sn", "expression": "[surname]"}
            ]}
        ]
    });
    reqwest::Client::new()
        .post(format!("{}{JOBS_PATH}", portal.server().base_url()))
        .header(AUTHORIZATION, format!("Bearer {}", admin.token.expose()))
        .json(&definition)
        .send()
        .await?
        .error_for_status()?;

    // The page refreshes itself: the job appears in the agent's row, linked.
    portal
        .eventually(&format!("{ROW} .agent-jobs"), REFRESHED, |t| t == "Datacenter LDAP")
        .await?;
    let link = portal.find(&format!("{ROW} .agent-jobs a")).await?.attr("href").await?;
    assert_eq!(link.as_deref(), Some("/jobs/Datacenter%20LDAP"));
    assert_eq!(
        portal.text(&format!("{ROW} .agent-operations")).await?,
        "0 queued / 0 in progress"
    );
    portal.screenshot("portal-agents").await?;

    // Revoked after a confirmation: the agent has no token left.
    portal
        .find(".agent-tokens .confirm > button.danger")
        .await?
        .click()
        .await?;
    portal
        .wait_for(".agent-tokens .confirm-question:not([hidden]) button.danger")
        .await?
        .click()
        .await?;
    portal
        .eventually(".agent-tokens .tokens-table tbody", REFRESHED, |t| {
            t.contains("revoked")
        })
        .await?;
    portal
        .eventually(&format!("{ROW} .agent-tokens"), REFRESHED, |t| t == "0")
        .await?;

    // Its job's page opens by name.
    portal.find(&format!("{ROW} .agent-jobs a")).await?.click().await?;
    portal.eventually("h1", REFRESHED, |t| t == "Datacenter LDAP").await?;

    // Its Connection tab names the agent and how it is reached: never yet.
    portal
        .goto("/jobs/Datacenter%20LDAP/connection", ".connection-agent")
        .await?;
    let line = portal
        .eventually(".connection-agent", REFRESHED, |t| t.contains("never connected"))
        .await?;
    assert!(
        line.contains("Reached through the on-premises agent datacenter-1: never connected"),
        "{line}"
    );
    let agents = portal.find(".connection-agent a").await?.attr("href").await?;
    assert_eq!(agents.as_deref(), Some("/agents"));

    portal.finish().await;
    Ok(())
}
