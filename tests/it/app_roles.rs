//! App roles and assignments end to end (issue 19) against a real,
//! independent SCIM server (scim2-server): a job that defines roles
//! provisions each assigned user's roles — its own and its groups' — with
//! `AssertiveAppRoleAssignmentsComplex`, replaces them when one user's role
//! changes, skips users assigned only with Default Access (as Entra does),
//! and with `AppRoleAssignmentsComplex` only ever adds roles. A realtime job
//! follows an assignment and an unassignment within seconds.

use std::time::{Duration, Instant};

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::run::{CycleReport, Mode, run_cycle};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;
use crate::scheduler::{Passes, with_fast_scheduler};

const USERS: &str = "/api/v1/directory/users";
const GROUPS: &str = "/api/v1/directory/groups";

fn job(target: &ScimTarget, roles_expression: &str, realtime: bool) -> Value {
    json!({
        "name": "roles app",
        "scope": "assigned",
        "schedule": {"realtime": realtime, "interval_seconds": 86400},
        "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
        "app_roles": [
            {"value": "Admin", "display_name": "Administrator", "description": "Full control"},
            {"value": "Reader"}
        ],
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"},
                {"target": "roles", "expression": roles_expression}
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

async fn assign(api: &Api, job: &str, kind: &str, id: &str, role: Option<&str>) {
    let mut body = json!({"id": id, "type": kind});
    if let Some(role) = role {
        body["role"] = json!(role);
    }
    api.post(&format!("{JOBS_PATH}/{job}/assignments"), body)
        .await
        .expect(200);
}

async fn unassign(api: &Api, job: &str, id: &str, role: Option<&str>) {
    let query = role.map(|r| format!("?role={r}")).unwrap_or_default();
    let answer = api.delete(&format!("{JOBS_PATH}/{job}/assignments/{id}{query}")).await;
    assert_eq!(answer.status, 204, "{}", answer.text);
}

/// The target's users by userName, each with its sorted role values and
/// whether it is active.
async fn target_roles(target: &ScimTarget) -> Vec<(String, Vec<String>, bool)> {
    let mut users: Vec<_> = crate::target::resources(target, "Users")
        .await
        .iter()
        .map(|u| {
            let mut roles: Vec<String> = u["roles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["value"].as_str().map(str::to_owned))
                .collect();
            roles.sort();
            (
                u["userName"].as_str().unwrap_or_default().to_lowercase(),
                roles,
                u["active"].as_bool().unwrap_or(true),
            )
        })
        .collect();
    users.sort();
    users
}

fn roles(list: &[&str]) -> Vec<String> {
    list.iter().map(|r| (*r).to_owned()).collect()
}

backend_test!(
    assigned_roles_reach_the_target_and_a_changed_role_replaces_them,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let ada = user(api, "ada@contoso.com").await;
        let grace = user(api, "grace@contoso.com").await;
        let alan = user(api, "alan@contoso.com").await;
        let readers = api
            .post(
                GROUPS,
                json!({"attributes": {"displayName": "Readers"}, "members": [grace]}),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let job_id = api
            .post(
                JOBS_PATH,
                job(
                    &target,
                    "AssertiveAppRoleAssignmentsComplex([appRoleAssignments])",
                    false,
                ),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Ada directly as Admin and through nothing else; Grace as Reader
        // through her group and Admin directly; Alan only with Default Access.
        assign(api, &job_id, "user", &ada, Some("Admin")).await;
        assign(api, &job_id, "group", &readers, Some("reader")).await;
        assign(api, &job_id, "user", &grace, Some("Admin")).await;
        assign(api, &job_id, "user", &alan, None).await;
        let listed = api.get(&format!("{JOBS_PATH}/{job_id}/assignments")).await;
        let listed = listed.expect(200);
        let group_role = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == readers.as_str())
            .map(|a| a["role"].clone());
        assert_eq!(
            group_role,
            Some(json!("Reader")),
            "roles are stored as the job spells them"
        );

        let jobs = api.server.jobs().clone();
        let cycle = async |mode: Mode| -> CycleReport {
            let report = run_cycle(api.server.store(), &jobs, &job_id, mode).await.unwrap();
            assert_eq!(report.failures, 0, "{report:?}");
            report
        };
        let report = cycle(Mode::Initial).await;
        assert_eq!(report.actions.get("create"), Some(&2), "{report:?}");
        assert_eq!(
            target_roles(&target).await,
            [
                ("ada@contoso.com".to_owned(), roles(&["Admin"]), true),
                ("grace@contoso.com".to_owned(), roles(&["Admin", "Reader"]), true),
            ],
            "Alan holds only Default Access and the app defines roles: not provisioned"
        );

        // Ada's role changes from Admin to Reader: the assertive mapping
        // replaces her roles, and an incremental cycle sees the change.
        unassign(api, &job_id, &ada, Some("Admin")).await;
        assign(api, &job_id, "user", &ada, Some("Reader")).await;
        let report = cycle(Mode::Incremental).await;
        assert_eq!(report.actions.get("update"), Some(&1), "{report:?}");
        assert_eq!(
            target_roles(&target).await[0],
            ("ada@contoso.com".to_owned(), roles(&["Reader"]), true)
        );

        // Ada falls back to Default Access only: she is no longer entitled,
        // and her account is disabled.
        unassign(api, &job_id, &ada, None).await;
        assign(api, &job_id, "user", &ada, Some("Default Access")).await;
        cycle(Mode::Incremental).await;
        assert!(!target_roles(&target).await[0].2, "{:?}", target_roles(&target).await);
    }
);

backend_test!(
    roles_added_with_the_non_assertive_function_are_never_removed,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let ada = user(api, "ada@contoso.com").await;
        let job_id = api
            .post(
                JOBS_PATH,
                job(&target, "AppRoleAssignmentsComplex([appRoleAssignments])", false),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assign(api, &job_id, "user", &ada, Some("Admin")).await;
        let jobs = api.server.jobs().clone();
        let cycle = async |mode: Mode| {
            let report = run_cycle(api.server.store(), &jobs, &job_id, mode).await.unwrap();
            assert_eq!(report.failures, 0, "{report:?}");
        };
        cycle(Mode::Initial).await;
        // Reader added, Admin removed: the target gains Reader and keeps Admin.
        assign(api, &job_id, "user", &ada, Some("Reader")).await;
        unassign(api, &job_id, &ada, Some("Admin")).await;
        cycle(Mode::Incremental).await;
        assert_eq!(
            target_roles(&target).await,
            [("ada@contoso.com".to_owned(), roles(&["Admin", "Reader"]), true)]
        );
        // Nothing new to add: the next cycle leaves the account alone.
        let report = run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        assert_eq!(report.actions.get("update"), None, "{report:?}");
    }
);

/// Polls the target until `check` holds or 10 s pass; whether it held.
async fn eventually(target: &ScimTarget, check: impl Fn(&[(String, Vec<String>, bool)]) -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if check(&target_roles(target).await) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

backend_test!(
    a_realtime_job_follows_assignments_within_seconds,
    with_fast_scheduler,
    needs = "scim2-server",
    async |api: &Api, _passes: &Passes| {
        let Some(target) = ScimTarget::start() else { return };
        let ada = user(api, "ada@contoso.com").await;
        let job_id = api
            .post(
                JOBS_PATH,
                job(
                    &target,
                    "AssertiveAppRoleAssignmentsComplex([appRoleAssignments])",
                    true,
                ),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        api.post(&format!("{JOBS_PATH}/{job_id}/start"), json!({}))
            .await
            .expect(200);
        assign(api, &job_id, "user", &ada, Some("Admin")).await;
        assert!(
            eventually(&target, |users| users
                == [("ada@contoso.com".to_owned(), roles(&["Admin"]), true)])
            .await,
            "assigned: {:?}",
            target_roles(&target).await
        );
        unassign(api, &job_id, &ada, None).await;
        assert!(
            eventually(&target, |users| users.first().is_some_and(|u| !u.2)).await,
            "unassigned: {:?}",
            target_roles(&target).await
        );
    }
);

/// A SCIM service on loopback that publishes only its User schema, whose
/// `roles.value` lists canonical values (scim2-server lists none).
async fn schema_server() -> (String, tokio::task::JoinHandle<()>) {
    use axum::routing::get;
    let schema = json!({
        "id": "urn:ietf:params:scim:schemas:core:2.0:User",
        "attributes": [
            {"name": "userName", "type": "string"},
            {"name": "roles", "type": "complex", "multiValued": true, "subAttributes": [
                {"name": "value", "type": "string", "canonicalValues": ["Agent", "Supervisor"]}
            ]}
        ]
    });
    let app = axum::Router::new().route(
        "/scim/Schemas/{id}",
        get(move || {
            let schema = schema.clone();
            async move { axum::Json(schema) }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let url = format!("http://{}/scim", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

backend_test!(
    the_roles_a_scim_target_advertises_can_be_read_for_import,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let (url, server) = schema_server().await;
        let advertising = json!({
            "name": "helpdesk",
            "target": {"kind": "scim", "base_url": url, "auth": {"bearer_token": "t"}},
            "objects": [{"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
            ]}]
        });
        api.post(JOBS_PATH, advertising).await.expect(201);
        let answer = api.get(&format!("{JOBS_PATH}/helpdesk/app-roles/advertised")).await;
        let body = answer.expect(200);
        assert_eq!(
            body["roles"],
            json!([{"value": "Agent"}, {"value": "Supervisor"}]),
            "{body}"
        );
        assert!(body["message"].as_str().unwrap().contains("2 role(s)"), "{body}");
        server.abort();

        // scim2-server publishes its schemas without role values.
        if let Some(target) = ScimTarget::start() {
            api.post(JOBS_PATH, job(&target, "[displayName]", false))
                .await
                .expect(201);
            let answer = api.get(&format!("{JOBS_PATH}/roles%20app/app-roles/advertised")).await;
            let body = answer.expect(200);
            assert_eq!(body["roles"], json!([]), "{body}");
            assert!(body["message"].as_str().unwrap().contains("lists no roles"), "{body}");
        }

        // Only SCIM targets advertise roles.
        let inbound = json!({"name": "HR", "direction": "inbound", "target": {"kind": "directory"}, "objects": []});
        api.post(JOBS_PATH, inbound).await;
        let answer = api.get(&format!("{JOBS_PATH}/HR/app-roles/advertised")).await;
        assert_eq!(answer.status, 400, "{}", answer.text);
    }
);
