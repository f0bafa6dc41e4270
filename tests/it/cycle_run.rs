//! The provisioning cycle and provision-on-demand against a real,
//! independent SCIM server (scim2-server from PyPI, see
//! `provisio_tests::scim_target`): initial and incremental cycles, an
//! attribute change, a disable, a second initial cycle finding nothing to
//! do, and on-demand runs over the admin API; escrowed failures retried by
//! a later cycle; a job with a wrong token quarantined and released once the
//! token is fixed. The target's state is read back with plain reqwest.

use std::time::Duration;

use provisio_api::jobs::JOBS_PATH;
use provisio_api::jobs::status::QuarantineChange;
use provisio_server::cycle::run::{CycleReport, Mode, RunOptions, run_cycle, run_cycle_with};
use provisio_server::cycle::state::RunStatus;
use provisio_server::directory::{DirectoryError, User};
use provisio_server::jobs::Jobs;
use provisio_server::logs::{LogAction, LogFilter, RunKind};
use provisio_tests::scim_target::ScimTarget;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

const USERS: &str = "/api/v1/directory/users";

fn job(target: &ScimTarget) -> Value {
    job_at(&target.base_url(), target.token())
}

fn job_at(base_url: &str, token: &str) -> Value {
    json!({
        "name": "acme",
        "target": {"kind": "scim", "base_url": base_url, "auth": {"bearer_token": token}},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "name.givenName", "expression": "[givenName]"},
                {"target": "title", "expression": "[jobTitle]"},
                {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"}
            ]}
        ]
    })
}

/// Every user the target holds, by userName.
async fn target_users(target: &ScimTarget) -> Vec<Value> {
    let mut users = crate::target::resources(target, "Users").await;
    users.sort_by_key(|u| u["userName"].as_str().unwrap_or_default().to_owned());
    users
}

fn by_name<'a>(users: &'a [Value], name: &str) -> &'a Value {
    users
        .iter()
        .find(|u| u["userName"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .unwrap_or_else(|| panic!("no target user {name} in {users:?}"))
}

async fn cycle(api: &Api, jobs: &Jobs, job_id: &str, mode: Mode) -> CycleReport {
    let report = run_cycle(api.server.store(), jobs, job_id, mode).await.unwrap();
    eprintln!("{mode:?}: {report:?}");
    report
}

async fn modify(api: &Api, id: &str, name: &str, value: Value) {
    api.server
        .store()
        .directory()
        .modify_user(id, None, |user: &User| {
            let mut draft = user.draft();
            draft.attributes.insert(name.to_owned(), value);
            Ok::<_, DirectoryError>(draft)
        })
        .await
        .unwrap();
}

backend_test!(
    cycles_and_on_demand_provision_users_into_a_scim_server,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let created = api.post(JOBS_PATH, job(&target)).await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let jobs = api.server.jobs().clone();
        let mut ids = Vec::new();
        for (upn, given, title) in [
            ("ada@contoso.com", "Ada", "Engineer"),
            ("grace@contoso.com", "Grace", "Admiral"),
            ("alan@contoso.com", "Alan", "Mathematician"),
        ] {
            let answer = api
            .post(
                USERS,
                json!({"attributes": {"userPrincipalName": upn, "displayName": given, "givenName": given, "jobTitle": title}}),
            )
            .await;
            ids.push(answer.expect(201)["id"].as_str().unwrap().to_owned());
        }

        // Initial cycle: three creates.
        let report = cycle(api, &jobs, &job_id, Mode::Initial).await;
        assert_eq!(report.actions.get("create"), Some(&3), "{report:?}");
        assert_eq!(report.failures, 0);
        let users = target_users(&target).await;
        assert_eq!(users.len(), 3, "{users:?}");
        let ada = by_name(&users, "ada@contoso.com");
        assert_eq!(ada["name"]["givenName"], "Ada");
        assert_eq!(ada["title"], "Engineer");
        assert_eq!(ada["active"], true);
        let logs = api.server.store().logs();
        let creates = logs
            .query(&LogFilter {
                job: Some(job_id.clone()),
                action: Some(LogAction::Create),
                cycle: Some(report.cycle_id.clone()),
                ..LogFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(creates.total, 3);
        let state = api.server.store().cycle_state(&job_id);
        let after_initial = state.watermark().await.unwrap();
        assert!(after_initial > 0);

        // An attribute change: an incremental update.
        modify(api, &ids[0], "jobTitle", json!("Countess")).await;
        let report = cycle(api, &jobs, &job_id, Mode::Incremental).await;
        assert_eq!(report.actions.get("update"), Some(&1), "{report:?}");
        assert_eq!(report.objects, 1);
        assert_eq!(
            by_name(&target_users(&target).await, "ada@contoso.com")["title"],
            "Countess"
        );
        let after_update = state.watermark().await.unwrap();
        assert!(after_update > after_initial, "{after_update} > {after_initial}");
        assert_eq!(
            after_update,
            api.server.store().directory().latest_change().await.unwrap()
        );

        // A disable.
        modify(api, &ids[1], "accountEnabled", json!(false)).await;
        let report = cycle(api, &jobs, &job_id, Mode::Incremental).await;
        assert_eq!(report.actions.get("disable"), Some(&1), "{report:?}");
        let users = target_users(&target).await;
        assert_eq!(by_name(&users, "grace@contoso.com")["active"], false);
        assert_eq!(by_name(&users, "alan@contoso.com")["active"], true);

        // Nothing changed: an incremental cycle does nothing.
        let report = cycle(api, &jobs, &job_id, Mode::Incremental).await;
        assert_eq!(report.objects, 0);

        // A second initial cycle reuses the links: all skips, no duplicates.
        let report = cycle(api, &jobs, &job_id, Mode::Initial).await;
        assert_eq!(report.actions.get("skip"), Some(&3), "{report:?}");
        assert_eq!(report.failures, 0);
        assert_eq!(target_users(&target).await.len(), 3);

        // On demand, by userPrincipalName: the steps and what was done.
        modify(api, &ids[2], "givenName", json!("Alan M.")).await;
        let path = format!("{JOBS_PATH}/{job_id}/provision-on-demand");
        let answer = api.post(&path, json!({"user": "alan@contoso.com"})).await;
        let body = answer.expect(200);
        assert_eq!(body["decision"]["action"], "update", "{body}");
        let steps: Vec<_> = body["decision"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["kind"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(steps.len() >= 3, "{steps:?}");
        assert_eq!(body["applied"]["done"], true, "{body}");
        assert_eq!(body["log_entry"]["run"], json!(RunKind::OnDemand));
        assert_eq!(
            by_name(&target_users(&target).await, "alan@contoso.com")["name"]["givenName"],
            "Alan M."
        );
        // Again, by id: nothing left to do.
        let answer = api.post(&path, json!({"user": ids[2]})).await;
        assert_eq!(answer.expect(200)["decision"]["action"], "skip");
        // An unknown user, and no credentials.
        assert_eq!(
            api.post(&path, json!({"user": "nobody@contoso.com"})).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            api.anonymous(Method::POST, &path).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
);

fn jobs_of(api: &Api) -> Jobs {
    api.server.jobs().clone()
}

async fn add_user(api: &Api, upn: &str, given: &str) -> String {
    let answer = api
        .post(
            USERS,
            json!({"attributes": {"userPrincipalName": upn, "displayName": given, "givenName": given}}),
        )
        .await;
    answer.expect(201)["id"].as_str().unwrap().to_owned()
}

/// Options running a cycle at a given time (the test crate does not name
/// chrono's types).
macro_rules! at {
    ($now:expr) => {
        RunOptions {
            now: Some($now),
            ..RunOptions::default()
        }
    };
}

/// A cycle as if run at `options.now`.
async fn cycle_with(api: &Api, jobs: &Jobs, job_id: &str, mode: Mode, options: RunOptions) -> CycleReport {
    let report = run_cycle_with(api.server.store(), jobs, job_id, mode, &options)
        .await
        .unwrap();
    eprintln!("{mode:?} at {:?}: {report:?}", options.now);
    report
}

backend_test!(
    a_later_cycle_retries_escrowed_users_once_they_are_due,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        // Nothing listens on port 9 here: every request fails to connect (transient).
        let created = api
            .post(JOBS_PATH, job_at("http://127.0.0.1:9/scim/v2", target.token()))
            .await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let jobs = jobs_of(api);
        let id = add_user(api, "ada@contoso.com", "Ada").await;
        let state = api.server.store().cycle_state(&job_id);

        let report = cycle(api, &jobs, &job_id, Mode::Initial).await;
        assert_eq!(report.failures, 1, "{report:?}");
        assert_eq!(
            report.quarantine, None,
            "one transient failure does not quarantine: {report:?}"
        );
        let escrow = state
            .escrow_of(provisio_server::directory::ObjectType::User, &id)
            .await
            .unwrap();
        let escrow = escrow.expect("the failed user is escrowed");
        assert!(!escrow.last_error.permanent, "{escrow:?}");

        // The target is fixed; a cycle before the escrow is due leaves it alone.
        let path = format!("{JOBS_PATH}/{job_id}");
        api.put(&path, job(&target)).await.expect(200);
        let report = cycle(api, &jobs, &job_id, Mode::Incremental).await;
        assert_eq!((report.objects, report.retried), (0, 0), "{report:?}");
        assert!(target_users(&target).await.is_empty());

        // Once due, the next (incremental) cycle retries it: created, escrow cleared.
        let report = cycle_with(
            api,
            &jobs,
            &job_id,
            Mode::Incremental,
            at!(escrow.next_attempt_at + Duration::from_secs(1)),
        )
        .await;
        assert_eq!(report.retried, 1, "{report:?}");
        assert_eq!(report.actions.get("create"), Some(&1), "{report:?}");
        assert_eq!(report.failures, 0, "{report:?}");
        assert_eq!(state.escrow_count().await.unwrap(), 0);
        let users = target_users(&target).await;
        assert_eq!(users.len(), 1, "{users:?}");
        assert_eq!(by_name(&users, "ada@contoso.com")["name"]["givenName"], "Ada");
    }
);

backend_test!(
    a_wrong_token_quarantines_the_job_until_a_retry_after_the_fix,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let created = api.post(JOBS_PATH, job_at(&target.base_url(), "not-the-token")).await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let jobs = jobs_of(api);
        for n in 0..12 {
            add_user(api, &format!("user{n}@contoso.com"), "User").await;
        }
        let state = api.server.store().cycle_state(&job_id);

        // The first refusal stops the cycle and quarantines the job at once:
        // only the objects already in flight (eight at a time) were tried.
        let report = cycle(api, &jobs, &job_id, Mode::Initial).await;
        assert!(report.objects <= 8, "stopped at the first refusal: {report:?}");
        assert!(
            report.stopped.as_deref().unwrap_or_default().contains("credentials"),
            "{report:?}"
        );
        assert_eq!(report.quarantine, Some(QuarantineChange::Quarantined));
        let status = state.status().await.unwrap();
        assert_eq!(status.status, RunStatus::Quarantined, "{status:?}");
        let reason = status.quarantine_reason.clone().unwrap_or_default();
        assert!(reason.contains("credentials"), "{reason}");
        assert!(reason.starts_with("EncounteredQuarantineException"), "{reason}");
        let next_retry_at = status.next_retry_at.expect("a retry time");
        let since = status.quarantined_since.expect("the start of quarantine");
        assert!(
            next_retry_at >= since + Duration::from_secs(6 * 3600),
            "{since} -> {next_retry_at}"
        );
        assert!(!status.initial_done);
        assert_eq!(
            state.escrow_count().await.unwrap(),
            0,
            "a refused credential is not the user's fault"
        );

        // Before the retry is due, a cycle does nothing and says why.
        let report = cycle(api, &jobs, &job_id, Mode::Initial).await;
        assert!(
            report.skipped.as_deref().unwrap_or_default().contains("quarantined"),
            "{report:?}"
        );
        assert_eq!(report.objects, 0);
        assert!(target_users(&target).await.is_empty());

        // The token fixed: the next cycle retries at once (the connection
        // changed since the refusal), and the job is released, users created.
        let path = format!("{JOBS_PATH}/{job_id}");
        api.put(&path, job(&target)).await.expect(200);
        let report = cycle(api, &jobs, &job_id, Mode::Initial).await;
        assert_eq!(report.skipped, None, "{report:?}");
        assert_eq!(report.quarantine, Some(QuarantineChange::Released), "{report:?}");
        assert_eq!(report.actions.get("create"), Some(&12), "{report:?}");
        let status = state.status().await.unwrap();
        assert_eq!(status.status, RunStatus::Idle, "{status:?}");
        assert_eq!((status.quarantine_reason, status.next_retry_at), (None, None));
        assert!(status.initial_done);
        assert_eq!(target_users(&target).await.len(), 12);
    }
);

// An initial cycle reads the live users; one provisioned and deleted
// before it (a restarted job, a server that was down) is still
// deprovisioned, since the watermark moves past its deletion.
backend_test!(
    an_initial_cycle_disables_the_accounts_of_users_deleted_since_they_were_provisioned,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let job_id = api.post(JOBS_PATH, job(&target)).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let jobs = jobs_of(api);
        add_user(api, "ada@contoso.com", "Ada").await;
        let grace = add_user(api, "grace@contoso.com", "Grace").await;
        let report = cycle(api, &jobs, &job_id, Mode::Initial).await;
        assert_eq!(report.actions.get("create"), Some(&2), "{report:?}");

        api.delete(&format!("{USERS}/{grace}")).await.expect(204);
        api.server.store().cycle_state(&job_id).restart().await.unwrap();
        let report = cycle(api, &jobs, &job_id, Mode::Initial).await;
        assert_eq!(report.actions.get("disable"), Some(&1), "{report:?}");
        assert_eq!(report.failures, 0, "{report:?}");
        let users = target_users(&target).await;
        assert_eq!(by_name(&users, "grace@contoso.com")["active"], false);
        assert_eq!(by_name(&users, "ada@contoso.com")["active"], true);
        // Nothing left behind for the next incremental cycle.
        let report = cycle(api, &jobs, &job_id, Mode::Incremental).await;
        assert_eq!(report.objects, 0, "{report:?}");
    }
);

backend_test!(
    a_stopped_cycle_ends_after_its_page_and_the_next_one_resumes,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let created = api.post(JOBS_PATH, job(&target)).await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let jobs = api.server.jobs().clone();
        let drafts = (0..230)
            .map(|i| provisio_server::directory::UserDraft {
                attributes: json!({"userPrincipalName": format!("u{i:03}@contoso.com"), "givenName": "U"})
                    .as_object()
                    .cloned()
                    .unwrap(),
                scim_extra: None,
            })
            .collect();
        api.server.store().directory().create_users(drafts).await.unwrap();

        // Stop raised before the cycle: it ends after its first page of 200.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let options = RunOptions {
            stop: Some(stop),
            ..RunOptions::default()
        };
        let report = run_cycle_with(api.server.store(), &jobs, &job_id, Mode::Initial, &options)
            .await
            .unwrap();
        assert_eq!(report.objects, 200, "{report:?}");
        assert!(
            report.stopped.as_deref().unwrap_or_default().contains("stopped"),
            "{report:?}"
        );
        let state = api.server.store().cycle_state(&job_id);
        let status = state.status().await.unwrap();
        assert!(!status.initial_done, "an unfinished initial cycle is not done");
        assert_eq!(status.watermark, 0);

        // Started again: the initial cycle runs through, links the 200 and
        // creates the other 30, with no duplicates.
        let report = cycle(api, &jobs, &job_id, Mode::Initial).await;
        assert_eq!(report.actions.get("create"), Some(&30), "{report:?}");
        assert!(state.status().await.unwrap().initial_done);
        let users = target_users(&target).await;
        assert_eq!(users.len(), 230);
    }
);

backend_test!(
    select_unique_value_asks_the_target_which_values_are_taken,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        // The application already has an account whose externalId is "ada".
        let taken = reqwest::Client::new()
            .post(format!("{}/Users", target.base_url()))
            .bearer_auth(target.token())
            .header("content-type", "application/scim+json")
            .json(&json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "someone.else@contoso.com",
                "externalId": "ada"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(taken.status(), StatusCode::CREATED);
        let mut definition = job(&target);
        definition["objects"][0]["mappings"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "target": "externalId",
            "expression": "SelectUniqueValue([mailNickname], Join(\"\", [mailNickname], \"2\"), Join(\"\", [mailNickname], \"3\"))",
            "apply": "on_create"
        }));
        let created = api.post(JOBS_PATH, definition).await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        api.post(
            USERS,
            json!({"attributes": {"userPrincipalName": "ada@contoso.com", "mailNickname": "ada", "givenName": "Ada"}}),
        )
        .await
        .expect(201);

        let answer = api
            .post(
                &format!("{JOBS_PATH}/{job_id}/provision-on-demand"),
                json!({"user": "ada@contoso.com"}),
            )
            .await;
        let body = answer.expect(200);
        assert_eq!(body["decision"]["action"], "create", "{body}");
        let users = target_users(&target).await;
        assert_eq!(by_name(&users, "ada@contoso.com")["externalId"], "ada2", "{users:?}");
    }
);
