//! App roles in decisions (issue 19): someone assigned only with Default
//! Access to an app that defines roles is out of scope, as in Entra (and a
//! linked account is disabled); `AppRoleAssignmentsComplex` adds roles and
//! never removes them, its assertive form replaces them; the job validates
//! its roles.

use provisio_engine::expr::EvalContext;
use provisio_engine::job::{self, JobDefinition, SourceKind};
use provisio_engine::matching::TargetObject;
use provisio_engine::object::SourceObject;
use provisio_engine::plan::{Action, CompiledJob, Decision, SourceRecord, StepDetails, TargetState, decide};
use provisio_engine::scim_path::TargetAttributes;
use provisio_engine::value::Value;
use serde_json::{Value as Json, json};

use crate::support::now;

fn definition(roles_expression: &str) -> JobDefinition {
    serde_json::from_value(json!({
        "name": "Roles app",
        "scope": "assigned",
        "target": {"kind": "scim", "base_url": "https://app.example/scim/v2"},
        "app_roles": [{"value": "Admin"}, {"value": "Reader", "display_name": "Read only"}],
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
            {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"},
            {"target": "roles", "expression": roles_expression}
        ]}]
    }))
    .unwrap()
}

fn compiled(roles_expression: &str) -> CompiledJob {
    CompiledJob::compile(definition(roles_expression)).unwrap()
}

fn ada(roles: Json) -> SourceRecord {
    let attributes = json!({"id": "u1", "userPrincipalName": "ada@contoso.com", "appRoleAssignments": roles});
    SourceRecord::from_attributes(
        SourceKind::User,
        serde_json::from_value::<SourceObject>(attributes).unwrap(),
    )
}

fn role(value: &str) -> Json {
    json!({"primary": false, "type": "WindowsAzureActiveDirectoryRole", "display": value, "value": value})
}

fn linked(roles: Json) -> TargetState {
    let attributes = json!({"userName": "ada@contoso.com", "active": true, "roles": roles});
    TargetState::Linked(TargetObject {
        id: "t1".into(),
        attributes: serde_json::from_value::<TargetAttributes>(attributes).unwrap(),
    })
}

fn run(job: &CompiledJob, source: &SourceRecord, state: &TargetState) -> Decision {
    decide(job, source, state, &mut EvalContext::new(now()))
}

#[test]
fn default_access_alone_is_not_provisioned_when_the_app_defines_roles() {
    let job = compiled("AssertiveAppRoleAssignmentsComplex([appRoleAssignments])");
    let d = run(&job, &ada(json!([])), &TargetState::Unlinked(vec![]));
    assert_eq!(d.action, Action::Skip, "{d:#?}");
    let scoping = d.steps.iter().find_map(|s| match &s.details {
        StepDetails::Scoping {
            default_access_only, ..
        } => Some(*default_access_only),
        _ => None,
    });
    assert_eq!(scoping, Some(true));
    assert!(d.steps[1].details.scoping_summary().unwrap().contains("Default Access"));

    // A linked account whose holder fell back to Default Access is disabled.
    let d = run(&job, &ada(json!([])), &linked(json!([role("Admin")])));
    assert_eq!(d.action, Action::Disable, "{d:#?}");

    // With a role, the same user is created with it.
    let d = run(
        &job,
        &ada(json!([{"value": "Admin", "displayName": "Admin"}])),
        &TargetState::Unlinked(vec![]),
    );
    assert_eq!(d.action, Action::Create, "{d:#?}");

    // An app without roles provisions Default Access assignments.
    let mut without_roles = definition("[displayName]");
    without_roles.app_roles.clear();
    let d = run(
        &CompiledJob::compile(without_roles).unwrap(),
        &ada(json!([])),
        &TargetState::Unlinked(vec![]),
    );
    assert_eq!(d.action, Action::Create, "{d:#?}");
}

#[test]
fn the_non_assertive_function_only_adds_roles() {
    let job = compiled("AppRoleAssignmentsComplex([appRoleAssignments])");
    let holds = json!([{"value": "Reader"}]);
    // The target holds Admin; the source now holds only Reader.
    let d = run(&job, &ada(holds.clone()), &linked(json!([role("Admin")])));
    assert_eq!(d.action, Action::Update, "{d:#?}");
    let change = d.changes.iter().find(|c| &*c.path == "roles").unwrap();
    assert!(change.add_only);
    assert_eq!(change.added(), vec![Value::from_json(role("Reader"))]);
    assert_eq!(change.new, Value::from_json(json!([role("Admin"), role("Reader")])));
    // Once the target has both, nothing changes.
    let d = run(&job, &ada(holds), &linked(json!([role("Admin"), role("Reader")])));
    assert_eq!(d.action, Action::Skip, "{d:#?}");
}

#[test]
fn the_assertive_function_replaces_roles() {
    let job = compiled("AssertiveAppRoleAssignmentsComplex([appRoleAssignments])");
    let d = run(
        &job,
        &ada(json!([{"value": "Reader"}])),
        &linked(json!([role("Admin")])),
    );
    let change = d.changes.iter().find(|c| &*c.path == "roles").unwrap();
    assert!(!change.add_only);
    assert_eq!(change.new, Value::from_json(json!([role("Reader")])));
}

#[test]
fn roles_need_distinct_values_other_than_default_access() {
    let mut bad = definition("[displayName]");
    bad.app_roles = serde_json::from_value(json!([
        {"value": "Admin"}, {"value": "admin"}, {"value": " "}, {"value": "Default Access"}
    ]))
    .unwrap();
    let problems: Vec<String> = job::validate(&bad).iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].contains("app_roles[1].value") && problems[0].contains("app_roles[0]"),
        "{problems:#?}"
    );
    assert!(
        problems[1].contains("app_roles[2].value") && problems[1].contains("no value"),
        "{problems:#?}"
    );
    assert!(
        problems[2].contains("app_roles[3].value") && problems[2].contains("Default Access"),
        "{problems:#?}"
    );
}
