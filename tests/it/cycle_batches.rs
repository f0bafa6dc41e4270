//! A cycle a page at a time (issue 17): an initial cycle into another
//! Provisio's SCIM service, counted through a recording proxy, matches each
//! page's unlinked users with a few `or` filters (one per 50 users, not one
//! query per user),
//! creates the ones not found, links the ones found (no duplicate), and
//! reads nothing back; its log entries are all written. The next cycle
//! reads the linked users by id and matches nothing. A stopped initial
//! cycle resumes after its last committed page, and the changes made
//! meanwhile reach the target through the next incremental cycle.

use provisio_api::jobs::JOBS_PATH;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use provisio_server::cycle::run::{Mode, RunOptions, run_cycle, run_cycle_with};
use provisio_server::directory::{DirectoryError, User, UserDraft};
use provisio_server::logs::LogFilter;
use provisio_tests::fault_proxy::{FaultProxy, Faults};
use provisio_tests::scim_target::ScimTarget;
use serde_json::json;

use crate::admin_api::{Api, with_api};
use crate::backends::{Backend, backend_test};
use crate::scim::Scim;

/// Users in the directory: a page of 200 and part of another.
const USERS: usize = 250;
/// Of them, already in the target before the first cycle.
const ALREADY_THERE: usize = 30;

backend_test!(
    an_initial_cycle_matches_each_page_in_batches_and_creates_no_duplicate,
    with_api,
    async |api: &Api| {
        // The target: another Provisio's SCIM service, which reads an `or`
        // of userName equalities by its index (so batches pay).
        let target_db = Backend::sqlite();
        let target = Scim::start(&target_db.url).await;
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
        for i in 0..ALREADY_THERE {
            // Another case than the directory's: the match ignores it.
            target
                .create_user(&format!("USER{i:03}@contoso.com"), json!({"active": true}))
                .await;
        }

        let proxy = FaultProxy::start(&target.url(""), Faults::default());
        let job = json!({
            "name": "batched",
            "target": {"kind": "scim", "base_url": proxy.base_url(), "auth": {"bearer_token": target.token}},
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
            target.get("/Users?count=0").await.body["totalResults"],
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
        // Two pages: 200 users in 4 batches of 50, then 50 in one; and the
        // first batch's first user asked alone twice, timing whether
        // batches pay.
        assert_eq!(filters, 2 + 5, "{filters} matching queries for {USERS} users");
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
        target.server.shutdown().await;
    }
);

backend_test!(
    a_stopped_initial_cycle_resumes_after_its_last_page_and_leaves_later_changes_to_incremental_cycles,
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
                draft.attributes.insert("givenName".into(), json!("Before"));
                draft
            })
            .collect();
        let users = directory.create_users(drafts).await.unwrap();
        let job = json!({
            "name": "resumable",
            "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
            "objects": [
                {"source": "user", "target": "User", "mappings": [
                    {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                    {"target": "name.givenName", "expression": "[givenName]"}
                ]}
            ]
        });
        let job_id = api.post(JOBS_PATH, job).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let jobs = api.server.jobs().clone();

        // Stopped: the cycle ends after its first page.
        let stop = RunOptions {
            stop: Some(Arc::new(AtomicBool::new(true))),
            ..RunOptions::default()
        };
        let first = run_cycle_with(api.server.store(), &jobs, &job_id, Mode::Initial, &stop)
            .await
            .unwrap();
        assert_eq!(first.objects, 200, "{first:?}");
        assert!(first.stopped.is_some(), "{first:?}");

        // Meanwhile a user of that first page changes.
        let mut by_id: Vec<_> = users.iter().map(|u| u.id.clone()).collect();
        by_id.sort();
        let changed = by_id[0].clone();
        directory
            .modify_user(&changed, None, |user: &User| {
                let mut draft = user.draft();
                draft.attributes.insert("givenName".into(), json!("After"));
                Ok::<_, DirectoryError>(draft)
            })
            .await
            .unwrap();

        // Resumed: only the rest, then the initial cycle is done.
        let rest = run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        assert_eq!(rest.objects, (USERS - 200) as u64, "{rest:?}");
        assert_eq!(rest.actions.get("create").copied(), Some((USERS - 200) as u64));
        assert_eq!(crate::target::resources(&target, "Users").await.len(), USERS);
        let state = api.server.store().cycle_state(&job_id);
        assert!(state.status().await.unwrap().initial_done);

        // The change made while it was stopped is not lost: the watermark
        // stayed where the initial cycle first began.
        let incremental = run_cycle(api.server.store(), &jobs, &job_id, Mode::Incremental)
            .await
            .unwrap();
        assert_eq!(incremental.actions.get("update").copied(), Some(1), "{incremental:?}");
        let target_users = crate::target::resources(&target, "Users").await;
        let after = target_users
            .iter()
            .filter(|u| u["name"]["givenName"] == "After")
            .count();
        assert_eq!(after, 1);

        // A further initial cycle (after a restart) starts from the beginning.
        state.restart().await.unwrap();
        let again = run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        assert_eq!(again.objects, USERS as u64, "{again:?}");
    }
);
