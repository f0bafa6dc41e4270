//! Where the other alerts come from, end to end into a webhook: deletes a
//! cycle holds for approval (notified when the job starts waiting, not
//! again while it waits), and an inbound request whose records fail.

use provisio_api::auth::TOKENS_PATH;
use provisio_api::inbound::{BULK_REQUEST_SCHEMA, SCIM_JSON, USER_SCHEMA, bulk_upload_path};
use provisio_api::jobs::{JOBS_PATH, job_path};
use provisio_api::notifications::{AlertEvent, NOTIFICATIONS_PATH, NOTIFICATIONS_TEST_PATH};
use provisio_engine::job::templates;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_tests::scim_target::ScimTarget;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::json;

use super::receiver::Receiver;
use super::{WEBHOOK_SECRET, assert_no_secret, webhook_settings};
use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

/// The events the receiver accepted, in order.
fn events(receiver: &Receiver) -> Vec<AlertEvent> {
    receiver
        .received()
        .iter()
        .filter(|r| r.answered == 204)
        .filter_map(|r| r.payload.as_ref().map(|p| p.event))
        .collect()
}

backend_test!(
    deletes_held_for_approval_are_notified_once,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let receiver = Receiver::start(WEBHOOK_SECRET, 0).await;
        api.put(NOTIFICATIONS_PATH, webhook_settings(&receiver.url))
            .await
            .expect(200);
        let definition = json!({
            "name": "Held",
            "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()},
                       "soft_delete": false},
            "deletion_threshold": 1,
            "objects": [{"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
            ]}]
        });
        let job = api.post(JOBS_PATH, definition).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut users = Vec::new();
        for name in ["a", "b", "c"] {
            let created = api
                .post(
                    "/api/v1/directory/users",
                    json!({"attributes": {"userPrincipalName": format!("{name}@contoso.com")}}),
                )
                .await;
            users.push(created.expect(201)["id"].as_str().unwrap().to_owned());
        }
        let cycle = async |mode| {
            run_cycle(api.server.store(), api.server.jobs(), &job, mode)
                .await
                .unwrap()
        };
        assert_eq!(cycle(Mode::Initial).await.failures, 0);
        for id in &users[..2] {
            api.delete(&format!("/api/v1/directory/users/{id}")).await.expect(204);
            api.delete(&format!("/api/v1/directory/users/{id}?purge=true"))
                .await
                .expect(204);
        }
        assert_eq!(cycle(Mode::Incremental).await.staged_deletes, 2);
        let received = receiver.wait_for(1).await;
        let held = received[0].payload.clone().unwrap();
        assert_eq!(held.event, AlertEvent::DeletesHeld);
        assert_eq!(held.details["held"], 2);
        assert_eq!(held.details["deletion_threshold"], 1);
        assert_eq!(held.portal_url, Some(format!("{}/jobs/{job}/settings", super::PORTAL)));
        assert_no_secret(&received[0].body);
        assert!(!received[0].body.contains(target.token()), "the target's token");

        // Still waiting: no second notification (the test is the sync point).
        assert_eq!(cycle(Mode::Incremental).await.staged_deletes, 2);
        api.post(NOTIFICATIONS_TEST_PATH, json!({})).await.expect(200);
        receiver.wait_for(2).await;
        assert_eq!(events(&receiver), [AlertEvent::DeletesHeld, AlertEvent::Test]);
    }
);

backend_test!(failing_inbound_records_are_notified, with_api, async |api: &Api| {
    let receiver = Receiver::start(WEBHOOK_SECRET, 0).await;
    api.put(NOTIFICATIONS_PATH, webhook_settings(&receiver.url))
        .await
        .expect(200);
    let definition = serde_json::to_value(templates::inbound("HR")).unwrap();
    let job = api.post(JOBS_PATH, definition).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = api
        .post(TOKENS_PATH, json!({"scope": "inbound", "job": "HR"}))
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    api.post(&format!("{}/start", job_path(&job)), json!({}))
        .await
        .expect(200);
    // No userName: the directory cannot make a userPrincipalName.
    let nameless = json!({"schemas": [USER_SCHEMA], "externalId": "E0009", "displayName": "No Name"});
    let bulk = json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": [
        {"method": "POST", "bulkId": "b1", "path": "/Users", "data": nameless}
    ]});
    let answer = reqwest::Client::new()
        .post(format!("{}{}", api.server.base_url(), bulk_upload_path(&job)))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(CONTENT_TYPE, SCIM_JSON)
        .body(bulk.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202);

    let received = receiver.wait_for(1).await;
    let failed = received[0].payload.clone().unwrap();
    assert_eq!(failed.event, AlertEvent::InboundFailures, "{failed:?}");
    assert_eq!(failed.job.as_ref().map(|j| j.name.as_str()), Some("HR"));
    assert_eq!(
        (&failed.details["failures"], &failed.details["records"]),
        (&json!(1), &json!(1))
    );
    assert!(failed.summary.contains("1 of 1 records failed"), "{failed:?}");
    assert!(!received[0].body.contains(&token), "the inbound token");
});
