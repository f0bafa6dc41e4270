//! Reading a test SCIM target (scim2-server) directly, as the application
//! itself would show its state: every resource of a type in one page.

use provisio_tests::scim_target::ScimTarget;
use serde_json::Value;

/// Every resource of `resource_type` (`Users`, `Groups`) the target holds.
pub async fn resources(target: &ScimTarget, resource_type: &str) -> Vec<Value> {
    let response = reqwest::Client::new()
        .get(format!("{}/{resource_type}?count=100000", target.base_url()))
        .bearer_auth(target.token())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let body: Value = response.json().await.unwrap();
    let items = body["Resources"].as_array().cloned().unwrap_or_default();
    assert_eq!(body["totalResults"], items.len(), "one page holds them all");
    items
}

/// Creates directory users by userPrincipalName; their ids, in order.
pub async fn directory_users(api: &crate::admin_api::Api, upns: &[&str]) -> Vec<String> {
    let mut ids = Vec::with_capacity(upns.len());
    for upn in upns {
        let created = api
            .post(
                "/api/v1/directory/users",
                serde_json::json!({"attributes": {"userPrincipalName": upn}}),
            )
            .await;
        ids.push(created.expect(201)["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// Creates a job named `name` that provisions users into `target`, their
/// userName from the userPrincipalName (the matching attribute); its id.
pub async fn user_job(api: &crate::admin_api::Api, target: &ScimTarget, name: &str) -> String {
    let job = serde_json::json!({
        "name": name,
        "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
        ]}]
    });
    let created = api.post(provisio_api::jobs::JOBS_PATH, job).await;
    created.expect(201)["id"].as_str().unwrap().to_owned()
}
