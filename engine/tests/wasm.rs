//! The JavaScript API, exercised through wasm-bindgen in Node:
//! `cargo test -p provisio-engine --target wasm32-unknown-unknown --features wasm`.
#![cfg(all(target_arch = "wasm32", feature = "wasm"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // test code: a panic is a failure

use js_sys::JSON;
use provisio_engine::wasm::{check, evaluate, format, functions, plan};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn js(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn json(value: &JsValue) -> serde_json::Value {
    let text: String = JSON::stringify(value).unwrap().into();
    serde_json::from_str(&text).unwrap()
}

fn eval(expression: &str, source: &str, options: &str) -> serde_json::Value {
    json(&evaluate(expression, js(source), js(options)).unwrap())
}

#[wasm_bindgen_test]
fn evaluates_against_a_source_object() {
    let out = eval(
        r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com"))"#,
        r#"{"givenName": "Zoë", "surname": "van der Berg"}"#,
        "{}",
    );
    assert_eq!(out["ok"], true);
    assert_eq!(out["value"], "zoe.vanderberg@contoso.com");
    assert_eq!(out["kind"], "expression");
}

#[wasm_bindgen_test]
fn values_keep_their_json_types() {
    assert_eq!(eval("Count([p])", r#"{"p": ["a", "b"]}"#, "{}")["value"], 2);
    assert_eq!(eval("IsPresent([a])", "{}", "{}")["value"], false);
    assert_eq!(
        eval(r#"Split("a,b", ",")"#, "{}", "{}")["value"],
        serde_json::json!(["a", "b"])
    );
    assert_eq!(eval("[missing]", "{}", "{}")["value"], serde_json::Value::Null);
}

#[wasm_bindgen_test]
fn options_supply_time_domain_seed_and_existing_values() {
    let now = r#"{"now": "2021-07-02T15:33:38Z"}"#;
    assert_eq!(eval("Now()", "{}", now)["value"], "7/2/2021 3:33:38 PM");
    assert_eq!(eval("Now()", "{}", r#"{"now": 0}"#)["value"], "1/1/1970 12:00:00 AM");
    assert_eq!(
        eval("DefaultDomain()", "{}", r#"{"defaultDomain": "contoso.com"}"#)["value"],
        "contoso.com"
    );
    let seeded = r#"{"seed": 7}"#;
    assert_eq!(
        eval("Guid()", "{}", seeded)["value"],
        eval("Guid()", "{}", seeded)["value"]
    );
    let taken = r#"{"existing": ["a@x.com"]}"#;
    assert_eq!(
        eval(r#"SelectUniqueValue("a@x.com", "b@x.com")"#, "{}", taken)["value"],
        "b@x.com"
    );
}

#[wasm_bindgen_test]
fn diagnostics_carry_utf16_offsets() {
    let out = eval(r#"Join("😀", Tolower([mail]))"#, "{}", "{}");
    assert_eq!(out["ok"], false);
    let d = &out["diagnostics"][0];
    assert_eq!(d["code"], "E0201");
    assert_eq!(d["help"], "did you mean `ToLower`?");
    assert_eq!(d["startUtf16"], 11);
    assert_eq!(d["endUtf16"], 18);
    assert_eq!(d["line"], 1);
    assert!(d["rendered"].as_str().unwrap().starts_with("error[E0201]"));
}

#[wasm_bindgen_test]
fn evaluation_errors_are_diagnostics_too() {
    let out = eval(r#"Mid("abc", 0, 1)"#, "{}", "{}");
    assert_eq!(out["ok"], false);
    assert_eq!(out["diagnostics"][0]["code"], "E0301");
}

#[wasm_bindgen_test]
fn bad_arguments_throw() {
    assert!(evaluate("[a]", js("[1, 2]"), JsValue::UNDEFINED).is_err());
    assert!(evaluate("Now()", JsValue::NULL, js(r#"{"now": "yesterday"}"#)).is_err());
}

#[wasm_bindgen_test]
fn check_reports_kind_and_attributes() {
    let out = json(&check("Join(\" \", [givenName], [surname])").unwrap());
    assert_eq!(out["ok"], true);
    assert_eq!(out["attributes"], serde_json::json!(["givenName", "surname"]));
    assert_eq!(json(&check("[mail]").unwrap())["kind"], "direct");
    assert_eq!(json(&check("Left(").unwrap())["ok"], false);
}

#[wasm_bindgen_test]
fn format_and_functions() {
    assert_eq!(format("Left( [a],3 )", None).as_deref(), Some("Left([a], 3)"));
    assert_eq!(format("Left(", None), None);
    let all = json(&functions().unwrap());
    let left = all.as_array().unwrap().iter().find(|f| f["name"] == "Left").unwrap();
    assert_eq!(left["signature"], "Left(string, numChars)");
    assert_eq!(all.as_array().unwrap().len(), 46);
}

const JOB: &str = r#"{
  "name": "Acme", "target": { "kind": "scim", "base_url": "https://acme.example/scim/v2" },
  "objects": [ { "source": "user", "target": "User",
    "scoping": [ { "name": "Sales", "clauses": [ { "attribute": "department", "operator": "EQUALS", "value": "Sales" } ] } ],
    "mappings": [
      { "target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1 },
      { "target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")" },
      { "target": "name.givenName", "expression": "[givenName]" } ] } ] }"#;

#[wasm_bindgen_test]
fn plans_one_object_from_a_job_object_or_text() {
    let user = r#"{"id": "u1", "userPrincipalName": "zoe@contoso.com", "givenName": "Zoë", "department": "Sales"}"#;
    for job in [js(JOB), JsValue::from_str(JOB)] {
        let out = json(&plan(job, js(user), JsValue::NULL, JsValue::UNDEFINED).unwrap());
        assert_eq!(out["ok"], true);
        assert_eq!(out["decision"]["action"], "create");
    }
    let resource = r#"{"id": "t1", "userName": "zoe@contoso.com", "active": true, "name": {"givenName": "Zoe"}}"#;
    let out = json(&plan(js(JOB), js(user), js(resource), js(r#"{"now": 0}"#)).unwrap());
    assert_eq!(out["decision"]["action"], "update");
    assert_eq!(out["decision"]["changes"][0]["old"], "Zoe");
}

#[wasm_bindgen_test]
fn plans_a_cycle_from_an_array() {
    let users = r#"[{"id": "u1", "userPrincipalName": "a@c.com", "department": "Sales"},
                    {"id": "u2", "userPrincipalName": "b@c.com", "department": "HR"}]"#;
    let out = json(&plan(js(JOB), js(users), JsValue::NULL, JsValue::NULL).unwrap());
    assert_eq!(out["plan"]["counts"]["create"], 1);
    assert_eq!(out["plan"]["counts"]["skip"], 1);
}

#[wasm_bindgen_test]
fn an_invalid_job_gives_its_problems() {
    let out = json(
        &plan(
            JsValue::from_str(r#"{"name": "x", "target": {"kind": "scim", "base_url": "ftp://x"}, "objects": []}"#),
            js("{}"),
            JsValue::NULL,
            JsValue::NULL,
        )
        .unwrap(),
    );
    assert_eq!(out["ok"], false);
    assert!(!out["problems"].as_array().unwrap().is_empty());
}
