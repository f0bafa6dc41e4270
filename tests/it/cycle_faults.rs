//! Fault injection (issue 5): with a target that answers a share of requests
//! with 500 and with 429 (`Retry-After: 1`), delays others, and applies some
//! requests but answers them 500 (so a retried create must be resolved by
//! matching), a job's cycles escrow the failures, retry them once due, and
//! converge once the faults stop — exactly one target user per directory
//! user, with the directory's latest values, a failure log entry for every
//! failed attempt and a success for every user. The target is scim2-server
//! (`provisio_tests::scim_target`) behind `provisio_tests::fault_proxy`,
//! whose seeded choice of faults makes the run repeatable.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use provisio_api::jobs::JOBS_PATH;
use provisio_server::cycle::policy::quarantine::QuarantineOptions;
use provisio_server::cycle::run::{CycleReport, Mode, RunOptions, run_cycle_with};
use provisio_server::directory::{DirectoryError, User, UserDraft};
use provisio_server::jobs::Jobs;
use provisio_server::logs::{LogAction, LogEntry, LogFilter, LogStatus};
use provisio_tests::fault_proxy::{Fault, FaultProxy, Faults};
use provisio_tests::scim_target::ScimTarget;
use serde_json::{Map, Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

/// Directory users before the first cycle.
const USERS: usize = 150;
/// Directory users added while the faults are on.
const ADDED: usize = 30;
/// Cycles after the faults stop before the job must have no escrows left.
const SETTLE_CYCLES: u64 = 5;

fn faults() -> Faults {
    Faults {
        seed: 0x5EED_F00D,
        server_error: 0.025,
        throttle: 0.04,
        ambiguous: 0.08,
        delay: 0.05,
        max_delay: Duration::from_millis(100),
    }
}

/// Scaled-down quarantine rules whose failure share (50 %) is well above
/// the share of requests the proxy fails, so the job is never quarantined
/// for it, while a target failing most requests still would be.
fn quarantine() -> QuarantineOptions {
    QuarantineOptions {
        min_failures: 5,
        max_failure_percent: 50,
        max_failures: 1_000,
        max_failures_with_references: 1_000,
        ..QuarantineOptions::default()
    }
}

fn job(base_url: &str, token: &str) -> Value {
    json!({
        "name": "faulty",
        "target": {"kind": "scim", "base_url": base_url, "auth": {"bearer_token": token}},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "name.givenName", "expression": "[givenName]"},
                {"target": "title", "expression": "[jobTitle]"},
                {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"}
            ]}
        ]
    })
}

/// What the target should hold for one directory user.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expected {
    given: String,
    title: String,
    active: bool,
}

/// The test's model of the directory: id and expected target values, by userName.
struct Model {
    ids: Vec<String>,
    expected: BTreeMap<String, Expected>,
}

fn upn(i: usize) -> String {
    format!("user{i:03}@faults.example")
}

fn draft(i: usize) -> UserDraft {
    let mut attributes = Map::new();
    attributes.insert("userPrincipalName".into(), json!(upn(i)));
    attributes.insert("displayName".into(), json!(format!("User {i:03}")));
    attributes.insert("givenName".into(), json!(format!("Given{i}")));
    attributes.insert("jobTitle".into(), json!(format!("Title {i}")));
    UserDraft {
        attributes,
        scim_extra: None,
    }
}

async fn seed(api: &Api) -> Model {
    let drafts = (0..USERS).map(draft).collect();
    let users = api.server.store().directory().create_users(drafts).await.unwrap();
    let mut model = Model {
        ids: Vec::new(),
        expected: BTreeMap::new(),
    };
    for user in users {
        model.track(user.id);
    }
    model
}

impl Model {
    /// Follows user `ids.len()`, as [`draft`] makes it.
    fn track(&mut self, id: String) {
        let i = self.ids.len();
        self.ids.push(id);
        self.expected.insert(
            upn(i),
            Expected {
                given: format!("Given{i}"),
                title: format!("Title {i}"),
                active: true,
            },
        );
    }

    /// Adds the next user to the directory.
    async fn add(&mut self, api: &Api) {
        let user = api
            .server
            .store()
            .directory()
            .create_user(draft(self.ids.len()))
            .await
            .unwrap();
        self.track(user.id);
    }

    /// Sets a directory attribute of user `i` (and what the target should then hold).
    async fn set(&mut self, api: &Api, i: usize, name: &str, value: Value) {
        api.server
            .store()
            .directory()
            .modify_user(&self.ids[i], None, |user: &User| {
                let mut draft = user.draft();
                draft.attributes.insert(name.to_owned(), value.clone());
                Ok::<_, DirectoryError>(draft)
            })
            .await
            .unwrap();
        let expected = self.expected.get_mut(&upn(i)).unwrap();
        match name {
            "givenName" => expected.given = value.as_str().unwrap().to_owned(),
            "jobTitle" => expected.title = value.as_str().unwrap().to_owned(),
            "accountEnabled" => expected.active = value.as_bool().unwrap(),
            other => panic!("the model does not follow {other}"),
        }
    }

    /// Soft-deletes user `i`: the target keeps it, disabled.
    async fn delete(&mut self, api: &Api, i: usize) {
        api.server
            .store()
            .directory()
            .delete_user(&self.ids[i], None)
            .await
            .unwrap();
        self.expected.get_mut(&upn(i)).unwrap().active = false;
    }
}

/// Every user the target holds, read from the target itself (not through the proxy).
async fn target_users(target: &ScimTarget) -> Vec<Value> {
    crate::target::resources(target, "Users").await
}

/// Every log entry of the job.
async fn all_logs(api: &Api, job_id: &str) -> Vec<LogEntry> {
    let mut entries = Vec::new();
    loop {
        let page = api
            .server
            .store()
            .logs()
            .query(&LogFilter {
                job: Some(job_id.to_owned()),
                offset: entries.len(),
                limit: 500,
                ..LogFilter::default()
            })
            .await
            .unwrap();
        let n = page.items.len();
        entries.extend(page.items);
        if n == 0 || entries.len() >= page.total {
            return entries;
        }
    }
}

struct Runner<'a> {
    api: &'a Api,
    jobs: Jobs,
    job_id: String,
    started: SystemTime,
    /// Cycles run so far: cycle k runs as if k hours after `started`, so the
    /// escrows of the one before (at most 40 minutes of back-off) are due.
    cycles: u64,
    failures: u64,
}

impl Runner<'_> {
    async fn cycle(&mut self, mode: Mode) -> CycleReport {
        let now = self.started + Duration::from_secs(3600 * self.cycles);
        self.cycles += 1;
        let options = RunOptions {
            now: Some(now.into()),
            quarantine: quarantine(),
            ..RunOptions::default()
        };
        let clock = std::time::Instant::now();
        let report = run_cycle_with(self.api.server.store(), &self.jobs, &self.job_id, mode, &options)
            .await
            .unwrap();
        eprintln!("cycle {} ({mode:?}, {:?}): {report:?}", self.cycles, clock.elapsed());
        assert_eq!(report.quarantine, None, "{report:?}");
        assert_eq!((&report.skipped, &report.stopped), (&None, &None), "{report:?}");
        self.failures += report.failures;
        report
    }

    async fn escrows(&self) -> u64 {
        self.api
            .server
            .store()
            .cycle_state(&self.job_id)
            .escrow_count()
            .await
            .unwrap()
    }
}

backend_test!(
    cycles_converge_through_a_faulty_target_without_losing_or_duplicating_users,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        let proxy = FaultProxy::start(&target.base_url(), faults());
        let created = api.post(JOBS_PATH, job(&proxy.base_url(), target.token())).await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let mut runner = Runner {
            api,
            jobs: api.server.jobs().clone(),
            job_id: job_id.clone(),
            started: SystemTime::now(),
            cycles: 0,
            failures: 0,
        };
        let mut model = seed(api).await;

        // With faults: the initial cycle, then changes and incremental cycles.
        let report = runner.cycle(Mode::Initial).await;
        assert_eq!(report.objects, USERS as u64, "{report:?}");
        assert!(report.failures > 0, "the faults fail some users: {report:?}");
        assert!(runner.escrows().await > 0);
        for i in 0..40 {
            model.set(api, i, "jobTitle", json!(format!("Title {i} v2"))).await;
        }
        for i in 40..50 {
            model.set(api, i, "givenName", json!(format!("Given{i} v2"))).await;
        }
        for i in 50..53 {
            model.set(api, i, "accountEnabled", json!(false)).await;
        }
        model.delete(api, 53).await;
        let report = runner.cycle(Mode::Incremental).await;
        assert!(report.retried > 0, "due escrows are retried: {report:?}");
        for i in (0..20).chain(100..110) {
            model.set(api, i, "jobTitle", json!(format!("Title {i} v3"))).await;
        }
        model.set(api, 50, "accountEnabled", json!(true)).await;
        model.set(api, 41, "givenName", json!("Given41 v3")).await;
        for _ in 0..ADDED {
            model.add(api).await;
        }
        let report = runner.cycle(Mode::Incremental).await;
        assert!(report.failures > 0, "the faults fail some new users: {report:?}");
        assert!(runner.escrows().await > 0, "some failures are left for later cycles");
        let faulted = proxy.counts();
        eprintln!("with faults: {faulted:?}");
        assert!(
            faulted.server_errors > 0 && faulted.throttled > 0 && faulted.ambiguous > 0 && faulted.delayed > 0,
            "{faulted:?}"
        );

        // The faults stop: cycles until nothing is escrowed.
        proxy.set_enabled(false);
        let mut settled = false;
        for _ in 0..SETTLE_CYCLES {
            let report = runner.cycle(Mode::Incremental).await;
            assert_eq!(report.failures, 0, "no faults, no failures: {report:?}");
            if runner.escrows().await == 0 {
                settled = true;
                break;
            }
        }
        assert!(settled, "escrows left after {SETTLE_CYCLES} cycles without faults");
        // Nothing is left to do: an initial cycle finds every live user as it
        // should be, and the deleted one's account (still linked) disabled.
        let report = runner.cycle(Mode::Initial).await;
        let provisioned = (USERS + ADDED) as u64;
        assert_eq!(report.actions.get("skip"), Some(&provisioned), "{report:?}");
        let after = proxy.counts();
        assert_eq!(
            (after.server_errors, after.throttled, after.ambiguous, after.delayed),
            (
                faulted.server_errors,
                faulted.throttled,
                faulted.ambiguous,
                faulted.delayed
            ),
            "switched off, the proxy injects nothing"
        );

        // The target: one user per directory user, with the latest values.
        let users = target_users(&target).await;
        let mut by_name: HashMap<String, Vec<&Value>> = HashMap::new();
        for user in &users {
            let name = user["userName"].as_str().unwrap().to_lowercase();
            by_name.entry(name).or_default().push(user);
        }
        let duplicates: Vec<_> = by_name.iter().filter(|(_, found)| found.len() > 1).collect();
        assert!(duplicates.is_empty(), "duplicate target users: {duplicates:?}");
        assert_eq!(users.len(), USERS + ADDED, "one target user per directory user");
        for (name, expected) in &model.expected {
            let user = by_name
                .get(name)
                .unwrap_or_else(|| panic!("{name} is not in the target"))[0];
            let actual = Expected {
                given: user["name"]["givenName"].as_str().unwrap_or_default().to_owned(),
                title: user["title"].as_str().unwrap_or_default().to_owned(),
                active: user["active"].as_bool().unwrap_or(true),
            };
            assert_eq!(&actual, expected, "{name}: {user}");
        }

        // The logs: a failure entry for each failed attempt, a success for every user.
        let logs = all_logs(api, &job_id).await;
        let failures: Vec<_> = logs.iter().filter(|e| e.status == LogStatus::Failure).collect();
        assert_eq!(
            failures.len() as u64,
            runner.failures,
            "one failure entry per failed object"
        );
        for entry in &failures {
            let code = entry.error_code.as_deref().unwrap_or_default();
            assert!(
                ["InternalServerError", "TooManyRequests"].contains(&code),
                "an injected fault, not {code}: {entry:?}"
            );
        }
        // Creates are not retried by the connector: every create the proxy
        // answered 500 (applied or not) is one failed create in the logs.
        let failed_posts = proxy
            .events()
            .iter()
            .filter(|e| e.method == "POST" && matches!(e.fault, Some(Fault::ServerError | Fault::Ambiguous)))
            .count();
        let ambiguous_posts = proxy
            .events()
            .iter()
            .filter(|e| e.method == "POST" && e.fault == Some(Fault::Ambiguous))
            .count();
        assert!(ambiguous_posts > 0, "some creates were applied but answered 500");
        let failed_creates = failures
            .iter()
            .filter(|e| e.action == LogAction::Create && e.error_code.as_deref() == Some("InternalServerError"))
            .count();
        assert_eq!(failed_creates, failed_posts, "{failures:?}");
        // Every user has a success entry, but for one whose create was
        // applied and answered 500 and that did not change afterwards: the
        // retry matched it, found it in sync and linked it, which is logged
        // as skipped (EntrySynchronizationSkipped) with the match in its steps.
        let events = proxy.events();
        let applied_creates: Vec<&str> = events
            .iter()
            .filter(|e| e.method == "POST" && e.fault == Some(Fault::Ambiguous))
            .map(|e| e.body.as_str())
            .collect();
        let mut matched_only = 0;
        for (i, id) in model.ids.iter().enumerate() {
            let entries: Vec<_> = logs.iter().filter(|e| e.source.id.as_deref() == Some(id)).collect();
            if entries.iter().any(|e| e.status == LogStatus::Success) {
                continue;
            }
            let name = upn(i);
            let quoted = format!("\"{name}\"");
            assert!(
                applied_creates.iter().any(|body| body.contains(&quoted)),
                "no success logged for {name} ({id}): {entries:#?}"
            );
            let target_id = by_name[&name][0]["id"].as_str().unwrap();
            let matched = entries.iter().any(|e| {
                e.target.id.as_deref() == Some(target_id)
                    && e.steps.as_array().is_some_and(|steps| {
                        steps.iter().any(|step| {
                            step["kind"] == "matching"
                                && step["description"]
                                    .as_str()
                                    .is_some_and(|d| d.starts_with("Matched target object"))
                        })
                    })
            });
            assert!(matched, "{name}'s applied create was not matched: {entries:#?}");
            matched_only += 1;
        }
        eprintln!(
            "{} cycles, {} failures logged, {} log entries, {matched_only} users confirmed by matching only; proxy: {:?}",
            runner.cycles,
            failures.len(),
            logs.len(),
            proxy.counts()
        );
    }
);
