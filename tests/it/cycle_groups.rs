//! Groups, references and deletes in cycles against the real scim2-server
//! from PyPI: a manager reference resolved once both users exist, a group
//! created with its members, members added and removed by an incremental
//! cycle, a user deleted from the target when the directory purges it, a
//! group provisioned on demand with chosen members, and the
//! accidental-deletion guard holding deletes above the threshold until
//! `allow-deletes` carries them out. Each step checks the target's state
//! (read with plain reqwest) and the provisioning log.

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::run::{CycleReport, Mode, run_cycle};
use provisio_server::cycle::state::RunStatus;
use provisio_server::jobs::Jobs;
use provisio_server::logs::{LogAction, LogFilter};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

const USERS: &str = "/api/v1/directory/users";
const GROUPS: &str = "/api/v1/directory/groups";
const MANAGER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

fn job(target: &ScimTarget, threshold: Option<u32>) -> Value {
    json!({
        "name": "groups",
        "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}, "soft_delete": false},
        "deletion_threshold": threshold,
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "displayName", "expression": "[displayName]"},
                {"target": MANAGER, "expression": "[manager]"}
            ]},
            {"source": "group", "target": "Group", "mappings": [
                {"target": "displayName", "expression": "[displayName]", "match_precedence": 1},
                {"target": "members", "expression": "[members]"}
            ]}
        ]
    })
}

struct Fixture<'a> {
    api: &'a Api,
    target: ScimTarget,
    jobs: Jobs,
    job_id: String,
}

impl Fixture<'_> {
    async fn start(api: &Api, threshold: Option<u32>) -> Option<Fixture<'_>> {
        let target = ScimTarget::start()?;
        let created = api.post(JOBS_PATH, job(&target, threshold)).await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let jobs = api.server.jobs().clone();
        Some(Fixture {
            api,
            target,
            jobs,
            job_id,
        })
    }

    async fn cycle(&self, mode: Mode) -> CycleReport {
        let report = run_cycle(self.api.server.store(), &self.jobs, &self.job_id, mode)
            .await
            .unwrap();
        eprintln!("{mode:?}: {report:?}");
        assert_eq!(report.failures + report.failed_references, 0, "{report:?}");
        report
    }

    async fn user(&self, upn: &str, manager: Option<&str>) -> String {
        let mut attributes = json!({"userPrincipalName": upn, "displayName": upn.split('@').next().unwrap()});
        if let Some(manager) = manager {
            attributes["manager"] = json!(manager);
        }
        let answer = self.api.post(USERS, json!({ "attributes": attributes })).await;
        answer.expect(201)["id"].as_str().unwrap().to_owned()
    }

    /// Every resource of the type the target holds.
    async fn target(&self, resource: &str) -> Vec<Value> {
        crate::target::resources(&self.target, resource).await
    }

    async fn target_user_id(&self, upn: &str) -> String {
        let users = self.target("Users").await;
        let user = users
            .iter()
            .find(|u| u["userName"] == upn)
            .unwrap_or_else(|| panic!("no target user {upn} in {users:?}"));
        user["id"].as_str().unwrap().to_owned()
    }

    /// The target ids of the group's members, sorted.
    async fn members(&self, display_name: &str) -> Vec<String> {
        let groups = self.target("Groups").await;
        let group = groups
            .iter()
            .find(|g| g["displayName"] == display_name)
            .unwrap_or_else(|| panic!("no target group {display_name} in {groups:?}"));
        let mut ids: Vec<String> = group["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter_map(|m| m["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    async fn logged(&self, action: LogAction, cycle: &str) -> usize {
        let page = self
            .api
            .server
            .store()
            .logs()
            .query(&LogFilter {
                job: Some(self.job_id.clone()),
                action: Some(action),
                cycle: Some(cycle.to_owned()),
                ..LogFilter::default()
            })
            .await
            .unwrap();
        page.total
    }
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

backend_test!(
    managers_groups_members_and_deletes_reach_the_target,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(fx) = Fixture::start(api, None).await else {
            return;
        };
        // The report is created before its manager: the reference waits for it.
        let boss = fx.user("boss@contoso.com", None).await;
        let ada = fx.user("ada@contoso.com", Some(&boss)).await;
        let alan = fx.user("alan@contoso.com", Some(&boss)).await;
        let group = api
            .post(
                GROUPS,
                json!({"attributes": {"displayName": "Engineers"}, "members": [ada, boss]}),
            )
            .await;
        let group_id = group.expect(201)["id"].as_str().unwrap().to_owned();

        let report = fx.cycle(Mode::Initial).await;
        assert_eq!(
            report.actions.get("create"),
            Some(&4),
            "three users and a group: {report:?}"
        );
        // Two managers and one group's members.
        assert_eq!(report.references, 3, "{report:?}");
        let boss_target = fx.target_user_id("boss@contoso.com").await;
        let ada_target = fx.target_user_id("ada@contoso.com").await;
        let alan_target = fx.target_user_id("alan@contoso.com").await;
        let users = fx.target("Users").await;
        let ada_in_target = users.iter().find(|u| u["id"] == ada_target.as_str()).unwrap();
        assert_eq!(
            ada_in_target["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
            boss_target.as_str(),
            "{ada_in_target}"
        );
        assert_eq!(
            fx.members("Engineers").await,
            sorted(vec![ada_target.clone(), boss_target.clone()])
        );
        assert_eq!(fx.logged(LogAction::Create, &report.cycle_id).await, 4);
        assert_eq!(
            fx.logged(LogAction::Update, &report.cycle_id).await,
            3,
            "reference writes are logged"
        );

        // Nothing changed: a second initial cycle writes nothing.
        let again = fx.cycle(Mode::Initial).await;
        assert_eq!(again.references, 0, "{again:?}");
        assert_eq!(again.actions.get("create"), None, "{again:?}");

        // Membership: boss leaves, alan joins; only the difference is sent.
        api.patch(&format!("{GROUPS}/{group_id}"), json!({"members": [ada, alan]}))
            .await
            .expect(200);
        let report = fx.cycle(Mode::Incremental).await;
        assert_eq!(report.references, 1, "{report:?}");
        assert_eq!(
            fx.members("Engineers").await,
            sorted(vec![ada_target.clone(), alan_target.clone()])
        );

        // A manager removed in the directory is cleared in the target.
        api.patch(&format!("{USERS}/{alan}"), json!({"attributes": {"manager": null}}))
            .await
            .expect(200);
        let report = fx.cycle(Mode::Incremental).await;
        assert_eq!(report.references, 1, "{report:?}");
        let users = fx.target("Users").await;
        let alan_in_target = users.iter().find(|u| u["id"] == alan_target.as_str()).unwrap();
        let enterprise = &alan_in_target["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
        assert!(enterprise["manager"].is_null(), "{alan_in_target}");

        // Purged from the directory: deleted from the target (soft_delete is
        // off), and the group no longer lists it.
        api.delete(&format!("{USERS}/{alan}")).await.expect(204);
        api.delete(&format!("{USERS}/{alan}?purge=true")).await.expect(204);
        let report = fx.cycle(Mode::Incremental).await;
        assert!(report.actions.contains_key("delete"), "{report:?}");
        assert_eq!(fx.logged(LogAction::Delete, &report.cycle_id).await, 1);
        let users = fx.target("Users").await;
        assert!(users.iter().all(|u| u["userName"] != "alan@contoso.com"), "{users:?}");
        assert_eq!(fx.members("Engineers").await, vec![ada_target.clone()]);
    }
);

backend_test!(
    a_group_is_provisioned_on_demand_with_chosen_members,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(fx) = Fixture::start(api, None).await else {
            return;
        };
        let ada = fx.user("ada@contoso.com", None).await;
        let grace = fx.user("grace@contoso.com", None).await;
        let _alan = fx.user("alan@contoso.com", None).await;
        api.post(
            GROUPS,
            json!({"attributes": {"displayName": "Pilots"}, "members": [ada, grace]}),
        )
        .await
        .expect(201);
        let path = format!("{JOBS_PATH}/groups/provision-on-demand");

        let too_many: Vec<String> = (0..6).map(|i| format!("u{i}")).collect();
        api.post(&path, json!({"group": "Pilots", "members": too_many}))
            .await
            .expect_error(400, "invalid", "at most 5");
        api.post(&path, json!({"group": "Pilots", "members": ["alan@contoso.com"]}))
            .await
            .expect_error(400, "invalid", "not a direct member");
        api.post(&path, json!({"group": "Nobody"}))
            .await
            .expect_error(404, "not_found", "Nobody");

        let answer = api
            .post(&path, json!({"group": "Pilots", "members": ["ada@contoso.com"]}))
            .await;
        let body = answer.expect(200);
        assert_eq!(body["decision"]["action"], "create", "{body}");
        assert_eq!(body["members"][0]["decision"]["action"], "create", "{body}");
        assert_eq!(body["references"], 1, "{body}");
        let ada_target = fx.target_user_id("ada@contoso.com").await;
        assert_eq!(fx.members("Pilots").await, vec![ada_target]);
        let users = fx.target("Users").await;
        assert_eq!(users.len(), 1, "only the chosen member: {users:?}");
    }
);

backend_test!(
    deletes_above_the_threshold_wait_for_approval,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(fx) = Fixture::start(api, Some(2)).await else {
            return;
        };
        let mut ids = Vec::new();
        for name in ["a", "b", "c", "d"] {
            ids.push(fx.user(&format!("{name}@contoso.com"), None).await);
        }
        fx.cycle(Mode::Initial).await;
        assert_eq!(fx.target("Users").await.len(), 4);

        // Three deletes in one cycle, threshold 2: all held.
        for id in &ids[..3] {
            api.delete(&format!("{USERS}/{id}")).await.expect(204);
            api.delete(&format!("{USERS}/{id}?purge=true")).await.expect(204);
        }
        let report = fx.cycle(Mode::Incremental).await;
        assert_eq!(report.staged_deletes, 3, "{report:?}");
        assert_eq!(fx.target("Users").await.len(), 4, "nothing deleted yet");
        assert_eq!(fx.logged(LogAction::StagedDelete, &report.cycle_id).await, 3);
        let state = api.server.store().cycle_state(&fx.job_id);
        assert_eq!(state.status().await.unwrap().status, RunStatus::WaitingForApproval);

        let staged = api.get(&format!("{JOBS_PATH}/groups/staged-deletes?limit=2")).await;
        let page = staged.expect(200);
        assert_eq!(page["total"], 3, "{page}");
        assert_eq!(page["items"].as_array().unwrap().len(), 2);
        assert_eq!(page["items"][0]["action"], "delete");
        let next = page["next"].as_str().unwrap().to_owned();
        let rest = api
            .get(&format!("{JOBS_PATH}/groups/staged-deletes?limit=2&after={next}"))
            .await;
        assert_eq!(rest.expect(200)["items"].as_array().unwrap().len(), 1);
        api.get(&format!("{JOBS_PATH}/groups/staged-deletes?kind=device"))
            .await
            .expect_error(400, "invalid", "kind");

        // Another cycle keeps them held; allowing carries them out.
        fx.cycle(Mode::Incremental).await;
        assert_eq!(fx.target("Users").await.len(), 4);
        let allowed = api.post(&format!("{JOBS_PATH}/groups/allow-deletes"), json!({})).await;
        let allowed = allowed.expect(200);
        assert_eq!(allowed["actions"]["delete"], 3, "{allowed}");
        assert_eq!(allowed["failures"], 0);
        let left = fx.target("Users").await;
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(left[0]["userName"], "d@contoso.com");
        assert_eq!(
            fx.logged(LogAction::Delete, allowed["run_id"].as_str().unwrap()).await,
            3
        );
        let status = state.status().await.unwrap();
        assert_eq!((status.status, status.staged_deletes), (RunStatus::Idle, 0));
    }
);
