//! A job definition's source attributes checked against what its source
//! objects carry (`job::validate_with`): every `[attribute]` of every
//! expression and every scoping clause's attribute, each unknown one a
//! warning at its place with "did you mean"; the directory's catalogue for
//! outbound jobs (with extension attributes), records' SCIM paths for
//! inbound ones.

use provisio_engine::Severity;
use provisio_engine::attributes::Catalogue;
use provisio_engine::job::{self, JobProblem};
use serde_json::{Value as Json, json};

fn outbound(user_mappings: Json, user_scoping: Json) -> Json {
    json!({
        "name": "Acme",
        "target": {"kind": "scim", "base_url": "https://acme.example/scim"},
        "objects": [
            {"source": "user", "target": "User", "scoping": user_scoping, "mappings": user_mappings},
            {"source": "group", "target": "Group", "mappings": [
                {"target": "displayName", "expression": "[displayName]", "match_precedence": 1},
                {"target": "members", "expression": "[members]"}]}
        ]
    })
}

fn user_name() -> Json {
    json!({"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1})
}

fn checked(doc: &Json, catalogue: &Catalogue) -> Vec<JobProblem> {
    let job = job::parse_json(&doc.to_string()).unwrap_or_else(|p| panic!("{p}"));
    job::validate_with(&job, catalogue)
}

/// The one problem: a warning at `location` whose message has `says`.
#[track_caller]
fn one_warning(problems: Vec<JobProblem>, location: &str, says: &str) -> JobProblem {
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let problem = problems.into_iter().next().unwrap();
    assert_eq!(
        (problem.severity, problem.location.as_str()),
        (Severity::Warning, location),
        "{problem}"
    );
    assert!(problem.message.contains(says), "{problem}");
    problem
}

#[test]
fn a_misspelt_attribute_in_a_mapping_is_a_warning_with_a_suggestion() {
    let doc = outbound(
        json!([user_name(), {"target": "name.familyName", "expression": "[surnmae]"}]),
        json!([]),
    );
    let problem = one_warning(
        checked(&doc, &Catalogue::builtin()),
        "objects[0].mappings[1].expression",
        "did you mean `surname`?",
    );
    assert!(
        problem
            .message
            .starts_with("`surnmae` is not an attribute of the directory's users"),
        "{problem}"
    );
    // The expression's diagnostic underlines the reference, as the portal shows it.
    let d = &problem.diagnostics[0];
    assert_eq!((d.code.as_str(), d.severity), ("W0401", Severity::Warning));
    assert_eq!((d.span.start, d.span.end), (0, 9));
    assert_eq!(d.help.as_deref(), Some("did you mean `surname`?"));
    assert_eq!(problem.source.as_deref(), Some("[surnmae]"));
    let rendered = problem.rendered_diagnostics().unwrap();
    assert!(rendered.starts_with("warning[W0401]:"), "{rendered}");
    // Plain validation does not look attributes up.
    let job = job::parse_json(&doc.to_string()).unwrap();
    assert_eq!(job::validate(&job), vec![]);
}

#[test]
fn every_reference_inside_an_expression_is_checked_once_per_name() {
    let doc = outbound(
        json!([
            user_name(),
            {"target": "displayName", "expression": "Join(\" \", [givenName], [surnmae], IIF([departmnet] = \"x\", [surnmae], \"\"))"}
        ]),
        json!([]),
    );
    let problems = checked(&doc, &Catalogue::builtin());
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(problems.len(), 2, "{messages:#?}");
    assert!(messages[0].contains("`surnmae`") && messages[0].contains("`surname`"));
    assert!(messages[1].contains("`departmnet`") && messages[1].contains("`department`"));
    // Both places of the repeated name are underlined.
    assert_eq!(problems[0].diagnostics.len(), 2);
}

#[test]
fn a_misspelt_scoping_attribute_is_a_warning_at_the_clause() {
    let doc = outbound(
        json!([user_name()]),
        json!([{"name": "Sales", "clauses": [
            {"attribute": "accountEnabled", "operator": "IS TRUE"},
            {"attribute": "departmnet", "operator": "EQUALS", "value": "Sales"}]}]),
    );
    one_warning(
        checked(&doc, &Catalogue::builtin()),
        "objects[0].scoping[0].clauses[1].attribute",
        "`departmnet` is not an attribute of the directory's users, so it is always empty: did you mean `department`?",
    );
}

#[test]
fn matching_attributes_are_checked_like_any_mapping() {
    let doc = outbound(
        json!([{"target": "userName", "expression": "[userPrincipleName]", "match_precedence": 1}]),
        json!([]),
    );
    one_warning(
        checked(&doc, &Catalogue::builtin()),
        "objects[0].mappings[0].expression",
        "did you mean `userPrincipalName`?",
    );
}

#[test]
fn names_are_case_sensitive_as_the_engine_reads_them() {
    let doc = outbound(
        json!([user_name(), {"target": "name.familyName", "expression": "[Surname]"}]),
        json!([]),
    );
    one_warning(
        checked(&doc, &Catalogue::builtin()),
        "objects[0].mappings[1].expression",
        "did you mean `surname`? (attribute names are case-sensitive)",
    );
}

#[test]
fn extension_attributes_are_known_when_the_catalogue_has_them() {
    let doc = outbound(
        json!([user_name(), {"target": "shoeSize", "expression": "[shoeSize]"}]),
        json!([{"clauses": [{"attribute": "shoeSize", "operator": "IS NOT NULL"}]}]),
    );
    assert_eq!(checked(&doc, &Catalogue::with_extensions(["shoeSize"])), vec![]);
    let problems = checked(&doc, &Catalogue::builtin());
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0]
            .message
            .contains("define it there as an extension attribute"),
        "{}",
        problems[0]
    );
}

#[test]
fn computed_attributes_are_known() {
    let doc = outbound(
        json!([
            user_name(),
            {"target": "externalId", "expression": "[id]"},
            {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"},
            {"target": "groups", "expression": "Join(\",\", [memberOf])"}
        ]),
        json!([{"clauses": [{"attribute": "memberOf", "operator": "IS MEMBER OF", "value": "Sales"}]}]),
    );
    assert_eq!(checked(&doc, &Catalogue::builtin()), vec![]);
}

#[test]
fn groups_are_checked_against_group_attributes() {
    let mut doc = outbound(json!([user_name()]), json!([]));
    doc["objects"][1]["mappings"][1]["expression"] = json!("[member]");
    doc["objects"][1]["scoping"] = json!([{"clauses": [{"attribute": "surname", "operator": "IS NULL"}]}]);
    let problems = checked(&doc, &Catalogue::with_extensions(["costCentre"]));
    let places: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
    assert_eq!(
        places,
        [
            "objects[1].scoping[0].clauses[0].attribute",
            "objects[1].mappings[1].expression"
        ]
    );
    assert!(
        problems[0].message.contains("the directory's groups"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].message.contains("did you mean `members`?"),
        "{}",
        problems[1]
    );
}

#[test]
fn inbound_jobs_are_checked_against_the_paths_records_carry() {
    let mut doc = serde_json::to_value(job::templates::inbound("HR")).unwrap();
    assert_eq!(checked(&doc, &Catalogue::builtin()), vec![]);
    doc["objects"][0]["mappings"][3]["expression"] = json!("[name.givenNmae]");
    doc["objects"][0]["mappings"][4]["expression"] = json!("[urn:acme:hr:1.0:User:anything]");
    doc["objects"][0]["scoping"] = json!([{"clauses": [
        {"attribute": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:departmnet", "operator": "IS NOT NULL"}]}]);
    let problems = checked(&doc, &Catalogue::builtin());
    let places: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
    assert_eq!(
        places,
        [
            "objects[0].scoping[0].clauses[0].attribute",
            "objects[0].mappings[3].expression"
        ],
        "{problems:#?}"
    );
    assert!(
        problems[0]
            .message
            .contains("did you mean `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`?")
    );
    assert!(
        problems[1]
            .message
            .starts_with("`name.givenNmae` is not an attribute of the records pushed to an inbound job"),
        "{}",
        problems[1]
    );
    assert!(problems[1].message.contains("did you mean `name.givenName`?"));
    // A directory attribute's name is not a record's.
    doc["objects"][0]["mappings"][3]["expression"] = json!("[givenName]");
    let problems = checked(&doc, &Catalogue::builtin());
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("did you mean `name.givenName`?")),
        "{problems:#?}"
    );
}

#[test]
fn unknown_attributes_are_warnings_so_the_definition_still_loads() {
    let doc = outbound(
        json!([user_name(), {"target": "title", "expression": "[title]"}]),
        json!([]),
    );
    let problems = checked(&doc, &Catalogue::builtin());
    assert!(problems.iter().all(|p| !p.is_error()));
    one_warning(
        problems,
        "objects[0].mappings[1].expression",
        "did you mean `jobTitle`?",
    );
}
