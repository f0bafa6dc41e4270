//! Create intents (issue 17): a run that dies after a target's create and
//! before the account's link leaves the intent its page recorded, and the
//! next cycle reconciles it, matching the object even when its user was
//! deleted meanwhile, so the account is linked and disabled with its user
//! instead of staying active and unprovisioned. The state such a crash
//! leaves is built here as the crash leaves it (an account, an intent, no
//! link); `cycle_crash.rs` kills the real server.

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_server::directory::{ObjectType, UserDraft};
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::{Backend, backend_test};
use crate::scim::Scim;

fn person(name: &str) -> UserDraft {
    let mut draft = UserDraft::default();
    draft
        .attributes
        .insert("userPrincipalName".into(), json!(format!("{name}@contoso.com")));
    draft
}

/// The target's users named `name` (as many as it holds).
async fn accounts(target: &Scim, name: &str) -> Vec<Value> {
    let filter = format!("userName eq \"{name}@contoso.com\"");
    let reply = target
        .get(&format!("/Users?filter={}", crate::scim::urlencode(&filter)))
        .await;
    reply.body["Resources"].as_array().cloned().unwrap_or_default()
}

backend_test!(
    an_account_created_before_a_crash_is_linked_and_disabled_with_its_deleted_user,
    with_api,
    async |api: &Api| {
        let target_db = Backend::sqlite();
        let target = Scim::start(&target_db.url).await;
        let store = api.server.store();
        let directory = store.directory();
        directory.create_user(person("alice")).await.unwrap();
        let job = json!({
            "name": "intents",
            "target": {"kind": "scim", "base_url": target.url(""), "auth": {"bearer_token": target.token}},
            "objects": [
                {"source": "user", "target": "User", "mappings": [
                    {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                    {"target": "active", "expression": "Not([IsSoftDeleted])"}
                ]}
            ]
        });
        let job_id = api.post(JOBS_PATH, job).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let jobs = api.server.jobs().clone();
        let state = store.cycle_state(&job_id);

        let first = run_cycle(store, &jobs, &job_id, Mode::Initial).await.unwrap();
        assert_eq!(first.actions.get("create").copied(), Some(1), "{first:?}");
        assert!(
            state.create_intents(None, 10).await.unwrap().is_empty(),
            "a page's commit drops its intents"
        );

        // What a crash leaves: Carol's and Dan's accounts were created and
        // their page's intents recorded, but neither was linked; Erin's
        // create was never sent. Carol is then deleted before the next run.
        let carol = directory.create_user(person("carol")).await.unwrap();
        let dan = directory.create_user(person("dan")).await.unwrap();
        let erin = directory.create_user(person("erin")).await.unwrap();
        target.create_user("carol@contoso.com", json!({"active": true})).await;
        target.create_user("dan@contoso.com", json!({"active": true})).await;
        let intended = [&carol, &dan, &erin].map(|u| (ObjectType::User, u.id.clone()));
        state.intend_creates(&intended, chrono::Utc::now()).await.unwrap();
        directory.delete_user(&carol.id, None).await.unwrap();

        let next = run_cycle(store, &jobs, &job_id, Mode::Incremental).await.unwrap();
        assert_eq!(next.failures, 0, "{next:?}");
        let carols = accounts(&target, "carol").await;
        assert_eq!(carols.len(), 1);
        assert_eq!(
            carols[0]["active"], false,
            "disabled with its deleted user: {}",
            carols[0]
        );
        assert_eq!(
            state.target_of(ObjectType::User, &carol.id).await.unwrap().as_deref(),
            carols[0]["id"].as_str()
        );
        for name in ["dan", "erin"] {
            let held = accounts(&target, name).await;
            assert_eq!(held.len(), 1, "{name}: one account, none created twice");
            assert_eq!(held[0]["active"], true, "{name}");
        }
        assert!(state.target_of(ObjectType::User, &dan.id).await.unwrap().is_some());
        assert!(state.target_of(ObjectType::User, &erin.id).await.unwrap().is_some());
        assert!(
            state.create_intents(None, 10).await.unwrap().is_empty(),
            "all reconciled"
        );
        target.server.shutdown().await;
    }
);
