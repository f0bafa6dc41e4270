//! A cycle a page at a time (issue 17): an initial cycle into scim2-server,
//! counted through a recording proxy, matches each page's unlinked users
//! with a few `or` filters (one per 50 users, not one query per user),
//! creates the ones not found, links the ones found (no duplicate), and
//! reads nothing back; its log entries are all written. The next cycle
//! reads the linked users by id and matches nothing.

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_server::directory::UserDraft;
use provisio_server::logs::LogFilter;
use provisio_tests::fault_proxy::{FaultProxy, Faults};
use provisio_tests::scim_target::ScimTarget;
use serde_json::json;

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

/// Users in the directory: a page of 200 and part of another.
const USERS: usize = 250;
/// Of them, already in the target before the first cycle.
const ALREADY_THERE: usize = 30;

backend_test!(
    an_initial_cycle_matches_each_page_in_batches_and_creates_no_duplicate,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let directory = api.server.store().directory();
        let drafts = (0..USERS)
            .map(|i| {
                let mut draft = UserDraft::default();
                draft
                    .attributes
                    .insert("userPrincipalName".into(), json!(format!("user{i:03}@contoso.com")));
                draft.attributes.insert("givenName".into(), json!(format!("User {i}")));
                draft
            })
            .collect();
        directory.create_users(drafts).await.unwrap();
        let client = reqwest::Client::new();
        for i in 0..ALREADY_THERE {
            let answer = client
                .post(format!("{}/Users", target.base_url()))
                .bearer_auth(target.token())
                .json(&json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    // Another case than the directory's: the match ignores it.
                    "userName": format!("USER{i:03}@contoso.com"),
                    "name": {"givenName": format!("User {i}")},
                    "active": true
                }))
                .send()
                .await
                .unwrap();
            assert!(answer.status().is_success(), "{:?}", answer.text().await);
        }

        let proxy = FaultProxy::start(&target.base_url(), Faults::default());
        let job = json!({
            "name": "batched",
            "target": {"kind": "scim", "base_url": proxy.base_url(), "auth": {"bearer_token": target.token()}},
            "objects": [
                {"source": "user", "target": "User", "mappings": [
                    {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                    {"target": "name.givenName", "expression": "[givenName]"},
                    {"target": "active", "expression": "Not([IsSoftDeleted])"}
                ]}
            ]
        });
        let job_id = api.post(JOBS_PATH, job).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let jobs = api.server.jobs().clone();

        let report = run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        assert_eq!(report.failures, 0, "{report:?}");
        assert_eq!(report.objects, USERS as u64, "{report:?}");
        assert_eq!(
            report.actions.get("create").copied(),
            Some((USERS - ALREADY_THERE) as u64),
            "{report:?}"
        );
        assert_eq!(
            crate::target::resources(&target, "Users").await.len(),
            USERS,
            "the users already there were linked, not created again"
        );
        let events = proxy.events();
        let filters = events
            .iter()
            .filter(|e| e.method == "GET" && e.target.contains("filter="))
            .count();
        let creates = events.iter().filter(|e| e.method == "POST").count();
        let reads = events
            .iter()
            .filter(|e| e.method == "GET" && e.target.contains("/Users/"))
            .count();
        // Two pages: 200 users in 4 batches of 50, then 50 in one.
        assert!(filters <= 5, "{filters} matching queries for {USERS} users");
        assert_eq!(creates, USERS - ALREADY_THERE, "one request per create");
        assert_eq!(reads, 0, "nothing read back");
        let logged = api
            .server
            .store()
            .logs()
            .count(&LogFilter {
                job: Some(job_id.clone()),
                cycle: Some(report.cycle_id.clone()),
                ..LogFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(logged, USERS, "one entry per user, written a page at a time");

        // Every user is linked now: read back by id, never matched again.
        let before = proxy.events().len();
        let again = run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        assert_eq!(again.failures, 0, "{again:?}");
        assert_eq!(again.actions.get("create"), None, "{again:?}");
        let later = &proxy.events()[before..];
        assert_eq!(later.iter().filter(|e| e.target.contains("filter=")).count(), 0);
        assert_eq!(
            later
                .iter()
                .filter(|e| e.method == "GET" && e.target.contains("/Users/"))
                .count(),
            USERS
        );
    }
);
