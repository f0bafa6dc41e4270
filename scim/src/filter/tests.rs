//! Tests of filter.rs.

use serde_json::json;

use super::*;
use crate::schema::{group_schema, user_schema};

fn p(text: &str) -> AttrPath {
    AttrPath::parse(text).unwrap()
}

fn cmp(path: &str, op: CompareOp, value: Value) -> Filter {
    Filter::Compare {
        path: p(path),
        op,
        value,
    }
}

fn parse_err(text: &str) -> String {
    let error = parse(text).unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidFilter), "{text}");
    error.detail
}

fn user() -> Value {
    json!({
        "schemas": [USER_URN, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "userName": "bjensen",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "title": "Tour Guide",
        "userType": "Employee",
        "active": true,
        "externalId": "BJ-1",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"},
        },
    })
}

fn matches(filter: &str) -> bool {
    let schema = user_schema(&[]);
    let filter = parse(filter).unwrap();
    filter.check(&schema).unwrap();
    filter.matches(&user(), &schema)
}

#[test]
fn parses_rfc_figure_2_examples() {
    for text in [
        r#"userName Eq "john""#,
        r#"Username eq "john""#,
        r#"name.familyName co "O'Malley""#,
        r#"userName sw "J""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "O'Malley""#,
        "title pr",
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
        r#"title pr and userType eq "Employee""#,
        r#"title pr or userType eq "Intern""#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType eq "Employee" and (emails.type eq "work")"#,
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    ] {
        parse(text).unwrap_or_else(|error| panic!("{text}: {error}"));
    }
}

#[test]
fn builds_the_expected_tree() {
    assert_eq!(
        parse(r#"userName eq "bjensen""#).unwrap(),
        cmp("userName", CompareOp::Eq, json!("bjensen"))
    );
    assert_eq!(parse("title pr").unwrap(), Filter::Present(p("title")));
    assert_eq!(
        parse("active EQ True").unwrap(),
        cmp("active", CompareOp::Eq, json!(true))
    );
    assert_eq!(parse("x eq -1.5e3").unwrap(), cmp("x", CompareOp::Eq, json!(-1500.0)));
    assert_eq!(parse("x eq null").unwrap(), cmp("x", CompareOp::Eq, Value::Null));
    assert_eq!(
        parse(r#"x eq "a\"b\u00e9""#).unwrap(),
        cmp("x", CompareOp::Eq, json!("a\"bé"))
    );
    assert_eq!(
        parse(r#"emails[type eq "work"].value co "@example.com""#).unwrap(),
        Filter::ValuePath {
            path: p("emails"),
            filter: Box::new(Filter::And(vec![
                cmp("type", CompareOp::Eq, json!("work")),
                cmp("value", CompareOp::Co, json!("@example.com")),
            ])),
        }
    );
}

#[test]
fn and_binds_tighter_than_or() {
    let a = || cmp("a", CompareOp::Eq, json!(1));
    let b = || cmp("b", CompareOp::Eq, json!(2));
    let c = || cmp("c", CompareOp::Eq, json!(3));
    assert_eq!(
        parse("a eq 1 or b eq 2 and c eq 3").unwrap(),
        Filter::Or(vec![a(), Filter::And(vec![b(), c()])])
    );
    assert_eq!(
        parse("a eq 1 and b eq 2 or c eq 3").unwrap(),
        Filter::Or(vec![Filter::And(vec![a(), b()]), c()])
    );
    assert_eq!(
        parse("a eq 1 AND (b eq 2 OR c eq 3)").unwrap(),
        Filter::And(vec![a(), Filter::Or(vec![b(), c()])])
    );
    assert_eq!(
        parse("not (a eq 1) and b eq 2").unwrap(),
        Filter::And(vec![Filter::Not(Box::new(a())), b()])
    );
    assert_eq!(
        parse("a eq 1 and b eq 2 and c eq 3").unwrap(),
        Filter::And(vec![a(), b(), c()])
    );
    assert_eq!(parse("not pr").unwrap(), Filter::Present(p("not")));
    assert_eq!(parse("NOT(a eq 1)").unwrap(), Filter::Not(Box::new(a())));
}

#[test]
fn syntax_errors_say_what_and_where() {
    assert_eq!(
        parse_err(r#"userName eqq "x""#),
        "invalid filter at character 10: expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr) after \"userName\", found \"eqq\""
    );
    for (text, expected) in [
        (
            "",
            "character 1: expected an attribute, \"not\" or \"(\", found the end",
        ),
        ("userName", "character 9: expected an operator"),
        (
            "userName eq",
            "character 12: expected a value after \"eq\", found the end",
        ),
        (
            "userName eq bjensen",
            "character 13: expected a value (a quoted string, a number, true, false or null) after \"eq\", found \"bjensen\"",
        ),
        (
            r#"userName eq "x" title pr"#,
            "character 17: expected \"and\", \"or\" or the end, found \"title\"",
        ),
        (r#"userName eq "x"#, "character 13: the string has no closing quote"),
        (r#"(userName eq "x""#, "character 17: expected \")\", found the end"),
        (
            r#"emails[type eq "work""#,
            "expected \"]\" to close the value filter, found the end",
        ),
        (
            r#"emails[ims[type eq "x"]]"#,
            "character 11: value filters cannot be nested",
        ),
        (
            "not userName pr",
            "character 5: expected \"(\" after \"not\", found \"userName\"",
        ),
        ("userName eq #", "character 13: unexpected character '#'"),
        ("a.b.c pr", "character 1: \"a.b.c\" has more than one sub-attribute"),
        ("x eq 1.2.3", "character 6: \"1.2.3\" is not a valid number"),
        (r#"x eq "\q""#, "character 6: \"\\q\" is not a valid JSON string"),
        (
            ") pr",
            "character 1: expected an attribute, \"not\" or \"(\", found \")\"",
        ),
        ("and pr or", "character 10: expected an attribute"),
    ] {
        let detail = parse_err(text);
        assert!(detail.contains(expected), "{text}: {detail}");
    }
}

#[test]
fn positions_count_characters_not_bytes() {
    assert!(parse_err(r#"x eq "é" y"#).contains("character 10"));
}

#[test]
fn deep_nesting_is_refused() {
    let deep = format!("{}a pr{}", "(".repeat(100), ")".repeat(100));
    assert!(parse_err(&deep).contains("nests more than 32 levels"));
    let long = vec!["a pr"; 5000].join(" and ");
    assert!(matches!(parse(&long).unwrap(), Filter::And(operands) if operands.len() == 5000));
}

#[test]
fn evaluates_like_the_rfc() {
    for (filter, expected) in [
        (r#"userName eq "bjensen""#, true),
        (r#"USERNAME EQ "BJENSEN""#, true),
        (r#"userName ne "bjensen""#, false),
        (r#"userName sw "bj""#, true),
        (r#"userName ew "SEN""#, true),
        (r#"userName co "jen""#, true),
        (r#"userName co "x""#, false),
        (r#"name.familyName eq "jensen""#, true),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "ens""#,
            true,
        ),
        ("title pr", true),
        ("nickName pr", false),
        ("name pr", true),
        ("emails pr", true),
        ("phoneNumbers pr", false),
        (r#"title pr and userType eq "Employee""#, true),
        (r#"title pr and userType eq "Intern""#, false),
        (r#"nickName pr or userType eq "employee""#, true),
        (r#"not (userType eq "Employee")"#, false),
        (r#"emails co "example.com""#, true),
        (r#"emails.value co "jensen.org""#, true),
        (r#"emails.type eq "home""#, true),
        (r#"emails[type eq "work" and value co "@example.com"]"#, true),
        (r#"emails[type eq "home" and value co "@example.com"]"#, false),
        (r#"emails[type eq "work"].value co "@example.com""#, true),
        (r#"emails[type eq "home"].value co "@example.com""#, false),
        (r#"emails[primary eq true].type eq "work""#, true),
        (r#"emails[not (type eq "work")]"#, true),
        ("emails[type pr]", true),
        ("active eq true", true),
        (r#"active eq "False""#, false),
        ("active ne false", true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#, true),
        (r#"meta.created lt "2011-05-13T04:42:34Z""#, true),
        (r#"meta.created le "2009-05-13T04:42:34Z""#, false),
        (r#"externalId eq "bj-1""#, false),
        (r#"externalId eq "BJ-1""#, true),
        (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            true,
        ),
        (r#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group""#, false),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            true,
        ),
        (r#"employeeNumber eq "701984""#, true),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            true,
        ),
        ("nickName eq null", true),
        ("title eq null", false),
        ("title ne null", true),
        (r#"nickName ne "x""#, true),
        (r#"emails ne "babs@jensen.org""#, false),
    ] {
        assert_eq!(matches(filter), expected, "{filter}");
    }
}

#[test]
fn pr_is_false_for_empty_values() {
    let schema = user_schema(&[]);
    let resource = json!({"userName": "x", "title": "", "emails": [], "name": {}, "nickName": null});
    for attr in ["title", "emails", "name", "nickName", "name.givenName"] {
        assert!(
            !parse(&format!("{attr} pr")).unwrap().matches(&resource, &schema),
            "{attr}"
        );
    }
}

#[test]
fn case_exact_attributes_compare_exactly() {
    let schema = group_schema();
    let group = json!({"displayName": "Admins", "members": [{"value": "ABC", "display": "Ann"}]});
    let eval = |text: &str| parse(text).unwrap().matches(&group, &schema);
    assert!(eval(r#"displayName eq "admins""#));
    assert!(eval(r#"members[value eq "abc"]"#)); // members.value is not caseExact in RFC 7643
    assert!(eval(r#"members eq "ABC""#));
    assert!(!eval(r#"members.display eq "Bob""#));
}

#[test]
fn check_refuses_unknown_attributes_and_bad_combinations() {
    let schema = user_schema(&[]);
    for (text, expected) in [
        (r#"nope eq "x""#, "unknown attribute \"nope\" in the filter on User"),
        (r#"name.nope eq "x""#, "unknown attribute \"name.nope\""),
        (r#"emails[nope eq "x"]"#, "\"emails\" has no sub-attribute \"nope\""),
        (
            r#"userName[value eq "x"]"#,
            "a value filter applies to a complex attribute",
        ),
        ("active gt true", "gt cannot order the boolean attribute \"active\""),
        (
            r#"x509Certificates.value lt "AAAA""#,
            "lt cannot order the binary attribute \"value\"",
        ),
        (r#"active co "t""#, "co needs a string, and \"active\" is boolean"),
        (
            r#"active eq "yes""#,
            "\"active\" is boolean, so the value must be true or false, not \"yes\"",
        ),
        (
            r#"name eq "x""#,
            "\"name\" is a complex attribute: compare one of its sub-attributes, e.g. \"name.formatted\"",
        ),
        ("userName eq 5", "the value must be a quoted string, not 5"),
        (r#"meta.created gt "yesterday""#, "must be a quoted xsd:dateTime"),
        ("title gt null", "null can only be compared with eq or ne"),
        (r#"urn:example:other:2.0:User:title eq "x""#, "unknown attribute"),
    ] {
        let error = parse(text).unwrap().check(&schema).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidFilter));
        assert!(error.detail.contains(expected), "{text}: {}", error.detail);
    }
    for text in [
        r#"emails co "x""#,
        r#"meta.created sw "2011""#,
        "active eq \"True\"",
        r#"emails[type eq "work"]"#,
    ] {
        parse(text)
            .unwrap()
            .check(&schema)
            .unwrap_or_else(|error| panic!("{text}: {error}"));
    }
}

#[test]
fn equality_lookup_finds_a_top_level_string_equality() {
    let lookup = |text: &str| parse(text).unwrap().equality_lookup();
    let pair = |path: &str, value: &str| Some((path.to_owned(), value.to_owned()));
    assert_eq!(lookup(r#"userName eq "BJensen""#), pair("username", "BJensen"));
    assert_eq!(
        lookup(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "b""#),
        pair("username", "b")
    );
    assert_eq!(lookup(r#"displayName eq "Admins""#), pair("displayname", "Admins"));
    assert_eq!(
        lookup(r#"active eq true and externalId eq "e1""#),
        pair("externalid", "e1")
    );
    assert_eq!(lookup(r#"emails.value eq "a@b.c""#), pair("emails.value", "a@b.c"));
    assert_eq!(
        lookup(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7""#),
        pair(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber",
            "7"
        )
    );
    assert_eq!(lookup(r#"userName eq "a" or userName eq "b""#), None);
    assert_eq!(lookup(r#"not (userName eq "a")"#), None);
    assert_eq!(lookup(r#"userName ne "a""#), None);
    assert_eq!(lookup("x eq 1"), None);
}

#[test]
fn patch_paths() {
    let path = |text: &str| parse_path(text).unwrap();
    assert_eq!(
        path("name.givenName"),
        PatchPath {
            path: p("name.givenName"),
            filter: None
        }
    );
    assert_eq!(path(ENTERPRISE_MANAGER).path, p(ENTERPRISE_MANAGER));
    let members = path(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#);
    assert_eq!(members.path, p("members"));
    assert_eq!(
        members.filter,
        Some(cmp(
            "value",
            CompareOp::Eq,
            json!("2819c223-7f76-453a-919d-413861904646")
        ))
    );
    let work = path(r#"emails[type eq "work"].value"#);
    assert_eq!(work.path, p("emails.value"));
    assert_eq!(work.filter, Some(cmp("type", CompareOp::Eq, json!("work"))));
    let both = path(r#"addresses[type eq "work" and primary eq true].streetAddress"#);
    assert_eq!(both.path, p("addresses.streetAddress"));
}

const ENTERPRISE_MANAGER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

#[test]
fn bad_patch_paths_are_invalid_path() {
    for (text, expected) in [
        ("", "invalid path \"\" at character 1: the path is empty"),
        ("name..givenName", "has more than one sub-attribute"),
        (
            r#"emails[type eq "work"]value"#,
            "expected the end of the path, found \"value\"",
        ),
        (
            r#"emails.value[type eq "work"]"#,
            "a value filter must follow the attribute",
        ),
        (r#"emails[type eq "work""#, "expected \"]\""),
        (
            r#"emails[type eq "work"].value.x"#,
            "\".value.x\" is not a sub-attribute",
        ),
        ("name givenName", "expected the end of the path"),
        (r#""name""#, "expected an attribute path"),
    ] {
        let error = parse_path(text).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidPath), "{text}");
        assert!(error.detail.contains(expected), "{text}: {}", error.detail);
    }
}

#[test]
fn equality_lookups_narrow_an_or_of_equalities() {
    let lookups = |text: &str| parse(text).unwrap().equality_lookups();
    let pairs = |list: &[(&str, &str)]| {
        Some(
            list.iter()
                .map(|(p, v)| ((*p).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(lookups(r#"userName eq "a""#), pairs(&[("username", "a")]));
    assert_eq!(
        lookups(r#"userName eq "a" or userName eq "b" or externalId eq "c""#),
        pairs(&[("username", "a"), ("username", "b"), ("externalid", "c")])
    );
    assert_eq!(
        lookups(r#"active eq true and (userName eq "a" or userName eq "b")"#),
        pairs(&[("username", "a"), ("username", "b")])
    );
    assert_eq!(lookups(r#"userName eq "a" or title eq "b""#).map(|l| l.len()), Some(2));
    assert_eq!(lookups(r#"userName eq "a" or active eq true"#), None);
    assert_eq!(lookups(r#"userName sw "a""#), None);
}
