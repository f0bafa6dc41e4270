//! Job files with `provisio job check` and `provisio job apply`, run as real
//! processes in a temporary folder against a real server's database
//! (issue 16): source attributes checked against the directory's catalogue
//! with "did you mean" (built in offline; with `--database` or `--server`,
//! extension attributes too) and `--strict`; an inbound definition without
//! objects completed as the API completes it; secrets given as `${NAME}` or
//! `secret_file:` resolved at apply time and never stored or shown as
//! written, and a job without the secret it needs warned about (refused
//! with `--strict`).

use std::path::Path;
use std::process::{Command, Output};

use provisio_api::engine::job::Target;
use serde_json::{Value, json};

use crate::admin_api::Api;
use crate::backends::Backend;
use crate::cli::provisio_binary;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `provisio ARGS…` in `dir`, with `env` and none of Provisio's variables
/// from the test's own environment.
fn provisio(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(provisio_binary());
    command.args(args).current_dir(dir);
    for name in [
        "PROVISIO_DATABASE",
        "PROVISIO_SECRET_KEY",
        "PROVISIO_SECRET_KEY_FILE",
        "PROVISIO_TOKEN",
        "PROVISIO_SERVER",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let Output { status, stdout, stderr } = command.output().unwrap();
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// A SCIM job reading `[surnmae]` and scoped on `departmnet`.
const TYPOS: &str = r#"
name: Typos
target: { kind: scim, base_url: "https://acme.example/scim", auth: { bearer_token: t } }
objects:
  - source: user
    target: User
    scoping:
      - name: Sales
        clauses:
          - { attribute: departmnet, operator: EQUALS, value: Sales }
    mappings:
      - { target: userName, expression: "[userPrincipalName]", match_precedence: 1 }
      - { target: name.familyName, expression: "[surnmae]" }
"#;

/// A SCIM job named `name` whose token is `token` (a YAML value) and that
/// reads `attribute`.
fn scim_job(name: &str, token: &str, attribute: &str) -> String {
    format!(
        r#"
name: {name}
target: {{ kind: scim, base_url: "http://127.0.0.1:9/scim", auth: {{ bearer_token: {token} }} }}
objects:
  - source: user
    target: User
    mappings:
      - {{ target: userName, expression: "[userPrincipalName]", match_precedence: 1 }}
      - {{ target: title, expression: "[{attribute}]" }}
"#
    )
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn job_check_warns_about_unknown_source_attributes_and_strict_fails_on_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "typos.yaml", TYPOS);
    let run = provisio(dir.path(), &["job", "check", &file], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "ok: job \"Typos\" — 1 object mapping, 2 attribute mappings\n"
    );
    assert!(
        run.stderr.contains(
            "warning: objects[0].scoping[0].clauses[0].attribute: `departmnet` is not an attribute of the \
             directory's users, so it is always empty: did you mean `department`?"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "warning: objects[0].mappings[1].expression: `surnmae` is not an attribute of the directory's users, \
             so it is always empty: did you mean `surname`?"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("warning[W0401]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--database or --server"),
        "offline, it says so: {}",
        run.stderr
    );

    let run = provisio(dir.path(), &["job", "check", &file, "--strict"], &[]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{}", run.stderr);
    assert!(
        run.stderr
            .ends_with("2 warnings, and --strict refuses warnings: the check fails\n"),
        "{}",
        run.stderr
    );

    // Fixed, it passes --strict with nothing to say.
    let fixed = TYPOS.replace("departmnet", "department").replace("surnmae", "surname");
    let file = write(dir.path(), "fixed.yaml", &fixed);
    let run = provisio(dir.path(), &["job", "check", &file, "--strict"], &[]);
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "{}", run.stderr);
}

#[test]
fn inbound_jobs_are_checked_against_the_scim_paths_records_carry() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "hr.yaml",
        "name: HR\ndirection: inbound\ntarget: { kind: directory }\nobjects:\n  - source: user\n    target: User\n    \
         mappings:\n      - { target: employeeId, expression: \"[externalId]\", match_precedence: 1 }\n      \
         - { target: givenName, expression: \"[name.givenNmae]\" }\n      - { target: surname, expression: \"[surname]\" }\n",
    );
    let run = provisio(dir.path(), &["job", "check", &file], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("objects[0].mappings[1].expression: `name.givenNmae`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("did you mean `name.givenName`?"), "{}", run.stderr);
    assert!(
        run.stderr.contains("objects[0].mappings[2].expression: `surname`"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn job_check_knows_extension_attributes_given_the_database_or_the_server() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    api.post(
        "/api/v1/directory/attributes",
        json!({"name": "costCentre", "type": "string"}),
    )
    .await
    .expect(201);
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "acme.yaml", &scim_job("Acme", "t", "costCentre"));
    let check = |args: Vec<String>| {
        let dir = dir.path().to_owned();
        async move {
            tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                provisio(&dir, &args, &[])
            })
            .await
            .unwrap()
        }
    };
    let base = vec![
        "job".to_owned(),
        "check".to_owned(),
        file.clone(),
        "--strict".to_owned(),
    ];

    let offline = check(base.clone()).await;
    assert_eq!(offline.code, Some(2), "offline, only the built-in attributes are known");
    assert!(
        offline.stderr.contains("`costCentre` is not an attribute"),
        "{}",
        offline.stderr
    );

    let mut with_database = base.clone();
    with_database.extend(["--database".to_owned(), backend.url.clone()]);
    let run = check(with_database).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);

    let mut with_server = base.clone();
    with_server.extend([
        "--server".to_owned(),
        api.server.base_url(),
        "--token".to_owned(),
        api.token().to_owned(),
    ]);
    let run = check(with_server).await;
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "{}", run.stderr);

    // A typo of the extension is still found, with the extension suggested.
    let typo = write(dir.path(), "typo.yaml", &scim_job("Acme", "t", "costcentre"));
    let run = check(vec![
        "job".into(),
        "check".into(),
        typo,
        "--database".into(),
        backend.url.clone(),
    ])
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("did you mean `costCentre`? (attribute names are case-sensitive)"),
        "{}",
        run.stderr
    );

    // A refused token is an error that says so, not a silent offline check.
    let mut bad_token = base.clone();
    bad_token.extend([
        "--server".to_owned(),
        api.server.base_url(),
        "--token".to_owned(),
        "pvs_wrong".to_owned(),
    ]);
    let run = check(bad_token).await;
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""), "{}", run.stderr);
    assert!(
        run.stderr.contains("refused GET /api/v1/directory/attributes (401"),
        "{}",
        run.stderr
    );
    api.stop().await;
}

/// `provisio job apply FILE --strict?` against the API's database and key.
async fn apply(api: &Api, dir: &Path, file: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args: Vec<String> = vec![
        "job".into(),
        "apply".into(),
        file.into(),
        "--database".into(),
        api.database_url.clone(),
        "--secret-key-file".into(),
        api.key_file.to_str().unwrap().into(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        provisio(&dir, &args, &env)
    })
    .await
    .unwrap()
}

/// The token the job's stored definition holds (read with the server's key).
async fn stored_token(api: &Api, name: &str) -> Option<String> {
    match api.server.jobs().definition_with_secrets(name).await.unwrap().target {
        Target::Scim { auth, .. } => auth.bearer_token.map(|t| t.expose().to_owned()),
        _ => None,
    }
}

#[tokio::test]
async fn job_apply_prints_warnings_and_strict_writes_nothing() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "typos.yaml", TYPOS);

    let refused = apply(&api, dir.path(), &file, &["--strict"], &[]).await;
    assert_eq!(
        (refused.code, refused.stdout.as_str()),
        (Some(2), ""),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("did you mean `surname`?"), "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .ends_with("2 warnings, and --strict refuses warnings: nothing was written\n"),
        "{}",
        refused.stderr
    );
    api.get("/api/v1/jobs/Typos").await.expect(404);

    let applied = apply(&api, dir.path(), &file, &[], &[]).await;
    assert_eq!(applied.code, Some(0), "{}", applied.stderr);
    assert!(applied.stdout.starts_with("created job Typos ("), "{}", applied.stdout);
    assert!(
        applied
            .stderr
            .contains("warning: objects[0].mappings[1].expression: `surnmae` is not an attribute"),
        "{}",
        applied.stderr
    );
    assert!(
        applied.stderr.contains("did you mean `department`?"),
        "{}",
        applied.stderr
    );
    api.stop().await;
}

#[tokio::test]
async fn secrets_come_from_the_environment_or_a_file_and_are_never_stored_as_written() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let dir = tempfile::tempdir().unwrap();

    let file = write(
        dir.path(),
        "env.yaml",
        &scim_job("FromEnv", "\"${ACME_TOKEN}\"", "surname"),
    );
    let run = apply(
        &api,
        dir.path(),
        &file,
        &["--strict"],
        &[("ACME_TOKEN", "tok-from-env")],
    )
    .await;
    assert_eq!(
        (run.code, run.stderr.contains("warning")),
        (Some(0), false),
        "{}",
        run.stderr
    );
    assert!(run.stdout.starts_with("created job FromEnv"), "{}", run.stdout);
    assert_eq!(stored_token(&api, "FromEnv").await.as_deref(), Some("tok-from-env"));

    // `secret_file:` as a string or as a mapping, relative to the job file.
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/acme.token"), "tok-from-file\n").unwrap();
    let file = write(
        dir.path(),
        "file.yaml",
        &scim_job("FromFile", "{ secret_file: secrets/acme.token }", "surname"),
    );
    // Run from elsewhere: the path is the job file's, not the folder's.
    let elsewhere = tempfile::tempdir().unwrap();
    let run = apply(&api, elsewhere.path(), &file, &[], &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(stored_token(&api, "FromFile").await.as_deref(), Some("tok-from-file"));
    let file = write(
        dir.path(),
        "file.json",
        &json!({"name": "FromJson", "target": {"kind": "scim", "base_url": "http://127.0.0.1:9/scim",
            "auth": {"bearer_token": "secret_file:secrets/acme.token"}},
            "objects": [{"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}]}]})
        .to_string(),
    );
    let run = apply(&api, dir.path(), &file, &[], &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(stored_token(&api, "FromJson").await.as_deref(), Some("tok-from-file"));

    // Neither the reference nor the value is shown back.
    for name in ["FromEnv", "FromFile", "FromJson"] {
        let job = api.get(&format!("/api/v1/jobs/{name}")).await;
        let text = job.expect(200).to_string();
        for hidden in ["tok-from", "ACME_TOKEN", "secret_file", "${"] {
            assert!(!text.contains(hidden), "{name} shows {hidden}: {text}");
        }
        assert_eq!(job.body["definition"]["target"]["auth"]["bearer_token"], "********");
    }
    // Nor printed.
    assert!(!run.stdout.contains("tok-from") && !run.stderr.contains("tok-from"));

    // What cannot be resolved is an error naming the field and the source; nothing is written.
    let file = write(
        dir.path(),
        "missing.yaml",
        &scim_job("Missing", "\"${NO_SUCH_TOKEN}\"", "surname"),
    );
    let run = apply(&api, dir.path(), &file, &[], &[]).await;
    assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error: target.auth.bearer_token: the environment variable NO_SUCH_TOKEN is not set (the file gives \
             `${NO_SUCH_TOKEN}`)"
        ),
        "{}",
        run.stderr
    );
    let file = write(
        dir.path(),
        "unreadable.yaml",
        &scim_job("Missing", "{ secret_file: nope.token }", "surname"),
    );
    let run = apply(&api, dir.path(), &file, &[], &[]).await;
    assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: target.auth.bearer_token: cannot read the secret file")
            && run.stderr.contains("nope.token"),
        "{}",
        run.stderr
    );
    api.get("/api/v1/jobs/Missing").await.expect(404);

    // A reference where no secret goes would be taken literally: refused.
    let job = scim_job("Elsewhere", "t", "surname").replace("http://127.0.0.1:9/scim", "https://${ACME_HOST}/scim");
    let file = write(dir.path(), "elsewhere.yaml", &job);
    let run = apply(&api, dir.path(), &file, &[], &[("ACME_HOST", "acme.example")]).await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("error: target.base_url:") && run.stderr.contains("not a secret"),
        "{}",
        run.stderr
    );

    // `job check` tries the references too, as warnings: it may run where they are not.
    let file = write(
        dir.path(),
        "check.yaml",
        &scim_job("Check", "\"${NO_SUCH_TOKEN}\"", "surname"),
    );
    let run = provisio(dir.path(), &["job", "check", &file], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: target.auth.bearer_token: the environment variable NO_SUCH_TOKEN")
    );
    api.stop().await;
}

#[tokio::test]
async fn a_job_without_the_secret_it_needs_is_warned_about_and_refused_with_strict() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let dir = tempfile::tempdir().unwrap();
    let tokenless = write(
        dir.path(),
        "acme.yaml",
        &scim_job("Acme", "\"\"", "surname").replace(", auth: { bearer_token: \"\" }", ""),
    );
    let run = apply(&api, dir.path(), &tokenless, &["--strict"], &[]).await;
    assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: target.auth.bearer_token: the job has no token, so it cannot connect"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    api.get("/api/v1/jobs/Acme").await.expect(404);

    let run = apply(&api, dir.path(), &tokenless, &[], &[]).await;
    assert_eq!(run.code, Some(0), "warned, not refused: {}", run.stderr);
    assert!(run.stderr.contains("the job has no token"), "{}", run.stderr);

    // Once it has one, a file without it keeps the stored one: no warning.
    let with_token = write(
        dir.path(),
        "token.yaml",
        &scim_job("Acme", "\"${ACME_TOKEN}\"", "surname"),
    );
    let run = apply(&api, dir.path(), &with_token, &[], &[("ACME_TOKEN", "tok")]).await;
    assert_eq!(
        (run.code, run.stderr.contains("warning")),
        (Some(0), false),
        "{}",
        run.stderr
    );
    let run = apply(&api, dir.path(), &tokenless, &["--strict"], &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert_eq!(stored_token(&api, "Acme").await.as_deref(), Some("tok"));
    api.stop().await;
}

#[tokio::test]
async fn an_inbound_file_without_objects_gets_the_template_as_through_the_api() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let dir = tempfile::tempdir().unwrap();
    let short = "name: HR\ndirection: inbound\ntarget: { kind: directory }\nobjects: []\n";
    let file = write(dir.path(), "hr.yaml", short);
    let template = provisio_engine::job::templates::inbound("HR");
    let mappings: usize = template.objects.iter().map(|o| o.mappings.len()).sum();

    let run = provisio(dir.path(), &["job", "check", &file, "--strict"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!("ok: job \"HR\" — 1 object mapping, {mappings} attribute mappings\n")
    );

    let run = apply(&api, dir.path(), &file, &["--strict"], &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let by_cli = api.get("/api/v1/jobs/HR").await.expect(200)["definition"].clone();
    let by_api = api
        .post(
            "/api/v1/jobs",
            json!({"name": "HR2", "direction": "inbound", "target": {"kind": "directory"}, "objects": []}),
        )
        .await
        .expect(201)["definition"]
        .clone();
    assert_eq!(by_cli["objects"], serde_json::to_value(&template.objects).unwrap());
    assert_eq!(by_cli["objects"], by_api["objects"]);
    // As docs/inbound.md says: the deletion guard off, records out of scope left alone.
    for definition in [&by_cli, &by_api] {
        assert_eq!(definition["deletion_threshold"], Value::Null, "{definition}");
        assert_eq!(definition["skip_out_of_scope_deletions"], true, "{definition}");
    }
    api.stop().await;
}
