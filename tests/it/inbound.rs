//! Inbound provisioning over HTTP against the real server, on a SQLite
//! file and on PostgreSQL: bulk uploads of HR records processed into the
//! directory (a full load, a delta, a leaver, managers across requests),
//! malformed requests refused with nothing stored, the rate limit, a
//! restart between accepting and processing, an HR record reaching a SCIM
//! application through an outbound job, and what is kept: payloads cleared
//! once processed, processed requests deleted after the retention, the cap
//! on waiting requests, and uploads to a stopped job; and inbound tokens
//! bound to their job, not to its name.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use provisio_api::auth::TOKENS_PATH;
use provisio_api::inbound::{
    BULK_REQUEST_SCHEMA, ENTERPRISE_USER_SCHEMA, SCIM_JSON, USER_SCHEMA, bulk_upload_path, requests_path,
};
use provisio_api::jobs::{JOBS_PATH, job_path};
use provisio_engine::job::templates;
use provisio_server::Server;
use provisio_server::directory::{User, UserLookup};
use provisio_server::inbound::{InboundRetention, QueueLimit};
use provisio_tests::scim_target::ScimTarget;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_api::{Answer, Api, with_api, with_configured_api};
use crate::backends::{Backend, backend_test, with_backend};
use crate::scheduler::{Passes, with_fast_scheduler};

/// An inbound job made from the template, its inbound token, and the server.
struct Hr<'a> {
    api: &'a Api,
    job: String,
    token: String,
}

impl<'a> Hr<'a> {
    /// Creates the job (with `edit` applied to its definition) and a token; starts it when `start`.
    async fn create(api: &'a Api, edit: impl FnOnce(&mut Value), start: bool) -> Hr<'a> {
        let mut definition = serde_json::to_value(templates::inbound("HR")).unwrap();
        edit(&mut definition);
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
        let hr = Hr { api, job, token };
        if start {
            hr.start().await;
        }
        hr
    }

    async fn start(&self) {
        self.api
            .post(&format!("{}/start", job_path(&self.job)), json!({}))
            .await
            .expect(200);
    }

    /// Posts a raw body with the job's token.
    async fn post_raw(&self, content_type: Option<&str>, body: Vec<u8>, token: Option<&str>) -> Answer {
        let url = format!("{}{}", self.api.server.base_url(), bulk_upload_path(&self.job));
        let mut request = reqwest::Client::new()
            .post(url)
            .header(AUTHORIZATION, format!("Bearer {}", token.unwrap_or(&self.token)))
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        crate::admin_api::answer(request.send().await.unwrap()).await
    }

    /// Uploads records; returns the status location of the accepted request.
    async fn upload(&self, records: &[Value]) -> String {
        let answer = self.post_raw(Some(SCIM_JSON), bulk(records), None).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
        let location = answer.headers[LOCATION].to_str().unwrap().to_owned();
        assert_eq!(answer.body["location"], json!(location));
        assert_eq!(answer.body["operations"], json!(records.len()));
        location
    }

    /// The request's status once every record is processed.
    async fn done(&self, location: &str) -> Value {
        for _ in 0..300 {
            let status = self.api.with_token(&self.token, Method::GET, location).await;
            assert_eq!(status.status, StatusCode::OK, "{}", status.text);
            if status.body["state"] == "done" {
                return status.body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the request at {location} was not processed within 30 s");
    }

    async fn user(&self, external_id: &str) -> User {
        let mut found = Vec::new();
        self.api
            .server
            .store()
            .directory()
            .scan_users(Some(&UserLookup::EmployeeId(external_id.to_owned())), |u| found.push(u))
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "one directory user with employeeId {external_id}");
        found.remove(0)
    }

    async fn user_count(&self) -> usize {
        self.api.server.store().directory().user_count().await.unwrap()
    }
}

/// A SCIM BulkRequest of these records, bulkIds "b<externalId>".
fn bulk(records: &[Value]) -> Vec<u8> {
    let operations: Vec<Value> = records
        .iter()
        .map(|data| json!({"method": "POST", "bulkId": format!("b{}", data["externalId"].as_str().unwrap()), "path": "/Users", "data": data}))
        .collect();
    serde_json::to_vec(&json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": operations, "failOnErrors": null}))
        .unwrap()
}

/// An HR record for person `n`, managed by `manager` (an externalId).
fn person(n: usize, manager: Option<usize>) -> Value {
    let mut record = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, "urn:acme:hr:1.0:User"],
        "externalId": format!("E{n:04}"),
        "userName": format!("person{n}@contoso.com"),
        "displayName": format!("Person {n}"),
        "name": {"givenName": "Person", "familyName": format!("Number {n}")},
        "emails": [{"type": "work", "value": format!("person{n}@contoso.com"), "primary": true}],
        "title": "Engineer",
        "active": true,
        ENTERPRISE_USER_SCHEMA: {"department": format!("Dept {}", n % 5)},
        "urn:acme:hr:1.0:User": {"costCenter": format!("CC-{}", n % 3)}
    });
    if let Some(manager) = manager {
        record[ENTERPRISE_USER_SCHEMA]["manager"] = json!({"value": format!("E{manager:04}")});
    }
    record
}

backend_test!(
    a_full_load_a_delta_and_a_leaver_reach_the_directory,
    with_api,
    async |api: &Api| {
        let hr = Hr::create(api, |_| {}, true).await;
        // 300 people in 6 requests; each reports to the person 50 before,
        // who arrived one request earlier, or to person 0.
        let people: Vec<Value> = (0..300)
            .map(|n| person(n, (n > 0).then(|| n.saturating_sub(50))))
            .collect();
        let mut locations = Vec::new();
        for chunk in people.chunks(50) {
            locations.push(hr.upload(chunk).await);
        }
        for location in &locations {
            let status = hr.done(location).await;
            assert_eq!(
                (status["succeeded"].clone(), status["failed"].clone()),
                (json!(50), json!(0)),
                "{status:#}"
            );
            assert!(
                status["records"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|r| r["action"] == "create")
            );
        }
        assert_eq!(hr.user_count().await, 300);
        let user = hr.user("E0120").await;
        let manager = hr.user("E0070").await;
        assert_eq!(user.attributes["userPrincipalName"], "person120@contoso.com");
        assert_eq!(user.attributes["givenName"], "Person");
        assert_eq!(user.attributes["surname"], "Number 120");
        assert_eq!(user.attributes["mail"], "person120@contoso.com");
        assert_eq!(user.attributes["department"], "Dept 0");
        assert_eq!(user.attributes["mailNickname"], "person120");
        assert_eq!(user.attributes["accountEnabled"], true);
        assert_eq!(
            user.attributes["manager"],
            json!(manager.id),
            "the manager resolved by externalId"
        );

        // A delta: a new title for one person, and a leaver.
        let mut promoted = person(120, Some(70));
        promoted["title"] = json!("Principal Engineer");
        let leaver = json!({"schemas": [USER_SCHEMA], "externalId": "E0121", "active": false});
        let status = hr.done(&hr.upload(&[promoted, leaver]).await).await;
        let records = status["records"].as_array().unwrap();
        assert_eq!(records[0]["action"], "update", "{status:#}");
        assert_eq!(records[1]["action"], "update", "{status:#}");
        assert_eq!(records[1]["user_id"], json!(hr.user("E0121").await.id));
        assert_eq!(hr.user("E0120").await.attributes["jobTitle"], "Principal Engineer");
        let leaver = hr.user("E0121").await;
        assert_eq!(leaver.attributes["accountEnabled"], false);
        assert_eq!(
            leaver.attributes["displayName"], "Person 121",
            "a partial record leaves the rest alone"
        );
        assert_eq!(
            leaver.attributes["manager"],
            json!(hr.user("E0071").await.id),
            "and its manager"
        );
        assert_eq!(hr.user_count().await, 300);

        // The logs carry the request as the run and the bulkId as the change.
        let request = status["id"].as_str().unwrap();
        let logs = api.get(&format!("/api/v1/logs?cycle={request}")).await;
        let entries = logs.expect(200)["items"].as_array().unwrap().clone();
        assert_eq!(entries.len(), 2, "{entries:#?}");
        assert!(
            entries
                .iter()
                .all(|e| e["run"] == "inbound" && e["job_id"] == json!(hr.job))
        );
        let changes: Vec<&Value> = entries.iter().map(|e| &e["change_id"]).collect();
        assert!(changes.contains(&&json!("bE0121")), "{changes:?}");
        assert!(
            entries
                .iter()
                .any(|e| e["modified"].to_string().contains("accountEnabled"))
        );
    }
);

#[tokio::test]
async fn a_manager_who_arrives_later_is_resolved_then() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let hr = Hr::create(&api, |_| {}, true).await;
    // The report first, her manager's manager in the same request, her
    // manager two requests later.
    hr.done(&hr.upload(&[person(2, Some(1)), person(0, None)]).await).await;
    assert!(hr.user("E0002").await.attributes.get("manager").is_none());
    hr.done(&hr.upload(&[person(3, Some(0))]).await).await;
    hr.done(&hr.upload(&[person(1, Some(0))]).await).await;
    let (report, manager, top) = (hr.user("E0002").await, hr.user("E0001").await, hr.user("E0000").await);
    assert_eq!(report.attributes["manager"], json!(manager.id));
    assert_eq!(manager.attributes["manager"], json!(top.id));
    api.stop().await;
}

#[tokio::test]
async fn malformed_requests_are_refused_and_nothing_is_stored() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let hr = Hr::create(&api, |d| d["inbound"] = json!({"max_operations": 2}), true).await;
    let good = bulk(&[person(1, None)]);
    let refusals: Vec<(Option<&str>, Vec<u8>, u16, &str)> = vec![
        (Some("application/json"), good.clone(), 400, "application/scim+json"),
        (None, good.clone(), 400, "no Content-Type"),
        (Some(SCIM_JSON), b"{\"schemas\": [".to_vec(), 400, "not valid JSON"),
        (Some(SCIM_JSON), b"[1, 2]".to_vec(), 400, "JSON object"),
        (
            Some(SCIM_JSON),
            serde_json::to_vec(&json!({"schemas": ["urn:wrong"], "Operations": []})).unwrap(),
            400,
            BULK_REQUEST_SCHEMA,
        ),
        (
            Some(SCIM_JSON),
            bulk(&[person(1, None), person(2, None), person(3, None)]),
            400,
            "at most 2",
        ),
        (
            Some(SCIM_JSON),
            serde_json::to_vec(&json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": [
                {"method": "PATCH", "bulkId": "1", "path": "/Users", "data": person(1, None)}]}))
            .unwrap(),
            400,
            "Operations[0]: the method is PATCH",
        ),
        (
            Some(SCIM_JSON),
            serde_json::to_vec(&json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": [
                {"method": "POST", "path": "/Users", "data": person(1, None)}]}))
            .unwrap(),
            400,
            "bulkId",
        ),
    ];
    for (content_type, body, status, says) in refusals {
        let answer = hr.post_raw(content_type, body, None).await;
        assert_eq!(answer.status.as_u16(), status, "{says}: {}", answer.text);
        assert_eq!(
            answer.body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        );
        assert_eq!(answer.body["status"], json!(status.to_string()));
        assert!(
            answer.body["detail"].as_str().unwrap().contains(says),
            "{says}: {}",
            answer.text
        );
    }
    let unauthenticated = hr.post_raw(Some(SCIM_JSON), good.clone(), Some("not-a-token")).await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    api.post(
        JOBS_PATH,
        json!({"name": "Payroll", "direction": "inbound", "target": {"kind": "directory"}, "objects": []}),
    )
    .await
    .expect(201);
    let other = api
        .post(TOKENS_PATH, json!({"scope": "inbound", "job": "Payroll"}))
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let forbidden = hr.post_raw(Some(SCIM_JSON), good.clone(), Some(&other)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{}", forbidden.text);

    let requests = api.get(&requests_path(&hr.job)).await;
    assert_eq!(requests.expect(200), &json!([]));
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbound_records")
        .fetch_one(&api.database().await)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    assert_eq!(hr.user_count().await, 0);
    api.stop().await;
}

#[tokio::test]
async fn over_the_rate_limit_the_answer_is_429_with_retry_after() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let hr = Hr::create(&api, |d| d["inbound"] = json!({"requests_per_second": 1}), false).await;
    let first = hr.post_raw(Some(SCIM_JSON), bulk(&[person(1, None)]), None).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let second = hr.post_raw(Some(SCIM_JSON), bulk(&[person(2, None)]), None).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS, "{}", second.text);
    assert_eq!(second.headers[RETRY_AFTER], "1");
    assert!(
        second.body["detail"]
            .as_str()
            .unwrap()
            .contains("1 requests per second")
    );
    api.stop().await;
}

backend_test!(
    records_accepted_before_a_restart_are_processed_once_after_it,
    with_backend,
    async |backend: Backend| {
        let api = Api::start(&backend).await;
        // A stopped job accepts and keeps its uploads.
        let hr = Hr::create(&api, |_| {}, false).await;
        let job = hr.job.clone();
        let token = hr.token.clone();
        let people: Vec<Value> = (0..40).map(|n| person(n, (n > 0).then_some(0))).collect();
        let first = hr.upload(&people[..20]).await;
        let second = hr.upload(&people[20..]).await;
        let waiting = api.with_token(&token, Method::GET, &first).await;
        assert_eq!(waiting.body["state"], "pending", "{}", waiting.text);
        api.stop().await;

        let api = Api::start(&backend).await;
        let hr = Hr { api: &api, job, token };
        hr.start().await;
        for location in [&first, &second] {
            let status = hr.done(location).await;
            assert_eq!(status["succeeded"], 20, "{status:#}");
        }
        assert_eq!(hr.user_count().await, 40);
        let creates: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM provisioning_logs WHERE job_id = $1 AND run_kind = 'inbound' AND action = 'create'",
        )
        .bind(&hr.job)
        .fetch_one(&api.database().await)
        .await
        .unwrap();
        assert_eq!(creates, 40, "each record created its user exactly once");
        api.stop().await;
    }
);

#[tokio::test]
#[ignore = "needs scim2-server (cargo xtask test)"]
async fn an_hr_record_reaches_a_scim_application() {
    let Some(target) = ScimTarget::start() else { return };
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let outbound = json!({
        "name": "Acme",
        "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
        "schedule": {"realtime": true},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
            {"target": "title", "expression": "[jobTitle]"}
        ]}]
    });
    let acme = api.post(JOBS_PATH, outbound).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.post(&format!("{}/start", job_path(&acme)), json!({}))
        .await
        .expect(200);
    let hr = Hr::create(&api, |_| {}, true).await;
    hr.done(&hr.upload(&[person(7, None)]).await).await;
    for _ in 0..150 {
        let users = crate::target::resources(&target, "Users").await;
        if let Some(user) = users.iter().find(|u| u["userName"] == "person7@contoso.com") {
            assert_eq!(user["title"], "Engineer");
            api.stop().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the HR record never reached the SCIM application");
}

#[tokio::test]
async fn a_record_that_fails_says_why_and_can_be_sent_again() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let hr = Hr::create(&api, |_| {}, true).await;
    // No userName: the directory cannot make a userPrincipalName.
    let nameless = json!({"schemas": [USER_SCHEMA], "externalId": "E0009", "displayName": "No Name"});
    let status = hr.done(&hr.upload(&[nameless]).await).await;
    let record = &status["records"][0];
    assert_eq!(record["status"], "failure", "{status:#}");
    assert!(record["error"].as_str().is_some_and(|e| !e.is_empty()), "{status:#}");
    let entry = api
        .get(&format!("/api/v1/logs/{}", record["log_id"].as_str().unwrap()))
        .await;
    assert_eq!(entry.expect(200)["status"], "failure");
    assert_eq!(hr.user_count().await, 0);

    let status = hr.done(&hr.upload(&[person(9, None)]).await).await;
    assert_eq!(status["records"][0]["action"], "create", "{status:#}");
    assert_eq!(hr.user_count().await, 1);
    api.stop().await;
}

#[tokio::test]
async fn one_record_can_be_provisioned_on_demand() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let hr = Hr::create(&api, |_| {}, false).await;
    let path = format!("{}/provision-on-demand", job_path(&hr.job));
    let run = api.post(&path, json!({"record": person(5, None)})).await;
    let body = run.expect(200);
    assert_eq!(body["decision"]["action"], "create", "{body:#}");
    let steps: Vec<&str> = body["decision"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["import", "scoping", "matching", "action"]);
    assert_eq!(body["log_entry"]["run"], "on_demand");
    assert_eq!(hr.user("E0005").await.attributes["jobTitle"], "Engineer");

    api.post(&path, json!({"user": "person5@contoso.com"}))
        .await
        .expect_error(400, "invalid", "send a `record`");
    api.post(&path, json!({"record": {"schemas": [USER_SCHEMA], "title": "x"}}))
        .await
        .expect_error(400, "invalid", "externalId");
    api.stop().await;
}

#[tokio::test]
async fn an_inbound_job_created_without_mappings_gets_the_default_ones() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let created = api
        .post(
            JOBS_PATH,
            json!({"name": "Payroll", "direction": "inbound", "target": {"kind": "directory"}, "objects": []}),
        )
        .await;
    let mappings = created.expect(201)["definition"]["objects"][0]["mappings"].clone();
    let matching: Vec<&Value> = mappings
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["match_precedence"] == 1)
        .collect();
    assert_eq!(matching.len(), 1, "{mappings:#}");
    assert_eq!(
        (&matching[0]["target"], &matching[0]["expression"]),
        (&json!("employeeId"), &json!("[externalId]"))
    );
    api.stop().await;
}

/// The stored payloads of a request's records, in order (`None` once cleared).
async fn payloads(api: &Api, request: &str) -> Vec<Option<String>> {
    sqlx::query_scalar("SELECT data FROM inbound_records WHERE request_id = $1 ORDER BY idx")
        .bind(request)
        .fetch_all(&api.database().await)
        .await
        .unwrap()
}

backend_test!(
    processed_records_keep_no_hr_data_and_their_status_still_answers,
    with_api,
    async |api: &Api| {
        let hr = Hr::create(api, |_| {}, false).await;
        let nameless = json!({"schemas": [USER_SCHEMA], "externalId": "E0009", "displayName": "No Name"});
        let location = hr.upload(&[person(1, None), nameless]).await;
        let request = location.rsplit('/').next().unwrap().to_owned();
        let waiting = payloads(api, &request).await;
        assert!(
            waiting
                .iter()
                .all(|d| d.as_deref().is_some_and(|d| d.contains("externalId"))),
            "a record waiting to be processed keeps its payload: {waiting:?}"
        );

        hr.start().await;
        let status = hr.done(&location).await;
        assert_eq!(payloads(api, &request).await, [None, None], "no HR data once processed");
        let records = status["records"].as_array().unwrap();
        assert_eq!(
            (&records[0]["bulk_id"], &records[0]["external_id"]),
            (&json!("bE0001"), &json!("E0001"))
        );
        assert_eq!(
            (&records[0]["status"], &records[0]["action"]),
            (&json!("success"), &json!("create"))
        );
        assert_eq!(records[0]["user_id"], json!(hr.user("E0001").await.id));
        assert_eq!(
            (&records[1]["external_id"], &records[1]["status"]),
            (&json!("E0009"), &json!("failure"))
        );
        assert!(
            records[1]["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{status:#}"
        );
        let listed = api.get(&requests_path(&hr.job)).await;
        assert_eq!(listed.expect(200)[0]["succeeded"], 1);
    }
);

backend_test!(
    processed_requests_are_deleted_after_the_retention_and_waiting_ones_never,
    with_api,
    async |api: &Api| {
        let hr = Hr::create(api, |_| {}, true).await;
        let processed = hr.upload(&[person(1, None), person(2, None)]).await;
        hr.done(&processed).await;
        api.post(&format!("{}/stop", job_path(&hr.job)), json!({}))
            .await
            .expect(200);
        let waiting = hr.upload(&[person(3, None)]).await;

        // The sweep's round, as the hourly task runs it, at a later "now".
        let requests = api.server.store().inbound();
        let sweep = |days_later: i64| {
            let now = Utc::now() + TimeDelta::days(days_later);
            requests.prune_expired(InboundRetention::DEFAULT, now)
        };
        assert_eq!(sweep(0).await.unwrap(), 0);
        assert_eq!(sweep(29).await.unwrap(), 0, "kept for 30 days");
        assert_eq!(sweep(31).await.unwrap(), 1);
        let gone = api.with_token(&hr.token, Method::GET, &processed).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);
        let request = processed.rsplit('/').next().unwrap();
        assert_eq!(
            payloads(api, request).await,
            Vec::<Option<String>>::new(),
            "its records went with it"
        );
        assert_eq!(
            sweep(10_000).await.unwrap(),
            0,
            "a request still waiting is never deleted"
        );
        let kept = api.with_token(&hr.token, Method::GET, &waiting).await;
        assert_eq!(kept.expect(200)["state"], "pending");
        assert_eq!(hr.user_count().await, 2, "the directory keeps what the records did");
    }
);

backend_test!(
    an_upload_to_a_stopped_job_is_kept_and_processed_once_it_is_started,
    with_fast_scheduler,
    async |api: &Api, passes: &Passes| {
        let hr = Hr::create(api, |_| {}, false).await;
        let answer = hr.post_raw(Some(SCIM_JSON), bulk(&[person(4, None)]), None).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
        assert_eq!(
            answer.body["job_state"], "stopped",
            "the answer says the job is stopped"
        );
        let location = answer.headers[LOCATION].to_str().unwrap().to_owned();
        // The scheduler passes the stopped job by: no worker takes the request.
        passes.noticed().await;
        let status = api.with_token(&hr.token, Method::GET, &location).await;
        assert_eq!(status.expect(200)["state"], "pending");
        assert_eq!(hr.user_count().await, 0);

        hr.start().await;
        assert_eq!(hr.done(&location).await["succeeded"], 1);
        assert_eq!(hr.user("E0004").await.attributes["jobTitle"], "Engineer");
        let running = hr.post_raw(Some(SCIM_JSON), bulk(&[person(5, None)]), None).await;
        assert_eq!(running.body["job_state"], "running", "{}", running.text);
    }
);

/// [`with_api`] on a server that keeps at most two requests of a job waiting.
async fn with_a_queue_of_two(backend: Backend, test: impl AsyncFn(&Api)) {
    let configure = |server: Server| server.with_inbound_queue_limit(QueueLimit::requests(2));
    with_configured_api(backend, configure, test).await;
}

backend_test!(
    a_full_queue_answers_429_naming_the_job_and_the_limit_until_it_drains,
    with_a_queue_of_two,
    async |api: &Api| {
        let hr = Hr::create(api, |d| d["inbound"] = json!({"requests_per_second": 100}), false).await;
        let first = hr.upload(&[person(1, None)]).await;
        let second = hr.upload(&[person(2, None)]).await;
        let full = hr.post_raw(Some(SCIM_JSON), bulk(&[person(3, None)]), None).await;
        assert_eq!(full.status, StatusCode::TOO_MANY_REQUESTS, "{}", full.text);
        assert_eq!(
            full.headers[RETRY_AFTER], "60",
            "a stopped job drains nothing until started"
        );
        assert_eq!(
            full.body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        );
        let detail = full.body["detail"].as_str().unwrap();
        assert!(
            detail.contains("`HR`") && detail.contains("2 requests waiting") && detail.contains("stopped"),
            "{detail}"
        );
        let listed = api.get(&requests_path(&hr.job)).await;
        assert_eq!(listed.expect(200).as_array().unwrap().len(), 2, "nothing of it stored");

        hr.start().await;
        hr.done(&first).await;
        hr.done(&second).await;
        let third = hr.upload(&[person(3, None)]).await;
        hr.done(&third).await;
        assert_eq!(hr.user_count().await, 3);
    }
);

/// An upload of one record to `job` (an id or a name) with `token`: the answer's status.
async fn upload_status(api: &Api, job: &str, token: &str) -> StatusCode {
    let url = format!("{}{}", api.server.base_url(), bulk_upload_path(job));
    let response = reqwest::Client::new()
        .post(url)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(CONTENT_TYPE, SCIM_JSON)
        .body(bulk(&[person(1, None)]))
        .send()
        .await
        .unwrap();
    response.status()
}

/// The job each token with this id lists, if the token is listed.
async fn token_job(api: &Api, token_id: &str) -> Option<Value> {
    let tokens = api.get(TOKENS_PATH).await;
    let listed = tokens.expect(200).as_array().unwrap();
    listed.iter().find(|t| t["id"] == token_id).map(|t| t["job"].clone())
}

backend_test!(
    inbound_tokens_stay_with_their_job_through_renames_and_go_with_it,
    with_api,
    async |api: &Api| {
        let hr = Hr::create(api, |_| {}, false).await;
        let tokens = api.get(TOKENS_PATH).await.expect(200).clone();
        let token_id = tokens
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["scope"] == "inbound")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let token_id = token_id.as_str();
        assert_eq!(upload_status(api, "HR", &hr.token).await, StatusCode::ACCEPTED);

        // Renamed: the token still uploads to it, by id or by its new name, and lists that name.
        let mut definition = api.get(&job_path(&hr.job)).await.expect(200)["definition"].clone();
        definition["name"] = json!("People");
        api.put(&job_path(&hr.job), definition).await.expect(200);
        assert_eq!(upload_status(api, &hr.job, &hr.token).await, StatusCode::ACCEPTED);
        assert_eq!(upload_status(api, "People", &hr.token).await, StatusCode::ACCEPTED);
        assert_eq!(token_job(api, token_id).await, Some(json!("People")));

        // A new job given the old name does not get the token.
        let new_hr = api
            .post(
                JOBS_PATH,
                json!({"name": "HR", "direction": "inbound", "target": {"kind": "directory"}, "objects": []}),
            )
            .await;
        let new_hr = new_hr.expect(201)["id"].as_str().unwrap().to_owned();
        assert_eq!(upload_status(api, "HR", &hr.token).await, StatusCode::FORBIDDEN);
        let status = api.with_token(&hr.token, Method::GET, &requests_path(&new_hr)).await;
        assert_eq!(status.status, StatusCode::FORBIDDEN, "{}", status.text);
        let created = api.post(TOKENS_PATH, json!({"scope": "inbound", "job": "HR"})).await;
        let new_token = created.expect(201)["token"].as_str().unwrap().to_owned();
        assert_eq!(created.body["job"], "HR");
        assert_eq!(upload_status(api, "HR", &new_token).await, StatusCode::ACCEPTED);
        assert_eq!(upload_status(api, "People", &new_token).await, StatusCode::FORBIDDEN);

        // Deleting the job deletes its tokens, and only its.
        api.delete(&job_path(&hr.job)).await.expect(204);
        assert_eq!(token_job(api, token_id).await, None, "the token went with its job");
        assert_eq!(upload_status(api, &hr.job, &hr.token).await, StatusCode::UNAUTHORIZED);
        assert_eq!(upload_status(api, "HR", &new_token).await, StatusCode::ACCEPTED);
    }
);

backend_test!(
    inbound_tokens_are_refused_for_unknown_and_outbound_jobs,
    with_api,
    async |api: &Api| {
        api.post(TOKENS_PATH, json!({"scope": "inbound", "job": "Workday"}))
            .await
            .expect_error(400, "invalid", "no job has the id or name `Workday`");
        let outbound = json!({
            "name": "Acme",
            "target": {"kind": "scim", "base_url": "https://acme.example/scim", "auth": {"bearer_token": "s3cret"}},
            "objects": [{"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
            ]}]
        });
        api.post(JOBS_PATH, outbound).await.expect(201);
        api.post(TOKENS_PATH, json!({"scope": "inbound", "job": "acme"}))
            .await
            .expect_error(400, "invalid", "the job `Acme` is an outbound job");
        assert_eq!(
            api.get(TOKENS_PATH).await.expect(200).as_array().unwrap().len(),
            1,
            "the admin token only"
        );
    }
);
