//! `provisio job check`, run as a real process: the summary on stdout and
//! exit 0 for a valid job (warnings allowed), every problem on stderr and
//! exit 2 otherwise; and `provisio job provision` (provision on demand
//! from the command line) against a real SCIM server.

use std::process::{Command, Output};

use crate::cli::provisio_binary;

/// The example from docs/jobs.md.
const ACME: &str = r#"{
  "name": "Acme SCIM",
  "target": { "kind": "scim", "base_url": "https://acme.example/scim/v2", "auth": { "bearer_token": "…" } },
  "schedule": { "interval_seconds": 2400, "realtime": true },
  "objects": [
    { "source": "user", "target": "User",
      "scoping": [ { "name": "Sales", "clauses": [ { "attribute": "department", "operator": "EQUALS", "value": "Sales" } ] } ],
      "mappings": [
        { "target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1 },
        { "target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")" },
        { "target": "name.givenName", "expression": "[givenName]" },
        { "target": "emails[type eq \"work\"].value", "expression": "[mail]" },
        { "target": "externalId", "expression": "[mailNickname]", "apply": "on_create", "default": "none" }
      ] },
    { "source": "group", "target": "Group", "mappings": [
        { "target": "displayName", "expression": "[displayName]", "match_precedence": 1 },
        { "target": "members", "expression": "[members]" } ] }
  ]
}"#;

const ACME_YAML: &str = r#"
name: Acme SCIM
target: { kind: scim, base_url: "https://acme.example/scim/v2" }
objects:
  - source: user
    target: User
    mappings:
      - { target: userName, expression: "[userPrincipalName]", match_precedence: 1 }
"#;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Writes `contents` to a file called `name` and runs `provisio job check` on it.
fn check(name: &str, contents: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    check_path(path.to_str().unwrap())
}

fn check_path(path: &str) -> Run {
    let Output { status, stdout, stderr } = Command::new(provisio_binary())
        .args(["job", "check", path])
        .output()
        .expect("run provisio");
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// Exit 0, the summary on stdout, `stderr` on stderr.
#[track_caller]
fn ok(run: Run, summary: &str, stderr: &str) {
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), stderr), "{}", run.stderr);
    assert_eq!(run.stdout, format!("{summary}\n"));
}

/// Exit 2, nothing on stdout; returns stderr.
#[track_caller]
fn fails(run: Run) -> String {
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    run.stderr
}

#[test]
fn a_valid_job_prints_a_summary() {
    ok(
        check("acme.json", ACME),
        "ok: job \"Acme SCIM\" — 2 object mappings, 7 attribute mappings",
        "",
    );
    ok(
        check("acme.yaml", ACME_YAML),
        "ok: job \"Acme SCIM\" — 1 object mapping, 1 attribute mapping",
        "",
    );
    ok(
        check("acme.YML", ACME_YAML),
        "ok: job \"Acme SCIM\" — 1 object mapping, 1 attribute mapping",
        "",
    );
}

#[test]
fn other_names_are_judged_by_content() {
    ok(
        check("acme", ACME),
        "ok: job \"Acme SCIM\" — 2 object mappings, 7 attribute mappings",
        "",
    );
    ok(
        check("acme.txt", ACME_YAML),
        "ok: job \"Acme SCIM\" — 1 object mapping, 1 attribute mapping",
        "",
    );
}

#[test]
fn warnings_are_printed_but_pass() {
    let job = ACME.replace(r#""expression": "[givenName]""#, r#""expression": "Guid()""#);
    ok(
        check("acme.json", &job),
        "ok: job \"Acme SCIM\" — 2 object mappings, 7 attribute mappings",
        "warning: objects[0].mappings[2].expression: Guid() gives a new value every cycle, so with \"apply\": \
         \"always\" the attribute changes on every update; use \"apply\": \"on_create\"\n",
    );
}

#[test]
fn every_error_is_printed_with_expression_diagnostics_indented() {
    let job = ACME
        .replace(
            r#""expression": "[givenName]""#,
            r#""expression": "Tolower([givenName])""#,
        )
        .replace(r#""interval_seconds": 2400"#, r#""interval_seconds": 5"#);
    let stderr = fails(check("acme.json", &job));
    assert_eq!(
        stderr,
        "error: schedule.interval_seconds: an interval of 5 seconds is too frequent: the minimum is 60; \
         set \"realtime\": true to react to changes within seconds\n\
         error: objects[0].mappings[2].expression: unknown function `Tolower`\n  \
         error[E0201]: unknown function `Tolower`\n   \
         --> 1:1\n    \
         |\n  \
         1 | Tolower([givenName])\n    \
         | ^^^^^^^\n    \
         = help: did you mean `ToLower`?\n\
         2 errors\n"
    );
}

#[test]
fn syntax_errors_name_the_line_and_column() {
    let stderr = fails(check("acme.json", "{\n  \"name\": \"x\",\n  \"colour\": 1\n}"));
    assert!(
        stderr.starts_with("error: line 3, column 10: unknown field `colour`, expected one of"),
        "{stderr}"
    );
    assert!(stderr.ends_with("\n1 error\n"), "{stderr}");
    let stderr = fails(check("acme.yaml", "name: x\nobjects: {\n"));
    assert!(stderr.starts_with("error: line "), "{stderr}");
    // A JSON file read as YAML by its name still reports, as YAML.
    assert!(fails(check("acme.yaml", "{\"name\": ")).ends_with("1 error\n"));
}

#[test]
fn an_unreadable_file_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let stderr = fails(check_path(missing.to_str().unwrap()));
    assert!(
        stderr.starts_with(&format!("error: cannot read {}: ", missing.display())),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// Each ```json invalid example in docs/jobs.md that a ```text block follows
/// prints exactly that text.
#[test]
fn the_documented_reports_are_what_check_prints() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/jobs.md")).unwrap();
    let blocks: Vec<(&str, &str)> = docs
        .split("```")
        .skip(1)
        .step_by(2)
        .filter_map(|block| block.split_once('\n'))
        .collect();
    let mut checked = 0;
    for pair in blocks.windows(2) {
        if let [("json invalid", example), ("text", report)] = pair {
            assert_eq!(fails(check("example.json", example)), *report, "{example}");
            checked += 1;
        }
    }
    assert_eq!(
        checked, 2,
        "docs/jobs.md should show what check prints for its two invalid examples"
    );
}

mod provision {
    //! `provisio job provision` against a SQLite database the test server
    //! also uses, and a real SCIM server (ignored unless asked for, as
    //! `cargo xtask test` does).

    use std::process::Command;

    use provisio_api::jobs::JOBS_PATH;
    use provisio_tests::scim_target::ScimTarget;
    use serde_json::{Value, json};

    use crate::admin_api::Api;
    use crate::backends::Backend;
    use crate::cli::provisio_binary;

    struct Run {
        code: Option<i32>,
        stdout: String,
        stderr: String,
    }

    /// Runs `provisio job provision` with `args` against the server's database and key.
    async fn provision(api: &Api, args: &[&str]) -> Run {
        let mut command = Command::new(provisio_binary());
        command
            .args(["job", "provision", "--database", &api.database_url])
            .args(["--secret-key-file", api.key_file.to_str().unwrap()])
            .args(args)
            .env_remove("PROVISIO_SECRET_KEY")
            .env_remove("PROVISIO_DATABASE");
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
        Run {
            code: output.status.code(),
            stdout: text(output.stdout),
            stderr: text(output.stderr),
        }
    }

    async fn target_users(target: &ScimTarget) -> Vec<Value> {
        crate::target::resources(target, "Users").await
    }

    #[tokio::test]
    #[ignore = "needs scim2-server (cargo xtask test)"]
    async fn provisions_one_user_and_prints_the_steps() {
        let Some(target) = ScimTarget::start() else { return };
        let backend = Backend::sqlite();
        let api = Api::start(&backend).await;
        let job = json!({
            "name": "Acme SCIM",
            "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
            "objects": [{"source": "user", "target": "User",
                "scoping": [{"name": "Engineers", "clauses": [
                    {"attribute": "jobTitle", "operator": "EQUALS", "value": "Engineer"}]}],
                "mappings": [
                    {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                    {"target": "title", "expression": "[jobTitle]"}
                ]}]
        });
        api.post(JOBS_PATH, job).await.expect(201);
        let ada = api
            .post(
                "/api/v1/directory/users",
                json!({"attributes": {"userPrincipalName": "ada@contoso.com", "displayName": "Ada Lovelace", "jobTitle": "Engineer"}}),
            )
            .await;
        let ada = ada.expect(201)["id"].as_str().unwrap().to_owned();

        let run = provision(&api, &["--job", "acme scim", "--user", "ada@contoso.com"]).await;
        eprintln!("{}{}", run.stdout, run.stderr);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        for words in [
            "Provisioning ada@contoso.com with job Acme SCIM (run ",
            "1. Import — success",
            "2. Scoping — success",
            "filter \"Engineers\": matched",
            "jobTitle EQUALS \"Engineer\": holds",
            "3. Matching",
            "userName eq \"ada@contoso.com\"",
            "4. Action — success",
            "action: create",
            "userName: (none) → \"ada@contoso.com\"",
            "title: (none) → \"Engineer\"",
            "Result: create — done",
        ] {
            assert!(run.stdout.contains(words), "no {words:?} in\n{}", run.stdout);
        }
        let users = target_users(&target).await;
        assert_eq!(users.len(), 1, "{users:?}");
        assert_eq!(users[0]["userName"], "ada@contoso.com");
        assert_eq!(users[0]["title"], "Engineer");

        // Again, by id and as JSON: nothing left to do.
        let run = provision(&api, &["--job", "Acme SCIM", "--user", &ada, "--json"]).await;
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let body: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(body["decision"]["action"], "skip", "{body}");
        assert_eq!(body["log_entry"]["run"], "on_demand", "{body}");

        // An unknown user or job: a clear error, exit 2.
        let run = provision(&api, &["--job", "Acme SCIM", "--user", "nobody@contoso.com"]).await;
        assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{}", run.stderr);
        // The database it used, then the error.
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert!(lines[0].starts_with("provisio: using the database "), "{}", run.stderr);
        assert!(
            lines[1].starts_with("error: ") && lines[1].contains("nobody@contoso.com"),
            "{}",
            run.stderr
        );
        let run = provision(&api, &["--job", "Nope", "--user", "ada@contoso.com"]).await;
        assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{}", run.stderr);
        assert!(
            run.stderr.contains("no job has the id or name `Nope`"),
            "{}",
            run.stderr
        );
        assert_eq!(target_users(&target).await.len(), 1);
        api.stop().await;
    }
}
