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
