//! `Connector::find_many` against the real targets (issue 17, item 4):
//! scim2-server, slapd, SQLite and PostgreSQL tables, and an LDAP target
//! through a real agent. For 120 values (present, absent, and one present
//! only in another case) it answers exactly what 120 single finds answer,
//! in the batched number of round trips, counted where the target shows
//! them: the HTTP requests through a recording proxy, slapd's own monitor,
//! the SQL connector's count of lookups, the agent's results. Creates read
//! nothing back (LDAP Post-Read, SQL RETURNING). Values slapd compares
//! another way (telephoneNumber) are looked up alone. Against a scripted
//! stub, the SCIM fallbacks: `invalidFilter`, filtering unsupported, and
//! `POST /.search` for a value too long for a URL, or a GET without it.

use std::time::{Duration, Instant};

use provisio_api::agents::AGENTS_PATH;
use provisio_api::auth::{Secret, TOKENS_PATH};
use provisio_api::jobs::JOBS_PATH;
use provisio_connectors::Connector;
use provisio_connectors::scim::ScimOptions;
use provisio_connectors::sql::SqlConnector;
use provisio_engine::Value;
use provisio_engine::job::{LdapTarget, SourceKind, SqlTarget};
use provisio_engine::matching::TargetObject;
use provisio_engine::scim_path::TargetAttributes;
use provisio_tests::fault_proxy::{FaultProxy, Faults};
use provisio_tests::scim_target::ScimTarget;
use provisio_tests::slapd::{ADMIN_DN, ADMIN_PASSWORD, PEOPLE, Slapd};
use serde_json::{Value as Json, json};

use crate::admin_api::Api;
use crate::backends::{Backend, backend_test};
use crate::scim_connector::{Stub, answer, attributes, connector, fast_options};

/// The one value present only in another case.
const CASED: &str = "Zoe.Case@example.org";

/// 60 present, 58 absent, then the cased one in lower case and as stored.
fn values() -> Vec<Value> {
    let mut values: Vec<Value> = (0..60)
        .map(|i| Value::str(format!("user-{i:03}@example.org")))
        .collect();
    values.extend((0..58).map(|i| Value::str(format!("nobody-{i:03}@example.org"))));
    values.push(Value::str(CASED.to_lowercase()));
    values.push(Value::str(CASED));
    values
}

/// The ids found for each value, sorted.
fn ids(found: &[Vec<TargetObject>]) -> Vec<Vec<String>> {
    found
        .iter()
        .map(|objects| {
            let mut ids: Vec<String> = objects.iter().map(|o| o.id.clone()).collect();
            ids.sort();
            ids
        })
        .collect()
}

async fn singles(connector: &dyn Connector, attribute: &str, values: &[Value]) -> Vec<Vec<TargetObject>> {
    let mut found = Vec::new();
    for value in values {
        found.push(connector.find(SourceKind::User, attribute, value).await.unwrap());
    }
    found
}

/// The present values were found (a check that the comparison is not of two empties).
fn assert_found_the_present(found: &[Vec<TargetObject>]) {
    assert!(found[..60].iter().all(|f| f.len() == 1), "{:?}", ids(found));
    assert!(found[60..118].iter().all(Vec::is_empty));
    assert_eq!(found[119].len(), 1, "the stored case is found");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs scim2-server (cargo xtask test)"]
async fn scim_find_many_answers_as_single_finds_in_batched_requests() {
    let Some(target) = ScimTarget::start() else { return };
    let direct = connector(&target.base_url(), target.token(), fast_options());
    for value in values().iter().take(60).chain([&Value::str(CASED)]) {
        let user = attributes(&[("userName", value.clone())]);
        direct.create(SourceKind::User, &user).await.unwrap();
    }
    let values = values();
    let expected = singles(&direct, "userName", &values).await;
    assert_found_the_present(&expected);

    let proxy = FaultProxy::start(&target.base_url(), Faults::default());
    // Always in batches: on scim2-server they do not pay (it scans once per
    // term), and this test is about what they answer.
    let always = ScimOptions {
        judge_batches: false,
        ..fast_options()
    };
    let scim = connector(&proxy.base_url(), target.token(), always);
    let found = scim.find_many(SourceKind::User, "userName", &values).await.unwrap();
    assert_eq!(ids(&found), ids(&expected));
    let sent: Vec<String> = proxy
        .events()
        .iter()
        .map(|e| format!("{} {}", e.method, e.target))
        .collect();
    // The ServiceProviderConfig once, 119 values in batches of 50, and the
    // value equal to another but for case alone.
    assert_eq!(sent.len(), 1 + 3 + 1, "{sent:#?}");
    assert!(sent[0].contains("/ServiceProviderConfig"), "{sent:#?}");
    assert_eq!(sent.iter().filter(|s| s.contains("+or+")).count(), 3, "{sent:#?}");
}

fn empty_list() -> Json {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": []})
}

fn three() -> Vec<Value> {
    ["a", "b", "c"].into_iter().map(Value::str).collect()
}

#[tokio::test]
async fn scim_an_invalid_filter_answer_means_single_finds_for_the_connectors_lifetime() {
    let stub = Stub::start(|_, request| {
        if request.target.contains("ServiceProviderConfig") {
            answer(404, json!(null))
        } else if request.target.contains("+or+") {
            answer(400, json!({"scimType": "invalidFilter", "detail": "no or"}))
        } else {
            answer(200, empty_list())
        }
    });
    let scim = connector(&stub.base_url, "tok", fast_options());
    let found = scim.find_many(SourceKind::User, "userName", &three()).await.unwrap();
    assert_eq!(found, vec![Vec::new(); 3]);
    let found = scim.find_many(SourceKind::User, "userName", &three()).await.unwrap();
    assert_eq!(found.len(), 3);
    let sent: Vec<String> = stub.received().iter().map(|r| r.target.clone()).collect();
    // Discovery, the refused batch and three singles; then three singles only.
    assert_eq!(sent.len(), 1 + 1 + 3 + 3, "{sent:#?}");
    assert_eq!(sent.iter().filter(|t| t.contains("+or+")).count(), 1, "{sent:#?}");
}

#[tokio::test]
async fn scim_a_target_without_filtering_gets_single_finds() {
    let stub = Stub::start(|_, request| {
        if request.target.contains("ServiceProviderConfig") {
            answer(200, json!({"filter": {"supported": false, "maxResults": 0}}))
        } else {
            answer(200, empty_list())
        }
    });
    let scim = connector(&stub.base_url, "tok", fast_options());
    scim.find_many(SourceKind::User, "userName", &three()).await.unwrap();
    let sent: Vec<String> = stub.received().iter().map(|r| r.target.clone()).collect();
    assert_eq!(sent.len(), 1 + 3, "{sent:#?}");
    assert!(!sent.iter().any(|t| t.contains("+or+")), "{sent:#?}");
}

#[tokio::test]
async fn scim_a_value_too_long_for_a_url_is_searched_by_post() {
    let long = "x".repeat(5000);
    let found_long = long.clone();
    let stub = Stub::start(move |_, request| {
        if request.target.contains("ServiceProviderConfig") {
            answer(404, json!(null))
        } else if request.method == "POST" {
            let user = json!({"id": "long", "userName": found_long});
            answer(200, json!({"totalResults": 1, "Resources": [user]}))
        } else {
            answer(200, empty_list())
        }
    });
    let scim = connector(&stub.base_url, "tok", fast_options());
    let values = vec![Value::str(long.clone()), Value::str("short")];
    let found = scim.find_many(SourceKind::User, "userName", &values).await.unwrap();
    assert_eq!(ids(&found), [vec!["long".to_owned()], vec![]]);
    let received = stub.received();
    let post = received.iter().find(|r| r.method == "POST").expect("a POST search");
    assert!(post.target.ends_with("/scim/v2/Users/.search"), "{}", post.target);
    assert_eq!(
        post.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:SearchRequest"])
    );
    assert_eq!(post.body["filter"], format!("userName eq \"{long}\""));
    assert_eq!(post.body["startIndex"], 1);
    assert_eq!(received.len(), 3, "discovery, the POST, the short value's GET");
}

#[tokio::test]
async fn scim_a_target_without_search_by_post_gets_the_long_value_alone() {
    let stub = Stub::start(|_, request| {
        if request.target.contains("ServiceProviderConfig") || request.method == "POST" {
            answer(404, json!(null))
        } else {
            answer(200, empty_list())
        }
    });
    let scim = connector(&stub.base_url, "tok", fast_options());
    let values = vec![Value::str("x".repeat(5000)), Value::str("short")];
    for _ in 0..2 {
        let found = scim.find_many(SourceKind::User, "userName", &values).await.unwrap();
        assert_eq!(found, vec![Vec::new(); 2]);
    }
    let sent: Vec<String> = stub.received().iter().map(|r| r.method.clone()).collect();
    // Discovery, the POST refused, the long value's GET, the short one's;
    // then no POST again.
    assert_eq!(sent, ["GET", "POST", "GET", "GET", "GET", "GET"]);
}

fn ldap_target(ldap: &Slapd) -> LdapTarget {
    serde_json::from_value(json!({
        "url": ldap.url(), "bind_dn": ADMIN_DN, "bind_password": ADMIN_PASSWORD,
        "users_base_dn": PEOPLE, "user_object_classes": ["inetOrgPerson"]
    }))
    .unwrap()
}

/// The present users of [`values`] as entries, `uid` their value.
fn seed_people(ldap: &Slapd) {
    let mut ldif = String::new();
    for value in values().iter().take(60).chain([&Value::str(CASED)]) {
        let uid = value.as_text().unwrap();
        ldif.push_str(&format!(
            "dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: Example\n\n"
        ));
    }
    ldap.add(&ldif);
}

/// Searches slapd completed meanwhile, less the monitor reads themselves.
fn searches_during(ldap: &Slapd, before: u64) -> u64 {
    ldap.operations("Search") - before - 1
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn ldap_find_many_answers_as_single_finds_in_batched_searches() {
    let Some(ldap) = Slapd::start() else { return };
    seed_people(&ldap);
    let target = provisio_connectors::ldap::connect(&ldap_target(&ldap)).await.unwrap();
    let values = values();
    let expected = singles(target.as_ref(), "uid", &values).await;
    assert_found_the_present(&expected);
    // uid compares ignoring case: the lower-case value finds the entry too.
    assert_eq!(expected[118].len(), 1);

    let before = ldap.operations("Search");
    let found = target.find_many(SourceKind::User, "uid", &values).await.unwrap();
    assert_eq!(ids(&found), ids(&expected));
    // 119 values in searches of 100, and the value equal to another but for case.
    assert_eq!(searches_during(&ldap, before), 2 + 1);
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn ldap_values_the_directory_compares_another_way_are_looked_up_alone() {
    let Some(ldap) = Slapd::start() else { return };
    // telephoneNumberMatch ignores spaces and hyphens: the entry matches a
    // value it does not equal, ignoring case or not.
    ldap.add(&format!(
        "dn: uid=tel,{PEOPLE}\nobjectClass: inetOrgPerson\nuid: tel\ncn: tel\nsn: Example\ntelephoneNumber: +15550100\n"
    ));
    let target = provisio_connectors::ldap::connect(&ldap_target(&ldap)).await.unwrap();
    let values = vec![Value::str("+1 555 0100"), Value::str("+1 555 0199")];
    let expected = singles(target.as_ref(), "telephoneNumber", &values).await;
    assert_eq!(expected[0].len(), 1, "the directory's own comparison finds it");
    let before = ldap.operations("Search");
    let found = target
        .find_many(SourceKind::User, "telephoneNumber", &values)
        .await
        .unwrap();
    assert_eq!(ids(&found), ids(&expected));
    // The batch, then each value alone: never a guess.
    assert_eq!(searches_during(&ldap, before), 1 + 2);
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn an_ldap_create_reads_the_new_entry_from_the_adds_answer() {
    let Some(ldap) = Slapd::start() else { return };
    let target = provisio_connectors::ldap::connect(&ldap_target(&ldap)).await.unwrap();
    let entry: TargetAttributes = [
        ("dn", Value::str(format!("uid=ada,{PEOPLE}"))),
        ("uid", Value::str("ada")),
        ("cn", Value::str("Ada Lovelace")),
        ("sn", Value::str("Lovelace")),
        (
            "mail",
            Value::Multi(vec![Value::str("ada@example.org"), Value::str("al@example.org")]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let adds = ldap.operations("Add");
    let searches = ldap.operations("Search");
    let created = target.create(SourceKind::User, &entry).await.unwrap();
    assert_eq!(searches_during(&ldap, searches), 0, "no read after the add");
    assert_eq!(ldap.operations("Add") - adds, 1);
    // The same object a read gives (what the create returned before).
    let read = target.read(SourceKind::User, &created.id).await.unwrap().unwrap();
    assert_eq!(created, read);
    assert_eq!(created.id.len(), 36, "an entryUUID: {}", created.id);
}

async fn with_sql_table(backend: Backend, test: impl AsyncFnOnce(SqlConnector)) {
    sqlx::any::install_default_drivers();
    let postgres = backend.label == "postgres";
    let url = if postgres {
        backend.url.clone()
    } else {
        format!("{}?mode=rwc", backend.url)
    };
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    sqlx::query("CREATE TABLE users (id TEXT PRIMARY KEY, user_name TEXT, display_name TEXT, logins INTEGER)")
        .execute(&pool)
        .await
        .unwrap();
    for (n, value) in values().iter().take(60).chain([&Value::str(CASED)]).enumerate() {
        sqlx::query("INSERT INTO users (id, user_name, display_name) VALUES ($1, $2, $3)")
            .bind(format!("row-{n}"))
            .bind(value.as_text().unwrap().into_owned())
            .bind("Someone")
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let target: SqlTarget = serde_json::from_value(json!({
        "url": backend.url, "users_table": "users", "key_column": "id", "disable": {"mode": "delete"}
    }))
    .unwrap();
    test(SqlConnector::connect(&target).await.unwrap()).await;
}

backend_test!(
    sql_find_many_answers_as_single_finds_in_one_statement,
    with_sql_table,
    async |sql: SqlConnector| {
        let values = values();
        let expected = singles(&sql, "user_name", &values).await;
        assert_found_the_present(&expected);
        // A text column compares exactly: the lower-case value finds nothing.
        assert!(expected[118].is_empty());
        let before = sql.lookups();
        let found = sql.find_many(SourceKind::User, "user_name", &values).await.unwrap();
        assert_eq!(ids(&found), ids(&expected));
        // 119 values in one IN list, and the value equal to another but for case.
        assert_eq!(sql.lookups() - before, 2);

        // A create reads nothing back, and returns the row as a read gives it.
        let row = attributes(&[
            ("user_name", Value::str("ada@example.org")),
            ("display_name", Value::str("Ada")),
            ("logins", Value::Int(3)),
        ]);
        let before = sql.lookups();
        let created = sql.create(SourceKind::User, &row).await.unwrap();
        assert_eq!(sql.lookups(), before, "no SELECT after the insert");
        assert_eq!(created.attributes["logins"], Value::Int(3));
        let read = sql.read(SourceKind::User, &created.id).await.unwrap().unwrap();
        assert_eq!(created, read);
    }
);

const AGENT: &str = "datacenter-1";

/// The replies of the operations the agent reported, by their kind
/// (`found_many`, `found`…), from the results it sent through `proxy`.
fn agent_replies(proxy: &FaultProxy) -> Vec<String> {
    let mut seen = std::collections::BTreeMap::new();
    for event in proxy.events() {
        if !event.target.ends_with("/agent/results") {
            continue;
        }
        let body: Json = serde_json::from_str(&event.body).unwrap();
        for result in body["results"].as_array().unwrap() {
            let reply = result["outcome"]["reply"]["reply"].as_str().unwrap_or("failed");
            seen.insert(result["id"].as_str().unwrap().to_owned(), reply.to_owned());
        }
    }
    seen.into_values().collect()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs slapd (cargo xtask test)"]
async fn find_many_through_an_agent_is_one_operation() {
    let Some(ldap) = Slapd::start() else { return };
    seed_people(&ldap);
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let mut definition = crate::ldap_target::job(&ldap);
    definition["target"]["via_agent"] = json!(AGENT);
    let job_id = api.post(JOBS_PATH, definition).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = api.post(TOKENS_PATH, json!({"scope": "agent", "agent": AGENT})).await;
    let token = created.expect(201)["token"].as_str().unwrap().to_owned();
    // The agent, in this process, reaches the server through a recording proxy.
    let proxy = FaultProxy::start(api.server.base_url().trim_end_matches('/'), Faults::default());
    let mut config = provisio_server::agent::AgentConfig::new(&proxy.base_url(), Secret::new(token), None).unwrap();
    config.targets = crate::admin_api::test_targets();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let agent = tokio::spawn(provisio_server::agent::run(config, async {
        let _ = stopped.await;
    }));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !api.get(AGENTS_PATH).await.expect(200)[0]["connected"]
        .as_bool()
        .unwrap_or(false)
    {
        assert!(Instant::now() < deadline, "the agent did not connect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let jobs = api.server.jobs().clone();
    let definition = jobs.definition_with_secrets(&job_id).await.unwrap();
    let via_agent = provisio_server::targets::connect(api.server.store(), &definition, jobs.reach())
        .await
        .unwrap();
    let direct = provisio_connectors::ldap::connect(&ldap_target(&ldap)).await.unwrap();
    let values = values();
    let expected = singles(direct.as_ref(), "uid", &values).await;

    let before = ldap.operations("Search");
    let found = via_agent.find_many(SourceKind::User, "uid", &values).await.unwrap();
    assert_eq!(ids(&found), ids(&expected));
    assert_eq!(
        searches_during(&ldap, before),
        2 + 1,
        "the agent's connector batches too"
    );
    let _ = stop.send(());
    agent.await.unwrap().unwrap();
    assert_eq!(
        agent_replies(&proxy),
        ["found_many"],
        "one relay operation for 120 values"
    );
}

/// scim2-server evaluates a filter by scanning every user once per term:
/// with a thousand users a batch of 50 costs it far more than 50 single
/// queries, which it answers by index. The first batch is timed against one
/// value alone, and the run asks one value at a time from then on.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs scim2-server (cargo xtask test)"]
async fn scim_batches_that_do_not_pay_are_given_up_for_the_run() {
    let Some(target) = ScimTarget::start() else { return };
    let direct = connector(&target.base_url(), target.token(), fast_options());
    for i in 0..1_000 {
        let user = attributes(&[("userName", Value::str(format!("u{i}@x.org")))]);
        direct.create(SourceKind::User, &user).await.unwrap();
    }
    let proxy = FaultProxy::start(&target.base_url(), Faults::default());
    let scim = connector(&proxy.base_url(), target.token(), fast_options());
    let values: Vec<Value> = (0..100).map(|i| Value::str(format!("u{}@x.org", i * 9))).collect();
    let found = scim.find_many(SourceKind::User, "userName", &values).await.unwrap();
    assert!(found.iter().all(|f| f.len() == 1), "every value found once");
    let sent: Vec<String> = proxy.events().iter().map(|e| e.target.clone()).collect();
    let combined = sent.iter().filter(|t| t.contains("+or+")).count();
    // The configuration, the probe twice, the one timed batch (whose 50
    // values it answered), then the next 50 values alone.
    assert_eq!(combined, 1, "{sent:#?}");
    assert_eq!(sent.len(), 1 + 2 + 1 + 50, "{sent:#?}");
}
