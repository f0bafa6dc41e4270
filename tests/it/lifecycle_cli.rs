//! The lifecycle commands run as real processes against a running server,
//! each both ways: through its admin API (`--server URL --token TOKEN`) and
//! on its database directly (`--database URL`): `provisio job
//! start|stop|restart|status` and `job apply [--start]`.

use std::process::{Command, Output};

use provisio_api::jobs::{JOBS_PATH, job_path};
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;
use crate::cli::provisio_binary;

/// Through the server's API, or on its database.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Way {
    Server,
    Database,
}

pub(crate) const WAYS: [Way; 2] = [Way::Server, Way::Database];

pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Exit 0; returns stdout.
    #[track_caller]
    pub(crate) fn ok(&self) -> &str {
        assert_eq!(self.code, Some(0), "stderr: {}\nstdout: {}", self.stderr, self.stdout);
        &self.stdout
    }

    /// Exit `code` with nothing on stdout; returns stderr.
    #[track_caller]
    pub(crate) fn fails(&self, code: i32) -> &str {
        assert_eq!(
            self.code,
            Some(code),
            "stderr: {}\nstdout: {}",
            self.stderr,
            self.stdout
        );
        assert_eq!(self.stdout, "");
        &self.stderr
    }
}

/// `provisio ARGS…` run `way` against `api`'s server, in a temporary
/// folder, with none of the command's variables in its environment.
pub(crate) async fn provisio(api: &Api, way: Way, args: &[&str]) -> Run {
    let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    match way {
        Way::Server => all.extend([
            "--server".to_owned(),
            api.server.base_url().to_string(),
            "--token".to_owned(),
            api.token().to_owned(),
        ]),
        Way::Database => all.extend(["--database".to_owned(), api.database_url.clone()]),
    }
    run(all).await
}

/// `provisio ARGS…` in a temporary folder, without the variables.
pub(crate) async fn run(args: Vec<String>) -> Run {
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        let Output { status, stdout, stderr } = Command::new(provisio_binary())
            .args(&args)
            .current_dir(dir.path())
            .env_remove("PROVISIO_SERVER")
            .env_remove("PROVISIO_TOKEN")
            .env_remove("PROVISIO_DATABASE")
            .env_remove("PROVISIO_SECRET_KEY")
            .env_remove("PROVISIO_SECRET_KEY_FILE")
            .output()
            .unwrap();
        Run {
            code: status.code(),
            stdout: String::from_utf8(stdout).unwrap(),
            stderr: String::from_utf8(stderr).unwrap(),
        }
    })
    .await
    .unwrap()
}

/// An inbound job: started, it waits quietly for uploads.
fn hr_job() -> Value {
    json!({
        "name": "HR feed",
        "direction": "inbound",
        "target": {"kind": "directory"},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "employeeId", "expression": "[externalId]", "match_precedence": 1},
            {"target": "userPrincipalName", "expression": "[userName]"}
        ]}]
    })
}

async fn state(api: &Api) -> Value {
    api.get(&job_path("HR feed")).await.expect(200)["state"].clone()
}

backend_test!(
    jobs_start_stop_restart_and_show_their_status_both_ways,
    with_api,
    async |api: &Api| {
        api.post(JOBS_PATH, hr_job()).await.expect(201);
        for way in WAYS {
            let run = provisio(api, way, &["job", "start", "hr FEED"]).await;
            assert!(
                run.ok()
                    .starts_with("started job HR feed: it provisions on its schedule"),
                "{way:?}: {}",
                run.stdout
            );
            let used = match way {
                Way::Server => format!("provisio: using the server {}", api.server.base_url()),
                Way::Database => "provisio: using the database".to_owned(),
            };
            assert!(run.stderr.contains(&used), "{way:?} says which: {}", run.stderr);
            assert_eq!(state(api).await, "running", "{way:?}");
            let again = provisio(api, way, &["job", "start", "HR feed"]).await;
            assert_eq!(
                again.ok(),
                "job HR feed was already running: nothing changed\n",
                "{way:?}"
            );

            let status = provisio(api, way, &["job", "status", "HR feed"]).await;
            let text = status.ok();
            assert!(text.starts_with("job HR feed ("), "{way:?}: {text}");
            assert!(text.contains("\n  state:         running — "), "{way:?}: {text}");
            let json = provisio(api, way, &["job", "status", "HR feed", "--json"]).await;
            let json: Value = serde_json::from_str(json.ok()).unwrap();
            assert_eq!(
                (&json["name"], &json["state"]),
                (&json!("HR feed"), &json!("running")),
                "{way:?}"
            );

            let restart = provisio(api, way, &["job", "restart", "HR feed"]).await;
            assert!(
                restart.ok().starts_with("restarted job HR feed (requested at "),
                "{way:?}: {}",
                restart.stdout
            );
            let job = api.get(&job_path("HR feed")).await;
            assert!(job.expect(200)["restart_requested_at"].is_string(), "{way:?}");

            let stop = provisio(api, way, &["job", "stop", "HR feed"]).await;
            assert!(
                stop.ok().starts_with("stopped job HR feed:"),
                "{way:?}: {}",
                stop.stdout
            );
            assert_eq!(state(api).await, "stopped", "{way:?}");
            let status = provisio(api, way, &["job", "status", "HR feed"]).await;
            assert!(
                status
                    .ok()
                    .contains("what to do: the job is stopped: start it with `provisio job start \"HR feed\"`"),
                "{way:?}: {}",
                status.stdout
            );

            let unknown = provisio(api, way, &["job", "start", "payroll"]).await;
            assert!(
                unknown.fails(2).contains("no job has the id or name `payroll`"),
                "{way:?}: {}",
                unknown.stderr
            );
        }
    }
);

#[tokio::test]
async fn the_server_way_needs_an_admin_token_and_names_what_is_wrong() {
    let backend = crate::backends::Backend::sqlite();
    let api = Api::start(&backend).await;
    let url = api.server.base_url().to_string();
    let no_token = run(vec![
        "job".into(),
        "start".into(),
        "x".into(),
        "--server".into(),
        url.clone(),
    ])
    .await;
    let stderr = no_token.fails(2);
    assert!(
        stderr.contains("--token") && stderr.contains("PROVISIO_TOKEN"),
        "{stderr}"
    );
    let wrong = run(["job", "status", "x", "--server", &url, "--token", "pvs_wrong"]
        .map(str::to_owned)
        .to_vec())
    .await;
    let stderr = wrong.fails(1);
    assert!(
        stderr.contains("refused the token") && stderr.contains("--scope admin"),
        "{stderr}"
    );
    assert!(!stderr.contains("pvs_wrong"), "the token is never shown: {stderr}");
    let both = run([
        "job",
        "stop",
        "x",
        "--server",
        &url,
        "--token",
        "t",
        "--database",
        &api.database_url,
    ]
    .map(str::to_owned)
    .to_vec())
    .await;
    assert!(both.fails(2).contains("not both"), "{}", both.stderr);
    api.stop().await;
    let gone = run(["job", "status", "x", "--server", &url, "--token", "t"]
        .map(str::to_owned)
        .to_vec())
    .await;
    assert!(
        gone.fails(1).contains(&format!("cannot reach the server at {url}")),
        "{}",
        gone.stderr
    );
}

#[tokio::test]
async fn apply_with_start_creates_then_starts_the_job() {
    let backend = crate::backends::Backend::sqlite();
    let api = Api::start(&backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hr.json");
    std::fs::write(&file, hr_job().to_string()).unwrap();
    let key = api.key_file.to_str().unwrap().to_owned();
    let args = |start: bool| {
        let mut args = vec![
            "job",
            "apply",
            file.to_str().unwrap(),
            "--database",
            &api.database_url,
            "--secret-key-file",
            &key,
        ];
        if start {
            args.push("--start");
        }
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let applied = run(args(true)).await;
    let stdout = applied.ok();
    assert!(stdout.starts_with("created job HR feed ("), "{stdout}");
    assert!(
        stdout.contains("\nstarted job HR feed: it provisions on its schedule"),
        "{stdout}"
    );
    assert_eq!(state(&api).await, "running");
    let again = run(args(true)).await;
    assert_eq!(
        again.ok(),
        "replaced job HR feed (no changes)\njob HR feed was already running: nothing changed\n"
    );
    api.stop().await;
}

#[tokio::test]
async fn from_the_wrong_folder_the_lifecycle_commands_create_no_database_and_say_where_they_looked() {
    let wrong = tempfile::tempdir().unwrap();
    std::fs::write(wrong.path().join("people.csv"), "userPrincipalName\nada@contoso.com\n").unwrap();
    let looked_for = wrong.path().join("data/provisio.db");
    for args in [
        vec!["job", "start", "acme"],
        vec!["job", "status", "acme"],
        vec!["logs"],
        vec!["directory", "user", "list"],
        vec!["directory", "user", "create", "ada@contoso.com"],
        vec!["directory", "user", "import", "people.csv"],
    ] {
        let dir = wrong.path().to_owned();
        let output = tokio::task::spawn_blocking(move || {
            Command::new(provisio_binary())
                .args(&args)
                .current_dir(&dir)
                .env_remove("PROVISIO_SERVER")
                .env_remove("PROVISIO_TOKEN")
                .env_remove("PROVISIO_DATABASE")
                .output()
                .map(|output| (args, output))
                .unwrap()
        })
        .await
        .unwrap();
        let (args, output) = output;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("no database at {}", looked_for.display()))
                && stderr.contains("PROVISIO_DATABASE")
                && stderr.contains("--server URL --token TOKEN"),
            "{args:?}: {stderr}"
        );
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(!wrong.path().join("data").exists(), "{args:?} created nothing");
    }
}

/// `job apply --server`: created, replaced, unchanged and started through
/// the admin API; a secret from the environment stored write-only; a bad
/// definition refused with each problem's place; `--strict` writing
/// nothing when the file has warnings.
#[tokio::test]
async fn apply_works_through_the_server_as_on_the_database() {
    let backend = crate::backends::Backend::sqlite();
    let api = Api::start(&backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acme.yaml");
    let write = |title: &str| {
        std::fs::write(
            &file,
            format!(
                "name: Acme\ntarget:\n  kind: scim\n  base_url: https://acme.example/scim/v2\n  auth:\n    \
                 bearer_token: ${{ACME_TOKEN}}\nobjects:\n  - source: user\n    target: User\n    mappings:\n      \
                 - {{ target: userName, expression: \"[userPrincipalName]\", match_precedence: 1 }}\n      \
                 - {{ target: title, expression: \"{title}\" }}\n"
            ),
        )
        .unwrap();
    };
    let base_url = api.server.base_url().to_string();
    let token = api.token().to_owned();
    let apply = |extra: &'static [&'static str]| {
        let (file, base_url, token) = (file.clone(), base_url.clone(), token.clone());
        tokio::task::spawn_blocking(move || {
            let Output { status, stdout, stderr } = Command::new(provisio_binary())
                .args([
                    "job",
                    "apply",
                    file.to_str().unwrap(),
                    "--server",
                    &base_url,
                    "--token",
                    &token,
                ])
                .args(extra)
                .env_remove("PROVISIO_DATABASE")
                .env_remove("PROVISIO_SERVER")
                .env("ACME_TOKEN", "s3cret-from-the-environment")
                .output()
                .unwrap();
            Run {
                code: status.code(),
                stdout: String::from_utf8(stdout).unwrap(),
                stderr: String::from_utf8(stderr).unwrap(),
            }
        })
    };

    write("[jobTitle]");
    let created = apply(&["--start"]).await.unwrap();
    let stdout = created.ok();
    assert!(stdout.starts_with("created job Acme ("), "{stdout}");
    assert!(
        stdout.contains("\nstarted job Acme: it provisions on its schedule"),
        "{stdout}"
    );
    assert!(
        created.stderr.contains(&format!("using the server {base_url}")),
        "{}",
        created.stderr
    );
    let job = api.get(&job_path("Acme")).await.expect(200).clone();
    assert_eq!(job["state"], "running");
    assert_eq!(job["secrets"]["target.auth.bearer_token"], true);
    assert!(
        !job.to_string().contains("s3cret") && !job.to_string().contains("ACME_TOKEN"),
        "{job}"
    );

    assert_eq!(apply(&[]).await.unwrap().ok(), "replaced job Acme (no changes)\n");
    write("Switch([department], [jobTitle], \\\"Sales\\\", \\\"Seller\\\")");
    assert_eq!(apply(&[]).await.unwrap().ok(), "replaced job Acme\n");

    write("Tolower([jobTitle])");
    let invalid = apply(&[]).await.unwrap();
    let stderr = invalid.fails(2);
    assert!(stderr.contains("objects[0].mappings[1].expression"), "{stderr}");
    assert!(stderr.contains("did you mean `ToLower`"), "{stderr}");

    write("[jobTitel]");
    let strict = apply(&["--strict"]).await.unwrap();
    let stderr = strict.fails(2);
    assert!(stderr.contains("did you mean `jobTitle`"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    let stored = api.get(&job_path("Acme")).await.expect(200).clone();
    assert_eq!(
        stored["version"],
        job["version"].as_i64().unwrap() + 1,
        "only the valid change was written"
    );
    api.stop().await;
}

backend_test!(jobs_are_reset_by_scope_both_ways, with_api, async |api: &Api| {
    api.post(JOBS_PATH, hr_job()).await.expect(201);
    for way in WAYS {
        let run = provisio(api, way, &["job", "reset", "HR feed", "--scope", "quarantine"]).await;
        assert_eq!(
            run.ok(),
            "reset job HR feed (quarantine): the job was not quarantined: nothing changed\n",
            "{way:?}"
        );
        let run = provisio(api, way, &["job", "reset", "HR feed", "--scope", "escrows"]).await;
        assert!(
            run.ok().contains("0 escrowed objects are retried"),
            "{way:?}: {}",
            run.stdout
        );
        let run = provisio(api, way, &["job", "reset", "HR feed", "--scope", "full"]).await;
        assert!(
            run.ok().contains("links forgotten; the job is started"),
            "{way:?}: {}",
            run.stdout
        );
        assert_eq!(state(api).await, "running", "{way:?}");
        let missing = provisio(api, way, &["job", "reset", "nope", "--scope", "full"]).await;
        assert!(missing.fails(2).contains("nope"), "{way:?}: {}", missing.stderr);
    }
    let audit = api.get("/api/v1/audit?action=job.reset").await;
    let actors: Vec<String> = audit.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"]["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actors, ["cli", "cli", "cli", "token", "token", "token"]);
});
