//! The generic REST connector end to end: a real Provisio server runs
//! cycles and on-demand runs of a job whose target is the in-memory REST
//! service of `provisio_tests::rest_target`, and each step is checked in
//! that service's state and in the requests it received: creates, an update
//! sending only the changed field, the disable call after a soft delete, the
//! delete after a purge, matching instead of a duplicate, group members, an
//! on-demand run, a wrong token quarantining the job, and body templates;
//! and the connector alone against injected failures (retries of
//! throttling and server errors, rejections without the token, gone
//! objects, a missing id).

use std::time::Duration;

use provisio_api::jobs::JOBS_PATH;
use provisio_connectors::http::HttpOptions;
use provisio_connectors::rest::RestConnector;
use provisio_connectors::{Connector, ConnectorError};
use provisio_engine::job::{RestTarget, SourceKind};
use provisio_engine::scim_path::TargetAttributes;
use provisio_server::cycle::run::{CycleReport, Mode, run_cycle};
use provisio_server::cycle::state::RunStatus;
use provisio_server::jobs::Jobs;
use provisio_tests::rest_target::RestService;
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

const USERS: &str = "/api/v1/directory/users";
const GROUPS: &str = "/api/v1/directory/groups";

fn calls(collection: &str, update: Value) -> Value {
    json!({
        "create": {"method": "POST", "path": format!("/{collection}")},
        "read": {"method": "GET", "path": format!("/{collection}/{{id}}")},
        "update": update,
        "delete": {"method": "DELETE", "path": format!("/{collection}/{{id}}")},
        "disable": {"method": "POST", "path": format!("/{collection}/{{id}}/disable")},
        "find": {"path": format!("/{collection}?{{attribute}}={{value}}"), "results": "/items"}
    })
}

/// A job into `service` sending `token`; `users` replaces calls of the users
/// resource (body templates).
fn job(service: &RestService, token: &str, users: Value) -> Value {
    let mut user_calls = calls("users", json!({"method": "PATCH", "path": "/users/{id}"}));
    if let (Some(calls), Some(extra)) = (user_calls.as_object_mut(), users.as_object()) {
        calls.extend(extra.clone());
    }
    json!({
        "name": "rest",
        "target": {
            "kind": "rest",
            "base_url": service.base_url(),
            "bearer_token": token,
            "headers": {"X-Tenant": "contoso"},
            "users": user_calls,
            "groups": calls("groups", json!({"method": "PATCH", "path": "/groups/{id}"}))
        },
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "name.givenName", "expression": "[givenName]"},
                {"target": "title", "expression": "[jobTitle]"},
                {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"}
            ]},
            {"source": "group", "target": "Group", "mappings": [
                {"target": "displayName", "expression": "[displayName]", "match_precedence": 1},
                {"target": "members", "expression": "[members]"}
            ]}
        ]
    })
}

struct Fixture<'a> {
    api: &'a Api,
    service: RestService,
    jobs: Jobs,
    job_id: String,
}

impl Fixture<'_> {
    async fn start<'a>(api: &'a Api, token: Option<&str>, users: Value) -> Fixture<'a> {
        let service = RestService::start().await;
        let definition = job(&service, token.unwrap_or(service.token()), users);
        let created = api.post(JOBS_PATH, definition).await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let jobs = api.server.jobs().clone();
        Fixture {
            api,
            service,
            jobs,
            job_id,
        }
    }

    async fn cycle(&self, mode: Mode) -> CycleReport {
        let report = run_cycle(self.api.server.store(), &self.jobs, &self.job_id, mode)
            .await
            .unwrap();
        eprintln!("{mode:?}: {report:?}");
        report
    }

    async fn user(&self, upn: &str, given: &str, title: &str) -> String {
        let attributes = json!({"userPrincipalName": upn, "displayName": given, "givenName": given, "jobTitle": title});
        let answer = self.api.post(USERS, json!({ "attributes": attributes })).await;
        answer.expect(201)["id"].as_str().unwrap().to_owned()
    }

    async fn set(&self, id: &str, attributes: Value) {
        let path = format!("{USERS}/{id}");
        self.api
            .patch(&path, json!({ "attributes": attributes }))
            .await
            .expect(200);
    }

    fn target_user(&self, upn: &str) -> Value {
        let users = self.service.objects("users");
        self.service
            .object_where("users", "userName", upn)
            .unwrap_or_else(|| panic!("no target user {upn} in {users:?}"))
    }

    fn members(&self, display_name: &str) -> Vec<String> {
        let group = self
            .service
            .object_where("groups", "displayName", display_name)
            .unwrap();
        let mut ids: Vec<String> = group["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    }
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

backend_test!(
    cycles_create_update_disable_and_delete_through_the_api,
    with_api,
    async |api: &Api| {
        let fx = Fixture::start(api, None, json!({})).await;
        let ada = fx.user("ada@contoso.com", "Ada", "Engineer").await;
        let grace = fx.user("grace@contoso.com", "Grace", "Admiral").await;

        let report = fx.cycle(Mode::Initial).await;
        assert_eq!(report.actions.get("create"), Some(&2), "{report:?}");
        assert_eq!(report.failures, 0, "{report:?}");
        let ada_target = fx.target_user("ada@contoso.com");
        assert_eq!(ada_target["name"], json!({"givenName": "Ada"}), "nested: {ada_target}");
        assert_eq!(ada_target["title"], "Engineer");
        let calls = fx.service.calls();
        assert!(
            calls.iter().all(|c| c.tenant.as_deref() == Some("contoso")),
            "{calls:?}"
        );

        // Nothing changed: the read-back compares equal, nothing is written.
        let again = fx.cycle(Mode::Initial).await;
        assert_eq!(again.actions.get("skip"), Some(&2), "{again:?}");
        assert!(fx.service.calls_to("PATCH", "/api/users").is_empty());

        // One attribute changed: one PATCH with only that field.
        fx.set(&ada, json!({"jobTitle": "Countess"})).await;
        let report = fx.cycle(Mode::Incremental).await;
        assert_eq!(report.actions.get("update"), Some(&1), "{report:?}");
        let ada_id = ada_target["id"].as_str().unwrap();
        let patches = fx.service.calls_to("PATCH", &format!("/api/users/{ada_id}"));
        assert_eq!(patches.len(), 1, "{patches:?}");
        assert_eq!(patches[0].body, Some(json!({"title": "Countess"})));
        assert_eq!(fx.target_user("ada@contoso.com")["title"], "Countess");

        // Soft-deleted in the directory: the disable call.
        let grace_id = fx.target_user("grace@contoso.com")["id"].as_str().unwrap().to_owned();
        api.delete(&format!("{USERS}/{grace}")).await.expect(204);
        let report = fx.cycle(Mode::Incremental).await;
        assert_eq!(report.actions.get("disable"), Some(&1), "{report:?}");
        let disables = fx.service.calls_to("POST", &format!("/api/users/{grace_id}/disable"));
        assert_eq!(disables.len(), 1);
        assert_eq!(fx.target_user("grace@contoso.com")["active"], false);

        // Purged: deleted from the target.
        api.delete(&format!("{USERS}/{grace}?purge=true")).await.expect(204);
        let report = fx.cycle(Mode::Incremental).await;
        assert_eq!(report.actions.get("delete"), Some(&1), "{report:?}");
        assert_eq!(
            fx.service.calls_to("DELETE", &format!("/api/users/{grace_id}")).len(),
            1
        );
        assert!(
            fx.service
                .object_where("users", "userName", "grace@contoso.com")
                .is_none()
        );
        assert_eq!(fx.service.objects("users").len(), 1);
    }
);

backend_test!(
    matching_links_an_existing_object_instead_of_a_duplicate,
    with_api,
    async |api: &Api| {
        let fx = Fixture::start(api, None, json!({})).await;
        // An API that ignores the filter: only the matching object may link.
        let existing = fx.service.insert(
            "users",
            json!({"userName": "ADA@contoso.com", "name": {"givenName": "Ada"}, "title": "Old"}),
        );
        fx.service.insert("users", json!({"userName": "zoe@contoso.com"}));
        fx.user("ada@contoso.com", "Ada", "Engineer").await;

        let report = fx.cycle(Mode::Initial).await;
        assert_eq!(report.actions.get("create"), None, "{report:?}");
        assert_eq!(report.failures, 0, "{report:?}");
        assert_eq!(fx.service.objects("users").len(), 2);
        let finds = fx.service.calls_to("GET", "/api/users?");
        assert_eq!(finds[0].uri, "/api/users?userName=ada%40contoso.com", "{finds:?}");
        let patches = fx.service.calls_to("PATCH", &format!("/api/users/{existing}"));
        assert_eq!(patches.len(), 1, "the linked object is updated: {patches:?}");
        assert_eq!(fx.target_user("ADA@contoso.com")["title"], "Engineer");
    }
);

backend_test!(
    a_found_object_without_the_matching_attribute_is_not_linked,
    with_api,
    async |api: &Api| {
        let fx = Fixture::start(api, None, json!({})).await;
        // An API that ignores the filter and answers an account that does not
        // carry the matching attribute at all: it must not be linked.
        let unrelated = fx
            .service
            .insert("users", json!({"name": {"givenName": "Someone"}, "title": "CFO"}));
        fx.user("ada@contoso.com", "Ada", "Engineer").await;

        let report = fx.cycle(Mode::Initial).await;
        assert_eq!(report.actions.get("create"), Some(&1), "{report:?}");
        assert_eq!(fx.service.objects("users").len(), 2);
        assert!(
            fx.service
                .calls_to("PATCH", &format!("/api/users/{unrelated}"))
                .is_empty(),
            "the unrelated account is left alone"
        );
        assert_eq!(fx.target_user("ada@contoso.com")["title"], "Engineer");
    }
);

backend_test!(groups_are_written_with_their_member_ids, with_api, async |api: &Api| {
    let fx = Fixture::start(api, None, json!({})).await;
    let ada = fx.user("ada@contoso.com", "Ada", "Engineer").await;
    let grace = fx.user("grace@contoso.com", "Grace", "Admiral").await;
    let alan = fx.user("alan@contoso.com", "Alan", "Mathematician").await;
    let group = api
        .post(
            GROUPS,
            json!({"attributes": {"displayName": "Engineers"}, "members": [ada, grace]}),
        )
        .await;
    let group_id = group.expect(201)["id"].as_str().unwrap().to_owned();

    let report = fx.cycle(Mode::Initial).await;
    assert_eq!(report.actions.get("create"), Some(&4), "{report:?}");
    assert_eq!((report.failures, report.failed_references), (0, 0), "{report:?}");
    let id = |upn: &str| fx.target_user(upn)["id"].as_str().unwrap().to_owned();
    let (ada_t, grace_t, alan_t) = (id("ada@contoso.com"), id("grace@contoso.com"), id("alan@contoso.com"));
    assert_eq!(fx.members("Engineers"), sorted(vec![ada_t.clone(), grace_t.clone()]));

    api.patch(&format!("{GROUPS}/{group_id}"), json!({"members": [ada, alan]}))
        .await
        .expect(200);
    let report = fx.cycle(Mode::Incremental).await;
    assert_eq!(report.failed_references, 0, "{report:?}");
    assert_eq!(fx.members("Engineers"), sorted(vec![ada_t, alan_t]));
    assert!(!fx.members("Engineers").contains(&grace_t));
});

backend_test!(a_user_is_provisioned_on_demand, with_api, async |api: &Api| {
    let fx = Fixture::start(api, None, json!({})).await;
    fx.user("ada@contoso.com", "Ada", "Engineer").await;
    fx.user("grace@contoso.com", "Grace", "Admiral").await;
    let path = format!("{JOBS_PATH}/{}/provision-on-demand", fx.job_id);
    let answer = api.post(&path, json!({"user": "ada@contoso.com"})).await;
    let body = answer.expect(200);
    assert_eq!(body["decision"]["action"], "create", "{body}");
    let users = fx.service.objects("users");
    assert_eq!(users.len(), 1, "{users:?}");
    assert_eq!(users[0]["userName"], "ada@contoso.com");
});

backend_test!(a_wrong_token_quarantines_the_job, with_api, async |api: &Api| {
    let fx = Fixture::start(api, Some("not-the-token"), json!({})).await;
    fx.user("ada@contoso.com", "Ada", "Engineer").await;
    let report = fx.cycle(Mode::Initial).await;
    assert_eq!(
        report.quarantine,
        Some(provisio_api::jobs::status::QuarantineChange::Quarantined),
        "{report:?}"
    );
    let status = api.server.store().cycle_state(&fx.job_id).status().await.unwrap();
    assert_eq!(status.status, RunStatus::Quarantined, "{status:?}");
    let reason = status.quarantine_reason.unwrap_or_default();
    assert!(reason.contains("credentials"), "{reason}");
    assert!(!reason.contains("not-the-token"), "{reason}");
    assert!(fx.service.objects("users").is_empty());
});

backend_test!(
    body_templates_shape_creates_and_full_updates,
    with_api,
    async |api: &Api| {
        let template = json!({
            "userName": "{{userName}}",
            "name": {"givenName": "{{name.givenName}}"},
            "title": "{{title}}",
            "active": "{{active}}",
            "source": "provisio",
            "label": "{{name.givenName}} ({{title}})"
        });
        let users = json!({
            "create": {"method": "POST", "path": "/users", "body": template},
            "update": {"method": "PUT", "path": "/users/{id}", "body": template}
        });
        let fx = Fixture::start(api, None, users).await;
        let ada = fx.user("ada@contoso.com", "Ada", "Engineer").await;

        let report = fx.cycle(Mode::Initial).await;
        assert_eq!(report.actions.get("create"), Some(&1), "{report:?}");
        let created = fx.target_user("ada@contoso.com");
        assert_eq!(created["source"], "provisio");
        assert_eq!(created["label"], "Ada (Engineer)");
        assert_eq!(created["name"]["givenName"], "Ada");

        // A PUT gets the whole object: unchanged fields read back, the change over them.
        fx.set(&ada, json!({"jobTitle": "Countess"})).await;
        let report = fx.cycle(Mode::Incremental).await;
        assert_eq!(report.actions.get("update"), Some(&1), "{report:?}");
        let puts = fx.service.calls_to("PUT", "/api/users/");
        assert_eq!(puts.len(), 1, "{puts:?}");
        let sent = puts[0].body.clone().unwrap();
        assert_eq!(sent["userName"], "ada@contoso.com", "{sent}");
        assert_eq!(sent["label"], "Ada (Countess)", "{sent}");
        let updated = fx.target_user("ada@contoso.com");
        assert_eq!(
            (updated["title"].clone(), updated["source"].clone()),
            (json!("Countess"), json!("provisio"))
        );
    }
);

/// The job's target as the connector takes it, waits shortened.
fn connector(service: &RestService, token: &str, id_pointer: &str) -> RestConnector {
    let mut target = job(service, token, json!({}))["target"].clone();
    let fields = target.as_object_mut().unwrap();
    fields.remove("kind");
    fields["users"]["id"] = json!(id_pointer);
    let target: RestTarget = serde_json::from_value(target).unwrap();
    let options = HttpOptions {
        max_attempts: 3,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(1),
        ..HttpOptions::default()
    };
    RestConnector::new(&target, options).unwrap()
}

#[tokio::test]
async fn the_connector_retries_throttling_and_classifies_failures() {
    let service = RestService::start().await;
    let rest = connector(&service, service.token(), "/id");
    let ada = provisio_engine::Value::from("ada@contoso.com");
    let finds = || service.calls_to("GET", "/api/users?").len();
    rest.test_connection().await.unwrap();

    // Throttled twice, then served: the third attempt succeeds.
    service.fail_next(2, 429, Some(0), "");
    assert_eq!(rest.find(SourceKind::User, "userName", &ada).await.unwrap(), Vec::new());
    assert_eq!(finds(), 3);
    // Throttled on every attempt: Throttled, with the target's wait.
    service.fail_next(3, 503, Some(0), "");
    let error = rest.find(SourceKind::User, "userName", &ada).await.unwrap_err();
    assert_eq!(
        error,
        ConnectorError::Throttled {
            retry_after: Some(Duration::ZERO)
        }
    );
    assert_eq!(finds(), 6);
    // A server error on a read is retried, then transient.
    service.fail_next(3, 500, None, "boom");
    let error = rest.read(SourceKind::User, "x").await.unwrap_err();
    assert!(
        matches!(&error, ConnectorError::Transient { detail } if detail.contains("boom")),
        "{error:?}"
    );
    // A create that reached the API is not sent twice.
    service.fail_next(1, 502, None, "");
    let attributes = TargetAttributes::from([("userName".to_owned(), ada.clone())]);
    let error = rest.create(SourceKind::User, &attributes).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    assert_eq!(service.calls_to("POST", "/api/users").len(), 1);
    assert!(service.objects("users").is_empty());

    // Other 4xx: rejected with the answer's text, the token blanked out.
    service.fail_next(1, 400, None, "bad request from {auth}");
    let error = rest.create(SourceKind::User, &attributes).await.unwrap_err();
    let ConnectorError::Rejected {
        status: 400, detail, ..
    } = &error
    else {
        panic!("not rejected: {error:?}");
    };
    assert_eq!(detail, "bad request from Bearer ********");
    assert!(!error.to_string().contains(service.token()));

    // Gone objects.
    assert_eq!(rest.read(SourceKind::User, "missing").await.unwrap(), None);
    let error = rest.delete(SourceKind::User, "missing").await.unwrap_err();
    assert!(matches!(error, ConnectorError::NotFound { .. }), "{error:?}");

    // Created, found by value, and the value then exists.
    let created = rest.create(SourceKind::User, &attributes).await.unwrap();
    let found = rest.find(SourceKind::User, "userName", &ada).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, created.id);
    assert!(rest.value_exists(SourceKind::User, "userName", &ada).await.unwrap());
    let zoe = provisio_engine::Value::from("zoe@contoso.com");
    assert!(!rest.value_exists(SourceKind::User, "userName", &zoe).await.unwrap());
}

#[tokio::test]
async fn the_connector_reports_credentials_and_missing_ids() {
    let service = RestService::start().await;
    let wrong = connector(&service, "not-the-token", "/id");
    assert_eq!(
        wrong.test_connection().await.unwrap_err(),
        ConnectorError::InvalidCredentials { status: 401 }
    );
    let no_id = connector(&service, service.token(), "/data/id");
    let attributes = TargetAttributes::from([("userName".to_owned(), provisio_engine::Value::from("ada"))]);
    let error = no_id.create(SourceKind::User, &attributes).await.unwrap_err();
    assert!(
        matches!(&error, ConnectorError::Rejected { detail, .. } if detail.contains("no id at `/data/id`")),
        "{error:?}"
    );
}
