//! Scoping filters: every operator on matching, non-matching, null, empty,
//! case, multi-valued and wrong-typed values, one line per case; the problems
//! reported on save; and every example in docs/scoping.md.

use chrono::{DateTime, Utc};
use provisio_engine::object::{Attributes, SourceObject};
use provisio_engine::scope::{self, ClauseOutcome, CompiledScope, MAX_DAYS, Operator, ScopeContext, ScopingFilter};
use provisio_engine::value::Value;
use serde_json::{Value as Json, json};

use crate::support::{NOW, now, source};

/// A filter of one clause; a JSON `null` value means no value.
fn one_clause(attribute: &str, operator: &str, value: &Json) -> ScopingFilter {
    let mut clause = json!({"attribute": attribute, "operator": operator});
    if !value.is_null() {
        clause["value"] = value.clone();
    }
    serde_json::from_value(json!({"name": "test", "clauses": [clause]}))
        .unwrap_or_else(|e| panic!("bad clause {clause}: {e}"))
}

fn outcome(attribute: &str, operator: &str, value: &Json, object: &dyn Attributes) -> ClauseOutcome {
    let filters = [one_clause(attribute, operator, value)];
    let scope = CompiledScope::compile(&filters)
        .unwrap_or_else(|p| panic!("{attribute} {operator} {value} does not compile: {p:?}"));
    let ctx = ScopeContext::new(now());
    let outcome = scope.evaluate(object, &ctx);
    assert_eq!(
        outcome.in_scope,
        scope.is_in_scope(object, &ctx),
        "the fast path disagrees"
    );
    let clause = outcome.filters[0].clauses[0].clone();
    assert_eq!(outcome.in_scope, clause.matched);
    clause
}

/// Asserts whether `attribute operator value` holds for the object (JSON), evaluated at [`NOW`].
#[track_caller]
fn clause(attribute: &str, operator: &str, value: Json, object: &str, expected: bool) {
    let out = outcome(attribute, operator, &value, &source(object));
    assert_eq!(
        out.matched, expected,
        "{attribute} {operator} {value} on {object}: {}",
        out.explanation
    );
}

/// The same for an object built in code (e.g. with a date-time value).
#[track_caller]
fn clause_on(attribute: &str, operator: &str, value: Json, object: &SourceObject, expected: bool) {
    let out = outcome(attribute, operator, &value, object);
    assert_eq!(
        out.matched, expected,
        "{attribute} {operator} {value} on {object:?}: {}",
        out.explanation
    );
}

#[track_caller]
fn explained(attribute: &str, operator: &str, value: Json, object: &str, explanation: &str) {
    assert_eq!(
        outcome(attribute, operator, &value, &source(object)).explanation,
        explanation
    );
}

/// Asserts the clause does not compile, with one problem in `field` whose message contains `part`.
#[track_caller]
fn problem(attribute: &str, operator: &str, value: Json, field: &str, part: &str) {
    let problems = CompiledScope::compile(&[one_clause(attribute, operator, &value)])
        .err()
        .unwrap_or_else(|| panic!("{attribute:?} {operator} {value} compiles"));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (problems[0].filter, problems[0].clause, problems[0].field),
        (0, 0, field)
    );
    assert!(
        problems[0].message.contains(part),
        "{:?} lacks {part:?}",
        problems[0].message
    );
}

fn date(s: &str) -> Value {
    Value::DateTime(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn equals() {
    clause("department", "EQUALS", json!("Sales"), r#"{"department": "Sales"}"#, true);
    clause("department", "EQUALS", json!("Sales"), r#"{"department": "sales"}"#, false);
    clause("department", "EQUALS", json!("Sales"), r#"{"department": "Sales "}"#, false);
    clause("department", "EQUALS", json!("Sales"), r#"{}"#, false);
    clause("department", "EQUALS", json!("Sales"), r#"{"department": null}"#, false);
    clause("department", "EQUALS", json!(""), r#"{"department": ""}"#, false);
    clause("department", "EQUALS", json!("Sales"), r#"{"department": ["Marketing", "Sales"]}"#, true);
    clause("department", "EQUALS", json!("Sales"), r#"{"department": ["Marketing"]}"#, false);
    clause("department", "EQUALS", json!("Sales"), r#"{"department": []}"#, false);
    clause("department", "EQUALS", json!("Sales"), r#"{"department": [null, ""]}"#, false);
    clause("department", "EQUALS", json!("Sales"), r#"{"department": {"value": "Sales"}}"#, false);
    clause("displayName", "EQUALS", json!("Zoë"), r#"{"displayName": "Zoë"}"#, true);
    clause("displayName", "EQUALS", json!("zoë"), r#"{"displayName": "Zoë"}"#, false);
    // Booleans: True/False in any case.
    clause("accountEnabled", "EQUALS", json!("true"), r#"{"accountEnabled": true}"#, true);
    clause("accountEnabled", "EQUALS", json!("TRUE"), r#"{"accountEnabled": true}"#, true);
    clause("accountEnabled", "EQUALS", json!(true), r#"{"accountEnabled": true}"#, true);
    clause("accountEnabled", "EQUALS", json!("false"), r#"{"accountEnabled": true}"#, false);
    clause("accountEnabled", "EQUALS", json!(false), r#"{"accountEnabled": false}"#, true);
    clause("accountEnabled", "EQUALS", json!("yes"), r#"{"accountEnabled": true}"#, false);
    clause("accountEnabled", "EQUALS", json!(1), r#"{"accountEnabled": true}"#, false);
    clause("accountEnabled", "EQUALS", json!(true), r#"{"accountEnabled": "TRUE"}"#, true);
    clause("accountEnabled", "EQUALS", json!("True"), r#"{"accountEnabled": "TRUE"}"#, false);
    // Integers: numerically against integer text.
    clause("level", "EQUALS", json!("7"), r#"{"level": 7}"#, true);
    clause("level", "EQUALS", json!("007"), r#"{"level": 7}"#, true);
    clause("level", "EQUALS", json!(7), r#"{"level": 7}"#, true);
    clause("level", "EQUALS", json!(8), r#"{"level": 7}"#, false);
    clause("level", "EQUALS", json!("7.0"), r#"{"level": 7}"#, false);
    clause("level", "EQUALS", json!(true), r#"{"level": 1}"#, false);
    clause("code", "EQUALS", json!(7), r#"{"code": "007"}"#, true);
    clause("code", "EQUALS", json!("7"), r#"{"code": "007"}"#, false);
    clause("code", "EQUALS", json!(7), r#"{"code": "seven"}"#, false);
    // Date-times: the same instant.
    let hired = SourceObject::new().with("hireDate", date("2021-06-01T00:00:00Z"));
    clause_on("hireDate", "EQUALS", json!("2021-06-01"), &hired, true);
    clause_on("hireDate", "EQUALS", json!("6/1/2021 12:00:00 AM"), &hired, true);
    clause_on("hireDate", "EQUALS", json!("2021-06-01T02:00:00+02:00"), &hired, true);
    clause_on("hireDate", "EQUALS", json!("2021-06-02"), &hired, false);
    clause_on("hireDate", "EQUALS", json!("June"), &hired, false);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn not_equals() {
    clause("department", "NOT EQUALS", json!("Sales"), r#"{"department": "Marketing"}"#, true);
    clause("department", "NOT EQUALS", json!("Sales"), r#"{"department": "Sales"}"#, false);
    clause("department", "NOT EQUALS", json!("Sales"), r#"{"department": "sales"}"#, true);
    clause("department", "NOT EQUALS", json!("Sales"), r#"{}"#, false);
    clause("department", "NOT EQUALS", json!("Sales"), r#"{"department": ""}"#, false);
    clause("department", "NOT EQUALS", json!("Sales"), r#"{"department": ["Marketing", "HR"]}"#, true);
    clause("department", "NOT EQUALS", json!("Sales"), r#"{"department": ["Marketing", "Sales"]}"#, false);
    clause("department", "NOT EQUALS", json!("Sales"), r#"{"department": []}"#, false);
    clause("department", "NOT EQUALS", json!("Sales"), r#"{"department": {"value": "HR"}}"#, false);
    clause("accountEnabled", "NOT_EQUALS", json!("false"), r#"{"accountEnabled": true}"#, true);
    clause("level", "NotEquals", json!(7), r#"{"level": "007"}"#, false);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn is_true_and_is_false() {
    clause("accountEnabled", "IS TRUE", Json::Null, r#"{"accountEnabled": true}"#, true);
    clause("accountEnabled", "IS TRUE", Json::Null, r#"{"accountEnabled": false}"#, false);
    clause("accountEnabled", "IS TRUE", Json::Null, r#"{"accountEnabled": "True"}"#, true);
    clause("accountEnabled", "IS TRUE", Json::Null, r#"{"accountEnabled": "tRuE"}"#, true);
    clause("accountEnabled", "IS TRUE", Json::Null, r#"{"accountEnabled": "yes"}"#, false);
    clause("accountEnabled", "IS TRUE", Json::Null, r#"{"accountEnabled": 1}"#, false);
    clause("accountEnabled", "IS TRUE", Json::Null, r#"{}"#, false);
    clause("accountEnabled", "IS TRUE", Json::Null, r#"{"accountEnabled": ["False", "True"]}"#, true);
    clause("accountEnabled", "IS TRUE", Json::Null, r#"{"accountEnabled": [false]}"#, false);
    clause("accountEnabled", "IS FALSE", Json::Null, r#"{"accountEnabled": false}"#, true);
    clause("accountEnabled", "IS FALSE", Json::Null, r#"{"accountEnabled": "FALSE"}"#, true);
    clause("accountEnabled", "IS FALSE", Json::Null, r#"{"accountEnabled": true}"#, false);
    clause("accountEnabled", "IS FALSE", Json::Null, r#"{}"#, false);
    clause("accountEnabled", "IS FALSE", Json::Null, r#"{"accountEnabled": ""}"#, false);
    clause("accountEnabled", "IS FALSE", Json::Null, r#"{"accountEnabled": "no"}"#, false);
    clause("accountEnabled", "IS FALSE", Json::Null, r#"{"accountEnabled": 0}"#, false);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn is_null_and_is_not_null() {
    clause("jobTitle", "IS NULL", Json::Null, r#"{}"#, true);
    clause("jobTitle", "IS NULL", Json::Null, r#"{"jobTitle": null}"#, true);
    clause("jobTitle", "IS NULL", Json::Null, r#"{"jobTitle": ""}"#, true);
    clause("jobTitle", "IS NULL", Json::Null, r#"{"jobTitle": []}"#, true);
    clause("jobTitle", "IS NULL", Json::Null, r#"{"jobTitle": [null, ""]}"#, true);
    clause("jobTitle", "IS NULL", Json::Null, r#"{"jobTitle": "Engineer"}"#, false);
    clause("jobTitle", "IS NULL", Json::Null, r#"{"jobTitle": " "}"#, false);
    clause("jobTitle", "IS NULL", Json::Null, r#"{"jobTitle": false}"#, false);
    clause("jobTitle", "IS NULL", Json::Null, r#"{"jobTitle": 0}"#, false);
    clause("jobTitle", "IS NULL", Json::Null, r#"{"jobTitle": {"value": "x"}}"#, false);
    clause("jobTitle", "IS NULL", Json::Null, r#"{"JobTitle": "case-sensitive name"}"#, true);
    clause("jobTitle", "IS NOT NULL", Json::Null, r#"{"jobTitle": "Engineer"}"#, true);
    clause("jobTitle", "IS NOT NULL", Json::Null, r#"{"jobTitle": ["", "Engineer"]}"#, true);
    clause("jobTitle", "IS NOT NULL", Json::Null, r#"{"jobTitle": 0}"#, true);
    clause("jobTitle", "IS NOT NULL", Json::Null, r#"{}"#, false);
    clause("jobTitle", "IS NOT NULL", Json::Null, r#"{"jobTitle": ""}"#, false);
    clause("jobTitle", "IS NOT NULL", Json::Null, r#"{"jobTitle": [null]}"#, false);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn includes_starts_with_ends_with() {
    clause("jobTitle", "Includes", json!("Engineer"), r#"{"jobTitle": "Senior Engineer II"}"#, true);
    clause("jobTitle", "Includes", json!("engineer"), r#"{"jobTitle": "Senior Engineer"}"#, false);
    clause("jobTitle", "Includes", json!("Engineer"), r#"{}"#, false);
    clause("jobTitle", "Includes", json!("Engineer"), r#"{"jobTitle": ""}"#, false);
    clause("jobTitle", "Includes", json!("Engineer"), r#"{"jobTitle": ["Sales", "Chief Engineer"]}"#, true);
    clause("jobTitle", "contains", json!("Engineer"), r#"{"jobTitle": ["Sales"]}"#, false);
    clause("jobTitle", "Includes", json!("Engineer"), r#"{"jobTitle": {"value": "Engineer"}}"#, false);
    clause("number", "Includes", json!("234"), r#"{"number": 12345}"#, true);
    clause("number", "Includes", json!(234), r#"{"number": "12345"}"#, true);
    clause("flag", "Includes", json!("ru"), r#"{"flag": true}"#, true);
    clause("employeeId", "STARTS_WITH", json!("EXT-"), r#"{"employeeId": "EXT-0042"}"#, true);
    clause("employeeId", "STARTS_WITH", json!("EXT-"), r#"{"employeeId": "ext-0042"}"#, false);
    clause("employeeId", "STARTS_WITH", json!("EXT-"), r#"{"employeeId": "0042-EXT-"}"#, false);
    clause("employeeId", "STARTS_WITH", json!("EXT-"), r#"{}"#, false);
    clause("employeeId", "STARTS_WITH", json!("EXT-"), r#"{"employeeId": ["1", "EXT-2"]}"#, true);
    clause("employeeId", "STARTS_WITH", json!("EXT-"), r#"{"employeeId": {"id": "EXT-1"}}"#, false);
    clause("upn", "ENDS_WITH", json!("@contoso.com"), r#"{"upn": "ann@contoso.com"}"#, true);
    clause("upn", "ENDS_WITH", json!("@contoso.com"), r#"{"upn": "ANN@CONTOSO.COM"}"#, false);
    clause("upn", "ENDS_WITH", json!("@contoso.com"), r#"{"upn": "ann@contoso.com.evil"}"#, false);
    clause("upn", "ENDS_WITH", json!("@contoso.com"), r#"{"upn": null}"#, false);
    clause("upn", "ENDS_WITH", json!("@contoso.com"), r#"{"upn": ["a@x.com", "b@contoso.com"]}"#, true);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn regex_match() {
    clause("upn", "REGEX MATCH", json!(".*\\@domain.com"), r#"{"upn": "ann@domain.com"}"#, true);
    clause("upn", "REGEX MATCH", json!(".*\\@domain.com"), r#"{"upn": "ann@other.com"}"#, false);
    clause("workerID", "REGEX MATCH", json!("([1-9][0-9])"), r#"{"workerID": "42"}"#, true);
    clause("workerID", "REGEX MATCH", json!("([1-9][0-9])"), r#"{"workerID": "7"}"#, false);
    clause("workerID", "REGEX MATCH", json!("([1-9][0-9])"), r#"{"workerID": "123"}"#, true);
    clause("workerID", "REGEX MATCH", json!("^[1-9][0-9]$"), r#"{"workerID": "123"}"#, false);
    clause("workerID", "REGEX MATCH", json!("^4"), r#"{"workerID": 42}"#, true);
    clause("department", "REGEX MATCH", json!("Sales"), r#"{"department": "sales"}"#, false);
    clause("department", "REGEX MATCH", json!("(?i)^sales$"), r#"{"department": "SALES"}"#, true);
    clause("id", "REGEX MATCH", json!("^(?<prefix>EXT)-\\d+$"), r#"{"id": "EXT-12"}"#, true);
    clause("upn", "REGEX MATCH", json!("^(?!test).*@contoso\\.com$"), r#"{"upn": "ann@contoso.com"}"#, true);
    clause("upn", "REGEX MATCH", json!("^(?!test).*@contoso\\.com$"), r#"{"upn": "test@contoso.com"}"#, false);
    clause("word", "REGEX MATCH", json!("(\\w)\\1"), r#"{"word": "aab"}"#, true);
    clause("department", "REGEX MATCH", json!(".*"), r#"{}"#, false);
    clause("department", "REGEX MATCH", json!(".*"), r#"{"department": ""}"#, false);
    clause("department", "REGEX MATCH", json!("^Sales$"), r#"{"department": ["HR", "Sales"]}"#, true);
    clause("department", "REGEX MATCH", json!("."), r#"{"department": {"value": "x"}}"#, false);
    clause("upn", "NOT REGEX MATCH", json!("^test"), r#"{"upn": "ann"}"#, true);
    clause("upn", "NOT REGEX MATCH", json!("^test"), r#"{"upn": "test1"}"#, false);
    clause("upn", "NOT REGEX MATCH", json!("^test"), r#"{"upn": "Test1"}"#, true);
    clause("upn", "NOT REGEX MATCH", json!("^test"), r#"{}"#, false);
    clause("upn", "NOT REGEX MATCH", json!("^test"), r#"{"upn": ""}"#, false);
    clause("upn", "NOT REGEX MATCH", json!("^test"), r#"{"upn": ["ann", "bob"]}"#, true);
    clause("upn", "NOT REGEX MATCH", json!("^test"), r#"{"upn": ["ann", "test"]}"#, false);
    clause("upn", "NOT REGEX MATCH", json!("^test"), r#"{"upn": {"value": "ann"}}"#, false);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn integer_comparisons() {
    clause("level", "Greater_Than", json!(5), r#"{"level": 7}"#, true);
    clause("level", "Greater_Than", json!(7), r#"{"level": 7}"#, false);
    clause("level", "Greater_Than", json!("5"), r#"{"level": "7"}"#, true);
    clause("level", "Greater_Than", json!(-4), r#"{"level": -3}"#, true);
    clause("level", "Greater_Than", json!(5), r#"{"level": "seven"}"#, false);
    clause("level", "Greater_Than", json!(5), r#"{"level": "7.5"}"#, false);
    clause("level", "Greater_Than", json!(0), r#"{"level": true}"#, false);
    clause("level", "Greater_Than", json!(5), r#"{}"#, false);
    clause("level", "Greater_Than", json!(5), r#"{"level": ""}"#, false);
    clause("level", "Greater_Than", json!(5), r#"{"level": [1, 9]}"#, true);
    clause("level", "Greater_Than", json!(5), r#"{"level": [1, 2]}"#, false);
    clause("level", "Greater_Than_OR_EQUALS", json!(7), r#"{"level": 7}"#, true);
    clause("level", "Greater_Than_OR_EQUALS", json!(7), r#"{"level": 6}"#, false);
    clause("level", "Greater_Than_OR_EQUALS", json!(7), r#"{"level": null}"#, false);
    clause("level", "Less_Than", json!(3), r#"{"level": 2}"#, true);
    clause("level", "Less_Than", json!(3), r#"{"level": 3}"#, false);
    clause("level", "Less_Than", json!(3), r#"{"level": " 2 "}"#, true);
    clause("level", "Less_Than", json!(3), r#"{"level": "two"}"#, false);
    clause("level", "Less_Than_OR_EQUALS", json!(3), r#"{"level": 3}"#, true);
    clause("level", "Less_Than_OR_EQUALS", json!(3), r#"{"level": 4}"#, false);
    clause("level", "Less_Than_OR_EQUALS", json!(3), r#"{"level": [9, "x", 1]}"#, true);
    clause("level", "Less_Than_OR_EQUALS", json!(3), r#"{}"#, false);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn bitwise() {
    clause("uac", "&", json!(2), r#"{"uac": 514}"#, true);
    clause("uac", "&", json!(2), r#"{"uac": 512}"#, false);
    clause("uac", "&", json!("2"), r#"{"uac": "514"}"#, true);
    clause("uac", "&", json!(2), r#"{}"#, false);
    clause("uac", "&", json!(2), r#"{"uac": "abc"}"#, false);
    clause("uac", "&", json!(2), r#"{"uac": [512, 514]}"#, true);
    clause("uac", "&", json!(0), r#"{"uac": 514}"#, false);
    clause("uac", "BitAnd", json!(3), r#"{"uac": 1}"#, true);
    clause("uac", "!&", json!(2), r#"{"uac": 512}"#, true);
    clause("uac", "!&", json!(2), r#"{"uac": 514}"#, false);
    clause("uac", "!&", json!(2), r#"{}"#, false);
    clause("uac", "!&", json!(2), r#"{"uac": ""}"#, false);
    clause("uac", "!&", json!(2), r#"{"uac": "abc"}"#, false);
    clause("uac", "!&", json!(2), r#"{"uac": [512, 514]}"#, false);
    clause("uac", "!&", json!(2), r#"{"uac": [512, 544]}"#, true);
    clause("uac", "!&", json!(2), r#"{"uac": ["abc", 512]}"#, false);
    clause("uac", "!&", json!(0), r#"{"uac": 514}"#, true);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn is_in_and_is_not_in() {
    let sales_hr = || json!(["Sales", "HR"]);
    clause("department", "IS IN", sales_hr(), r#"{"department": "Sales"}"#, true);
    clause("department", "IS IN", sales_hr(), r#"{"department": "HR"}"#, true);
    clause("department", "IS IN", sales_hr(), r#"{"department": "sales"}"#, false);
    clause("department", "IS IN", sales_hr(), r#"{"department": "IT"}"#, false);
    clause("department", "IS IN", sales_hr(), r#"{}"#, false);
    clause("department", "IS IN", sales_hr(), r#"{"department": ""}"#, false);
    clause("department", "IS IN", sales_hr(), r#"{"department": ["IT", "HR"]}"#, true);
    clause("department", "IS IN", sales_hr(), r#"{"department": {"value": "HR"}}"#, false);
    clause("level", "IS IN", json!(["7", "8"]), r#"{"level": 7}"#, true);
    clause("level", "IS IN", json!([7, 8]), r#"{"level": "07"}"#, true);
    clause("flag", "IS IN", json!(["true"]), r#"{"flag": true}"#, true);
    clause("department", "IS NOT IN", sales_hr(), r#"{"department": "IT"}"#, true);
    clause("department", "IS NOT IN", sales_hr(), r#"{"department": "Sales"}"#, false);
    clause("department", "IS NOT IN", sales_hr(), r#"{"department": "sales"}"#, true);
    clause("department", "IS NOT IN", sales_hr(), r#"{}"#, false);
    clause("department", "IS NOT IN", sales_hr(), r#"{"department": []}"#, false);
    clause("department", "IS NOT IN", sales_hr(), r#"{"department": ["IT", "Sales"]}"#, false);
    clause("department", "IS NOT IN", sales_hr(), r#"{"department": ["IT", "Ops"]}"#, true);
    clause("department", "IS NOT IN", sales_hr(), r#"{"department": {"value": "IT"}}"#, false);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn is_member_of() {
    let groups = r#"{"memberOf": ["g-1", "g-2"]}"#;
    clause("memberOf", "IS MEMBER OF", json!("g-1"), groups, true);
    clause("memberOf", "IS MEMBER OF", json!("G-1"), groups, true);
    clause("memberOf", "IS MEMBER OF", json!("g-3"), groups, false);
    let named = r#"{"memberOf": [{"id": "g1", "displayName": "Sales Team"}, {"value": "g9"}]}"#;
    clause("memberOf", "IS MEMBER OF", json!("sales team"), named, true);
    clause("memberOf", "IS MEMBER OF", json!("g1"), named, true);
    clause("memberOf", "IS MEMBER OF", json!("g9"), named, true);
    clause("memberOf", "IS MEMBER OF", json!("Sales"), named, false);
    clause("memberOf", "IS MEMBER OF", json!("Marketing"), named, false);
    clause("memberOf", "IS MEMBER OF", json!("ärzte"), r#"{"memberOf": [{"displayName": "ÄRZTE"}]}"#, true);
    clause("memberOf", "IS MEMBER OF", json!("g1"), r#"{"memberOf": "g1"}"#, true);
    clause("memberOf", "IS MEMBER OF", json!(7), r#"{"memberOf": [7]}"#, false);
    clause("memberOf", "IS MEMBER OF", json!("g1"), r#"{}"#, false);
    clause("memberOf", "IS MEMBER OF", json!("g1"), r#"{"memberOf": []}"#, false);
    clause("groups", "IS MEMBER OF", json!("g1"), r#"{"groups": ["g1"]}"#, true);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn before_and_after() {
    assert_eq!(NOW, "2021-07-02T15:33:38Z");
    clause("hireDate", "BEFORE", json!("2021-07-01"), r#"{"hireDate": "2021-06-01"}"#, true);
    clause("hireDate", "BEFORE", json!("2021-07-01"), r#"{"hireDate": "2021-07-01"}"#, false);
    clause("hireDate", "BEFORE", json!("2021-07-01"), r#"{"hireDate": "2021-07-02"}"#, false);
    clause("hireDate", "BEFORE", json!("2021-07-01"), r#"{"hireDate": "6/30/2021 11:59:59 PM"}"#, true);
    clause("hireDate", "BEFORE", json!("2021-07-01"), r#"{"hireDate": "2021-07-01T01:00:00+02:00"}"#, true);
    clause("hireDate", "BEFORE", json!("2021-07-01T00:00:00Z"), r#"{"hireDate": "2021-06-30"}"#, true);
    clause("hireDate", "BEFORE", json!("-30"), r#"{"hireDate": "2021-06-01"}"#, true);
    clause("hireDate", "BEFORE", json!(-30), r#"{"hireDate": "2021-06-01"}"#, true);
    clause("hireDate", "BEFORE", json!("-30"), r#"{"hireDate": "2021-06-15"}"#, false);
    clause("hireDate", "BEFORE", json!("-30"), r#"{"hireDate": "2021-06-02T15:33:37Z"}"#, true);
    clause("hireDate", "BEFORE", json!("-30"), r#"{"hireDate": "2021-06-02T15:33:38Z"}"#, false);
    clause("hireDate", "BEFORE", json!("2021-07-01"), r#"{}"#, false);
    clause("hireDate", "BEFORE", json!("2021-07-01"), r#"{"hireDate": ""}"#, false);
    clause("hireDate", "BEFORE", json!("2021-07-01"), r#"{"hireDate": "not a date"}"#, false);
    clause("hireDate", "BEFORE", json!("2021-07-01"), r#"{"hireDate": 20210601}"#, false);
    clause("hireDate", "BEFORE", json!("2021-01-01"), r#"{"hireDate": ["2022-01-01", "2020-01-01"]}"#, true);
    clause("hireDate", "BEFORE", json!("2021-01-01"), r#"{"hireDate": ["2022-01-01", "x"]}"#, false);
    clause_on("hireDate", "BEFORE", json!("+1"), &SourceObject::new().with("hireDate", date(NOW)), true);
    clause_on("hireDate", "BEFORE", json!(0), &SourceObject::new().with("hireDate", date(NOW)), false);
    clause("startDate", "AFTER", json!("+7"), r#"{"startDate": "2021-07-10"}"#, true);
    clause("startDate", "AFTER", json!(7), r#"{"startDate": "2021-07-10"}"#, true);
    clause("startDate", "AFTER", json!("7"), r#"{"startDate": "2021-07-09"}"#, false);
    clause("startDate", "AFTER", json!(0), r#"{"startDate": "2021-07-02T15:33:39Z"}"#, true);
    clause("startDate", "AFTER", json!(0), r#"{"startDate": "2021-07-02T15:33:38Z"}"#, false);
    clause("startDate", "AFTER", json!("2021-07-01"), r#"{"startDate": "2021-07-01T00:00:01Z"}"#, true);
    clause("startDate", "AFTER", json!("2021-07-01"), r#"{"startDate": "Thu, 01 Jul 2021 10:00:00 +0000"}"#, true);
    clause("startDate", "AFTER", json!("2021-07-01"), r#"{"startDate": true}"#, false);
    clause("startDate", "AFTER", json!("2021-07-01"), r#"{}"#, false);
    clause_on("startDate", "AFTER", json!("2021-07-01"), &SourceObject::new().with("startDate", date(NOW)), true);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn within_days() {
    clause("startDate", "WITHIN_DAYS", json!(30), r#"{"startDate": "2021-06-15"}"#, true);
    clause("startDate", "WITHIN_DAYS", json!(30), r#"{"startDate": "2021-07-20"}"#, true);
    clause("startDate", "WITHIN_DAYS", json!(30), r#"{"startDate": "2021-08-15"}"#, false);
    clause("startDate", "WITHIN_DAYS", json!(30), r#"{"startDate": "2021-05-01"}"#, false);
    clause("startDate", "WITHIN_DAYS", json!("30"), r#"{"startDate": "2021-06-02T15:33:38Z"}"#, true);
    clause("startDate", "WITHIN_DAYS", json!(30), r#"{"startDate": "2021-06-02T15:33:37Z"}"#, false);
    clause("startDate", "WITHIN_DAYS", json!(0), r#"{"startDate": "2021-07-02T15:33:38Z"}"#, true);
    clause("startDate", "WITHIN_DAYS", json!(0), r#"{"startDate": "2021-07-02"}"#, false);
    clause("startDate", "WITHIN_DAYS", json!(30), r#"{}"#, false);
    clause("startDate", "WITHIN_DAYS", json!(30), r#"{"startDate": "soon"}"#, false);
    clause("startDate", "WITHIN_DAYS", json!(30), r#"{"startDate": ["2020-01-01", "2021-07-03"]}"#, true);
    clause_on("startDate", "WITHIN_DAYS", json!(1), &SourceObject::new().with("startDate", date(NOW)), true);
}

#[test]
#[rustfmt::skip] // one line per case: the table reads better than vertical calls
fn problems() {
    problem("", "EQUALS", json!("x"), "attribute", "the attribute name is empty");
    problem("  ", "IS NULL", Json::Null, "attribute", "the attribute name is empty");
    problem("a", "EQUALS", Json::Null, "value", "EQUALS needs a value");
    problem("a", "IS MEMBER OF", Json::Null, "value", "IS MEMBER OF needs a value");
    problem("a", "IS NULL", json!("x"), "value", "IS NULL takes no value");
    problem("a", "IS TRUE", json!(true), "value", "IS TRUE takes no value");
    problem("a", "IS IN", json!("Sales"), "value", "needs a list of values");
    problem("a", "IS NOT IN", Json::Null, "value", "needs a list of values");
    problem("a", "IS IN", json!([]), "value", "the list is empty");
    problem("a", "EQUALS", json!(["a", "b"]), "value", "use IS IN");
    problem("a", "Includes", json!(["a"]), "value", "one value, not a list");
    problem("a", "Greater_Than", json!("ten"), "value", "Greater_Than compares integers; \"ten\" is not an integer");
    problem("a", "Greater_Than_OR_EQUALS", json!(true), "value", "compares integers");
    problem("a", "Less_Than", json!("1.5"), "value", "compares integers");
    problem("a", "Less_Than_OR_EQUALS", json!(""), "value", "compares integers");
    problem("a", "&", json!("0x2"), "value", "compares integers");
    problem("a", "!&", json!(false), "value", "compares integers");
    problem("a", "WITHIN_DAYS", json!(-1), "value", "from 0 to 3650000, not -1");
    problem("a", "WITHIN_DAYS", json!("week"), "value", "needs a number of days; \"week\" is not an integer");
    problem("a", "WITHIN_DAYS", json!(MAX_DAYS + 1), "value", "from 0 to");
    problem("a", "REGEX MATCH", json!("(unclosed"), "value", "invalid regular expression \"(unclosed\"");
    problem("a", "NOT REGEX MATCH", json!("[a-"), "value", "invalid regular expression");
    problem("a", "REGEX MATCH", json!("(?n)(a)"), "value", "invalid regular expression");
    problem("a", "BEFORE", json!("last month"), "value", "\"last month\" is neither");
    problem("a", "AFTER", json!(true), "value", "a date or a number of days");
    problem("a", "AFTER", json!(MAX_DAYS + 1), "value", "too far");
    problem("a", "BEFORE", json!(format!("-{}", MAX_DAYS + 1)), "value", "too far");
    problem("a", "IS MEMBER OF", json!(" "), "value", "group id or display name");
}

#[test]
fn every_problem_is_reported_at_once() {
    let filters: Vec<ScopingFilter> = serde_json::from_value(json!([
        {"name": "first", "clauses": [{"attribute": "", "operator": "EQUALS"}]},
        {"name": "second", "clauses": [
            {"attribute": "ok", "operator": "EQUALS", "value": "fine"},
            {"attribute": "a", "operator": "REGEX MATCH", "value": "("}
        ]}
    ]))
    .unwrap();
    let problems = scope::evaluate(&filters, &SourceObject::new(), &ScopeContext::default()).unwrap_err();
    let places: Vec<_> = problems.iter().map(|p| (p.filter, p.clause, p.field)).collect();
    assert_eq!(places, [(0, 0, "attribute"), (0, 0, "value"), (1, 1, "value")]);
    assert!(
        problems[1]
            .to_string()
            .starts_with("filters[0].clauses[0].value: EQUALS needs a value")
    );
}

#[test]
fn unknown_operators_are_rejected_when_read() {
    let error = serde_json::from_value::<ScopingFilter>(json!({"clauses": [{"attribute": "a", "operator": "LIKE"}]}))
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown scoping operator \"LIKE\""), "{error}");
}

#[test]
fn explanations() {
    let sales = r#"{"department": "Sales"}"#;
    explained(
        "department",
        "EQUALS",
        json!("Sales"),
        sales,
        "department \"Sales\" equals \"Sales\"",
    );
    explained(
        "department",
        "EQUALS",
        json!("HR"),
        sales,
        "department \"Sales\" does not equal \"HR\"",
    );
    explained(
        "department",
        "NOT EQUALS",
        json!("Sales"),
        sales,
        "department \"Sales\" equals \"Sales\"",
    );
    explained(
        "department",
        "NOT EQUALS",
        json!("HR"),
        sales,
        "department \"Sales\" does not equal \"HR\"",
    );
    explained("department", "IS NULL", Json::Null, "{}", "department is null");
    explained(
        "department",
        "IS NULL",
        Json::Null,
        r#"{"department": []}"#,
        "department is empty",
    );
    explained("department", "IS NULL", Json::Null, sales, "department has a value");
    explained("department", "IS NOT NULL", Json::Null, sales, "department has a value");
    explained(
        "department",
        "IS NOT NULL",
        Json::Null,
        r#"{"department": ""}"#,
        "department is empty: every clause but IS NULL is false for an empty value",
    );
    explained(
        "enabled",
        "IS TRUE",
        Json::Null,
        r#"{"enabled": true}"#,
        "enabled is True",
    );
    explained(
        "enabled",
        "IS FALSE",
        Json::Null,
        r#"{"enabled": true}"#,
        "enabled is True",
    );
    explained(
        "enabled",
        "IS TRUE",
        Json::Null,
        r#"{"enabled": [false]}"#,
        "no value of enabled is true",
    );
    explained(
        "enabled",
        "IS TRUE",
        Json::Null,
        r#"{"enabled": "maybe"}"#,
        "enabled \"maybe\" is not a boolean (IS TRUE reads true, false, \"True\" or \"False\"), so the clause is false",
    );
    explained(
        "level",
        "Greater_Than",
        json!(5),
        r#"{"level": 7}"#,
        "level 7 is greater than 5",
    );
    explained(
        "level",
        "Less_Than_OR_EQUALS",
        json!(5),
        r#"{"level": 7}"#,
        "level 7 is greater than 5",
    );
    explained(
        "level",
        "Greater_Than",
        json!(5),
        r#"{"level": ["a", 2]}"#,
        "level has \"a\", which is not an integer (Greater_Than reads integers), so the clause is false",
    );
    explained("uac", "!&", json!(2), r#"{"uac": 514}"#, "uac 514 shares bits with 2");
    explained(
        "mail",
        "ENDS_WITH",
        json!("@x.com"),
        r#"{"mail": ["a@y.com"]}"#,
        "no value of mail ends with \"@x.com\"",
    );
    explained(
        "mail",
        "REGEX MATCH",
        json!("@x\\.com$"),
        r#"{"mail": ["a@y.com", "b@x.com"]}"#,
        "mail has \"b@x.com\", which matches \"@x\\.com$\"",
    );
    explained(
        "d",
        "IS IN",
        json!(["A", "B"]),
        r#"{"d": "C"}"#,
        "d \"C\" is not in [\"A\", \"B\"]",
    );
    explained(
        "d",
        "EQUALS",
        json!("x"),
        r#"{"d": {"id": 1}}"#,
        "d {\"id\":1} is a complex value, which EQUALS cannot compare, so the clause is false",
    );
    explained(
        "memberOf",
        "IS MEMBER OF",
        json!("Sales"),
        r#"{"memberOf": ["g"]}"#,
        "memberOf does not list the group \"Sales\"",
    );
    explained(
        "hireDate",
        "BEFORE",
        json!(-30),
        r#"{"hireDate": "2021-06-01"}"#,
        "hireDate \"2021-06-01\" is before 2021-06-02T15:33:38Z (30 days ago)",
    );
    explained(
        "hireDate",
        "AFTER",
        json!("2021-01-01"),
        r#"{"hireDate": "2020-06-01"}"#,
        "hireDate \"2020-06-01\" is not after 2021-01-01T00:00:00Z",
    );
    explained(
        "hireDate",
        "WITHIN_DAYS",
        json!(1),
        r#"{"hireDate": "2021-07-02"}"#,
        "hireDate \"2021-07-02\" is within 1 day of now",
    );
    let long = format!(r#"{{"d": "{}"}}"#, "x".repeat(100));
    let text = outcome("d", "EQUALS", &json!("y"), &source(&long)).explanation;
    assert_eq!(text, format!("d \"{}…\" does not equal \"y\"", "x".repeat(60)));
}

#[test]
fn outcome_wire_form() {
    let filters = [one_clause("department", "EQUALS", &json!("Sales"))];
    let outcome = scope::evaluate(
        &filters,
        &source(r#"{"department": "Sales"}"#),
        &ScopeContext::default(),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&outcome).unwrap(),
        json!({"in_scope": true, "filters": [{"name": "test", "matched": true, "clauses": [{
            "attribute": "department", "operator": "EQUALS", "value": "Sales", "actual": "Sales",
            "matched": true, "explanation": "department \"Sales\" equals \"Sales\""
        }]}]})
    );
    let back: scope::ScopeOutcome = serde_json::from_value(serde_json::to_value(&outcome).unwrap()).unwrap();
    assert_eq!(back, outcome);
}

#[test]
fn every_clause_of_every_filter_is_evaluated() {
    let filters: Vec<ScopingFilter> = serde_json::from_value(json!([
        {"name": "a", "clauses": [
            {"attribute": "x", "operator": "EQUALS", "value": "no"},
            {"attribute": "y", "operator": "IS NULL"}
        ]},
        {"name": "b", "clauses": [{"attribute": "x", "operator": "EQUALS", "value": "yes"}]},
        {"name": "c", "clauses": []}
    ]))
    .unwrap();
    let outcome = scope::evaluate(&filters, &source(r#"{"x": "yes"}"#), &ScopeContext::default()).unwrap();
    let matched: Vec<Vec<bool>> = outcome
        .filters
        .iter()
        .map(|f| f.clauses.iter().map(|c| c.matched).collect())
        .collect();
    assert_eq!(matched, [vec![false, true], vec![true], vec![]]);
    let filters_matched: Vec<bool> = outcome.filters.iter().map(|f| f.matched).collect();
    assert_eq!(filters_matched, [false, true, true]);
    assert!(outcome.in_scope);
}

// ---------------------------------------------------------------------------------------------
// docs/scoping.md

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/scoping.md");

fn json_blocks(markdown: &str) -> Vec<&str> {
    markdown
        .split("```json\n")
        .skip(1)
        .map(|rest| rest.split("\n```").next().unwrap())
        .collect()
}

fn check_example(text: &str) -> Vec<Operator> {
    let example: Json = serde_json::from_str(text).unwrap_or_else(|e| panic!("bad example {text}: {e}"));
    let keys: Vec<&str> = example.as_object().unwrap().keys().map(String::as_str).collect();
    for key in &keys {
        assert!(
            ["filters", "object", "in_scope", "explanations", "now", "problems"].contains(key),
            "{key} in {text}"
        );
    }
    let filters: Vec<ScopingFilter> = serde_json::from_value(example["filters"].clone()).unwrap();
    let operators = filters.iter().flat_map(|f| &f.clauses).map(|c| c.operator).collect();
    if let Some(expected) = example.get("problems") {
        let problems = CompiledScope::compile(&filters).expect_err(text);
        assert_eq!(serde_json::to_value(&problems).unwrap(), *expected, "{text}");
        return operators;
    }
    let object: SourceObject = serde_json::from_value(example["object"].clone()).unwrap();
    let now = example.get("now").map_or(DateTime::UNIX_EPOCH, |now| {
        DateTime::parse_from_rfc3339(now.as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    });
    let outcome =
        scope::evaluate(&filters, &object, &ScopeContext::new(now)).unwrap_or_else(|p| panic!("{text}: {p:?}"));
    assert_eq!(
        Some(outcome.in_scope),
        example["in_scope"].as_bool(),
        "{text}\n{outcome:#?}"
    );
    if let Some(expected) = example.get("explanations") {
        let explanations: Vec<&str> = outcome
            .filters
            .iter()
            .flat_map(|f| &f.clauses)
            .map(|c| c.explanation.as_str())
            .collect();
        assert_eq!(json!(explanations), *expected, "{text}");
    }
    operators
}

#[test]
fn every_example_in_the_docs_holds() {
    let docs = std::fs::read_to_string(DOCS).unwrap();
    let blocks = json_blocks(&docs);
    assert!(blocks.len() >= 30, "only {} examples", blocks.len());
    let used: Vec<Operator> = blocks.into_iter().flat_map(check_example).collect();
    for op in Operator::ALL {
        assert!(used.contains(&op), "docs/scoping.md has no example of {op}");
    }
}

#[test]
fn the_docs_list_every_operator_and_where_it_comes_from() {
    let docs = std::fs::read_to_string(DOCS).unwrap();
    for op in Operator::ALL {
        let row = docs
            .lines()
            .find(|line| line.starts_with(&format!("| `{}` |", op.name())))
            .unwrap_or_else(|| panic!("no table row for {op}"));
        let from = if op.is_entra() { "| Entra |" } else { "| Provisio |" };
        assert!(row.ends_with(from), "{row}");
    }
}
