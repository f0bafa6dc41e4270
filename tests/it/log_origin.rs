//! Provisioning log entries' origin and warnings (issue 19) against a real
//! SCIM server (scim2-server): cycle entries are initiated by the system,
//! an on-demand run by the admin token that asked for it, each entry names
//! its source and target systems; a group whose members are only partly in
//! the application is logged as a warning; and the log exports with steps
//! (JSON lines, Entra's steps and modified-properties CSVs joined on the
//! entry's id).

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

backend_test!(
    entries_say_who_started_them_between_which_systems_and_warn_of_waiting_members,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let mut ids = Vec::new();
        for (upn, department) in [("ada@contoso.com", "Eng"), ("grace@contoso.com", "Navy")] {
            let user = json!({"attributes": {"userPrincipalName": upn, "department": department}});
            ids.push(
                api.post("/api/v1/directory/users", user).await.expect(201)["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        api.post(
            "/api/v1/directory/groups",
            json!({"attributes": {"displayName": "Team"}, "members": ids}),
        )
        .await
        .expect(201);
        let job = json!({
            "name": "Origin",
            "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
            "objects": [
                {"source": "user", "target": "User",
                 "scoping": [{"name": "Eng", "clauses": [{"attribute": "department", "operator": "EQUALS", "value": "Eng"}]}],
                 "mappings": [{"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}]},
                {"source": "group", "target": "Group", "mappings": [
                    {"target": "displayName", "expression": "[displayName]", "match_precedence": 1},
                    {"target": "members", "expression": "[members]"}
                ]}
            ]
        });
        let job_id = api.post(JOBS_PATH, job).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let jobs = api.server.jobs().clone();
        run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();

        let logs = api.get("/api/v1/logs?limit=50").await;
        let entries = logs.expect(200)["items"].as_array().unwrap().clone();
        for entry in &entries {
            assert_eq!(
                entry["initiated_by"],
                json!({"kind": "system", "name": "Provisio"}),
                "{entry}"
            );
            assert_eq!(
                entry["source_system"],
                json!({"id": "directory", "display": "Provisio directory"})
            );
            assert_eq!(
                entry["target_system"],
                json!({"id": job_id, "display": "Origin (scim)"})
            );
        }
        let warning = entries
            .iter()
            .find(|e| e["status"] == "warning")
            .expect("a warning for the members");
        assert_eq!(warning["error_code"], "ReferenceNotYetProvisioned", "{warning}");
        assert!(
            warning["reason"]
                .as_str()
                .unwrap()
                .contains("1 of the objects `members` names is not"),
            "{warning}"
        );
        assert!(warning["recommended_action"].as_str().is_some());

        // On demand: initiated by the admin token.
        let answer = api
            .post(
                &format!("{JOBS_PATH}/{job_id}/provision-on-demand"),
                json!({"user": "ada@contoso.com"}),
            )
            .await;
        let run_id = answer.expect(200)["run_id"].as_str().map(str::to_owned);
        let logs = api
            .get(&format!("/api/v1/logs?cycle={}", run_id.unwrap_or_default()))
            .await;
        let on_demand = &logs.expect(200)["items"][0];
        assert_eq!(
            on_demand["initiated_by"],
            json!({"kind": "token", "name": "admin tests"}),
            "{on_demand}"
        );

        // Exports with the steps.
        let lines = api.get(&format!("/api/v1/logs/export?format=jsonl&job={job_id}")).await;
        let exported: Vec<Value> = lines.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(exported.len(), entries.len() + 1, "{}", lines.text);
        assert!(
            exported
                .iter()
                .all(|e| e["steps"].as_array().is_some_and(|s| !s.is_empty()))
        );
        let steps = api
            .get(&format!("/api/v1/logs/export?format=csv-steps&job={job_id}"))
            .await;
        assert_eq!(steps.status, 200);
        let rows: Vec<&str> = steps.text.lines().collect();
        assert_eq!(rows[0], "id,step,kind,status,description,details");
        let first_id = exported[0]["id"].as_str().unwrap();
        assert!(
            rows.iter().any(|r| r.starts_with(&format!("{first_id},1,"))),
            "{}",
            steps.text
        );
        let modified = api
            .get(&format!("/api/v1/logs/export?format=csv-modified&job={job_id}"))
            .await;
        let rows: Vec<&str> = modified.text.lines().collect();
        assert_eq!(rows[0], "id,attribute,old value,new value");
        assert!(
            rows.iter().any(|r| r.ends_with(",userName,(none),ada@contoso.com")),
            "{}",
            modified.text
        );
    }
);
