//! Objects skipped for want of a value to match on are never silent: a
//! job matching on mailNickname into a SQL table (a SQLite file) counts
//! the users without one in its status, with a message naming the
//! attribute, finds their log entries by code, forgets them once they are
//! decided otherwise; users created over SCIM get a mailNickname
//! from their userName, as Entra's administrators expect.

use provisio_api::auth::TokenScope;
use provisio_api::jobs::JOBS_PATH;
use provisio_api::jobs::status::job_status_path;
use provisio_server::cycle::run::{Mode, run_cycle};
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};
use sqlx::any::AnyPoolOptions;

use crate::admin_api::{Api, create_token, with_api};
use crate::backends::backend_test;

const USERS: &str = "/api/v1/directory/users";

/// A SQLite file with a `users` table keyed on `id`, for the job's target.
async fn target_table(dir: &std::path::Path) -> String {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.join("target.db").display());
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{url}?mode=rwc"))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE users (id TEXT PRIMARY KEY, alias TEXT UNIQUE, upn TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    url
}

fn job(url: &str) -> Value {
    json!({
        "name": "Alias table",
        "target": {"kind": "sql", "url": url, "users_table": "users", "key_column": "id"},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "alias", "expression": "[mailNickname]", "match_precedence": 1},
                {"target": "upn", "expression": "[userPrincipalName]"}
            ]}
        ]
    })
}

async fn create_user(api: &Api, attributes: Value) -> String {
    let created = api.post(USERS, json!({ "attributes": attributes })).await;
    created.expect(201)["id"].as_str().unwrap().to_owned()
}

/// Creates a user over SCIM, as an HR tool or Entra itself would: no
/// Provisio extension, so no mailNickname.
async fn create_user_over_scim(api: &Api, user_name: &str) -> Value {
    let token = create_token(&api.server, TokenScope::Scim).await;
    let response = reqwest::Client::new()
        .post(format!("{}/scim/v2/Users", api.server.base_url()))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .json(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn cycle(api: &Api, job: &str, mode: Mode) {
    let report = run_cycle(api.server.store(), api.server.jobs(), job, mode)
        .await
        .unwrap();
    assert_eq!(report.failures, 0, "{report:?}");
}

async fn unmatched(api: &Api, job: &str) -> Value {
    api.get(&job_status_path(job)).await.expect(200)["unmatched"].clone()
}

backend_test!(
    users_without_the_value_a_job_matches_on_are_counted_until_matched,
    with_api,
    async |api: &Api| {
        let dir = tempfile::tempdir().unwrap();
        let url = target_table(dir.path()).await;
        let job = api.post(JOBS_PATH, job(&url)).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let ada = create_user(api, json!({"userPrincipalName": "ada@contoso.com"})).await;
        create_user(api, json!({"userPrincipalName": "grace@contoso.com"})).await;
        create_user(
            api,
            json!({"userPrincipalName": "alan@contoso.com", "mailNickname": "alan"}),
        )
        .await;
        let zoe = create_user_over_scim(api, "zoe@contoso.com").await;
        let zoe_id = zoe["id"].as_str().unwrap();
        let stored = api.get(&format!("{USERS}/{zoe_id}")).await;
        assert_eq!(stored.expect(200)["attributes"]["mailNickname"], "zoe");

        cycle(api, &job, Mode::Initial).await;
        assert_eq!(
            unmatched(api, &job).await,
            json!([{
                "object_type": "user",
                "attributes": ["mailNickname"],
                "count": 2,
                "message": "2 users could not be matched: no value for mailNickname"
            }])
        );
        let logs = api.get(&format!("/api/v1/logs?job={job}&code=importskipped")).await;
        let entries = logs.expect(200)["items"].as_array().unwrap().clone();
        assert_eq!(entries.len(), 2, "{entries:?}");
        for entry in &entries {
            assert_eq!(entry["error_code"], "ImportSkipped");
            assert_eq!(
                entry["reason"],
                "the object has no value for mailNickname, the attribute it is matched on"
            );
        }

        // Ada gets her alias: she is matched (created) and no longer counted.
        api.patch(
            &format!("{USERS}/{ada}"),
            json!({"attributes": {"mailNickname": "ada"}}),
        )
        .await
        .expect(200);
        cycle(api, &job, Mode::Incremental).await;
        let left = unmatched(api, &job).await;
        assert_eq!(left[0]["count"], 1, "{left}");
        assert_eq!(
            left[0]["message"],
            "1 user could not be matched: no value for mailNickname"
        );

        // Grace leaves: decided otherwise (never provisioned), she is forgotten.
        let grace = api.get(&format!("{USERS}/grace@contoso.com")).await.expect(200)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        api.delete(&format!("{USERS}/{grace}")).await.expect(204);
        cycle(api, &job, Mode::Incremental).await;
        assert_eq!(unmatched(api, &job).await, json!([]));
    }
);
