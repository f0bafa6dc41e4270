//! Decisions for one object and for a cycle: every action and skip reason,
//! a full decision as a snapshot, the property that deciding again after
//! applying a decision finds nothing to do, and decisions reading back from
//! their JSON (as clients of an on-demand run read them) as it tells them.

use std::sync::Arc;

use proptest::prelude::*;
use provisio_engine::expr::EvalContext;
use provisio_engine::job::{JobDefinition, SourceKind};
use provisio_engine::matching::{MatchAttempt, MatchQuery, TargetObject};
use provisio_engine::object::SourceObject;
use provisio_engine::plan::{
    Action, CompiledJob, CycleOptions, Decision, Lifecycle, ReasonCode, SourceRecord, Status, StepDetails, TargetState,
    decide, plan_cycle,
};
use provisio_engine::scim_path::TargetAttributes;
use provisio_engine::value::Value;
use serde_json::json;

use crate::support::now;

fn job_with(changes: serde_json::Value) -> CompiledJob {
    let mut job = json!({
        "name": "Acme SCIM",
        "target": { "kind": "scim", "base_url": "https://acme.example/scim/v2", "auth": { "bearer_token": "t0ken" } },
        "objects": [
            { "source": "user", "target": "User",
              "scoping": [ { "name": "Sales", "clauses": [ { "attribute": "department", "operator": "EQUALS", "value": "Sales" } ] } ],
              "mappings": [
                { "target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1 },
                { "target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")" },
                { "target": "name.givenName", "expression": "[givenName]" },
                { "target": "emails[type eq \"work\"].value", "expression": "[mail]" },
                { "target": "title", "expression": "[jobTitle]", "default": "Employee" },
                { "target": "externalId", "expression": "[mailNickname]", "apply": "on_create" },
                { "target": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "expression": "[manager]" }
              ] },
            { "source": "group", "target": "Group", "mappings": [
                { "target": "displayName", "expression": "[displayName]", "match_precedence": 1 },
                { "target": "members", "expression": "[members]" } ] }
        ]
    });
    merge(&mut job, changes);
    let definition: JobDefinition = serde_json::from_value(job).unwrap();
    CompiledJob::compile(definition).unwrap_or_else(|p| panic!("{p:#?}"))
}

fn merge(into: &mut serde_json::Value, changes: serde_json::Value) {
    if let (Some(into), serde_json::Value::Object(changes)) = (into.as_object_mut(), changes) {
        for (k, v) in changes {
            into.insert(k, v);
        }
    }
}

fn job() -> CompiledJob {
    job_with(json!({}))
}

fn zoe(changes: serde_json::Value) -> SourceRecord {
    let mut attributes = json!({
        "id": "u-1", "userPrincipalName": "zoe@contoso.com", "givenName": "Zoë", "mail": "Zoe@contoso.com",
        "department": "Sales", "mailNickname": "zoe", "accountEnabled": true, "manager": "u-9"
    });
    merge(&mut attributes, changes);
    SourceRecord::from_attributes(
        SourceKind::User,
        serde_json::from_value::<SourceObject>(attributes).unwrap(),
    )
}

fn target(attributes: serde_json::Value) -> TargetObject {
    TargetObject {
        id: "t-1".into(),
        attributes: serde_json::from_value::<TargetAttributes>(attributes).unwrap(),
    }
}

fn in_sync() -> TargetObject {
    target(json!({
        "userName": "zoe@contoso.com", "active": "True", "name.givenName": "Zoë",
        "emails[type eq \"work\"].value": "Zoe@contoso.com", "externalId": "zoe"
    }))
}

fn run(job: &CompiledJob, source: &SourceRecord, state: &TargetState) -> Decision {
    decide(job, source, state, &mut EvalContext::new(now()))
}

fn unlinked() -> TargetState {
    TargetState::Unlinked(vec![])
}

fn attempt(found: Vec<TargetObject>) -> TargetState {
    let query = MatchQuery {
        target: "userName".into(),
        value: Value::str("zoe@contoso.com"),
        precedence: 1,
    };
    TargetState::Unlinked(vec![MatchAttempt { query, found }])
}

#[track_caller]
fn expect(d: &Decision, action: Action, status: Status, reason: Option<ReasonCode>) {
    assert_eq!(
        (d.action, d.status, d.reason.as_ref().map(|r| r.code)),
        (action, status, reason),
        "{d:#?}"
    );
}

fn change<'a>(d: &'a Decision, path: &str) -> Option<&'a Value> {
    d.changes.iter().find(|c| &*c.path == path).map(|c| &c.new)
}

#[test]
fn a_new_user_in_scope_is_created() {
    let d = run(&job(), &zoe(json!({})), &unlinked());
    expect(&d, Action::Create, Status::Success, None);
    assert_eq!(change(&d, "active"), Some(&Value::str("True")));
    assert_eq!(
        change(&d, "externalId"),
        Some(&Value::str("zoe")),
        "on_create mappings apply"
    );
    assert_eq!(
        change(&d, "title"),
        Some(&Value::str("Employee")),
        "defaults apply on create"
    );
    assert_eq!(d.references.len(), 1, "the manager waits for resolution");
    let kinds: Vec<_> = d.steps.iter().map(|s| serde_json::to_value(s.kind).unwrap()).collect();
    assert_eq!(
        kinds,
        vec![json!("import"), json!("scoping"), json!("matching"), json!("action")]
    );
}

#[test]
fn a_matched_user_is_linked_and_updated() {
    let stale = target(json!({ "userName": "zoe@contoso.com", "name.givenName": "Zoe", "active": "True" }));
    let d = run(&job(), &zoe(json!({})), &attempt(vec![stale]));
    expect(&d, Action::Update, Status::Success, None);
    assert_eq!(d.link.as_deref(), Some("t-1"));
    assert_eq!(change(&d, "name.givenName"), Some(&Value::str("Zoë")));
    assert_eq!(
        change(&d, "externalId"),
        None,
        "on_create mappings do not apply to updates"
    );
    assert_eq!(change(&d, "title"), None, "defaults do not apply to updates");
}

#[test]
fn a_matched_user_in_sync_is_linked_and_skipped() {
    let d = run(&job(), &zoe(json!({})), &attempt(vec![in_sync()]));
    expect(
        &d,
        Action::Skip,
        Status::Skipped,
        Some(ReasonCode::EntrySynchronizationSkipped),
    );
    assert_eq!(d.link.as_deref(), Some("t-1"));
}

#[test]
fn several_candidates_are_duplicate_target_entries() {
    let d = run(&job(), &zoe(json!({})), &attempt(vec![in_sync(), target(json!({}))]));
    expect(
        &d,
        Action::Skip,
        Status::Failure,
        Some(ReasonCode::DuplicateTargetEntries),
    );
}

#[test]
fn no_matching_value_is_import_skipped() {
    let d = run(&job(), &zoe(json!({ "userPrincipalName": null })), &unlinked());
    expect(&d, Action::Skip, Status::Skipped, Some(ReasonCode::ImportSkipped));
    // The reason names the attribute to fill in, not "a matching attribute".
    let reason = d.reason.as_ref().map(|r| r.message.as_str()).unwrap_or_default();
    assert_eq!(
        reason,
        "the object has no value for userPrincipalName, the attribute it is matched on"
    );
    assert!(d.is_unmatched());
    // A disabled user without the value: nothing an administrator must fix.
    let disabled = zoe(json!({ "userPrincipalName": null, "accountEnabled": false }));
    let d = run(&job(), &disabled, &unlinked());
    expect(&d, Action::Skip, Status::Skipped, Some(ReasonCode::ImportSkipped));
    assert!(!d.is_unmatched());
}

#[test]
fn out_of_scope_and_never_provisioned_is_skipped() {
    let d = run(&job(), &zoe(json!({ "department": "Finance" })), &unlinked());
    expect(
        &d,
        Action::Skip,
        Status::Skipped,
        Some(ReasonCode::EntrySynchronizationSkipped),
    );
    let d = run(
        &job_with(json!({ "scope": "assigned" })),
        &SourceRecord {
            assigned: false,
            ..zoe(json!({}))
        },
        &unlinked(),
    );
    expect(
        &d,
        Action::Skip,
        Status::Skipped,
        Some(ReasonCode::EntrySynchronizationSkipped),
    );
}

#[test]
fn disabled_users_are_not_created() {
    let d = run(&job(), &zoe(json!({ "accountEnabled": false })), &unlinked());
    expect(
        &d,
        Action::Skip,
        Status::Skipped,
        Some(ReasonCode::EntrySynchronizationSkipped),
    );
}

#[test]
fn falling_out_of_scope_disables() {
    let d = run(
        &job(),
        &zoe(json!({ "department": "Finance" })),
        &TargetState::Linked(in_sync()),
    );
    expect(&d, Action::Disable, Status::Success, None);
    assert_eq!(change(&d, "active"), Some(&Value::str("False")));
    let unassigned = SourceRecord {
        assigned: false,
        ..zoe(json!({}))
    };
    let d = run(
        &job_with(json!({ "scope": "assigned" })),
        &unassigned,
        &TargetState::Linked(in_sync()),
    );
    expect(&d, Action::Disable, Status::Success, None);
}

#[test]
fn disabled_and_soft_deleted_sources_disable() {
    for source in [
        zoe(json!({ "accountEnabled": false })),
        zoe(json!({ "deletedDateTime": "2026-11-01T00:00:00Z" })),
    ] {
        let d = run(&job(), &source, &TargetState::Linked(in_sync()));
        expect(&d, Action::Disable, Status::Success, None);
    }
}

#[test]
fn skip_out_of_scope_deletions_leaves_out_of_scope_accounts_alone() {
    let job = job_with(json!({ "skip_out_of_scope_deletions": true }));
    let d = run(
        &job,
        &zoe(json!({ "department": "Finance" })),
        &TargetState::Linked(in_sync()),
    );
    expect(
        &d,
        Action::Skip,
        Status::Skipped,
        Some(ReasonCode::SkipOutOfScopeDeletions),
    );
    let d = run(
        &job,
        &zoe(json!({ "accountEnabled": false })),
        &TargetState::Linked(in_sync()),
    );
    expect(&d, Action::Disable, Status::Success, None);
}

#[test]
fn targets_without_soft_delete_get_deletes() {
    let job = job_with(
        json!({ "target": { "kind": "scim", "base_url": "https://acme.example/scim/v2", "soft_delete": false } }),
    );
    let d = run(
        &job,
        &zoe(json!({ "department": "Finance" })),
        &TargetState::Linked(in_sync()),
    );
    expect(&d, Action::Delete, Status::Success, None);
}

#[test]
fn hard_deleted_sources_are_deleted() {
    let gone = SourceRecord {
        lifecycle: Lifecycle::HardDeleted,
        ..zoe(json!({}))
    };
    expect(
        &run(&job(), &gone, &TargetState::Linked(in_sync())),
        Action::Delete,
        Status::Success,
        None,
    );
    let d = run(&job(), &gone, &unlinked());
    expect(
        &d,
        Action::Skip,
        Status::Skipped,
        Some(ReasonCode::EntrySynchronizationSkipped),
    );
}

#[test]
fn a_vanished_target_object_is_an_invalid_anchor() {
    let d = run(
        &job(),
        &zoe(json!({})),
        &TargetState::LinkedMissing { id: "t-1".into() },
    );
    expect(&d, Action::Skip, Status::Failure, Some(ReasonCode::InvalidAnchor));
}

#[test]
fn actions_the_object_mapping_does_not_allow_are_skipped() {
    let create_only = |actions: serde_json::Value| {
        let mut definition = job().definition;
        definition.objects[0].actions = serde_json::from_value(actions).unwrap();
        CompiledJob::compile(definition).unwrap()
    };
    let job = create_only(json!(["create"]));
    let stale = target(json!({ "userName": "zoe@contoso.com" }));
    let d = run(&job, &zoe(json!({})), &TargetState::Linked(stale));
    expect(&d, Action::Skip, Status::Skipped, Some(ReasonCode::ActionNotAllowed));
    let job = create_only(json!(["update"]));
    expect(
        &run(&job, &zoe(json!({})), &unlinked()),
        Action::Skip,
        Status::Skipped,
        Some(ReasonCode::ActionNotAllowed),
    );
}

#[test]
fn failing_expressions_fail_the_object() {
    let mut definition = job().definition;
    definition.objects[0].mappings[2].expression = "Mid([givenName], [start], 1)".into();
    let job = CompiledJob::compile(definition).unwrap();
    let d = run(&job, &zoe(json!({ "start": 0 })), &unlinked());
    expect(&d, Action::Skip, Status::Failure, Some(ReasonCode::ExpressionFailed));
}

#[test]
fn text_compares_case_insensitively_unless_case_exact() {
    let shouting = target(json!({
        "userName": "ZOE@CONTOSO.COM", "active": "true", "name.givenName": "ZOË",
        "emails[type eq \"work\"].value": "zoe@contoso.com"
    }));
    let d = run(&job(), &zoe(json!({})), &TargetState::Linked(shouting.clone()));
    expect(
        &d,
        Action::Skip,
        Status::Skipped,
        Some(ReasonCode::EntrySynchronizationSkipped),
    );
    let mut definition = job().definition;
    definition.objects[0].mappings[0].case_exact = true;
    let d = run(
        &CompiledJob::compile(definition).unwrap(),
        &zoe(json!({})),
        &TargetState::Linked(shouting),
    );
    expect(&d, Action::Update, Status::Success, None);
    assert_eq!(d.changes.len(), 1);
}

#[test]
fn groups_carry_member_references() {
    let group = SourceRecord::from_attributes(
        SourceKind::Group,
        serde_json::from_value(json!({ "id": "g-1", "displayName": "Sales", "members": ["u-1", "u-2"] })).unwrap(),
    );
    let d = run(&job(), &group, &unlinked());
    expect(&d, Action::Create, Status::Success, None);
    assert_eq!(d.references[0].source_ids, vec!["u-1".to_owned(), "u-2".to_owned()]);
}

#[test]
fn redacted_values_never_show() {
    let mut definition = job().definition;
    definition.objects[0].mappings[4].expression = "Redact(\"Initial-Passw0rd\")".into();
    let d = run(&CompiledJob::compile(definition).unwrap(), &zoe(json!({})), &unlinked());
    assert_eq!(change(&d, "title"), Some(&Value::str("[Redact]")));
    assert!(!serde_json::to_string(&d).unwrap().contains("Initial-Passw0rd"));
    assert_eq!(d.export().get("title"), Some(&Value::str("Initial-Passw0rd")));
}

#[test]
fn a_full_decision() {
    let stale = target(json!({ "userName": "zoe@contoso.com", "name.givenName": "Zoe", "active": "True" }));
    let d = run(&job(), &zoe(json!({})), &TargetState::Linked(stale));
    insta::assert_json_snapshot!(d);
}

#[test]
fn a_cycle_counts_and_detects_duplicate_sources() {
    let job = job();
    let twin = zoe(json!({ "id": "u-2" }));
    let plan = plan_cycle(
        &job,
        &[
            (zoe(json!({})), unlinked()),
            (twin, unlinked()),
            (
                zoe(json!({ "id": "u-3", "userPrincipalName": "ann@contoso.com" })),
                unlinked(),
            ),
            (
                zoe(json!({ "id": "u-4", "department": "Finance" })),
                TargetState::Linked(in_sync()),
            ),
            (zoe(json!({ "id": "u-5", "department": "HR" })), unlinked()),
        ],
        CycleOptions::default(),
        &mut EvalContext::new(now()),
    );
    assert_eq!(
        (
            plan.counts.create,
            plan.counts.disable,
            plan.counts.skip,
            plan.counts.failed
        ),
        (1, 1, 1, 2)
    );
    assert_eq!(
        plan.decisions[0].reason.as_ref().unwrap().code,
        ReasonCode::DuplicateSourceEntries
    );
}

#[test]
fn deletions_beyond_the_threshold_are_staged() {
    let job = job_with(json!({ "deletion_threshold": 1 }));
    let leavers: Vec<(SourceRecord, TargetState)> = (0..2)
        .map(|i| {
            let mut t = in_sync();
            t.id = format!("t-{i}");
            (
                zoe(json!({ "id": format!("u-{i}"), "department": "Finance" })),
                TargetState::Linked(t),
            )
        })
        .collect();
    let plan = plan_cycle(&job, &leavers, CycleOptions::default(), &mut EvalContext::new(now()));
    assert!(plan.threshold_exceeded);
    assert_eq!(
        (plan.deletions, plan.counts.staged_delete, plan.counts.disable),
        (2, 2, 0)
    );
    assert_eq!(
        plan.decisions[0].reason.as_ref().unwrap().code,
        ReasonCode::DeletionThresholdExceeded
    );
    let allowed = plan_cycle(
        &job,
        &leavers,
        CycleOptions { allow_deletes: true },
        &mut EvalContext::new(now()),
    );
    assert_eq!(allowed.counts.disable, 2);
}

fn person() -> impl Strategy<Value = SourceRecord> {
    (
        "[a-z]{1,8}",
        proptest::option::of("[A-Za-zë ]{0,8}"),
        proptest::option::of("[A-Za-z@.]{0,10}"),
        proptest::sample::select(vec!["Sales", "Finance"]),
        any::<bool>(),
        proptest::option::of("[A-Za-z]{0,6}"),
    )
        .prop_map(|(upn, given, mail, department, enabled, title)| {
            zoe(json!({
                "userPrincipalName": format!("{upn}@contoso.com"), "givenName": given, "mail": mail,
                "department": department, "accountEnabled": enabled, "jobTitle": title
            }))
        })
}

proptest! {
    #[test]
    fn deciding_again_after_applying_finds_nothing_to_do(source in person(), start in proptest::option::of(any::<bool>())) {
        let job = job();
        let state = match start {
            None => unlinked(),
            Some(in_sync_first) => TargetState::Linked(if in_sync_first { in_sync() } else { target(json!({ "userName": "old" })) }),
        };
        let current = match &state { TargetState::Linked(t) => Some(t.clone()), _ => None };
        let first = run(&job, &source, &state);
        prop_assume!(first.status == Status::Success);
        let Some(after) = first.applied(current.as_ref()) else { return Ok(()) };
        let second = run(&job, &source, &TargetState::Linked(after));
        prop_assert_eq!(second.action, Action::Skip, "{:#?}", second);
    }
}

/// The decision read back from its JSON, which it writes again unchanged.
fn read_back(d: &Decision) -> Decision {
    let json = serde_json::to_string(d).unwrap();
    let back: Decision = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    back
}

/// A value as JSON tells it: a reference (a manager, a member) is its id's text.
fn told(value: &Value) -> Value {
    serde_json::from_value(value.to_json()).unwrap()
}

/// The decision as its JSON tells it: the source values the steps show
/// (read, and compared by scoping) with references as text.
fn as_told(d: &Decision) -> Decision {
    let mut d = d.clone();
    for step in &mut d.steps {
        match &mut step.details {
            StepDetails::Import { attributes, .. } => {
                let values = attributes
                    .attributes
                    .iter()
                    .map(|(name, value)| (name.clone(), told(value)));
                *attributes = Arc::new(values.collect());
            }
            StepDetails::Scoping { filters, .. } => {
                for clause in filters.iter_mut().flat_map(|f| &mut f.clauses) {
                    clause.actual = told(&clause.actual);
                }
            }
            StepDetails::Matching { .. } | StepDetails::Action { .. } => {}
        }
    }
    d
}

#[test]
fn every_kind_of_decision_reads_back_from_its_json() {
    let job = job();
    let stale = target(json!({ "userName": "zoe@contoso.com", "name.givenName": "Zoe", "active": "True" }));
    let group = SourceRecord::from_attributes(
        SourceKind::Group,
        serde_json::from_value(json!({ "id": "g-1", "displayName": "Sales", "members": ["u-1", "u-2"] })).unwrap(),
    );
    let mut failing = job.definition.clone();
    failing.objects[0].mappings[2].expression = "Mid([givenName], [start], 1)".into();
    let failing = CompiledJob::compile(failing).unwrap();
    let decisions = [
        run(&job, &zoe(json!({})), &unlinked()),
        run(&job, &zoe(json!({})), &attempt(vec![stale.clone()])),
        run(&job, &zoe(json!({})), &TargetState::Linked(stale)),
        run(&job, &zoe(json!({})), &attempt(vec![in_sync(), target(json!({}))])),
        run(&job, &zoe(json!({ "userPrincipalName": null })), &unlinked()),
        run(
            &job,
            &zoe(json!({ "department": "Finance" })),
            &TargetState::Linked(in_sync()),
        ),
        run(&job, &zoe(json!({})), &TargetState::LinkedMissing { id: "t-1".into() }),
        run(&failing, &zoe(json!({ "start": 0 })), &unlinked()),
        run(&job, &group, &unlinked()),
        run(
            &job,
            &SourceRecord {
                lifecycle: Lifecycle::HardDeleted,
                ..zoe(json!({}))
            },
            &TargetState::Linked(in_sync()),
        ),
    ];
    for d in &decisions {
        assert_eq!(read_back(d), as_told(d));
    }
    let with_failures = &decisions[7];
    assert!(
        serde_json::to_string(with_failures).unwrap().contains("\"failures\""),
        "the sample has mapping failures"
    );
}

#[test]
fn a_redacted_decision_reads_back_without_its_secrets() {
    let mut definition = job().definition;
    definition.objects[0].mappings[4].expression = "Redact(\"Initial-Passw0rd\")".into();
    let d = run(&CompiledJob::compile(definition).unwrap(), &zoe(json!({})), &unlinked());
    let back = read_back(&d);
    assert!(back.secrets.is_empty());
    assert_eq!(back.changes, d.changes);
    assert_eq!(back.steps, as_told(&d).steps);
    assert_eq!(back.export().get("title"), Some(&Value::str("[Redact]")));
}

proptest! {
    #[test]
    fn any_decision_reads_back_from_its_json(source in person(), start in proptest::option::of(any::<bool>())) {
        let state = match start {
            None => unlinked(),
            Some(true) => attempt(vec![in_sync()]),
            Some(false) => TargetState::Linked(target(json!({ "userName": "old", "title": 7 }))),
        };
        let d = run(&job(), &source, &state);
        prop_assert_eq!(read_back(&d), as_told(&d));
    }
}

#[test]
fn a_full_creation() {
    insta::assert_json_snapshot!(run(&job(), &zoe(json!({})), &unlinked()));
}

#[test]
fn a_full_cycle_plan() {
    let plan = plan_cycle(
        &job_with(json!({ "deletion_threshold": 1 })),
        &[
            (zoe(json!({})), unlinked()),
            (
                zoe(json!({ "id": "u-2", "userPrincipalName": "ann@contoso.com", "department": "HR" })),
                unlinked(),
            ),
            (
                zoe(json!({ "id": "u-3", "department": "HR" })),
                TargetState::Linked(in_sync()),
            ),
            (
                zoe(json!({ "id": "u-4", "accountEnabled": false })),
                TargetState::Linked(TargetObject {
                    id: "t-4".into(),
                    ..in_sync()
                }),
            ),
        ],
        CycleOptions::default(),
        &mut EvalContext::new(now()),
    );
    insta::assert_json_snapshot!(plan.counts);
    assert_eq!(
        plan.decisions.iter().map(|d| d.action).collect::<Vec<_>>(),
        [Action::Create, Action::Skip, Action::StagedDelete, Action::StagedDelete]
    );
}
