//! What the whole-cycle preview reads from the server (issue 19): each
//! source object's link and, when asked, the linked object read from a real
//! SCIM server (scim2-server) through the job's connector; an object the
//! application lost reads as missing; the request's size is bounded.

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_tests::scim_target::ScimTarget;
use serde_json::json;

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

backend_test!(
    the_preview_reads_links_and_current_target_objects,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let mut ids = Vec::new();
        for upn in ["ada@contoso.com", "grace@contoso.com"] {
            let user = json!({"attributes": {"userPrincipalName": upn, "jobTitle": "Engineer"}});
            ids.push(
                api.post("/api/v1/directory/users", user).await.expect(201)["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let job = json!({
            "name": "Previewed",
            "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
            "objects": [{"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "title", "expression": "[jobTitle]"}
            ]}]
        });
        let job_id = api.post(JOBS_PATH, job).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        run_cycle(api.server.store(), api.server.jobs(), &job_id, Mode::Initial)
            .await
            .unwrap();
        // Grace's account goes missing in the application.
        let accounts = crate::target::resources(&target, "Users").await;
        let grace = accounts.iter().find(|u| u["userName"] == "grace@contoso.com").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let deleted = reqwest::Client::new()
            .delete(format!("{}/Users/{grace}", target.base_url()))
            .bearer_auth(target.token())
            .send()
            .await
            .unwrap();
        assert!(deleted.status().is_success());

        let path = format!("{JOBS_PATH}/{job_id}/preview-state");
        let asked = json!({"kind": "user", "source_ids": [ids[0], ids[1], "not-a-user"], "read_targets": true});
        let answer = api.post(&path, asked).await;
        let objects = answer.expect(200)["objects"].as_array().unwrap().clone();
        assert_eq!(objects.len(), 3);
        assert_eq!(
            objects[0]["target"]["attributes"]["userName"], "ada@contoso.com",
            "{objects:?}"
        );
        assert_eq!(objects[0]["target"]["attributes"]["title"], "Engineer");
        assert_eq!(
            (objects[1]["target_id"].as_str(), objects[1]["missing"].as_bool()),
            (Some(grace.as_str()), Some(true))
        );
        assert!(
            objects[2]["target_id"].is_null() && objects[2]["target"].is_null(),
            "{:?}",
            objects[2]
        );

        // Links only: no target is read.
        let answer = api.post(&path, json!({"kind": "user", "source_ids": [ids[0]]})).await;
        let object = &answer.expect(200)["objects"][0];
        assert!(
            object["target_id"].is_string() && object["target"].is_null(),
            "{object}"
        );

        let too_many: Vec<String> = (0..201).map(|n| format!("u{n}")).collect();
        let answer = api.post(&path, json!({"kind": "user", "source_ids": too_many})).await;
        assert_eq!(answer.status, 400, "{}", answer.text);
    }
);
