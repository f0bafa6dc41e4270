//! `IS MEMBER OF` in real provisioning (issue 14, item 14): cycles and
//! on-demand runs read every user's `memberOf` — its groups, directly or
//! through nested groups — so a job scoped to a group's members provisions
//! exactly them into scim2-server, follows a user who joins the group (an
//! incremental cycle creates the account) and one who leaves it (the next
//! one disables it); the directory API shows the same `member_of`.

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::run::{CycleReport, Mode, run_cycle};
use provisio_tests::scim_target::ScimTarget;
use reqwest::Method;
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

const USERS: &str = "/api/v1/directory/users";
const GROUPS: &str = "/api/v1/directory/groups";

fn job(target: &ScimTarget) -> Value {
    json!({
        "name": "app users",
        "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
        "objects": [
            {"source": "user", "target": "User",
             "scoping": [{"name": "App users", "clauses": [
                 {"attribute": "memberOf", "operator": "IS MEMBER OF", "value": "app users"}
             ]}],
             "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"}
            ]}
        ]
    })
}

async fn user(api: &Api, upn: &str) -> String {
    api.post(USERS, json!({"attributes": {"userPrincipalName": upn}}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn group(api: &Api, name: &str, members: &[&str]) -> String {
    api.post(GROUPS, json!({"attributes": {"displayName": name}, "members": members}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The target's users by userName, with whether each is active.
async fn target_users(target: &ScimTarget) -> Vec<(String, bool)> {
    let mut users: Vec<(String, bool)> = crate::target::resources(target, "Users")
        .await
        .iter()
        .map(|u| {
            (
                u["userName"].as_str().unwrap_or_default().to_lowercase(),
                u["active"].as_bool().unwrap_or(true),
            )
        })
        .collect();
    users.sort();
    users
}

backend_test!(
    a_job_scoped_to_a_group_follows_members_who_join_and_leave,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let ada = user(api, "ada@contoso.com").await;
        let grace = user(api, "grace@contoso.com").await;
        let alan = user(api, "alan@contoso.com").await;
        // Ada through a nested group, Grace directly, Alan not at all.
        let engineers = group(api, "Engineers", &[&ada]).await;
        let app_users = group(api, "App Users", &[&engineers, &grace]).await;

        let detail = api.get(&format!("{USERS}/{ada}")).await;
        let member_of: Vec<&str> = detail.expect(200)["member_of"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["display_name"].as_str().unwrap())
            .collect();
        assert_eq!(member_of, ["App Users", "Engineers"], "{}", detail.text);

        let job_id = api.post(JOBS_PATH, job(&target)).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let jobs = api.server.jobs().clone();
        let cycle = async |mode: Mode| -> CycleReport {
            let report = run_cycle(api.server.store(), &jobs, &job_id, mode).await.unwrap();
            assert_eq!(report.failures, 0, "{report:?}");
            report
        };

        let report = cycle(Mode::Initial).await;
        assert_eq!(report.actions.get("create"), Some(&2), "{report:?}");
        assert_eq!(
            target_users(&target).await,
            [
                ("ada@contoso.com".to_owned(), true),
                ("grace@contoso.com".to_owned(), true)
            ]
        );

        // Alan joins Engineers: the next incremental cycle provisions him.
        api.post(&format!("{GROUPS}/{engineers}/members"), json!({"ids": [alan]}))
            .await
            .expect(200);
        let report = cycle(Mode::Incremental).await;
        assert_eq!(report.actions.get("create"), Some(&1), "{report:?}");
        assert!(
            target_users(&target)
                .await
                .contains(&("alan@contoso.com".to_owned(), true))
        );

        // Grace leaves App Users: out of scope, her account is disabled.
        api.delete(&format!("{GROUPS}/{app_users}/members/{grace}"))
            .await
            .expect(204);
        let report = cycle(Mode::Incremental).await;
        assert_eq!(report.actions.get("disable"), Some(&1), "{report:?}");
        assert_eq!(
            target_users(&target).await,
            [
                ("ada@contoso.com".to_owned(), true),
                ("alan@contoso.com".to_owned(), true),
                ("grace@contoso.com".to_owned(), false)
            ]
        );

        // On demand reads memberOf too: Grace is out of scope, Ada in.
        let path = format!("{JOBS_PATH}/{job_id}/provision-on-demand");
        let answer = api
            .send(Method::POST, &path, Some(json!({"user": "ada@contoso.com"})))
            .await;
        assert_eq!(answer.expect(200)["decision"]["action"], "skip", "{}", answer.text);
        let scoping = answer.body["decision"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == "scoping")
            .cloned()
            .unwrap_or_default();
        assert_eq!(scoping["status"], "success", "{scoping}");
    }
);
