//! The LDAP and SQL starting points of `/jobs/new`, in a real browser
//! against the real server: the agent named in the form is offered from the
//! agents list, a server problem shows under its field, and the job made
//! (read back through the admin API) has the target, agent, stored secret
//! and DN mapping the form asked for.

use provisio_api::auth::{TokenCreateRequest, TokenScope};
use provisio_api::jobs::job_path;
use reqwest::header::AUTHORIZATION;
use serde_json::Value;

use crate::browser::{Portal, TestResult, e2e_enabled};

const AGENT: &str = "datacenter-1";

/// Submits the form of the section titled `title` (e.g. `ldap-title`).
async fn submit(portal: &Portal, title: &str) -> TestResult {
    let button = format!("section[aria-labelledby='{title}'] button[type='submit']");
    portal.find(&button).await?.click().await?;
    Ok(())
}

/// Waits for the new job's Connection tab and reads the job through the admin API.
async fn created_job(portal: &Portal, bearer: &str) -> TestResult<Value> {
    portal.wait_for(".connection-test").await?;
    let url = portal.client().current_url().await?;
    let id = url
        .path()
        .trim_start_matches("/jobs/")
        .trim_end_matches("/connection")
        .to_owned();
    let answer = reqwest::Client::new()
        .get(format!("{}{}", portal.server().base_url(), job_path(&id)))
        .header(AUTHORIZATION, bearer)
        .send()
        .await?
        .error_for_status()?;
    Ok(answer.json().await?)
}

/// The expression of the mapping to `target` in the job's `object`-th object mapping.
fn expression<'a>(job: &'a Value, object: usize, target: &str) -> Option<&'a str> {
    job["definition"]["objects"][object]["mappings"]
        .as_array()?
        .iter()
        .find(|m| m["target"] == target)?["expression"]
        .as_str()
}

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn ldap_and_sql_applications_are_made_from_their_forms() -> TestResult {
    if !e2e_enabled("portal_new_targets") {
        return Ok(());
    }
    let portal = Portal::open_signed_in("/jobs", ".page-header").await?;
    let store = portal.server().store();
    let token = |name: &str, scope, agent: Option<&str>| TokenCreateRequest {
        name: Some(name.into()),
        scope,
        job: None,
        agent: agent.map(str::to_owned),
        expires_in: None,
    };
    provisio_server::auth::Tokens::new(store)
        .create(&token("agent", TokenScope::Agent, Some(AGENT)))
        .await?;
    let admin = provisio_server::auth::Tokens::new(store)
        .create(&token("test", TokenScope::Admin, None))
        .await?;
    let bearer = format!("Bearer {}", admin.token.expose());

    // The known agent is offered in the forms' agent fields.
    portal.goto("/jobs/new", "#ldap-name").await?;
    portal
        .wait_for(&format!("datalist#agent-names option[value='{AGENT}']"))
        .await?;
    let list = portal.find("#ldap-agent").await?.attr("list").await?;
    assert_eq!(list.as_deref(), Some("agent-names"));

    // An LDAP directory, first with a blank bind DN: the server's problem
    // shows under the field.
    for (field, text) in [
        ("#ldap-name", "Datacenter LDAP"),
        ("#ldap-url", "ldap://127.0.0.1:1"),
        ("#ldap-bind-dn", " "),
        ("#ldap-password", "s3cret"),
        ("#ldap-users", "ou=people,dc=example,dc=org"),
        ("#ldap-groups", "ou=groups,dc=example,dc=org"),
        ("#ldap-agent", AGENT),
    ] {
        portal.find(field).await?.send_keys(text).await?;
    }
    submit(&portal, "ldap-title").await?;
    let problem = portal.wait_for_text("#ldap-bind-dn-problem", |t| !t.is_empty()).await?;
    assert!(problem.contains("bind_dn"), "{problem}");
    let invalid = portal.find("#ldap-bind-dn").await?.attr("aria-invalid").await?;
    assert_eq!(invalid.as_deref(), Some("true"));
    portal
        .find("#ldap-bind-dn")
        .await?
        .send_keys("\u{E003}cn=admin,dc=example,dc=org")
        .await?;
    portal.screenshot("portal-new-ldap").await?;
    submit(&portal, "ldap-title").await?;

    let job = created_job(&portal, &bearer).await?;
    let target = &job["definition"]["target"];
    assert_eq!(target["kind"], "ldap", "{job}");
    assert_eq!(target["via_agent"], AGENT, "{job}");
    assert_eq!(target["bind_dn"], "cn=admin,dc=example,dc=org", "{job}");
    assert_eq!(job["secrets"]["target.bind_password"], true, "{job}");
    assert_eq!(
        expression(&job, 0, "dn"),
        Some(r#"Join(",", Join("=", "uid", EscapeDNComponent([mailNickname])), "ou=people,dc=example,dc=org")"#),
        "{job}"
    );
    assert_eq!(job["definition"]["objects"][1]["target"], "groupOfNames", "{job}");
    assert!(expression(&job, 1, "dn").is_some_and(|dn| dn.contains("ou=groups,dc=example,dc=org")));
    // The Connection tab names the agent it goes through.
    let agent = portal.wait_for_text(".connection-agent", |t| t.contains(AGENT)).await?;
    assert!(agent.contains("never connected"), "{agent}");

    // A SQL database, without a password or an agent.
    portal.goto("/jobs/new", "#sql-name").await?;
    for (field, text) in [
        ("#sql-name", "HR DB"),
        ("#sql-url", "sqlite:///tmp/x.db"),
        ("#sql-table", "people"),
    ] {
        portal.find(field).await?.send_keys(text).await?;
    }
    submit(&portal, "sql-title").await?;
    let job = created_job(&portal, &bearer).await?;
    let target = &job["definition"]["target"];
    assert_eq!(target["kind"], "sql", "{job}");
    assert_eq!(target["url"], "sqlite:///tmp/x.db", "{job}");
    assert_eq!(target["users_table"], "people", "{job}");
    assert!(target.get("via_agent").is_none(), "{job}");
    assert_eq!(job["secrets"]["target.password"], false, "{job}");
    assert_eq!(expression(&job, 0, "user_name"), Some("[userPrincipalName]"), "{job}");

    portal.finish().await;
    Ok(())
}
