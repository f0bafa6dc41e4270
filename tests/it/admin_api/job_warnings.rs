//! What `/api/v1/jobs` says about a definition it accepts (issue 16): its
//! warnings in the answer to a create or a replace — a source attribute
//! the directory does not have, with the closest one, and a secret the job
//! needs and does not have — and secret references refused, since only
//! `provisio job apply` resolves them; and the directory's own unknown
//! attributes answered with "did you mean".

use serde_json::{Value, json};

use super::{Api, with_api};
use crate::backends::backend_test;

/// A SCIM job reading `attribute` into `title`, with `token` (if any).
fn job(attribute: &str, token: Option<&str>) -> Value {
    let mut job = json!({
        "name": "Acme",
        "target": {"kind": "scim", "base_url": "http://127.0.0.1:9/scim/v2"},
        "objects": [{"source": "user", "target": "User",
            "scoping": [{"name": "Sales", "clauses": [{"attribute": "departmnet", "operator": "EQUALS", "value": "Sales"}]}],
            "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "title", "expression": format!("[{attribute}]")}]}]
    });
    if let Some(token) = token {
        job["target"]["auth"] = json!({"bearer_token": token});
    }
    job
}

/// The warnings' `(location, message)`.
fn warnings(answer: &Value) -> Vec<(String, String)> {
    answer["warnings"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|w| {
                    assert_eq!(w["severity"], "warning", "{w}");
                    (
                        w["location"].as_str().unwrap().to_owned(),
                        w["message"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

backend_test!(
    created_and_replaced_jobs_carry_their_warnings,
    with_api,
    async |api: &Api| {
        let created = api.post("/api/v1/jobs", job("surnmae", Some("t"))).await;
        let body = created.expect(201);
        let found = warnings(body);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "objects[0].scoping[0].clauses[0].attribute");
        assert!(found[0].1.ends_with("did you mean `department`?"), "{found:?}");
        assert_eq!(found[1].0, "objects[0].mappings[1].expression");
        assert!(found[1].1.ends_with("did you mean `surname`?"), "{found:?}");
        let diagnostic = &body["warnings"][1]["diagnostics"][0];
        assert_eq!(
            (diagnostic["code"].as_str(), diagnostic["help"].as_str()),
            (Some("W0401"), Some("did you mean `surname`?"))
        );
        // Reading the job back has no warnings: they answer a write.
        assert!(api.get("/api/v1/jobs/Acme").await.expect(200).get("warnings").is_none());

        // An extension attribute, once defined, is known.
        api.post(
            "/api/v1/directory/attributes",
            json!({"name": "shoeSize", "type": "integer"}),
        )
        .await
        .expect(201);
        let mut fixed = job("shoeSize", None);
        fixed["objects"][0]["scoping"][0]["clauses"][0]["attribute"] = json!("department");
        let replaced = api.put("/api/v1/jobs/Acme", fixed).await;
        assert_eq!(warnings(replaced.expect(200)), [], "the stored token is kept");

        // A job without the secret it needs is created, and warned about.
        let mut tokenless = job("surname", None);
        tokenless["name"] = json!("No token");
        let created = api.post("/api/v1/jobs", tokenless).await;
        let found = warnings(created.expect(201));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[1].0, "target.auth.bearer_token");
        assert!(
            found[1].1.starts_with("the job has no token, so it cannot connect"),
            "{found:?}"
        );
    }
);

backend_test!(secret_references_are_refused_by_the_api, with_api, async |api: &Api| {
    for reference in ["${ACME_TOKEN}", "secret_file:/run/secrets/acme"] {
        let answer = api.post("/api/v1/jobs", job("surname", Some(reference))).await;
        answer.expect_error(400, "invalid", "error");
        let problems = answer.body["problems"].as_array().unwrap();
        let problem = problems
            .iter()
            .find(|p| p["location"] == "target.auth.bearer_token")
            .unwrap();
        assert!(
            problem["message"].as_str().unwrap().contains("provisio job apply"),
            "{problem}"
        );
    }
    api.get("/api/v1/jobs/Acme").await.expect(404);
});

backend_test!(
    unknown_directory_attributes_get_did_you_mean,
    with_api,
    async |api: &Api| {
        let created = api
            .post(
                "/api/v1/directory/users",
                json!({"attributes": {"userPrincipalName": "ada@contoso.com"}}),
            )
            .await;
        let id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let answer = api
            .patch(
                &format!("/api/v1/directory/users/{id}"),
                json!({"attributes": {"title": "Engineer"}}),
            )
            .await;
        answer.expect_error(400, "invalid", "did you mean `jobTitle`?");
        let answer = api
            .post(
                "/api/v1/directory/users",
                json!({"attributes": {"userPrincipalName": "b@contoso.com", "surnmae": "B"}}),
            )
            .await;
        answer.expect_error(400, "invalid", "did you mean `surname`?");
    }
);
