//! A job's Assignments tab in headless Chromium against the real server
//! with the demo organisation: an app role defined (after the server
//! refuses "Default Access" as one, on its row), a user assigned with it
//! and a group with Default Access found by searching, the group's members,
//! a refusal shown, one assignment removed and the scope switched — each
//! read back through the admin API; and no such tab on an inbound job.

use provisio_api::auth::{TokenCreateRequest, TokenScope};
use provisio_api::jobs::{job_assignments_path, job_path};
use provisio_server::directory::{GroupQuery, MemberKind, UserQuery};
use provisio_server::jobs::Jobs;
use provisio_server::secrets::SecretBox;
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};

use crate::browser::{Portal, TestResult, e2e_enabled};

/// An outbound job that provisions only assigned users and groups.
async fn create_job(portal: &Portal) -> TestResult<String> {
    let definition = serde_json::from_value(json!({
        "name": "Assigned app",
        "scope": "assigned",
        "target": {"kind": "scim", "base_url": "http://127.0.0.1:9/scim"},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
            ]}
        ]
    }))?;
    let jobs = Jobs::new(portal.server().store().clone(), SecretBox::ephemeral()?);
    Ok(jobs.create(definition).await?.id)
}

/// `GET path` through the admin API with `bearer`.
async fn api_get(portal: &Portal, bearer: &str, path: &str) -> TestResult<Value> {
    let answer = reqwest::Client::new()
        .get(format!("{}{path}", portal.server().base_url()))
        .header(AUTHORIZATION, bearer)
        .send()
        .await?
        .error_for_status()?;
    Ok(answer.json().await?)
}

/// Searches the Add form for `text` and ticks the result with `id`.
async fn search_and_tick(portal: &Portal, text: &str, id: &str) -> TestResult {
    let search = portal.find("#assign-search").await?;
    search.clear().await?;
    search.send_keys(&format!("{text}\u{E007}")).await?;
    let pick = format!("input[name='assign-pick'][value='{id}']");
    if let Err(e) = portal.wait_for(&pick).await {
        let shot = portal.screenshot("portal-assignments-search-failed").await?;
        return Err(format!("{e}; see {}", shot.display()).into());
    }
    portal.click(&pick).await?;
    Ok(())
}

/// Chooses the role (`""`: Default Access) and presses Assign.
async fn assign_with(portal: &Portal, role: &str) -> TestResult {
    portal.find("#assign-role").await?.select_by_value(role).await?;
    portal.click("#assign-add").await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn roles_assignments_group_members_and_scope_in_the_browser() -> TestResult {
    if !e2e_enabled("portal_assignments") {
        return Ok(());
    }
    let portal = Portal::open_signed_in("/", ".who-name").await?;
    let id = create_job(&portal).await?;
    let store = portal.server().store();
    let admin = provisio_server::auth::Tokens::new(store)
        .create(&TokenCreateRequest {
            name: Some("test".into()),
            scope: TokenScope::Admin,
            job: None,
            agent: None,
            expires_in: None,
        })
        .await?;
    let bearer = format!("Bearer {}", admin.token.expose());

    // Two demo users (the second to be deleted before it is assigned) and a
    // small group with users in it.
    let directory = store.directory();
    let users = directory
        .users_page(&UserQuery {
            limit: 2,
            ..UserQuery::default()
        })
        .await?
        .items;
    let [user, gone] = <[_; 2]>::try_from(users).map_err(|_| "the demo has two users")?;
    let user_name = user.text("displayName").unwrap_or_default().to_owned();
    let groups = directory
        .groups_page(&GroupQuery {
            limit: 100,
            ..GroupQuery::default()
        })
        .await?
        .items;
    let group = groups
        .into_iter()
        .find(|g| (1..=20).contains(&g.members.iter().filter(|m| m.kind == MemberKind::User).count()))
        .ok_or("a demo group has between 1 and 20 users")?;
    let member = group
        .members
        .iter()
        .find(|m| m.kind == MemberKind::User)
        .ok_or("the group has a user")?;
    let member = directory.user(&member.id).await?.ok_or("the member exists")?;
    let member_name = member.text("displayName").unwrap_or_default().to_owned();

    portal
        .goto(&format!("/jobs/{id}/assignments"), "#app-roles-add")
        .await?;
    let tab = portal.find("a[role='tab'][aria-selected='true']").await?.text().await?;
    assert_eq!(tab, "Assignments");
    portal.wait_for("#assignments-table, .assignments-empty").await?;

    // App roles: "Default Access" cannot be defined; the server says so on its row.
    portal.click("#app-roles-add").await?;
    portal.find("#app-role-0-value").await?.send_keys("admin").await?;
    portal
        .find("#app-role-0-name")
        .await?
        .send_keys("Administrator")
        .await?;
    portal
        .find("#app-role-0-description")
        .await?
        .send_keys("Manages the app")
        .await?;
    portal.click("#app-roles-add").await?;
    portal
        .find("#app-role-1-value")
        .await?
        .send_keys("Default Access")
        .await?;
    portal.click("#app-roles-save").await?;
    let problem = portal.wait_for_text("#app-role-1-problem", |t| !t.is_empty()).await?;
    assert!(problem.contains("Default Access"), "{problem}");
    let invalid = portal.find("#app-role-1-value").await?.attr("aria-invalid").await?;
    assert_eq!(invalid.as_deref(), Some("true"));
    let listed = portal.text(".app-roles .job-problems").await?;
    assert!(listed.contains("app_roles[1].value"), "{listed}");
    portal.screenshot("portal-assignments-role-problem").await?;
    portal.click("#app-role-1-remove").await?;
    portal.click("#app-roles-save").await?;
    portal
        .wait_for_text(".app-roles .saved-note", |t| t == "Saved the app roles.")
        .await?;
    // Roles and no Default Access for assigned users: the notice says what that means.
    let notice = portal.wait_for_text("#default-access-note", |t| !t.is_empty()).await?;
    assert!(notice.contains("Default Access"), "{notice}");

    // A user found by its userPrincipalName, assigned with the new role.
    search_and_tick(&portal, user.user_principal_name(), &user.id).await?;
    assign_with(&portal, "admin").await?;
    let row = format!("#assignments-table tr[data-id='{}']", user.id);
    portal.wait_for(&row).await?;
    assert_eq!(portal.text(&format!("{row} .assignment-role")).await?, "Administrator");

    // A group found by its name, assigned with Default Access; its members open under it.
    search_and_tick(&portal, group.display_name(), &group.id).await?;
    assign_with(&portal, "").await?;
    let group_row = format!("#assignments-table tr[data-id='{}']", group.id);
    portal.wait_for(&group_row).await?;
    assert_eq!(
        portal.text(&format!("{group_row} .assignment-role")).await?,
        "Default Access"
    );
    portal.click(&format!("{group_row} .members-toggle")).await?;
    let members = portal
        .wait_for_text(".assignment-members .group-members", |t| t.contains(&member_name))
        .await?;
    assert!(members.contains(&member_name), "{members}");
    portal.screenshot("portal-assignments-list").await?;

    // A user deleted between the search and Assign: the server's refusal names it.
    search_and_tick(&portal, gone.user_principal_name(), &gone.id).await?;
    directory.delete_user(&gone.id, None).await?;
    assign_with(&portal, "admin").await?;
    let refusal = portal
        .wait_for_text("#assign-outcome .error-note", |t| !t.is_empty())
        .await?;
    assert!(refusal.contains("was not assigned"), "{refusal}");
    assert!(refusal.contains(&gone.id), "{refusal}");

    // Both listed with their roles, in the page and through the API.
    let listed = api_get(&portal, &bearer, &job_assignments_path(&id)).await?;
    let roles: Vec<(String, Option<String>)> = listed
        .as_array()
        .ok_or("a list")?
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap_or_default().to_owned(),
                a["role"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(roles.len(), 2, "{listed}");
    assert!(roles.contains(&(user.id.clone(), Some("admin".to_owned()))), "{listed}");
    assert!(roles.contains(&(group.id.clone(), None)), "{listed}");

    // Remove the user's assignment (asked first).
    portal.click(&format!("{row} .confirm > button.danger")).await?;
    portal.click(&format!("{row} .confirm-question button.danger")).await?;
    portal
        .wait_for_text("#assignments-outcome .saved-note", |t| t.contains("Removed"))
        .await?;
    portal
        .wait_for_text("#assignments-table", |t| !t.contains(&user_name))
        .await?;
    let listed = api_get(&portal, &bearer, &job_assignments_path(&id)).await?;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["id"], group.id.as_str(), "{listed}");

    // Scope: all users and groups, saved into the definition.
    portal.click("input[name='job-scope'][value='all']").await?;
    portal.click("#scope-save").await?;
    portal
        .wait_for_text("section[aria-labelledby='scope-title'] .saved-note", |t| t == "Saved.")
        .await?;
    let job = api_get(&portal, &bearer, &job_path(&id)).await?;
    assert_eq!(job["definition"]["scope"], "all", "{job}");
    assert_eq!(
        job["definition"]["app_roles"],
        json!([{"value": "admin", "display_name": "Administrator", "description": "Manages the app"}]),
        "{job}"
    );
    portal.screenshot("portal-assignments-scope").await?;

    // An inbound job has no one to assign: no such tab, and its address
    // opens the job's first tab instead.
    let jobs = Jobs::new(store.clone(), SecretBox::ephemeral()?);
    let inbound = jobs.create(provisio_engine::job::templates::inbound("HR")).await?.id;
    portal
        .goto(&format!("/jobs/{inbound}/assignments"), "#inbound-endpoint")
        .await?;
    let tabs = portal.text("nav.tabs").await?;
    assert!(!tabs.contains("Assignments"), "{tabs}");

    portal.finish().await;
    Ok(())
}
