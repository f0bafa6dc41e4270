//! Target paths: parsing and canonical printing, building SCIM resources from
//! path → value and reading them back, and the difference between desired and
//! current attributes.

use proptest::prelude::*;
use provisio_engine::Value;
use provisio_engine::scim_path::{
    AttributeChange, FilterValue, TargetAttributes, TargetPath, ValueFilter, diff, from_resource, to_resource,
};
use serde_json::json;

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn path(schema: Option<&str>, attribute: &str, filter: Option<(&str, FilterValue)>, sub: Option<&str>) -> TargetPath {
    TargetPath {
        schema: schema.map(str::to_owned),
        attribute: attribute.to_owned(),
        filter: filter.map(|(attribute, value)| ValueFilter {
            attribute: attribute.to_owned(),
            value,
        }),
        sub_attribute: sub.map(str::to_owned),
    }
}

fn text(s: &str) -> FilterValue {
    FilterValue::Text(s.to_owned())
}

/// Parses to `expected` and prints as `canonical`.
#[track_caller]
fn parses(input: &str, expected: TargetPath, canonical: &str) {
    let parsed = TargetPath::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
    assert_eq!(parsed, expected, "{input}");
    assert_eq!(parsed.canonical(), canonical, "{input}");
    assert_eq!(parsed.to_string(), canonical, "{input}");
    assert_eq!(canonical.parse::<TargetPath>().unwrap(), parsed, "{canonical}");
}

/// Fails at `offset` with a message containing `message`.
#[track_caller]
fn rejects(input: &str, offset: usize, message: &str) {
    let error = TargetPath::parse(input).expect_err(input);
    assert_eq!(
        (error.offset, error.message.contains(message)),
        (offset, true),
        "{input}: {error}"
    );
    assert!(error.to_string().contains(&format!("offset {offset}")), "{error}");
}

#[test]
fn paths_parse_and_print_canonically() {
    parses("userName", path(None, "userName", None, None), "userName");
    parses(
        "sAMAccountName",
        path(None, "sAMAccountName", None, None),
        "sAMAccountName",
    );
    parses("cost_center", path(None, "cost_center", None, None), "cost_center");
    parses("x-y$z", path(None, "x-y$z", None, None), "x-y$z");
    parses(
        "name.givenName",
        path(None, "name", None, Some("givenName")),
        "name.givenName",
    );
    parses(
        "manager.$ref",
        path(None, "manager", None, Some("$ref")),
        "manager.$ref",
    );
    parses(
        r#"emails[type eq "work"].value"#,
        path(None, "emails", Some(("type", text("work"))), Some("value")),
        r#"emails[type eq "work"].value"#,
    );
    parses(
        r#"emails[  type   EQ  "work"  ] .value"#,
        path(None, "emails", Some(("type", text("work"))), Some("value")),
        r#"emails[type eq "work"].value"#,
    );
    parses(
        r#"emails[type eq "work"]"#,
        path(None, "emails", Some(("type", text("work"))), None),
        r#"emails[type eq "work"]"#,
    );
    parses(
        "roles[primary eq True].value",
        path(
            None,
            "roles",
            Some(("primary", FilterValue::Boolean(true))),
            Some("value"),
        ),
        "roles[primary eq true].value",
    );
    parses(
        "x[flag Eq false]",
        path(None, "x", Some(("flag", FilterValue::Boolean(false))), None),
        "x[flag eq false]",
    );
    parses(
        r#"roles[primary eq "True"].value"#,
        path(None, "roles", Some(("primary", text("True"))), Some("value")),
        r#"roles[primary eq "True"].value"#,
    );
    parses(
        r#"x[a eq "say \"hi\" \\ bye"].v"#,
        path(None, "x", Some(("a", text(r#"say "hi" \ bye"#))), Some("v")),
        r#"x[a eq "say \"hi\" \\ bye"].v"#,
    );
    parses(
        r#"x[a eq ""]"#,
        path(None, "x", Some(("a", text(""))), None),
        r#"x[a eq ""]"#,
    );
    parses(
        r#"x[a eq "a:b.c[d]"]"#,
        path(None, "x", Some(("a", text("a:b.c[d]"))), None),
        r#"x[a eq "a:b.c[d]"]"#,
    );
}

#[test]
fn extension_schemas_are_everything_before_the_last_colon() {
    let manager = format!("{ENTERPRISE}:manager");
    parses(&manager, path(Some(ENTERPRISE), "manager", None, None), &manager);
    let value = format!("{ENTERPRISE}:manager.value");
    parses(&value, path(Some(ENTERPRISE), "manager", None, Some("value")), &value);
    let custom = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:costCenter";
    parses(
        custom,
        path(
            Some("urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"),
            "costCenter",
            None,
            None,
        ),
        custom,
    );
    parses(
        "urn:acme:hr:1.0:User:costCenter",
        path(Some("urn:acme:hr:1.0:User"), "costCenter", None, None),
        "urn:acme:hr:1.0:User:costCenter",
    );
    parses(
        r#"urn:acme:1.0:User:phones[kind eq "a:b"].number"#,
        path(
            Some("urn:acme:1.0:User"),
            "phones",
            Some(("kind", text("a:b"))),
            Some("number"),
        ),
        r#"urn:acme:1.0:User:phones[kind eq "a:b"].number"#,
    );
}

#[test]
fn every_error_names_its_offset_and_what_was_expected() {
    rejects("", 0, "expected an attribute name, found an empty path");
    rejects(".value", 0, "expected an attribute name, found `.`");
    rejects(" userName", 0, "expected an attribute name, found ` `");
    rejects("userName ", 8, "expected `.`, `[` or the end of the path, found ` `");
    rejects(
        "name.",
        5,
        "expected a sub-attribute name after `.`, found the end of the path",
    );
    rejects("name.given.x", 10, "at most one sub-attribute");
    rejects("name/given", 4, "found `/`");
    rejects("emails[]", 7, "expected a filter attribute name after `[`, found `]`");
    rejects(r#"emails[type"work"]"#, 11, "expected a space then `eq`");
    rejects(r#"emails[type ne "work"]"#, 12, "expected `eq`, found `ne`");
    rejects(r#"emails[type = "work"]"#, 12, "expected `eq`, found `=`");
    rejects(r#"emails[type eq"work"]"#, 14, "expected a space after `eq`");
    rejects(
        "emails[type eq work]",
        15,
        "expected a quoted string, `true` or `false`, found `w`",
    );
    rejects("emails[type eq 5]", 15, "expected a quoted string");
    rejects(r#"emails[type eq "work"#, 15, "unterminated string");
    rejects(r#"emails[type eq "wo\rk"]"#, 18, r#"expected `\"` or `\\`"#);
    rejects(
        r#"emails[type eq "work""#,
        21,
        "expected `]`, found the end of the path",
    );
    rejects(
        r#"emails[type eq "work" and primary eq true]"#,
        22,
        "expected `]`, found `a`",
    );
    rejects(
        r#"emails[type eq "work"]value"#,
        22,
        "expected `.` and a sub-attribute, or the end of the path",
    );
    rejects(
        r#"emails[type eq "work"].value[x eq "y"]"#,
        28,
        "at most one sub-attribute",
    );
    rejects("manager:value", 0, "must start with a schema URN");
    rejects("urn:acme::User:x", 9, "expected a schema URN segment");
    rejects("urn:ac me:User:x", 6, "unexpected ` ` in the schema URN");
    rejects(
        "urn:acme:User:",
        14,
        "expected an attribute name, found the end of the path",
    );
}

fn attributes(pairs: &[(&str, Value)]) -> TargetAttributes {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn paths_of(attributes: &TargetAttributes) -> Vec<TargetPath> {
    attributes.keys().map(|k| TargetPath::parse(k).unwrap()).collect()
}

#[track_caller]
fn builds(pairs: &[(&str, Value)], expected: serde_json::Value) {
    let attributes = attributes(pairs);
    let resource = to_resource(&attributes, &[CORE_USER.to_owned()]);
    assert_eq!(resource, expected);
}

#[test]
fn resources_are_built_from_paths() {
    builds(
        &[
            ("userName", Value::str("zoe@acme.example")),
            ("name.givenName", Value::str("Zoë")),
            ("name.familyName", Value::str("Ng")),
            ("active", Value::Bool(true)),
            ("title", Value::Null),
        ],
        json!({
            "schemas": [CORE_USER],
            "userName": "zoe@acme.example",
            "name": {"givenName": "Zoë", "familyName": "Ng"},
            "active": true,
        }),
    );
}

#[test]
fn paths_addressing_one_element_share_it() {
    builds(
        &[
            (r#"addresses[type eq "work"].postalCode"#, Value::str("98052")),
            (r#"addresses[type eq "work"].locality"#, Value::str("Redmond")),
            (r#"addresses[type eq "other"].formatted"#, Value::str("Building 4")),
            (r#"emails[type eq "work"].value"#, Value::str("z@acme.example")),
            (r#"phoneNumbers[type eq "mobile"].value"#, Value::str("+1 555")),
            (r#"phoneNumbers[type eq "fax"].value"#, Value::Null),
        ],
        json!({
            "schemas": [CORE_USER],
            "addresses": [
                {"type": "other", "formatted": "Building 4"},
                {"type": "work", "postalCode": "98052", "locality": "Redmond"},
            ],
            "emails": [{"type": "work", "value": "z@acme.example"}],
            "phoneNumbers": [{"type": "mobile", "value": "+1 555"}],
        }),
    );
}

#[test]
fn primary_filters_become_booleans() {
    builds(
        &[(r#"roles[primary eq "True"].value"#, Value::str("Admin"))],
        json!({"schemas": [CORE_USER], "roles": [{"primary": true, "value": "Admin"}]}),
    );
    builds(
        &[("roles[primary eq false].value", Value::str("Reader"))],
        json!({"schemas": [CORE_USER], "roles": [{"primary": false, "value": "Reader"}]}),
    );
    // Other attributes keep their text.
    builds(
        &[(r#"x[kind eq "True"].value"#, Value::str("a"))],
        json!({"schemas": [CORE_USER], "x": [{"kind": "True", "value": "a"}]}),
    );
}

#[test]
fn extension_attributes_go_under_their_schema() {
    builds(
        &[
            (&format!("{ENTERPRISE}:manager"), Value::Reference("m-1".into())),
            (&format!("{ENTERPRISE}:department"), Value::str("Sales")),
            ("urn:acme:hr:1.0:User:costCenter", Value::Int(42)),
            ("userName", Value::str("z")),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:displayName",
                Value::str("Zoë"),
            ),
        ],
        json!({
            "schemas": [CORE_USER, "urn:acme:hr:1.0:User", ENTERPRISE],
            "userName": "z",
            "displayName": "Zoë",
            ENTERPRISE: {"manager": {"value": "m-1"}, "department": "Sales"},
            "urn:acme:hr:1.0:User": {"costCenter": 42},
        }),
    );
}

#[test]
fn references_lists_and_complex_values() {
    builds(
        &[
            (
                "members",
                Value::Multi(vec![Value::Reference("u1".into()), Value::Reference("u2".into())]),
            ),
            ("owner", Value::Reference("u3".into())),
            ("tags", Value::Multi(vec![Value::str("a"), Value::Null, Value::Int(2)])),
            (
                r#"emails[type eq "home"]"#,
                Value::Complex(
                    [
                        ("value".to_owned(), Value::str("h@x")),
                        ("display".to_owned(), Value::Null),
                    ]
                    .into(),
                ),
            ),
            (r#"ims[type eq "aim"]"#, Value::str("zoe")),
        ],
        json!({
            "schemas": [CORE_USER],
            "members": [{"value": "u1"}, {"value": "u2"}],
            "owner": "u3",
            "tags": ["a", 2],
            "emails": [{"type": "home", "value": "h@x"}],
            "ims": [{"type": "aim", "value": "zoe"}],
        }),
    );
}

#[test]
fn reading_back_is_case_insensitive_and_takes_the_first_match() {
    let resource = json!({
        "id": "42",
        "USERNAME": "zoe",
        "Name": {"GivenName": "Zoë", "familyName": null},
        "emails": [
            {"type": "home", "value": "h@x"},
            {"type": "Work", "value": "w1@x", "primary": true},
            {"type": "work", "value": "w2@x"},
        ],
        "roles": [{"primary": true, "value": "Admin"}],
        ENTERPRISE: {"manager": {"value": "m-1", "$ref": "https://x/Users/m-1", "displayName": "Boss"}},
        "members": [{"value": "u1", "display": "U1"}, {"value": "u2"}],
    });
    let paths: Vec<TargetPath> = [
        "userName",
        "name.givenName",
        "name.familyName",
        r#"emails[type eq "work"].value"#,
        r#"emails[type eq "other"].value"#,
        r#"emails[type eq "home"]"#,
        r#"roles[primary eq "True"].value"#,
        &format!("{ENTERPRISE}:manager"),
        &format!("{}:manager.displayName", ENTERPRISE.to_uppercase()),
        "members",
        "title",
    ]
    .iter()
    .map(|p| TargetPath::parse(p).unwrap())
    .collect();
    let read = from_resource(&resource, &paths);
    assert_eq!(
        read,
        attributes(&[
            ("userName", Value::str("zoe")),
            ("name.givenName", Value::str("Zoë")),
            (r#"emails[type eq "work"].value"#, Value::str("w1@x")),
            (
                r#"emails[type eq "home"]"#,
                Value::Complex([("value".to_owned(), Value::str("h@x"))].into())
            ),
            (r#"roles[primary eq "True"].value"#, Value::str("Admin")),
            (&format!("{ENTERPRISE}:manager"), Value::Reference("m-1".into())),
            (
                &format!("{}:manager.displayName", ENTERPRISE.to_uppercase()),
                Value::str("Boss")
            ),
            (
                "members",
                Value::Multi(vec![Value::Reference("u1".into()), Value::Reference("u2".into())])
            ),
        ])
    );
}

#[test]
fn the_issue_example_round_trips() {
    let x = attributes(&[
        ("userName", Value::str("zoe@acme.example")),
        ("active", Value::Bool(true)),
        ("name.givenName", Value::str("Zoë")),
        (r#"emails[type eq "work"].value"#, Value::str("zoe@acme.example")),
        (r#"addresses[type eq "work"].postalCode"#, Value::str("98052")),
        (r#"addresses[type eq "work"].locality"#, Value::str("Redmond")),
        (r#"roles[primary eq "True"].value"#, Value::str("Admin")),
        ("externalId", Value::str("zoe")),
        (&format!("{ENTERPRISE}:manager"), Value::Reference("m-1".into())),
        (&format!("{ENTERPRISE}:employeeNumber"), Value::Int(7)),
    ]);
    let resource = to_resource(&x, &[CORE_USER.to_owned()]);
    assert_eq!(from_resource(&resource, &paths_of(&x)), x);
}

// ---- property: from_resource(to_resource(x), paths(x)) == x ----

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::Str),
        any::<i64>().prop_map(Value::Int),
        any::<bool>().prop_map(Value::Bool),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => scalar(),
        1 => prop::collection::vec(scalar(), 0..4).prop_map(Value::Multi),
        1 => prop::collection::btree_map("[a-z]{1,6}", scalar(), 1..4).prop_map(Value::Complex),
    ]
}

/// How one attribute is addressed: whole, by sub-attributes, or by filtered
/// elements with sub-attributes (never the filter's own attribute).
#[derive(Debug, Clone)]
enum Shape {
    Whole(Value),
    Subs(Vec<(String, Value)>),
    Filtered(Vec<(String, Vec<(String, Value)>)>),
}

/// Sub-attribute names, distinct case-insensitively, never `type`.
fn subs() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::btree_map(
        prop::sample::select(vec!["value", "display", "Given", "family", "x-1", "$ref"]),
        value(),
        1..4,
    )
    .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        value().prop_map(Shape::Whole),
        subs().prop_map(Shape::Subs),
        prop::collection::btree_map("[a-zA-Z0-9 \"\\\\:]{0,6}", subs(), 1..3).prop_map(|m| {
            // Filter values equal case-insensitively would select one element.
            let mut seen = std::collections::BTreeSet::new();
            Shape::Filtered(m.into_iter().filter(|(k, _)| seen.insert(k.to_lowercase())).collect())
        }),
    ]
}

fn target_attributes() -> impl Strategy<Value = TargetAttributes> {
    let attribute = prop::sample::select(vec!["userName", "name", "emails", "addresses", "title", "x_y"]);
    let schema = prop::sample::select(vec![None, Some(ENTERPRISE), Some("urn:acme:hr:1.0:User")]);
    prop::collection::btree_map((schema, attribute), shape(), 0..6).prop_map(|shapes| {
        let mut out = TargetAttributes::new();
        for ((schema, attribute), shape) in shapes {
            // `manager` and `members` treat references specially; these names do not.
            let mk = |filter: Option<&str>, sub: Option<&str>| {
                path(schema, attribute, filter.map(|f| ("type", text(f))), sub).canonical()
            };
            match shape {
                Shape::Whole(v) => {
                    out.insert(mk(None, None), v);
                }
                Shape::Subs(subs) => {
                    for (sub, v) in subs {
                        out.insert(mk(None, Some(&sub)), v);
                    }
                }
                Shape::Filtered(elements) => {
                    for (filter, subs) in elements {
                        for (sub, v) in subs {
                            out.insert(mk(Some(&filter), Some(&sub)), v);
                        }
                    }
                }
            }
        }
        out
    })
}

proptest! {
    #[test]
    fn resources_round_trip(x in target_attributes()) {
        let resource = to_resource(&x, &[CORE_USER.to_owned()]);
        prop_assert_eq!(from_resource(&resource, &paths_of(&x)), x);
    }

    #[test]
    fn canonical_text_parses_back(x in target_attributes()) {
        for key in x.keys() {
            let parsed = TargetPath::parse(key).unwrap();
            prop_assert_eq!(&parsed.canonical(), key);
        }
    }

    #[test]
    fn parsing_never_panics(text in "\\PC{0,40}") {
        if let Ok(path) = TargetPath::parse(&text) {
            prop_assert_eq!(TargetPath::parse(&path.canonical()), Ok(path));
        }
    }

    #[test]
    fn a_resource_differs_in_nothing_from_itself(x in target_attributes()) {
        let read = from_resource(&to_resource(&x, &[CORE_USER.to_owned()]), &paths_of(&x));
        prop_assert_eq!(diff(&x, &read, &|_| true), vec![]);
    }
}

// ---- diff ----

fn changes(desired: &[(&str, Value)], current: &[(&str, Value)], exact: &[&str]) -> Vec<AttributeChange> {
    diff(&attributes(desired), &attributes(current), &|p| exact.contains(&p))
}

/// `desired` against `current` at one path: `changed` or not.
#[track_caller]
fn differs(desired: Value, current: Value, changed: bool) {
    let got = changes(&[("a", desired.clone())], &[("a", current.clone())], &[]);
    assert_eq!(!got.is_empty(), changed, "{desired:?} vs {current:?}");
}

fn multi(items: Vec<Value>) -> Value {
    Value::Multi(items)
}

fn complex(fields: &[(&str, Value)]) -> Value {
    Value::Complex(fields.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
}

#[test]
fn text_compares_case_insensitively_unless_exact() {
    differs(Value::str("Zoë"), Value::str("zoë"), false);
    differs(Value::str("ZOË@X"), Value::str("zoë@x"), false);
    differs(Value::str("Zoe"), Value::str("Zoë"), true);
    assert_eq!(
        changes(
            &[("userName", Value::str("Zoe"))],
            &[("userName", Value::str("zoe"))],
            &["userName"]
        ),
        vec![AttributeChange {
            path: "userName".into(),
            old: Value::str("zoe"),
            new: Value::str("Zoe"),
            add_only: false,
        }]
    );
    // Exactness is per path.
    assert_eq!(
        changes(
            &[("title", Value::str("Ceo"))],
            &[("title", Value::str("CEO"))],
            &["userName"]
        ),
        vec![]
    );
}

#[test]
fn booleans_and_numbers_compare_as_text() {
    differs(Value::str("True"), Value::Bool(true), false);
    differs(Value::str("false"), Value::Bool(false), false);
    differs(Value::Bool(true), Value::str("TRUE"), false);
    differs(Value::str("False"), Value::Bool(true), true);
    differs(Value::str("5"), Value::Int(5), false);
    differs(Value::Int(5), Value::str("5"), false);
    differs(Value::Int(5), Value::str("05"), true);
    // Even on an exact path a boolean has no case.
    assert_eq!(
        changes(
            &[("active", Value::str("true"))],
            &[("active", Value::Bool(true))],
            &["active"]
        ),
        vec![]
    );
}

#[test]
fn lists_compare_as_sets() {
    let (a, b, c) = (Value::str("a"), Value::str("b"), Value::str("c"));
    differs(
        multi(vec![a.clone(), b.clone()]),
        multi(vec![b.clone(), a.clone()]),
        false,
    );
    differs(
        multi(vec![a.clone(), b.clone(), a.clone()]),
        multi(vec![Value::str("B"), a.clone()]),
        false,
    );
    differs(
        multi(vec![a.clone(), b.clone()]),
        multi(vec![a.clone(), b.clone(), c.clone()]),
        true,
    );
    differs(
        multi(vec![a.clone(), b.clone(), c.clone()]),
        multi(vec![a.clone(), b.clone()]),
        true,
    );
    differs(multi(vec![]), multi(vec![a.clone()]), true);
    // One value and a list of that one value are the same.
    differs(a.clone(), multi(vec![a.clone()]), false);
    differs(multi(vec![a.clone()]), a.clone(), false);
}

#[test]
fn complex_values_compare_field_by_field() {
    let role = complex(&[("value", Value::str("Admin")), ("primary", Value::str("True"))]);
    differs(
        role.clone(),
        complex(&[("VALUE", Value::str("admin")), ("primary", Value::Bool(true))]),
        false,
    );
    // Fields only the target has (display, $ref) are not managed.
    differs(
        role.clone(),
        complex(&[
            ("value", Value::str("Admin")),
            ("primary", Value::Bool(true)),
            ("display", Value::str("A")),
        ]),
        false,
    );
    differs(
        role.clone(),
        complex(&[("value", Value::str("Admin")), ("primary", Value::Bool(false))]),
        true,
    );
    differs(role.clone(), complex(&[("value", Value::str("Admin"))]), true);
    differs(multi(vec![role.clone()]), multi(vec![role.clone()]), false);
    differs(role.clone(), Value::str("Admin"), true);
    // A reference against the object a target returns for it.
    differs(
        Value::Reference("m-1".into()),
        complex(&[("value", Value::str("m-1")), ("$ref", Value::str("u"))]),
        false,
    );
    differs(
        Value::Reference("m-1".into()),
        complex(&[("value", Value::str("m-2"))]),
        true,
    );
}

#[test]
fn nulls_clear_present_values_only() {
    differs(Value::Null, Value::str("x"), true);
    differs(Value::Null, Value::Null, false);
    differs(Value::Null, Value::str(""), false);
    differs(Value::Null, multi(vec![]), false);
    differs(Value::str("x"), Value::Null, true);
    // An absent current value is null.
    assert_eq!(changes(&[("a", Value::Null)], &[], &[]), vec![]);
    assert_eq!(
        changes(&[("a", Value::str("x"))], &[], &[]),
        vec![AttributeChange {
            path: "a".into(),
            old: Value::Null,
            new: Value::str("x"),
            add_only: false,
        }]
    );
}

#[test]
fn date_times_compare_as_instants() {
    let at = chrono::DateTime::parse_from_rfc3339("2021-07-02T15:33:38Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    differs(Value::DateTime(at), Value::str("2021-07-02T17:33:38+02:00"), false);
    differs(Value::DateTime(at), Value::str("7/2/2021 3:33:38 PM"), false);
    differs(Value::DateTime(at), Value::str("2021-07-02T15:33:39Z"), true);
}

#[test]
fn unmanaged_attributes_are_left_alone_and_changes_are_ordered() {
    let got = changes(
        &[
            ("title", Value::str("CEO")),
            ("displayName", Value::str("Zoë")),
            ("active", Value::str("True")),
        ],
        &[
            ("active", Value::Bool(true)),
            ("nickName", Value::str("Z")),
            ("displayName", Value::str("Zoe")),
        ],
        &[],
    );
    let paths: Vec<&str> = got.iter().map(|c| &*c.path).collect();
    assert_eq!(paths, ["displayName", "title"]);
    assert_eq!(
        serde_json::to_value(&got[1]).unwrap(),
        json!({"path": "title", "old": null, "new": "CEO"})
    );
}
