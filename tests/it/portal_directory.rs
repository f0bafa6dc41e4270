//! The directory pages in headless Chromium against the real server with
//! the demo organisation: searching users, a user's manager and groups,
//! editing an attribute, creating, disabling, deleting and restoring a
//! user, and adding it to a group — each checked in the store.

use provisio_server::directory::{GroupQuery, User, UserQuery};

use crate::browser::{Portal, TestResult, e2e_enabled};

/// The first demo user with a manager and at least one group.
async fn managed_user_in_a_group(portal: &Portal) -> TestResult<(User, String, String)> {
    let directory = portal.server().store().directory();
    let users = directory
        .users_page(&UserQuery {
            limit: 500,
            ..UserQuery::default()
        })
        .await?;
    for user in users.items {
        let Some(manager) = user.text("manager").map(str::to_owned) else {
            continue;
        };
        let groups = directory.groups_of(&user.id).await?;
        if let Some((_, group)) = groups.first() {
            let manager = directory.user(&manager).await?.ok_or("the manager exists")?;
            let manager_name = manager.text("displayName").unwrap_or_default().to_owned();
            let group = group.clone();
            return Ok((user, manager_name, group));
        }
    }
    Err("no demo user has a manager and a group".into())
}

async fn user_by_upn(portal: &Portal, upn: &str, deleted: bool) -> TestResult<Option<User>> {
    let page = portal
        .server()
        .store()
        .directory()
        .users_page(&UserQuery {
            search: Some(upn.to_owned()),
            deleted,
            limit: 10,
            ..UserQuery::default()
        })
        .await?;
    Ok(page.items.into_iter().find(|u| u.user_principal_name() == upn))
}

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn search_open_edit_create_disable_delete_restore_and_add_to_a_group() -> TestResult {
    if !e2e_enabled("portal_directory") {
        return Ok(());
    }
    let portal = Portal::open_signed_in("/directory/users", "table.users-list tbody tr").await?;
    let (user, manager, group) = managed_user_in_a_group(&portal).await?;
    let name = user.text("displayName").unwrap_or_default().to_owned();

    // Search narrows the table to the one user.
    portal
        .find("#user-search")
        .await?
        .send_keys(user.user_principal_name())
        .await?;
    portal
        .wait_for_text("table.users-list tbody", |t| {
            t.contains(&name) && t.lines().count() == 1
        })
        .await?;
    assert!(
        portal
            .client()
            .current_url()
            .await?
            .query()
            .unwrap_or_default()
            .contains("search=")
    );
    portal.screenshot("portal-directory-search").await?;

    // The user's page names the manager and the groups, linked.
    portal.find("table.users-list tbody a").await?.click().await?;
    portal.wait_for("#attr-jobTitle").await?;
    portal.wait_for_text(".user-manager", |t| t == manager).await?;
    portal.wait_for_text(".user-groups", |t| t.contains(&group)).await?;

    // Editing the job title saves only that attribute.
    let title = portal.find("#attr-jobTitle").await?;
    title.clear().await?;
    title.send_keys("Chief Tester").await?;
    portal
        .find("#user-attributes button[type=submit]")
        .await?
        .click()
        .await?;
    portal
        .wait_for_text("#user-attributes .done-note", |t| t == "Saved.")
        .await?;
    let saved = portal
        .server()
        .store()
        .directory()
        .user(&user.id)
        .await?
        .ok_or("the user")?;
    assert_eq!(saved.text("jobTitle"), Some("Chief Tester"));
    assert_eq!(saved.text("department"), user.text("department"));
    portal.screenshot("portal-directory-user").await?;

    // A new user, created from the list, opens on its own page.
    portal.goto("/directory/users", "table.users-list tbody tr").await?;
    portal.find(".directory-head button.primary").await?.click().await?;
    let upn = "e2e.tester@contoso.com";
    portal.find("#new-user-upn").await?.send_keys(upn).await?;
    portal
        .find("#new-user-display-name")
        .await?
        .send_keys("E2E Tester")
        .await?;
    portal.find("#new-user-department").await?.send_keys("Quality").await?;
    portal.find("#new-user button[type=submit]").await?.click().await?;
    portal.wait_for_text("h1", |t| t == "E2E Tester").await?;
    let created = user_by_upn(&portal, upn, false)
        .await?
        .ok_or("the new user is stored")?;
    assert_eq!(created.text("department"), Some("Quality"));

    // Disable.
    portal.wait_for("#toggle-enabled").await?.click().await?;
    portal.wait_for_text(".badge", |t| t == "Disabled").await?;
    let disabled = portal
        .server()
        .store()
        .directory()
        .user(&created.id)
        .await?
        .ok_or("the user")?;
    assert_eq!(disabled.attributes["accountEnabled"], false);

    // Delete, asked in place first.
    portal
        .find(".object-actions .confirm > button.danger")
        .await?
        .click()
        .await?;
    portal.screenshot("portal-directory-confirm-delete").await?;
    portal
        .find(".object-actions .confirm-question button.danger")
        .await?
        .click()
        .await?;
    portal.wait_for_text(".badge", |t| t.starts_with("Deleted")).await?;
    assert!(portal.server().store().directory().user(&created.id).await?.is_none());
    assert!(user_by_upn(&portal, upn, true).await?.is_some());

    // Restore.
    portal.find("#restore-user").await?.click().await?;
    portal.wait_for_text(".badge", |t| t == "Disabled").await?;
    assert!(portal.server().store().directory().user(&created.id).await?.is_some());

    // Add to a group by searching for the userPrincipalName; the smallest
    // group, so that its members fit on one page.
    let groups = portal
        .server()
        .store()
        .directory()
        .groups_page(&GroupQuery {
            limit: 100,
            ..GroupQuery::default()
        })
        .await?;
    let target = groups
        .items
        .iter()
        .min_by_key(|g| g.members.len())
        .ok_or("a demo group")?;
    portal
        .goto(&format!("/directory/groups/{}", target.id), "#member-search")
        .await?;
    portal.find("#member-search").await?.send_keys("e2e.tester").await?;
    portal.wait_for(".dir-matches button.pick").await?.click().await?;
    portal
        .wait_for_text(".members-list", |t| t.contains("E2E Tester"))
        .await?;
    portal.screenshot("portal-directory-group").await?;
    let after = portal
        .server()
        .store()
        .directory()
        .group(&target.id)
        .await?
        .ok_or("the group")?;
    assert!(after.members.iter().any(|m| m.id == created.id));

    portal.finish().await;
    Ok(())
}
