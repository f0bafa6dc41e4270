//! Provisioning into a second Provisio's `/scim/v2`, a fast and real SCIM
//! server (its own `Server` on its own SQLite file, in a child process so
//! that the two servers' memory stays apart; see `common::SecondProvisio`):
//!
//! - `users`: the second Provisio's raw create rate from a plain client
//!   with [`CONCURRENCY`] in flight, then an initial cycle of 10,000 users
//!   into a fresh one (goal: ≥ 1,000 users/s), and their ratio;
//! - `group`: a group of 100,000 members provisioned by an initial cycle
//!   (with its members), then 5 members added and 5 removed and an
//!   incremental cycle; the peak RSS of the source's process during each
//!   cycle (seeding excluded) and how many member changes the second cycle
//!   sent (the report's `references`, and the target's group read back).
//!
//! Run it with `cargo bench -p provisio-tests --bench provisio_target`
//! (`cargo xtask bench` does); `-- users` or `-- group` runs one part, and
//! `PROVISIO_BENCH_GROUP_MEMBERS=N` makes the group N members instead.
//! Figures go to docs/performance.md.

#[path = "common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::time::Instant;

use provisio_api::auth::TokenScope;
use provisio_engine::job::JobDefinition;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_server::directory::GroupDraft;
use serde_json::{Value, json};

/// Requests in flight from the raw client: as many as the cycle sends
/// the target at once (its connectors' limit: the SCIM connector's HTTP
/// concurrency, the SQL connector's pool; the cycle keeps `IN_FLIGHT`
/// objects going, more than that, so that those requests never wait), so
/// that the ratio compares like with like.
const CONCURRENCY: usize = 4;
/// Users created by the raw client and by the cycle.
const USERS: usize = 10_000;
/// Members of the big group; `PROVISIO_BENCH_GROUP_MEMBERS` sets another
/// number (a quicker run).
const MEMBERS: usize = 100_000;
const MEMBERS_VARIABLE: &str = "PROVISIO_BENCH_GROUP_MEMBERS";
/// Members added, and members removed, before the second cycle.
const CHANGED: usize = 5;
const GROUP_NAME: &str = "Everyone";

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    match common::child_part().as_deref() {
        Some(common::SERVE_TARGET) => return runtime.block_on(common::serve_target()),
        Some("group") => return runtime.block_on(group()),
        _ => {}
    }
    if !common::benching("provisio_target") {
        return;
    }
    let mut summary = vec![
        String::new(),
        "Into a second Provisio's /scim/v2 (release build, SQLite):".to_owned(),
    ];
    if common::wanted("users") {
        summary.extend(runtime.block_on(users()));
    }
    if common::wanted("group") {
        println!(
            "provisio_target: a group of {} members (in a child process) …",
            members()
        );
        summary.extend(
            common::run_child("group", &[])
                .into_iter()
                .map(|line| format!("  {line}")),
        );
    }
    println!("{}", summary.join("\n"));
}

fn job(target: Value, groups: bool) -> JobDefinition {
    let mut objects = vec![json!({"source": "user", "target": "User", "mappings": common::scim_user_mappings()})];
    if groups {
        objects.push(json!({"source": "group", "target": "Group", "mappings": [
            {"target": "displayName", "expression": "[displayName]", "match_precedence": 1},
            {"target": "members", "expression": "[members]"}
        ]}));
    }
    serde_json::from_value(json!({
        "name": "bench",
        "target": target,
        "schedule": {"interval_seconds": 86400},
        "objects": objects
    }))
    .unwrap()
}

/// The raw create rate, then the initial cycle, each into a fresh second Provisio.
async fn users() -> Vec<String> {
    println!("provisio_target: raw creates, {USERS} users, {CONCURRENCY} in flight …");
    let raw = {
        let target = common::SecondProvisio::start();
        let took = common::raw_scim_creates(target.base_url(), target.token(), USERS, CONCURRENCY).await;
        assert_eq!(
            common::scim_user_count(target.base_url(), target.token()).await,
            USERS as u64
        );
        took
    };
    let raw_load = common::load();
    println!("  {} ({raw_load})", common::rate(USERS, raw, "users"));

    println!("provisio_target: initial cycle of {USERS} users …");
    let target = common::SecondProvisio::start();
    let dir = tempfile::tempdir().unwrap();
    let (server, jobs) = common::provisio(dir.path()).await;
    common::seed_users(&server, USERS).await;
    let job = jobs.create(job(target.target(), false)).await.unwrap().id;
    let began = Instant::now();
    let report = run_cycle(server.store(), &jobs, &job, Mode::Initial).await.unwrap();
    let cycle = began.elapsed();
    let cycle_load = common::load();
    assert_eq!(report.actions.get("create"), Some(&(USERS as u64)), "{report:?}");
    assert_eq!(report.failures, 0, "{report:?}");
    assert_eq!(
        common::scim_user_count(target.base_url(), target.token()).await,
        USERS as u64
    );
    server.shutdown().await;
    println!("  {} ({cycle_load})", common::rate(USERS, cycle, "users"));
    let users_per_second = common::per_second(USERS, cycle);
    vec![
        format!(
            "  {} (raw: {raw_load}; cycle: {cycle_load})",
            common::ratio_line("second Provisio", USERS, raw, cycle)
        ),
        format!(
            "  initial cycle {users_per_second:.0} users/s; goal ≥ 1,000 users/s: {}",
            if users_per_second >= 1_000.0 { "met" } else { "not met" }
        ),
    ]
}

/// How many members the group has.
fn members() -> usize {
    match std::env::var(MEMBERS_VARIABLE) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{MEMBERS_VARIABLE}={value:?} is not a number of members")),
        Err(_) => MEMBERS,
    }
}

/// The group part, in a child process of its own: its figures are reported
/// to the parent.
async fn group() {
    let size = members();
    let target = common::SecondProvisio::start();
    let dir = tempfile::tempdir().unwrap();
    let (server, jobs) = common::provisio(dir.path()).await;
    let seeding = Instant::now();
    // The group's members, and CHANGED more users to add later.
    let ids = common::seed_users(&server, size + CHANGED).await;
    let group = server
        .store()
        .directory()
        .create_group(GroupDraft {
            attributes: json!({"displayName": GROUP_NAME}).as_object().unwrap().clone(),
            members: ids[..size].to_vec(),
            scim_extra: None,
        })
        .await
        .unwrap();
    let job = jobs.create(job(target.target(), true)).await.unwrap().id;
    let seeded = seeding.elapsed();

    let (first, first_took, first_peak, before) =
        common::measured(run_cycle(server.store(), &jobs, &job, Mode::Initial)).await;
    let first = first.unwrap();
    let first_load = common::load();
    assert_eq!(first.failures + first.failed_references, 0, "{first:?}");
    let members_then = target_members(&target).await;
    assert_eq!(members_then.len(), size, "the target's group after the initial cycle");

    // 5 members added and 5 removed through the source's own SCIM API.
    let token = common::token(&server, TokenScope::Scim, None, None).await;
    let values = |ids: &[String]| ids.iter().map(|id| json!({"value": id})).collect::<Vec<_>>();
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "add", "path": "members", "value": values(&ids[size..])},
            {"op": "remove", "path": "members", "value": values(&ids[..CHANGED])}
        ]
    });
    let response = common::http_client()
        .patch(format!(
            "{}scim/v2/Groups/{}?excludedAttributes=members",
            with_slash(&server.base_url()),
            group.id
        ))
        .bearer_auth(token.expose())
        .header("content-type", "application/scim+json")
        .body(patch.to_string())
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap_or_default()
    );

    let (second, second_took, second_peak, between) =
        common::measured(run_cycle(server.store(), &jobs, &job, Mode::Incremental)).await;
    let second = second.unwrap();
    let second_load = common::load();
    assert_eq!(second.failures + second.failed_references, 0, "{second:?}");
    let members_now = target_members(&target).await;
    let added = members_now.difference(&members_then).count();
    let removed = members_then.difference(&members_now).count();
    server.shutdown().await;

    common::report(&format!(
        "group of {size} members (and {} users) seeded in {:.1} s",
        size + CHANGED,
        seeded.as_secs_f64()
    ));
    common::report(&format!(
        "initial cycle: {:.1} s, {} objects, {} references written; peak RSS {first_peak:.0} MiB \
         (RSS {before:.0} MiB at its start) ({first_load})",
        first_took.as_secs_f64(),
        first.objects,
        first.references
    ));
    common::report(&format!(
        "{CHANGED} members added and {CHANGED} removed, incremental cycle: {:.2} s, {} objects, \
         {} references written (member changes sent; goal 10); the target's group: {added} added, \
         {removed} removed, {} members; peak RSS {second_peak:.0} MiB (RSS {between:.0} MiB at its \
         start) ({second_load})",
        second_took.as_secs_f64(),
        second.objects,
        second.references,
        members_now.len()
    ));
}

fn with_slash(url: &str) -> String {
    format!("{}/", url.trim_end_matches('/'))
}

/// The member ids of the target's group.
async fn target_members(target: &common::SecondProvisio) -> HashSet<String> {
    let client = common::http_client();
    let filter = format!("displayName eq \"{GROUP_NAME}\"");
    let url = reqwest::Url::parse_with_params(
        &format!("{}/Groups", target.base_url()),
        [("filter", filter.as_str()), ("excludedAttributes", "members")],
    )
    .unwrap();
    let found: Value = client
        .get(url)
        .bearer_auth(target.token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = found["Resources"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no group {GROUP_NAME} at the target: {found}"))
        .to_owned();
    // Only the members' ids, read into ids (not a JSON tree of a hundred
    // thousand objects) in the process whose memory is measured.
    #[derive(serde::Deserialize)]
    struct Members {
        #[serde(default)]
        members: Vec<MemberId>,
    }
    #[derive(serde::Deserialize)]
    struct MemberId {
        value: String,
    }
    let group: Members = client
        .get(format!("{}/Groups/{id}?attributes=members.value", target.base_url()))
        .bearer_auth(target.token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    group.members.into_iter().map(|member| member.value).collect()
}
