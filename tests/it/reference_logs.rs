//! Reference writes in the provisioning logs (issue 16, item 10), against
//! the real scim2-server: a user's manager and a group's members are logged
//! with the object's name as source and target display, the referenced
//! objects by name with their target ids, and steps; searching the logs
//! for a user finds their manager change; `provisio job provision` says
//! when the manager waits for its object to exist in the target.

use std::process::Command;

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};

use crate::admin_api::Api;
use crate::backends::Backend;
use crate::cli::provisio_binary;

const USERS: &str = "/api/v1/directory/users";
const GROUPS: &str = "/api/v1/directory/groups";
const MANAGER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

fn job(target: &ScimTarget) -> Value {
    json!({
        "name": "refs",
        "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": MANAGER, "expression": "[manager]"}
            ]},
            {"source": "group", "target": "Group", "mappings": [
                {"target": "displayName", "expression": "[displayName]", "match_precedence": 1},
                {"target": "members", "expression": "[members]"}
            ]}
        ]
    })
}

async fn user(api: &Api, upn: &str, manager: Option<&str>) -> String {
    let mut attributes = json!({"userPrincipalName": upn, "displayName": upn.split('@').next().unwrap()});
    if let Some(manager) = manager {
        attributes["manager"] = json!(manager);
    }
    let answer = api.post(USERS, json!({ "attributes": attributes })).await;
    answer.expect(201)["id"].as_str().unwrap().to_owned()
}

/// `provisio job provision --job refs --user UPN` against the server's
/// database and key: exit code and standard output.
async fn provision(api: &Api, upn: &str) -> (Option<i32>, String) {
    let mut command = Command::new(provisio_binary());
    command
        .args(["job", "provision", "--job", "refs", "--user", upn])
        .args(["--database", &api.database_url])
        .args(["--secret-key-file", api.key_file.to_str().unwrap()])
        .env_remove("PROVISIO_SECRET_KEY")
        .env_remove("PROVISIO_DATABASE");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    eprintln!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    (output.status.code(), stdout)
}

/// The target id of the user or group whose `field` is `value`.
async fn target_id(target: &ScimTarget, resource: &str, field: &str, value: &str) -> String {
    let all = crate::target::resources(target, resource).await;
    let found = all
        .iter()
        .find(|r| r[field] == value)
        .unwrap_or_else(|| panic!("no {resource} with {field} {value} in {all:?}"));
    found["id"].as_str().unwrap().to_owned()
}

/// The log entries `GET /api/v1/logs?q=…` finds that write `path`.
async fn reference_entries(api: &Api, q: &str, path: &str) -> Vec<Value> {
    let page = api.get(&format!("/api/v1/logs?q={}", q.replace('@', "%40"))).await;
    let items = page.expect(200)["items"].as_array().unwrap().clone();
    items
        .into_iter()
        .filter(|entry| entry["modified"].as_array().unwrap().iter().any(|m| m["name"] == path))
        .collect()
}

#[tokio::test]
#[ignore = "needs scim2-server (cargo xtask test)"]
async fn manager_and_member_writes_are_logged_by_name_and_on_demand_says_what_waits() {
    let Some(target) = ScimTarget::start() else { return };
    // Kept to the end: the database's folder goes with it.
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let created = api.post(JOBS_PATH, job(&target)).await;
    let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
    let boss = user(&api, "boss@contoso.com", None).await;
    let ada = user(&api, "ada@contoso.com", Some(&boss)).await;

    // Ada first: her manager is not in the target yet, and the CLI says so.
    let (code, stdout) = provision(&api, "ada@contoso.com").await;
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains(&format!(
            "References:\n   manager waits: boss@contoso.com ({boss}) does not exist in the target yet; the \
             reference is written once a run provisions it (provision it on demand, or wait for the next cycle)"
        )),
        "{stdout}"
    );
    assert!(reference_entries(&api, "ada@contoso.com", MANAGER).await.is_empty());

    // Once the manager is there, Ada's next run writes the reference.
    let (code, _) = provision(&api, "boss@contoso.com").await;
    assert_eq!(code, Some(0));
    let (code, stdout) = provision(&api, "ada@contoso.com").await;
    assert_eq!(code, Some(0));
    let ada_target = target_id(&target, "Users", "userName", "ada@contoso.com").await;
    let boss_target = target_id(&target, "Users", "userName", "boss@contoso.com").await;
    let boss_named = format!("boss@contoso.com ({boss_target})");
    assert!(
        stdout.contains(&format!(
            "References:\n   manager: (none) → {boss_named}\n   manager written\n"
        )),
        "{stdout}"
    );

    // Searching the logs for Ada finds her manager change, by name.
    let entries = reference_entries(&api, "ada@contoso.com", MANAGER).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry["run"], "on_demand");
    assert_eq!(entry["action"], "update");
    assert_eq!(entry["source"], json!({"id": ada, "display": "ada@contoso.com"}));
    assert_eq!(entry["target"], json!({"id": ada_target, "display": "ada@contoso.com"}));
    assert_eq!(
        entry["modified"],
        json!([{"name": MANAGER, "old": null, "new": boss_named}])
    );
    let steps: Vec<(&str, &str)> = entry["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["kind"].as_str().unwrap(), s["description"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "matching",
                format!(
                    "The directory names boss@contoso.com ({boss}) as manager of ada@contoso.com ({ada}); in the \
                     target: {boss_named}"
                )
                .as_str()
            ),
            (
                "action",
                format!("Updated manager of ada@contoso.com ({ada_target}) in the target: added {boss_named}").as_str()
            ),
        ]
    );

    // A group's members, written by a cycle, are named too.
    api.post(
        GROUPS,
        json!({"attributes": {"displayName": "Engineers"}, "members": [ada, boss]}),
    )
    .await
    .expect(201);
    let report = run_cycle(api.server.store(), api.server.jobs(), &job_id, Mode::Initial)
        .await
        .unwrap();
    assert_eq!((report.failures, report.failed_references), (0, 0), "{report:?}");
    let entries = reference_entries(&api, "Engineers", "members").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    let group_target = target_id(&target, "Groups", "displayName", "Engineers").await;
    assert_eq!(entry["run"], "cycle");
    assert_eq!(entry["source"]["display"], "Engineers");
    assert_eq!(entry["target"], json!({"id": group_target, "display": "Engineers"}));
    let mut members: Vec<&str> = entry["modified"][0]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    members.sort_unstable();
    let ada_named = format!("ada@contoso.com ({ada_target})");
    assert_eq!(members, [ada_named.as_str(), boss_named.as_str()]);
}
