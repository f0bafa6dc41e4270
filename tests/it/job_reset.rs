//! Resetting a job (issue 19, Entra's reset scopes) through the admin API,
//! after real cycles into a real SCIM server (scim2-server): clearing
//! escrows makes every escrowed object due again (permanent ones too),
//! releasing quarantine lifts it and nothing else, a full reset forgets the
//! links and starts the job for an initial cycle that matches every object
//! again (no duplicates); each reset is audited.

use chrono::{Duration, Utc};
use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_server::cycle::state::Failure;
use provisio_server::directory::ObjectType;
use provisio_tests::scim_target::ScimTarget;
use serde_json::json;

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

backend_test!(
    escrows_quarantine_and_links_are_reset_each_on_its_own,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        crate::target::directory_users(api, &["ada@contoso.com", "grace@contoso.com"]).await;
        let job_id = crate::target::user_job(api, &target, "Resettable").await;
        let jobs = api.server.jobs().clone();
        run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        let state = api.server.store().cycle_state(&job_id);
        assert_eq!(state.link_count(ObjectType::User).await.unwrap(), 2);
        let reset = async |scope: &str| {
            api.post(&format!("{JOBS_PATH}/{job_id}/reset"), json!({"scope": scope}))
                .await
        };

        // Escrows: a permanent failure and one due tomorrow are both due now.
        let now = Utc::now();
        let failure = |permanent| Failure {
            code: "Conflict".into(),
            message: "refused".into(),
            permanent,
        };
        state
            .escrow(ObjectType::User, "u1", &failure(true), now, now + Duration::days(1))
            .await
            .unwrap();
        state
            .escrow(ObjectType::User, "u2", &failure(false), now, now + Duration::days(1))
            .await
            .unwrap();
        assert!(state.due_escrows(Utc::now(), None, 10).await.unwrap().is_empty());
        let report = reset("escrows").await;
        assert_eq!(report.expect(200)["escrows"], 2);
        let due = state.due_escrows(Utc::now(), None, 10).await.unwrap();
        assert_eq!(due.len(), 2, "{due:?}");
        assert!(due.iter().all(|e| e.attempts == 0), "{due:?}");
        assert_eq!(state.link_count(ObjectType::User).await.unwrap(), 2, "links are kept");

        // Quarantine: a refused token quarantines; the reset lifts only that.
        let mut refused = api.get(&format!("{JOBS_PATH}/{job_id}")).await.expect(200)["definition"].clone();
        refused["target"]["auth"]["bearer_token"] = json!("wrong");
        api.put(&format!("{JOBS_PATH}/{job_id}"), refused).await.expect(200);
        run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        let status = api.get(&format!("{JOBS_PATH}/{job_id}/status")).await;
        assert!(status.expect(200)["quarantine"].is_object(), "{}", status.text);
        let report = reset("quarantine").await;
        let report = report.expect(200);
        assert_eq!(report["released"], true, "{report}");
        let status = api.get(&format!("{JOBS_PATH}/{job_id}/status")).await;
        let status = status.expect(200);
        assert!(status["quarantine"].is_null(), "{status}");
        assert_eq!(status["run_status"], "idle", "{status}");
        assert_eq!(reset("quarantine").await.expect(200)["released"], false);

        // Full: links forgotten, the job started; its initial cycle matches
        // both accounts again instead of creating duplicates.
        let mut fixed = api.get(&format!("{JOBS_PATH}/{job_id}")).await.expect(200)["definition"].clone();
        fixed["target"]["auth"]["bearer_token"] = json!(target.token());
        api.put(&format!("{JOBS_PATH}/{job_id}"), fixed).await.expect(200);
        let report = reset("full").await;
        let report = report.expect(200);
        assert_eq!(report["links"], 2, "{report}");
        assert_eq!(state.link_count(ObjectType::User).await.unwrap(), 0);
        let detail = api.get(&format!("{JOBS_PATH}/{job_id}")).await;
        assert_eq!(detail.expect(200)["state"], "running");
        run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        assert_eq!(state.link_count(ObjectType::User).await.unwrap(), 2);
        assert_eq!(
            crate::target::resources(&target, "Users").await.len(),
            2,
            "no duplicates"
        );

        let bad = reset("everything").await;
        assert_eq!(bad.status, 400, "{}", bad.text);
        let audit = api.get("/api/v1/audit?action=job.reset").await;
        let scopes: Vec<String> = audit.expect(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["details"]["scope"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(scopes, ["full", "quarantine", "quarantine", "escrows"]);
    }
);
