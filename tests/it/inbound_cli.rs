//! `provisio inbound send`, run as a real process against the real server:
//! a CSV of three people sent in two bulk requests to a running inbound job
//! (the second waiting out the job's rate limit), waited for, and found in
//! the directory with their attributes; a request over the job's size,
//! refused with the server's SCIM detail; a refused token; a file with
//! problems, which sends nothing; and a stopped job, which keeps what is
//! sent and is said to be stopped.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use provisio_api::auth::{TokenCreateRequest, TokenScope};
use provisio_api::directory::{DirectoryUser, Page, USERS_PATH};
use provisio_api::jobs::{JOBS_PATH, job_path};
use serde_json::{Value, json};

use crate::admin_api::Api;
use crate::backends::Backend;
use crate::cli::provisio_binary;

const PEOPLE: &str = "\
externalId,userName,givenName,surname,displayName,title,active,email,department,manager,urn:acme:hr:1.0:User:costCenter
701900,amoss@contoso.com,Alex,Moss,Alex Moss,Director,true,amoss@contoso.com,R&D,,CC-10
701984,jdoe@contoso.com,John,Doe,John Doe,Engineer,yes,jdoe@contoso.com,R&D,701900,CC-12
701985,mlee@contoso.com,Mia,Lee,\"Lee, Mia\",Engineer,no,mlee@contoso.com,Sales,701900,
";

/// An inbound job writing the directory, matching records on employeeId.
fn hr_job() -> Value {
    let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    json!({
        "name": "HR",
        "direction": "inbound",
        "target": {"kind": "directory"},
        "inbound": {"max_operations": 2, "requests_per_second": 1},
        "objects": [{"source": "user", "target": "User", "actions": ["create", "update"], "mappings": [
            {"target": "employeeId", "expression": "[externalId]", "match_precedence": 1},
            {"target": "userPrincipalName", "expression": "[userName]"},
            {"target": "displayName", "expression": "[displayName]"},
            {"target": "givenName", "expression": "[name.givenName]"},
            {"target": "surname", "expression": "[name.familyName]"},
            {"target": "jobTitle", "expression": "[title]"},
            {"target": "accountEnabled", "expression": "[active]"},
            {"target": "mail", "expression": "[emails[type eq \"work\"].value]"},
            {"target": "department", "expression": format!("[{enterprise}:department]")},
            {"target": "manager", "expression": format!("[{enterprise}:manager]")},
            {"target": "costCenter", "expression": "[urn:acme:hr:1.0:User:costCenter]"}
        ]}]
    })
}

/// An inbound token of the job "HR", as `provisio token create --scope inbound --job HR` makes it.
async fn hr_token(api: &Api) -> String {
    let request = TokenCreateRequest {
        name: Some("HR export".to_owned()),
        scope: TokenScope::Inbound,
        job: Some("HR".to_owned()),
        agent: None,
        expires_in: None,
    };
    let created = provisio_server::auth::Tokens::new(api.server.store())
        .create(&request)
        .await
        .unwrap();
    created.token.expose().to_owned()
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `provisio inbound send ARGS…` with the token in the environment;
/// killed after two minutes so a request that is never processed fails the
/// test instead of hanging it.
async fn send(token: &str, args: Vec<String>) -> Run {
    let mut command = Command::new(provisio_binary());
    command
        .args(["inbound", "send"])
        .args(args)
        .env("PROVISIO_INBOUND_TOKEN", token)
        .env_remove("PROVISIO_SERVER")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                child.kill().unwrap();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = child.wait_with_output().unwrap();
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
        Run {
            code: output.status.code(),
            stdout: text(output.stdout),
            stderr: text(output.stderr),
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_csv_of_three_people_lands_in_the_directory() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let job = api.post(JOBS_PATH, hr_job()).await;
    let job_id = job.expect(201)["id"].as_str().unwrap().to_owned();
    api.post(&format!("{}/start", job_path(&job_id)), json!({}))
        .await
        .expect(200);
    let token = hr_token(&api).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(&file, PEOPLE).unwrap();
    let file = file.to_str().unwrap().to_owned();
    let server = api.server.base_url();
    let args = |extra: &[&str]| -> Vec<String> {
        ["--job", "HR", &file, "--server", &server]
            .iter()
            .chain(extra)
            .map(|s| (*s).to_owned())
            .collect()
    };

    let run = send(&token, args(&["--batch", "2", "--wait"])).await;
    eprintln!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per request: {}", run.stdout);
    for line in lines {
        let (id, location) = line.split_once(' ').unwrap();
        assert!(location.ends_with(&format!("/requests/{id}")), "{line}");
    }
    for words in [
        "sent 2/3 records (1 of 2 requests)",
        // The job takes one request a second: the second is sent again after Retry-After.
        "rate-limited: sending request 2 of 2 (record 3) again in 1 s",
        "sent 3/3 records (2 of 2 requests)",
        "done: 3 records in 2 requests — 3 succeeded, 0 failed, 0 skipped",
    ] {
        assert!(run.stderr.contains(words), "no {words:?} in\n{}", run.stderr);
    }
    assert!(!run.stdout.contains(&token) && !run.stderr.contains(&token));

    let users: Page<DirectoryUser> =
        serde_json::from_value(api.get(&format!("{USERS_PATH}?limit=500")).await.expect(200).clone()).unwrap();
    let user = |upn: &str| {
        users
            .items
            .iter()
            .find(|u| u.attributes.get("userPrincipalName").and_then(Value::as_str) == Some(upn))
            .unwrap_or_else(|| panic!("no {upn} in {:?}", users.items))
            .clone()
    };
    let (alex, john, mia) = (
        user("amoss@contoso.com"),
        user("jdoe@contoso.com"),
        user("mlee@contoso.com"),
    );
    let attribute = |user: &DirectoryUser, name: &str| user.attributes.get(name).cloned().unwrap_or(Value::Null);
    for (user, name, value) in [
        (&john, "employeeId", json!("701984")),
        (&john, "displayName", json!("John Doe")),
        (&john, "givenName", json!("John")),
        (&john, "surname", json!("Doe")),
        (&john, "jobTitle", json!("Engineer")),
        (&john, "accountEnabled", json!(true)),
        (&john, "mail", json!("jdoe@contoso.com")),
        (&john, "department", json!("R&D")),
        (&john, "costCenter", json!("CC-12")),
        (&john, "manager", json!(alex.id)),
        (&mia, "displayName", json!("Lee, Mia")),
        (&mia, "accountEnabled", json!(false)),
        (&mia, "department", json!("Sales")),
        (&mia, "costCenter", Value::Null),
        (&alex, "jobTitle", json!("Director")),
        (&alex, "manager", Value::Null),
    ] {
        assert_eq!(attribute(user, name), value, "{name} of {:?}", user.attributes);
    }

    // More records per request than the job takes: the server's SCIM detail, and nothing more sent.
    let run = send(&token, args(&["--batch", "3"])).await;
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error: the server refused request 1 of 1 (records 1–3): 400 Bad Request: the request has 3 \
             operations; this job accepts at most 2 per request"
        ),
        "{}",
        run.stderr
    );

    // Another token: refused, by the job's name.
    let run = send("pvs_not-a-token", args(&[])).await;
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""), "{}", run.stderr);
    assert!(
        run.stderr.contains("refused the token for job \"HR\""),
        "{}",
        run.stderr
    );

    // A file with a problem: nothing sent.
    std::fs::write(&file, "externalId,userName,active\n1,a@contoso.com,maybe\n").unwrap();
    let run = send(&token, args(&[])).await;
    assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("people.csv:2: column \"active\": \"maybe\" is not true or false"),
        "{}",
        run.stderr
    );
    let after: Page<DirectoryUser> =
        serde_json::from_value(api.get(&format!("{USERS_PATH}?limit=500")).await.expect(200).clone()).unwrap();
    assert_eq!(after.total, users.total);
    api.stop().await;
}

#[tokio::test]
async fn sending_to_a_stopped_job_says_so_once_and_the_records_wait() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let job_id = api.post(JOBS_PATH, hr_job()).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = hr_token(&api).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(&file, PEOPLE).unwrap();
    let args = [
        "--job",
        "HR",
        file.to_str().unwrap(),
        "--batch",
        "2",
        "--server",
        &api.server.base_url(),
    ]
    .map(str::to_owned)
    .to_vec();

    let run = send(&token, args).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let note = "note: the job \"HR\" is stopped: its records are kept and processed once an administrator starts it";
    assert_eq!(run.stderr.matches(note).count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("again in 1 s — this job accepts 1 requests per second"),
        "a 429 is explained in the server's words: {}",
        run.stderr
    );
    let requests = api.get(&provisio_api::inbound::requests_path(&job_id)).await;
    let requests = requests.expect(200).as_array().unwrap().clone();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r["state"] == "pending"), "{requests:?}");
    api.stop().await;
}

#[tokio::test]
async fn waiting_on_a_stopped_job_says_so_and_how_to_start_it() {
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    api.post(JOBS_PATH, hr_job()).await.expect(201);
    let token = hr_token(&api).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(&file, PEOPLE).unwrap();
    let args = [
        "--job",
        "HR",
        file.to_str().unwrap(),
        "--batch",
        "2",
        "--wait",
        "--server",
        &api.server.base_url(),
    ]
    .map(str::to_owned)
    .to_vec();
    // The administrator starts the job while the command waits.
    let starter = {
        let client = reqwest::Client::new();
        let url = format!("{}{}", api.server.base_url(), provisio_api::jobs::job_start_path("HR"));
        let token = api.token().to_owned();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(4)).await;
            let answer = client.post(url).bearer_auth(token).send().await.unwrap();
            assert!(answer.status().is_success());
        })
    };
    let run = send(&token, args).await;
    starter.await.unwrap();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let waiting = run
        .stderr
        .find("waiting: the job \"HR\" is stopped, so its records wait until it is started — start it with `provisio job start \"HR\"`")
        .unwrap_or_else(|| panic!("said before waiting: {}", run.stderr));
    let done = run
        .stderr
        .find("done: 3 records")
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(waiting < done, "{}", run.stderr);
    api.stop().await;
}

#[test]
fn a_missing_token_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(&file, PEOPLE).unwrap();
    let out = Command::new(provisio_binary())
        .args(["inbound", "send", "--job", "HR", file.to_str().unwrap()])
        .env_remove("PROVISIO_INBOUND_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("error: no inbound token: give --token or set PROVISIO_INBOUND_TOKEN")
            && stderr.contains("provisio token create --scope inbound --job \"HR\""),
        "{stderr}"
    );
}
