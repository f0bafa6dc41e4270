//! `provisio job assign`, run as a real process against a running server,
//! through its admin API and on its database: users named by
//! userPrincipalName and groups by displayName assigned with app roles,
//! listed, unassigned one role at a time; an unknown role, user, group or
//! job refused (exit 2) with nothing changed.

use provisio_api::directory::{GROUPS_PATH, USERS_PATH};
use provisio_api::jobs::{JOBS_PATH, job_assignments_path};
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;
use crate::lifecycle_cli::{Run, WAYS, Way, provisio};

/// A SCIM job offering the app roles Admin and Reader.
fn job(name: &str) -> Value {
    json!({
        "name": name,
        "target": {"kind": "scim", "base_url": "http://127.0.0.1:9/scim/v2", "auth": {"bearer_token": "t"}},
        "app_roles": [{"value": "Admin", "display_name": "Administrator"}, {"value": "Reader"}],
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
            ]},
            {"source": "group", "target": "Group", "mappings": [
                {"target": "displayName", "expression": "[displayName]", "match_precedence": 1}
            ]}
        ]
    })
}

async fn create(api: &Api, path: &str, body: Value) -> String {
    let answer = api.post(path, body).await;
    answer.expect(201)["id"].as_str().unwrap().to_owned()
}

/// The job's assignments as the API lists them: `type id role` each.
async fn assigned(api: &Api, job: &str) -> Vec<String> {
    let answer = api.get(&job_assignments_path(job)).await;
    let mut all: Vec<String> = answer
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let role = a["role"].as_str().unwrap_or("Default Access");
            format!("{} {} {role}", a["type"].as_str().unwrap(), a["id"].as_str().unwrap())
        })
        .collect();
    all.sort();
    all
}

/// `provisio job assign ARGS…` the given way.
async fn assign(api: &Api, way: Way, args: &[&str]) -> Run {
    let mut all = vec!["job", "assign"];
    all.extend_from_slice(args);
    provisio(api, way, &all).await
}

backend_test!(
    users_and_groups_are_assigned_with_roles_listed_and_unassigned_both_ways,
    with_api,
    async |api: &Api| {
        for way in WAYS {
            let tag = match way {
                Way::Server => "api",
                Way::Database => "db",
            };
            let name = format!("Acme {tag}");
            let job = create(api, JOBS_PATH, job(&name)).await;
            let upn = format!("ada-{tag}@contoso.com");
            let ada = create(
                api,
                USERS_PATH,
                json!({"attributes": {"userPrincipalName": upn, "displayName": format!("Ada {tag}")}}),
            )
            .await;
            let sales = create(
                api,
                GROUPS_PATH,
                json!({"attributes": {"displayName": format!("Sales {tag}")}}),
            )
            .await;

            let empty = assign(api, way, &[&name]).await;
            assert_eq!(empty.ok(), format!("job {name} has no assignments\n"), "{way:?}");

            let admin = assign(api, way, &[&name, "--user", &upn, "--role", "admin"]).await;
            assert!(
                admin.ok().starts_with(&format!(
                    "assigned user {upn} ({ada}) to job {name} with the role Admin\n"
                )),
                "{way:?}: {}",
                admin.stdout
            );
            let group_name = format!("SALES {}", tag.to_uppercase());
            let group = assign(api, way, &[&name, "--group", &group_name]).await;
            assert!(
                group.ok().starts_with(&format!(
                    "assigned group {group_name} ({sales}) to job {name} with Default Access\n"
                )),
                "{way:?}: {}",
                group.stdout
            );
            let reader = assign(api, way, &[&job, "--user", &ada, "--role", "Reader"]).await;
            reader.ok();
            let again = assign(api, way, &[&name, "--user", &upn, "--role", "Reader"]).await;
            assert!(
                again.ok().starts_with(&format!(
                    "user {upn} ({ada}) already has the role Reader on job {name}: nothing changed\n"
                )),
                "{way:?}: {}",
                again.stdout
            );
            let all = vec![
                format!("group {sales} Default Access"),
                format!("user {ada} Admin"),
                format!("user {ada} Reader"),
            ];
            assert_eq!(assigned(api, &job).await, all, "{way:?}");

            let listed = assign(api, way, &[&name.to_lowercase()]).await;
            let table = listed.ok();
            let lines: Vec<Vec<&str>> = table
                .lines()
                .map(|line| line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect())
                .collect();
            assert_eq!(
                lines,
                vec![
                    vec!["TYPE", "NAME", "ID", "ROLE"],
                    vec!["user", &format!("Ada {tag}"), &ada, "Admin"],
                    vec!["user", &format!("Ada {tag}"), &ada, "Reader"],
                    vec!["group", &format!("Sales {tag}"), &sales, "Default Access"],
                ],
                "{way:?}: {table}"
            );

            let owner = assign(api, way, &[&name, "--user", &upn, "--role", "Owner"]).await;
            let stderr = owner.fails(2);
            assert!(
                stderr.contains("no app role `Owner`; its roles are Default Access, Admin, Reader"),
                "{way:?}: {stderr}"
            );
            assert_eq!(assigned(api, &job).await, all, "{way:?}: nothing changed");

            let ghost = assign(
                api,
                way,
                &[
                    &name,
                    "--group",
                    &sales,
                    "--user",
                    "ghost@contoso.com",
                    "--role",
                    "Admin",
                ],
            )
            .await;
            let stderr = ghost.fails(2);
            assert!(
                stderr.contains("no user has the id or userPrincipalName \"ghost@contoso.com\"")
                    && stderr.contains("nothing was assigned"),
                "{way:?}: {stderr}"
            );
            assert_eq!(
                assigned(api, &job).await,
                all,
                "{way:?}: the group was not assigned either"
            );

            let twins = format!("Twins {tag}");
            for _ in 0..2 {
                create(api, GROUPS_PATH, json!({"attributes": {"displayName": twins}})).await;
            }
            let ambiguous = assign(api, way, &[&name, "--group", &twins]).await;
            let stderr = ambiguous.fails(2);
            assert!(
                stderr.contains(&format!("2 groups have the displayName \"{twins}\" (")),
                "{way:?}: {stderr}"
            );

            let unassigned = assign(api, way, &[&name, "--remove", "--user", &upn, "--role", "ADMIN"]).await;
            assert!(
                unassigned.ok().starts_with(&format!(
                    "unassigned user {upn} ({ada}) from job {name} with the role Admin\n"
                )),
                "{way:?}: {}",
                unassigned.stdout
            );
            let without_admin = vec![format!("group {sales} Default Access"), format!("user {ada} Reader")];
            assert_eq!(assigned(api, &job).await, without_admin, "{way:?}: only Admin went");

            let not_assigned = assign(api, way, &[&name, "--remove", "--user", &upn, "--role", "Admin"]).await;
            let stderr = not_assigned.fails(2);
            assert!(
                stderr.contains(&format!(
                    "user {upn} ({ada}) is not assigned to the job {name} with the role Admin"
                )),
                "{way:?}: {stderr}"
            );
            let no_such_role = assign(api, way, &[&name, "--remove", "--user", &upn, "--role", "Owner"]).await;
            assert!(
                no_such_role.fails(2).contains("no app role `Owner`"),
                "{way:?}: {}",
                no_such_role.stderr
            );

            let everything = assign(api, way, &[&name, "--remove", "--user", &upn, "--group", &sales]).await;
            assert!(
                everything.ok().ends_with(&format!("job {name} has no assignments\n")),
                "{way:?}: {}",
                everything.stdout
            );
            assert!(assigned(api, &job).await.is_empty(), "{way:?}");

            let unknown = assign(api, way, &["payroll", "--user", &upn]).await;
            assert!(
                unknown.fails(2).contains("no job has the id or name `payroll`"),
                "{way:?}: {}",
                unknown.stderr
            );
        }
    }
);
