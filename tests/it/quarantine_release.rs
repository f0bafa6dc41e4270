//! A job quarantined because the application refused it is retried as soon
//! as its connection is corrected, not hours later (issue 16, item 4):
//! through the API (a cycle right after the change releases it; a change of
//! anything else does not; a retry that is refused again waits for the
//! schedule), through the scheduler (a running job leaves quarantine
//! within polls of the change), and through `provisio job apply`, which
//! says what the change means for the quarantine. Against a real SCIM
//! server (scim2-server) that refuses the wrong token.

use std::time::{Duration, Instant};

use provisio_api::jobs::JOBS_PATH;
use provisio_api::jobs::status::{QuarantineChange, job_status_path};
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;
use crate::first_hour::{provisio_in, text};
use crate::scheduler::{Passes, with_fast_scheduler};

const USERS: &str = "/api/v1/directory/users";

fn job(name: &str, base_url: &str, token: &str) -> Value {
    json!({
        "name": name,
        "target": {"kind": "scim", "base_url": base_url, "auth": {"bearer_token": token}},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
            ]}
        ]
    })
}

async fn quarantined_job(api: &Api, target: &ScimTarget) -> String {
    let id = api
        .post(JOBS_PATH, job("acme", &target.base_url(), "not-the-token"))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.post(USERS, json!({"attributes": {"userPrincipalName": "ada@contoso.com"}}))
        .await
        .expect(201);
    let report = run_cycle(api.server.store(), api.server.jobs(), &id, Mode::Initial)
        .await
        .unwrap();
    assert_eq!(report.quarantine, Some(QuarantineChange::Quarantined), "{report:?}");
    id
}

async fn cycle(api: &Api, id: &str) -> provisio_server::cycle::run::CycleReport {
    run_cycle(api.server.store(), api.server.jobs(), id, Mode::Initial)
        .await
        .unwrap()
}

backend_test!(
    a_refused_job_is_retried_at_once_when_its_connection_changes,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let id = quarantined_job(api, &target).await;
        let path = format!("{JOBS_PATH}/{id}");
        let status = api.get(&job_status_path(&id)).await.expect(200).clone();
        let reason = status["quarantine"]["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("`provisio job apply`") && reason.contains("PUT /api/v1/jobs/{id}"),
            "the message gives the command line and API ways too: {reason}"
        );

        // A new name is no new connection: the schedule still holds.
        let renamed = api.put(&path, job("Acme", &target.base_url(), "********")).await;
        assert_eq!(renamed.expect(200)["connection_changed_at"], Value::Null);
        let skipped = cycle(api, &id).await;
        assert!(
            skipped.skipped.as_deref().unwrap_or_default().contains("quarantined"),
            "{skipped:?}"
        );

        // Another wrong token: tried at once, refused, then the schedule again.
        let wrong = api.put(&path, job("Acme", &target.base_url(), "still-wrong")).await;
        assert!(wrong.expect(200)["connection_changed_at"].is_string());
        let retried = cycle(api, &id).await;
        assert_eq!(
            retried.quarantine,
            Some(QuarantineChange::StillQuarantined),
            "{retried:?}"
        );
        assert!(cycle(api, &id).await.skipped.is_some(), "the new token was tried once");

        // The right token: tried at once, and the quarantine is lifted.
        api.put(&path, job("Acme", &target.base_url(), target.token()))
            .await
            .expect(200);
        let released = cycle(api, &id).await;
        assert_eq!(released.quarantine, Some(QuarantineChange::Released), "{released:?}");
        assert_eq!(released.failures, 0, "{released:?}");
        let status = api.get(&job_status_path(&id)).await.expect(200).clone();
        assert_eq!(
            (&status["run_status"], &status["quarantine"]),
            (&json!("idle"), &Value::Null)
        );
    }
);

backend_test!(
    a_running_quarantined_job_leaves_quarantine_soon_after_its_token_is_fixed,
    with_fast_scheduler,
    needs = "scim2-server",
    async |api: &Api, passes: &Passes| {
        let Some(target) = ScimTarget::start() else { return };
        let id = quarantined_job(api, &target).await;
        let path = format!("{JOBS_PATH}/{id}");
        api.post(&format!("{path}/start"), json!({})).await.expect(200);
        passes.noticed().await;
        let status = api.get(&job_status_path(&id)).await.expect(200).clone();
        assert_eq!(status["run_status"], "quarantined", "{status}");

        api.put(&path, job("acme", &target.base_url(), target.token()))
            .await
            .expect(200);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            passes.noticed().await;
            let status = api.get(&job_status_path(&id)).await.expect(200).clone();
            if status["quarantine"].is_null() && status["last_cycle"]["quarantine"] == "released" {
                break;
            }
            assert!(Instant::now() < deadline, "still quarantined: {status}");
        }
        let users = crate::target::resources(&target, "Users").await;
        assert_eq!(users.len(), 1, "{users:?}");
    }
);

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs scim2-server (cargo xtask test)"]
async fn job_apply_says_a_refused_job_tries_its_new_connection() {
    let Some(target) = ScimTarget::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("data/provisio.db").display());
    let config = provisio_server::ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: url,
        portal_dir: dir.path().join("dist"),
    };
    let server = provisio_server::Server::start(config).await.unwrap();
    let definition: provisio_engine::job::JobDefinition =
        serde_json::from_value(job("acme", &target.base_url(), "not-the-token")).unwrap();
    let id = server.jobs().create(definition).await.unwrap().id;
    server
        .store()
        .directory()
        .create_user(provisio_server::directory::UserDraft {
            attributes: serde_json::from_value(json!({"userPrincipalName": "ada@contoso.com"})).unwrap(),
            ..Default::default()
        })
        .await
        .unwrap();
    let report = run_cycle(server.store(), server.jobs(), &id, Mode::Initial)
        .await
        .unwrap();
    assert_eq!(report.quarantine, Some(QuarantineChange::Quarantined), "{report:?}");

    let apply = |token: &str| {
        std::fs::write(
            dir.path().join("acme.json"),
            job("acme", &target.base_url(), token).to_string(),
        )
        .unwrap();
        provisio_in(dir.path(), &["job", "apply", "acme.json"])
    };
    let fixed = apply(target.token());
    assert!(fixed.status.success(), "{}", text(&fixed.stderr));
    assert_eq!(
        text(&fixed.stdout),
        "replaced job acme\nthe job was quarantined because the application refused it; with the new \
         connection it tries again as soon as it is started (`provisio job start acme`)\n"
    );
    let released = run_cycle(server.store(), server.jobs(), &id, Mode::Initial)
        .await
        .unwrap();
    assert_eq!(released.quarantine, Some(QuarantineChange::Released), "{released:?}");
    server.shutdown().await;
}
