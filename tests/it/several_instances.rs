//! Several instances on one PostgreSQL database (issue 18), as real
//! `provisio serve` processes: jobs spread over the instances and each run
//! by one; an instance killed in the middle of an initial cycle, its job
//! resumed by another from the saved cursor; a paused instance that must
//! not write after its lease passed on (fencing); a directory change
//! through one instance reaching a realtime job held by another; inbound
//! requests posted to two instances, each record processed once.
//!
//! The target is a second Provisio in this process (its `/scim/v2`, fast
//! and real), behind `provisio_tests::fault_proxy` where the requests are
//! counted or slowed so that a kill lands in the middle of a cycle.

mod cluster;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use provisio_api::auth::TokenScope;
use provisio_tests::fault_proxy::{Event, FaultProxy, Faults};
use reqwest::Method;
use serde_json::{Value, json};

use crate::admin_api::{Api, create_token};
use crate::agent::AgentProcess;
use crate::backends::Backend;
use cluster::{Cluster, job};

/// Where the target's users are read from and counted.
struct Target {
    api: Api,
    token: String,
    /// Holds the target's database folder.
    _backend: Backend,
}

impl Target {
    async fn start() -> Target {
        let backend = Backend::sqlite();
        let api = Api::start(&backend).await;
        let token = create_token(&api.server, TokenScope::Scim).await;
        Target {
            api,
            token,
            _backend: backend,
        }
    }

    fn scim_url(&self) -> String {
        format!("{}/scim/v2", self.api.server.base_url())
    }

    async fn user_count(&self) -> usize {
        self.api.server.store().directory().user_count().await.unwrap()
    }

    /// How many users the target holds with each userName prefix (up to the first dot).
    async fn users_by_prefix(&self) -> BTreeMap<String, usize> {
        let mut by_prefix = BTreeMap::new();
        self.api
            .server
            .store()
            .directory()
            .scan_users(None, |user| {
                let upn = user.attributes["userPrincipalName"].as_str().unwrap_or_default();
                let prefix = upn.split_once('.').map_or("", |(p, _)| p).to_owned();
                *by_prefix.entry(prefix).or_default() += 1;
            })
            .await
            .unwrap();
        by_prefix
    }

    /// Waits until the target holds `n` users.
    async fn wait_for_users(&self, n: usize, within: Duration, cluster: &Cluster) {
        let deadline = Instant::now() + within;
        while self.user_count().await < n {
            assert!(
                Instant::now() < deadline,
                "the target holds {} of {n} users after {within:?}\n{}",
                self.user_count().await,
                cluster.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A proxy in front of the target delaying every request by up to
/// `max_delay`, so that a cycle lasts long enough to be interrupted; it
/// counts the requests too.
fn slowed(target: &Target, max_delay: Duration) -> FaultProxy {
    FaultProxy::start(
        &target.scim_url(),
        Faults {
            delay: 1.0,
            max_delay,
            ..Faults::default()
        },
    )
}

/// Asserts that the target holds `users` accounts and that the proxy in
/// front of it saw exactly one create for each, none refused as existing;
/// every request the proxy saw.
async fn each_created_once(target: &Target, proxy: &FaultProxy, users: usize) -> Vec<Event> {
    assert_eq!(target.user_count().await, users);
    let events = proxy.events();
    let (creates, _) = creates_and_matched(&events);
    assert_eq!(creates, users, "one create per user, none repeated");
    assert!(
        events.iter().all(|e| e.status != 409),
        "no create met an existing account"
    );
    events
}

/// Creates sent (`POST …/Users`) and the userNames asked for by matching
/// queries (a filter in the URL or a `/.search` body), among `events`.
fn creates_and_matched(events: &[Event]) -> (usize, usize) {
    let creates = events
        .iter()
        .filter(|e| e.method == "POST" && e.target.ends_with("/Users"))
        .count();
    let matched = events
        .iter()
        .filter(|e| {
            (e.method == "GET" && e.target.contains("filter="))
                || (e.method == "POST" && e.target.ends_with("/.search"))
        })
        .map(|e| {
            let text = format!("{} {}", e.target, e.body).replace("%20", " ").replace('+', " ");
            text.matches("userName eq").count()
        })
        .sum();
    (creates, matched)
}

/// Waits until the job's initial cycle is done, as instance `i` reports it.
async fn wait_initial_done(cluster: &Cluster, i: usize, job: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let status = cluster.status(i, job).await;
        if status["initial_cycle_done"] == true {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the initial cycle is not done after {within:?}: {status}\n{}",
            cluster.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn six_jobs_on_three_instances_each_run_by_one_and_every_account_made_once() {
    let Some(cluster) = Cluster::start(3).await else { return };
    let target = Target::start().await;
    cluster.seed_users(40).await;
    let mut jobs = Vec::new();
    for n in 0..6 {
        let definition = job(
            &format!("app{n}"),
            &target.scim_url(),
            &target.token,
            &format!("j{n}."),
            false,
        );
        jobs.push(cluster.start_job(n % 3, definition).await);
    }
    target.wait_for_users(240, Duration::from_secs(60), &cluster).await;
    for job in &jobs {
        wait_initial_done(&cluster, 0, job, Duration::from_secs(30)).await;
    }

    // Each job is held by exactly one instance, and the jobs are spread.
    let mut holders: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut loads = Vec::new();
    for i in 0..3 {
        let held = cluster.held(i).await.expect("every instance answers");
        loads.push(held.len());
        for job in held {
            holders.entry(job).or_default().push(i);
        }
    }
    for job in &jobs {
        assert_eq!(holders.get(job).map(Vec::len), Some(1), "{job}: {holders:?}");
        // The job's status names the same instance, through any instance.
        let holder = holders[job][0];
        let status = cluster.status((holder + 1) % 3, job).await;
        let listen = cluster.instances[holder].url.trim_start_matches("http://");
        assert_eq!(status["held_by"]["listen"], json!(listen), "{status}");
    }
    assert!(
        loads.iter().filter(|n| **n > 0).count() >= 2,
        "the jobs are spread over at least two instances: {loads:?}"
    );
    assert!(
        loads.iter().all(|n| *n <= 2),
        "no instance runs more than its share: {loads:?}"
    );

    // Every account once, and no run failed (a second create would).
    let by_prefix = target.users_by_prefix().await;
    assert_eq!(by_prefix.len(), 6, "{by_prefix:?}");
    assert!(by_prefix.values().all(|n| *n == 40), "{by_prefix:?}");
    for job in &jobs {
        assert_eq!(cluster.failures(0, job).await["total"], 0);
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn a_killed_instances_job_is_resumed_by_another_from_its_saved_cursor() {
    const USERS: usize = 5_000;
    let Some(mut cluster) = Cluster::start(3).await else {
        return;
    };
    let target = Target::start().await;
    // Slowed a little, so that the kill lands in the middle of the cycle.
    let proxy = slowed(&target, Duration::from_millis(4));
    cluster.seed_users(USERS).await;
    let job_id = cluster
        .start_job(0, job("failover", &proxy.base_url(), &target.token, "f.", false))
        .await;
    let holder = cluster.holder(&job_id, Duration::from_secs(20)).await;
    target.wait_for_users(1_000, Duration::from_secs(120), &cluster).await;
    cluster.instances[holder].kill();
    let killed_at = Instant::now();
    let at_kill = proxy.events().len();
    let created_at_kill = target.user_count().await;
    assert!(created_at_kill < USERS, "the cycle was over before the kill");

    // Another instance takes the job within the lease's time (15 s, plus
    // a scheduler pass), and finishes the cycle.
    let others: Vec<usize> = (0..3).filter(|i| *i != holder).collect();
    let deadline = killed_at + Duration::from_secs(30);
    let new_holder = loop {
        let mut found = None;
        for &i in &others {
            if cluster.held(i).await.is_some_and(|held| held.contains(&job_id)) {
                found = Some(i);
            }
        }
        if let Some(i) = found {
            break i;
        }
        assert!(
            Instant::now() < deadline,
            "no instance took the job over\n{}",
            cluster.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    eprintln!(
        "taken over by instance {new_holder} {:?} after the kill",
        killed_at.elapsed()
    );
    wait_initial_done(&cluster, new_holder, &job_id, Duration::from_secs(180)).await;

    // Exactly the directory's users, each created once: the page in flight
    // was matched (or its create intents reconciled), not created again.
    let events = each_created_once(&target, &proxy, USERS).await;
    // Resumed from the cursor, not from zero: after the kill, the new
    // holder asked the target about the users not yet provisioned (and a
    // page or two around the cursor), not about all of them again.
    let (_, matched_after) = creates_and_matched(&events[at_kill..]);
    let left = USERS - created_at_kill;
    assert!(
        matched_after <= left + 600,
        "matching after the takeover asked for {matched_after} userNames; {left} were left"
    );
    assert_eq!(cluster.failures(new_holder, &job_id).await["total"], 0);
}

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn a_paused_instance_writes_nothing_after_its_lease_passed_on() {
    const USERS: usize = 3_000;
    let Some(cluster) = Cluster::start(2).await else { return };
    let target = Target::start().await;
    let proxy = slowed(&target, Duration::from_millis(6));
    cluster.seed_users(USERS).await;
    let job_id = cluster
        .start_job(0, job("fenced", &proxy.base_url(), &target.token, "p.", false))
        .await;
    let holder = cluster.holder(&job_id, Duration::from_secs(20)).await;
    let other = 1 - holder;
    target.wait_for_users(300, Duration::from_secs(120), &cluster).await;
    cluster.instances[holder].signal("STOP");
    let paused_count = target.user_count().await;

    // The other instance takes the job over once the paused one's
    // heartbeat and lease expired, and writes.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cluster.held(other).await.is_some_and(|held| held.contains(&job_id)) {
        assert!(
            Instant::now() < deadline,
            "the job was not taken over\n{}",
            cluster.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    target
        .wait_for_users(paused_count + 200, Duration::from_secs(60), &cluster)
        .await;

    // Woken, the old holder finds its lease lost: it stops writing and
    // commits nothing; the new holder finishes.
    cluster.instances[holder].signal("CONT");
    wait_initial_done(&cluster, other, &job_id, Duration::from_secs(180)).await;
    each_created_once(&target, &proxy, USERS).await;
    assert_eq!(cluster.failures(other, &job_id).await["total"], 0);
    let log = cluster.log();
    assert!(
        log.contains("this run stops writing") || log.contains("lost the job's lease"),
        "the paused instance said it stopped writing\n{log}"
    );
    // Still no takeover back: the woken instance is live again, but the job stays.
    assert!(cluster.held(other).await.unwrap().contains(&job_id));
}

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn a_change_through_one_instance_reaches_a_realtime_job_held_by_another_within_two_seconds() {
    let Some(cluster) = Cluster::start(2).await else { return };
    let target = Target::start().await;
    cluster.seed_users(10).await;
    let job_id = cluster
        .start_job(0, job("realtime", &target.scim_url(), &target.token, "r.", true))
        .await;
    let holder = cluster.holder(&job_id, Duration::from_secs(20)).await;
    let other = 1 - holder;
    wait_initial_done(&cluster, holder, &job_id, Duration::from_secs(30)).await;
    target.wait_for_users(10, Duration::from_secs(10), &cluster).await;

    // Changed through the instance that does not hold the job.
    let users = cluster
        .call(other, Method::GET, "/api/v1/directory/users?limit=1", None)
        .await;
    let user = &users["items"][0];
    let id = user["id"].as_str().unwrap();
    let upn = user["attributes"]["userPrincipalName"].as_str().unwrap().to_owned();
    let changed = Instant::now();
    cluster
        .call(
            other,
            Method::PATCH,
            &format!("/api/v1/directory/users/{id}"),
            Some(json!({"attributes": {"jobTitle": "Principal"}})),
        )
        .await;
    let lookup = provisio_server::directory::UserLookup::UserPrincipalName(format!("r.{upn}"));
    loop {
        let mut title = None;
        target
            .api
            .server
            .store()
            .directory()
            .scan_users(Some(&lookup), |u| title = u.attributes.get("jobTitle").cloned())
            .await
            .unwrap();
        if title == Some(json!("Principal")) {
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_secs(2),
            "the change did not reach the target within 2 s\n{}",
            cluster.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("change to target: {:?}", changed.elapsed());
}

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn inbound_requests_posted_to_two_instances_are_each_processed_once() {
    use provisio_api::inbound::{BULK_REQUEST_SCHEMA, SCIM_JSON, USER_SCHEMA, bulk_upload_path};
    const REQUESTS: usize = 40;
    const PER_REQUEST: usize = 50;
    let Some(cluster) = Cluster::start(2).await else { return };
    let definition = serde_json::to_value(provisio_engine::job::templates::inbound("HR")).unwrap();
    let job_id = cluster.start_job(0, definition).await;
    let token = cluster
        .call(
            1,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"scope": "inbound", "job": "HR"})),
        )
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let http = reqwest::Client::new();
    // All at once, alternately to each instance, waiting out the job's rate limit.
    let uploads = (0..REQUESTS).map(|r| {
        let (http, token, job_id) = (http.clone(), token.clone(), job_id.clone());
        let url = format!("{}{}", cluster.instances[r % 2].url, bulk_upload_path(&job_id));
        async move {
            let operations: Vec<Value> = (0..PER_REQUEST)
                .map(|k| {
                    let n = r * PER_REQUEST + k;
                    json!({"method": "POST", "bulkId": format!("b{n}"), "path": "/Users", "data": {
                        "schemas": [USER_SCHEMA],
                        "externalId": format!("E{n:05}"),
                        "userName": format!("person{n}@contoso.com"),
                        "name": {"givenName": "Person", "familyName": format!("Number {n}")},
                        "active": true
                    }})
                })
                .collect();
            let body =
                serde_json::to_vec(&json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": operations})).unwrap();
            loop {
                let answer = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header(reqwest::header::CONTENT_TYPE, SCIM_JSON)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                if answer.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
                assert_eq!(answer.status(), reqwest::StatusCode::ACCEPTED);
                let location = answer.headers()[reqwest::header::LOCATION].to_str().unwrap().to_owned();
                return (r % 2, location);
            }
        }
    });
    let locations = futures_util::future::join_all(uploads).await;
    // Each request done, each of its records once, whichever instance took it.
    let deadline = Instant::now() + Duration::from_secs(120);
    for (i, location) in &locations {
        loop {
            let answer = http
                .get(format!("{}{location}", cluster.instances[*i].url))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let status: Value = answer.json().await.unwrap();
            if status["state"] == "done" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{location} not processed: {status}\n{}",
                cluster.log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let total = REQUESTS * PER_REQUEST;
    let store = provisio_server::store::Store::open(&cluster.database).await.unwrap();
    assert_eq!(store.directory().user_count().await.unwrap(), total);
    let logs = cluster
        .call(0, Method::GET, &format!("/api/v1/logs?job={job_id}&limit=1"), None)
        .await;
    assert_eq!(
        logs["total"],
        json!(total),
        "one log entry per record: each processed once"
    );
    let created = cluster
        .call(
            0,
            Method::GET,
            &format!("/api/v1/logs?job={job_id}&action=create&limit=1"),
            None,
        )
        .await;
    assert_eq!(
        created["total"],
        json!(total),
        "every record created its user; none was processed again"
    );
    store.close().await;
    // Uploads that arrived together, at either instance, took distinct numbers.
    sqlx::any::install_default_drivers();
    let database = sqlx::AnyPool::connect(&cluster.database).await.unwrap();
    let (numbers, distinct): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT seq) FROM inbound_requests WHERE job_id = $1")
            .bind(&job_id)
            .fetch_one(&database)
            .await
            .unwrap();
    assert_eq!((numbers, distinct), (REQUESTS as i64, REQUESTS as i64));
}

/// Two SQL tables only the agent reaches (SQLite files in `dir`), with
/// their jobs through the agent `agent`, created and started; the jobs'
/// ids and the tables' pools.
async fn jobs_through_an_agent(
    cluster: &Cluster,
    agent: &str,
    dir: &std::path::Path,
) -> (Vec<String>, Vec<sqlx::AnyPool>) {
    sqlx::any::install_default_drivers();
    let (mut jobs, mut pools) = (Vec::new(), Vec::new());
    for name in ["a", "b"] {
        let url = format!("sqlite://{}", dir.join(format!("{name}.db")).display());
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&format!("{url}?mode=rwc"))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE users (id TEXT PRIMARY KEY, user_name TEXT UNIQUE, title TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        let definition = json!({
            "name": name,
            "target": {"kind": "sql", "url": url, "users_table": "users", "key_column": "id", "via_agent": agent},
            "scope": "all",
            "schedule": {"interval_seconds": 3600},
            "objects": [{"source": "user", "target": "User", "mappings": [
                {"target": "user_name", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "title", "expression": "[jobTitle]"}
            ]}]
        });
        jobs.push(cluster.start_job(0, definition).await);
        pools.push(pool);
    }
    (jobs, pools)
}

/// An agent token for `agent`, and the agent started polling `server`.
async fn start_agent(cluster: &Cluster, agent: &str, server: &str, dir: &std::path::Path) -> AgentProcess {
    let token = cluster
        .call(
            0,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"scope": "agent", "agent": agent})),
        )
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let process = AgentProcess::start(server, &token, &dir.join("agent.log"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while cluster.call(0, Method::GET, "/api/v1/agents", None).await[0]["last_contact_at"].is_null() {
        assert!(Instant::now() < deadline, "the agent did not connect");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    process
}

/// Waits for both jobs' initial cycles, without failures, and 30 rows in each table.
async fn provisioned_through_the_agent(cluster: &Cluster, jobs: &[String], pools: &[sqlx::AnyPool], within: Duration) {
    for job in jobs {
        wait_initial_done(cluster, 0, job, within).await;
        assert_eq!(cluster.failures(0, job).await["total"], 0);
    }
    for pool in pools {
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(rows, 30);
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn an_agent_polling_one_instance_serves_a_job_held_by_another() {
    const AGENT: &str = "datacenter-1";
    let Some(cluster) = Cluster::start(2).await else { return };
    cluster.seed_users(30).await;
    let dir = tempfile::tempdir().unwrap();
    let _agent = start_agent(&cluster, AGENT, &cluster.instances[0].url, dir.path()).await;
    // Two jobs through the agent: the instances hold one each, so one of
    // them runs on the instance the agent does not poll.
    let (jobs, pools) = jobs_through_an_agent(&cluster, AGENT, dir.path()).await;
    let holders = [
        cluster.holder(&jobs[0], Duration::from_secs(20)).await,
        cluster.holder(&jobs[1], Duration::from_secs(20)).await,
    ];
    assert!(
        holders.contains(&1),
        "a job is held by the instance the agent does not poll: {holders:?}"
    );
    provisioned_through_the_agent(&cluster, &jobs, &pools, Duration::from_secs(60)).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn an_agent_behind_a_round_robin_balancer_serves_both_instances_jobs_promptly() {
    const AGENT: &str = "datacenter-2";
    let Some(cluster) = Cluster::start(2).await else { return };
    cluster.seed_users(30).await;
    // Every call of the agent's goes to the next instance: its polls and
    // its results reach different instances half the time.
    let balancer = FaultProxy::round_robin(&[&cluster.instances[0].url, &cluster.instances[1].url]);
    let dir = tempfile::tempdir().unwrap();
    let _agent = start_agent(&cluster, AGENT, &balancer.base_url(), dir.path()).await;
    let (jobs, pools) = jobs_through_an_agent(&cluster, AGENT, dir.path()).await;
    // Results posted to the instance that did not hand the operation out
    // are passed on to the one that did: no operation waits for a poll
    // that happens to reach the right instance, none times out.
    provisioned_through_the_agent(&cluster, &jobs, &pools, Duration::from_secs(30)).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn instances_hear_of_each_others_writes_and_uploads_by_notification() {
    use provisio_server::events::{Events, listen_forever};
    let Some(database) = provisio_tests::postgres::fresh_database().await else {
        return;
    };
    let store = provisio_server::store::Store::open(&database).await.unwrap();
    // Only the listener, no polling: what reaches `events` was announced.
    let events = Events::new(0);
    let mut changes = events.changes();
    let mut uploads = events.uploads();
    let listener = tokio::spawn(listen_forever(database.clone(), events.clone()));
    // The listener is connected once a first announcement gets through.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut n = 0;
    loop {
        n += 1;
        let draft = provisio_server::directory::UserDraft {
            attributes: json!({"userPrincipalName": format!("heard{n}@contoso.com")})
                .as_object()
                .unwrap()
                .clone(),
            scim_extra: None,
        };
        store.directory().create_users(vec![draft]).await.unwrap();
        if tokio::time::timeout(Duration::from_millis(500), changes.changed())
            .await
            .is_ok()
        {
            break;
        }
        assert!(Instant::now() < deadline, "no directory change was announced");
    }
    assert_eq!(*changes.borrow(), store.directory().latest_change().await.unwrap());
    // A write that changed nothing announces nothing.
    store.directory().create_users(vec![]).await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), changes.changed())
            .await
            .is_err()
    );
    // An upload stored by another instance (its announcement, as sent).
    use sqlx::Connection as _;
    let mut connection = sqlx::AnyConnection::connect(&database).await.unwrap();
    sqlx::query("SELECT pg_notify('provisio_uploads', 'job')")
        .execute(&mut connection)
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(2), uploads.changed())
        .await
        .expect("an upload announced on another connection wakes the inbound workers")
        .unwrap();
    listener.abort();
    store.close().await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn three_instances_together_allow_about_the_sign_in_limit_not_three_times_it() {
    let Some(cluster) = Cluster::start(3).await else { return };
    // Every instance has seen the others (a scheduler pass each).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut seen = 0;
        for i in 0..3 {
            let text = reqwest::Client::new()
                .get(format!("{}/metrics", cluster.instances[i].url))
                .bearer_auth(cluster.token())
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            seen += usize::from(text.contains("provisio_instances_live 3"));
        }
        if seen == 3 {
            break;
        }
        assert!(Instant::now() < deadline, "the instances did not see each other");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // One name guessed from one address, round robin over the instances:
    // 5 failures per name in all (each instance allows 2 of them).
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for attempt in 0..9 {
        let answer = http
            .post(format!(
                "{}{}",
                cluster.instances[attempt % 3].url,
                provisio_api::auth::SESSION_PATH
            ))
            .json(&json!({"name": "mallory", "password": "not the password at all"}))
            .send()
            .await
            .unwrap();
        statuses.push(answer.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 401, 429, 429, 429], "{statuses:?}");
}
