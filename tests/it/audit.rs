//! The audit trail (issue 19) through the real admin API: job, assignment,
//! token, settings and directory changes are recorded with who (the admin
//! token's name), from where and what changed — a definition's diff with
//! secrets masked, never their values; a refused change records nothing;
//! the system's own writes record nothing; the command line on
//! the database is named as such; filters, CSV and JSON-lines exports, and
//! the retention setting work; the audit trail needs authentication.

use provisio_api::jobs::JOBS_PATH;
use reqwest::Method;
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;
use crate::lifecycle_cli::{Way, provisio};

const AUDIT: &str = "/api/v1/audit";

fn job(token: &str) -> Value {
    json!({
        "name": "Audited",
        "scope": "assigned",
        "target": {"kind": "scim", "base_url": "https://app.example/scim/v2", "auth": {"bearer_token": token}},
        "app_roles": [{"value": "Admin"}],
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
        ]}]
    })
}

/// The actions of the events a query answers, newest first.
async fn actions(api: &Api, query: &str) -> Vec<String> {
    let answer = api.get(&format!("{AUDIT}{query}")).await;
    answer.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

backend_test!(
    administrative_actions_are_recorded_with_who_where_and_what,
    with_api,
    async |api: &Api| {
        let created = api.post(JOBS_PATH, job("first-s3cret-value")).await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let mut changed = job("second-s3cret-value");
        changed["objects"][0]["mappings"][0]["expression"] = json!("[mail]");
        api.put(&format!("{JOBS_PATH}/{job_id}"), changed).await.expect(200);
        // Refused changes record nothing.
        api.put(&format!("{JOBS_PATH}/{job_id}"), json!({"name": ""})).await;
        let stale = api
            .send_with(Method::PUT, &format!("{JOBS_PATH}/{job_id}"), |r| {
                r.header("If-Match", "\"1\"").json(&job("x"))
            })
            .await;
        assert_eq!(stale.status, 412, "{}", stale.text);
        api.post(&format!("{JOBS_PATH}/{job_id}/start"), json!({}))
            .await
            .expect(200);

        let ada = api
            .post(
                "/api/v1/directory/users",
                json!({"attributes": {"userPrincipalName": "ada@contoso.com"}}),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        api.post(
            &format!("{JOBS_PATH}/{job_id}/assignments"),
            json!({"id": ada, "type": "user", "role": "Admin"}),
        )
        .await
        .expect(200);
        api.put(
            "/api/v1/settings",
            json!({"default_domain": "contoso.com", "audit_retention_days": 400}),
        )
        .await
        .expect(200);
        let bad = api.put("/api/v1/settings", json!({"audit_retention_days": 0})).await;
        assert_eq!(bad.status, 400, "{}", bad.text);

        // The system's own writes (here straight to the store, as cycles
        // and inbound processing write) record nothing.
        api.server
            .store()
            .directory()
            .create_user(provisio_server::directory::UserDraft {
                attributes: json!({"userPrincipalName": "system@contoso.com"})
                    .as_object()
                    .unwrap()
                    .clone(),
                scim_extra: None,
            })
            .await
            .unwrap();

        let everything = api.get(AUDIT).await;
        assert!(
            !everything.text.contains("s3cret-value"),
            "no secret in the trail: {}",
            everything.text
        );
        let page = everything.expect(200);
        let items = page["items"].as_array().unwrap();
        let seen: Vec<&str> = items.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(
            seen,
            [
                "settings.update",
                "assignment.add",
                "user.create",
                "job.start",
                "job.update",
                "job.create"
            ],
            "{page:#}"
        );
        assert_eq!(page["total"], 6);
        for event in items {
            assert_eq!(event["actor"]["kind"], "token", "{event}");
            assert_eq!(event["actor"]["name"], "admin tests", "{event}");
            assert_eq!(event["address"], "127.0.0.1", "{event}");
        }
        let update = &items[4];
        assert_eq!(
            update["target"],
            json!({"kind": "job", "id": job_id, "name": "Audited"})
        );
        assert_eq!(update["job_id"], job_id.as_str());
        let changes = update["changes"].as_array().unwrap();
        assert!(
            changes.contains(&json!({
                "path": "objects[0].mappings[0].expression", "before": "[userPrincipalName]", "after": "[mail]"
            })),
            "{update:#}"
        );
        assert!(
            changes.contains(&json!({
                "path": "target.auth.bearer_token", "before": "********", "after": "********"
            })),
            "a changed secret is listed, masked: {update:#}"
        );
        let assignment = &items[1];
        assert_eq!(assignment["target"]["name"], "ada@contoso.com");
        assert_eq!(assignment["details"], json!({"role": "Admin"}));
        assert_eq!(
            items[2]["target"],
            json!({"kind": "user", "id": ada, "name": "ada@contoso.com"})
        );
        assert!(
            items[0]["changes"].as_array().unwrap().contains(&json!({
                "path": "audit_retention_days", "after": 400
            })),
            "{:#}",
            items[0]
        );

        // Filters: a job's history, an action prefix, the actor, a page.
        assert_eq!(
            actions(api, &format!("?job={job_id}")).await,
            ["assignment.add", "job.start", "job.update", "job.create"]
        );
        assert_eq!(
            actions(api, "?action=job.").await,
            ["job.start", "job.update", "job.create"]
        );
        assert_eq!(actions(api, "?actor=nobody").await, Vec::<String>::new());
        assert_eq!(actions(api, "?q=ADA@contoso").await, ["assignment.add", "user.create"]);
        assert_eq!(
            actions(api, "?limit=2&offset=1").await,
            ["assignment.add", "user.create"]
        );
        let bad = api.get(&format!("{AUDIT}?since=yesterday")).await;
        assert_eq!(bad.status, 400, "{}", bad.text);
        assert!(bad.text.contains("since"), "{}", bad.text);

        // Exports.
        let csv = api.get(&format!("{AUDIT}?format=csv&action=job.")).await;
        assert_eq!(csv.status, 200);
        assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        let lines: Vec<&str> = csv.text.lines().collect();
        assert_eq!(lines.len(), 4, "{}", csv.text);
        assert!(
            lines[0].starts_with("time,actor kind,actor,address,action"),
            "{}",
            lines[0]
        );
        assert!(
            lines[2].contains("job.update") && lines[2].contains("\"\"[userPrincipalName]\"\" → \"\"[mail]\"\""),
            "{}",
            lines[2]
        );
        let jsonl = api.get(&format!("{AUDIT}?format=json&action=job.")).await;
        let parsed: Vec<Value> = jsonl.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(parsed.len(), 3);

        // The command line on the database is named as such.
        provisio(api, Way::Database, &["job", "stop", &job_id]).await.ok();
        let latest = api.get(&format!("{AUDIT}?limit=1")).await;
        let latest = &latest.expect(200)["items"][0];
        assert_eq!(
            (latest["action"].as_str(), latest["actor"]["kind"].as_str()),
            (Some("job.stop"), Some("cli"))
        );
        assert_eq!(latest["address"], Value::Null);

        // Only administrators read the trail.
        let anonymous = reqwest::get(format!(
            "{}{AUDIT}",
            api.server.base_url().as_str().trim_end_matches('/')
        ))
        .await
        .unwrap();
        assert_eq!(anonymous.status(), 401);
    }
);

backend_test!(
    tokens_and_administrators_are_recorded_without_their_secrets,
    with_api,
    async |api: &Api| {
        let created = api
            .post("/api/v1/tokens", json!({"name": "ci deploys", "scope": "admin"}))
            .await;
        let created = created.expect(201);
        let (token_id, secret) = (
            created["id"].as_str().unwrap().to_owned(),
            created["token"].as_str().unwrap().to_owned(),
        );
        let revoked = api.delete(&format!("/api/v1/tokens/{token_id}")).await;
        assert!(revoked.status.is_success(), "{}", revoked.text);
        for name in ["alice", "bob"] {
            api.post(
                "/api/v1/admins",
                json!({"name": name, "password": "correct horse battery staple 42"}),
            )
            .await
            .expect(201);
        }
        let removed = api.delete("/api/v1/admins/bob").await;
        assert!(removed.status.is_success(), "{}", removed.text);
        let webhook = json!({"webhooks": [{"url": "https://hooks.example/provisio", "secret": "whsec-never-shown"}]});
        api.put("/api/v1/settings/notifications", webhook).await.expect(200);

        let trail = api.get(AUDIT).await;
        assert!(!trail.text.contains(&secret), "the token's secret is not in the trail");
        assert!(!trail.text.contains("correct horse"), "nor the password");
        assert!(!trail.text.contains("whsec-never-shown"), "nor a webhook's secret");
        let page = trail.expect(200);
        let summary: Vec<(&str, &str)> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap(),
                    e["target"]["name"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("settings.notifications", ""),
                ("administrator.delete", "bob"),
                ("administrator.create", "bob"),
                ("administrator.create", "alice"),
                ("token.revoke", "ci deploys"),
                ("token.create", "ci deploys"),
            ]
        );
        assert_eq!(page["items"][5]["details"]["scope"], "admin");
        let webhooks = &page["items"][0]["changes"];
        assert!(webhooks.to_string().contains("hooks.example"), "{webhooks}");
    }
);
