//! `provisio plan`, run as a real process: the decision for one object, a
//! cycle plan for an array, and clear errors for bad input.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::cli::provisio_binary;

fn job() -> Value {
    json!({
        "name": "Acme SCIM",
        "target": { "kind": "scim", "base_url": "https://acme.example/scim/v2", "auth": { "bearer_token": "s3cret-t0ken" } },
        "objects": [ { "source": "user", "target": "User",
            "scoping": [ { "name": "Sales", "clauses": [ { "attribute": "department", "operator": "EQUALS", "value": "Sales" } ] } ],
            "mappings": [
                { "target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1 },
                { "target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")" },
                { "target": "name.givenName", "expression": "[givenName]" },
                { "target": "emails[type eq \"work\"].value", "expression": "[mail]" },
                { "target": "externalId", "expression": "[mailNickname]", "apply": "on_create" }
            ] } ]
    })
}

fn zoe() -> Value {
    json!({ "id": "u-1", "userPrincipalName": "zoe@contoso.com", "givenName": "Zoë", "mail": "zoe@contoso.com",
            "mailNickname": "zoe", "department": "Sales" })
}

/// Writes the files, runs `provisio plan`, returns (exit code, stdout JSON or null, stderr).
fn plan(dir: &Path, source: &Value, target: Option<&Value>, extra: &[&str]) -> (i32, Value, String) {
    std::fs::write(dir.join("job.json"), job().to_string()).unwrap();
    std::fs::write(dir.join("source.json"), source.to_string()).unwrap();
    let mut command = Command::new(provisio_binary());
    command.current_dir(dir).args([
        "plan",
        "--job",
        "job.json",
        "--source",
        "source.json",
        "--now",
        "2026-11-26T09:00:00Z",
    ]);
    if let Some(target) = target {
        std::fs::write(dir.join("target.json"), target.to_string()).unwrap();
        command.args(["--target", "target.json"]);
    }
    let out = command.args(extra).output().unwrap();
    let stdout = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_new_user_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let (code, decision, stderr) = plan(dir.path(), &zoe(), None, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(decision["action"], "create");
    let steps: Vec<&str> = decision["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["import", "scoping", "matching", "action"]);
    let changes = decision["changes"].as_array().unwrap();
    assert!(changes.iter().any(|c| c["path"] == "externalId" && c["new"] == "zoe"));
}

#[test]
fn a_scim_resource_as_target_gives_an_update_with_old_and_new_values() {
    let dir = tempfile::tempdir().unwrap();
    let resource = json!({
        "id": "t-9", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "zoe@contoso.com",
        "active": true, "name": { "givenName": "Zoe" }, "emails": [ { "type": "work", "value": "zoe@contoso.com" } ]
    });
    let (code, decision, stderr) = plan(dir.path(), &zoe(), Some(&resource), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(decision["action"], "update");
    assert_eq!(decision["target_id"], "t-9");
    assert_eq!(
        decision["changes"],
        json!([ { "path": "name.givenName", "old": "Zoe", "new": "Zoë" } ])
    );
}

#[test]
fn leaving_scope_disables() {
    let dir = tempfile::tempdir().unwrap();
    let mut moved = zoe();
    moved["department"] = json!("Finance");
    let resource = json!({ "id": "t-9", "userName": "zoe@contoso.com", "active": true, "name": { "givenName": "Zoë" },
                           "emails": [ { "type": "work", "value": "zoe@contoso.com" } ] });
    let (code, decision, _) = plan(dir.path(), &moved, Some(&resource), &[]);
    assert_eq!(code, 0);
    assert_eq!(decision["action"], "disable");
    assert_eq!(
        decision["changes"],
        json!([ { "path": "active", "old": true, "new": "False" } ])
    );
}

#[test]
fn an_array_gives_a_cycle_plan_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut other = zoe();
    other["id"] = json!("u-2");
    other["userPrincipalName"] = json!("ann@contoso.com");
    other["department"] = json!("HR");
    let (code, plan, stderr) = plan(dir.path(), &json!([zoe(), other]), None, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(plan["counts"]["create"], 1);
    assert_eq!(plan["counts"]["skip"], 1);
    assert_eq!(plan["decisions"].as_array().unwrap().len(), 2);
}

#[test]
fn the_bearer_token_never_appears() {
    let dir = tempfile::tempdir().unwrap();
    let (_, decision, stderr) = plan(dir.path(), &zoe(), None, &[]);
    assert!(!decision.to_string().contains("s3cret") && !stderr.contains("s3cret"));
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = plan(dir.path(), &json!("not an object"), None, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--source: a source object must be a JSON object"),
        "{stderr}"
    );
    let (code, _, stderr) = plan(dir.path(), &json!([zoe()]), Some(&json!({ "id": "t" })), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--target must be an array"), "{stderr}");
    std::fs::write(dir.path().join("job.json"), "{ \"name\": \"\" }").unwrap();
    let out = Command::new(provisio_binary())
        .current_dir(dir.path())
        .args(["plan", "--job", "job.json", "--source", "source.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid job definition"));
}

#[test]
fn format_text_prints_the_steps_in_words() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("job.json"), job().to_string()).unwrap();
    std::fs::write(dir.path().join("zoe.json"), zoe().to_string()).unwrap();
    let mut other = zoe();
    other["id"] = json!("u-2");
    other["userPrincipalName"] = json!("max@contoso.com");
    other["department"] = json!("HR");
    std::fs::write(dir.path().join("both.json"), json!([zoe(), other]).to_string()).unwrap();
    let run = |source: &str| {
        let out = Command::new(provisio_binary())
            .current_dir(dir.path())
            .args(["plan", "--job", "job.json", "--source", source, "--format", "text"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let one = run("zoe.json");
    assert!(
        one.starts_with(
            "Planning source u-1 with job Acme SCIM (a dry run: nothing is written)\n\n1. Import — success"
        ),
        "{one}"
    );
    assert!(
        one.contains("\n     department EQUALS \"Sales\": holds (the value is \"Sales\")\n"),
        "{one}"
    );
    assert!(
        one.contains(
            "\n3. Matching — success: No target object matches\n   attempt 1: userName eq \"zoe@contoso.com\"\n"
        ),
        "{one}"
    );
    assert!(one.contains("\n   name.givenName: (none) → \"Zoë\"\n"), "{one}");
    assert!(one.ends_with("\nResult: create — would be done\n"), "{one}");
    let cycle = run("both.json");
    assert!(cycle.starts_with("Planning a cycle of 2 objects with job Acme SCIM (a dry run: nothing is written)\ncreate 1, update 0, disable 0, delete 0, staged delete 0, skip 1, failed 0\n"), "{cycle}");
    assert!(cycle.contains("\n— Object 2 of 2: source u-2\n"), "{cycle}");
    assert!(cycle.contains("filter \"Sales\": did not match"), "{cycle}");
}
