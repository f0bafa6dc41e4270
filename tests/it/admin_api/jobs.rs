//! `/api/v1/jobs` on each backend: create (valid, invalid with every
//! problem, YAML, too large), read with secrets masked, write-only secret
//! replacement, the database never holding a secret in clear, versions,
//! names, state transitions, assignments; and `provisio job apply`.

use std::process::Command;

use provisio_api::engine::job::Target;
use provisio_server::jobs::Jobs;
use provisio_server::secrets::SecretBox;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH, LOCATION};
use serde_json::{Value, json};
use sqlx::Row as _;

use super::{Api, with_api};
use crate::backends::{Backend, backend_test, with_backend};
use crate::cli::provisio_binary;

const TOKEN_PLACE: &str = "target.auth.bearer_token";

/// The SCIM job of docs/jobs.md, named `name`, with a bearer token.
pub(crate) fn acme(name: &str, token: &str) -> Value {
    json!({
        "name": name,
        "target": {"kind": "scim", "base_url": "http://127.0.0.1:9/scim/v2", "auth": {"bearer_token": token}},
        "schedule": {"interval_seconds": 2400, "realtime": true},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "name.givenName", "expression": "[givenName]"}
            ]},
            {"source": "group", "target": "Group", "mappings": [
                {"target": "displayName", "expression": "[displayName]", "match_precedence": 1}
            ]}
        ]
    })
}

/// The token the job's stored definition holds, read through the store
/// code with the server's key (the API never shows it).
async fn stored_token(api: &Api, id: &str) -> Option<String> {
    let jobs = api.server.jobs().clone();
    match jobs.definition_with_secrets(id).await.unwrap().target {
        Target::Scim { auth, .. } => auth.bearer_token.map(|t| t.expose().to_owned()),
        _ => None,
    }
}

backend_test!(
    jobs_are_created_read_listed_and_deleted_with_secrets_masked,
    with_api,
    async |api: &Api| {
        let created = api.post("/api/v1/jobs", acme("Acme SCIM", "pvs-clear-token")).await;
        let job = created.expect(201).clone();
        let id = job["id"].as_str().unwrap().to_owned();
        assert_eq!(created.headers[LOCATION], format!("/api/v1/jobs/{id}"));
        assert_eq!(created.headers[ETAG], "\"1\"");
        assert_eq!(job["state"], "stopped");
        assert_eq!(job["version"], 1);
        assert_eq!(job["secrets"], json!({TOKEN_PLACE: true}));
        assert_eq!(job["definition"]["target"]["auth"]["bearer_token"], "********");
        assert!(!created.text.contains("pvs-clear-token"));

        let read = api.get(&format!("/api/v1/jobs/{id}")).await;
        assert_eq!(read.expect(200), &job);
        assert_eq!(read.headers[ETAG], "\"1\"");
        assert_eq!(
            api.get("/api/v1/jobs/acme%20scim").await.expect(200)["id"],
            id.as_str(),
            "by name, any case"
        );

        let list = api.get("/api/v1/jobs").await;
        assert_eq!(
            list.expect(200),
            &json!([{"id": id, "name": "Acme SCIM", "direction": "outbound", "target_kind": "scim",
                 "state": "stopped", "modified_at": job["modified_at"]}])
        );

        // The database holds the definition masked and the token encrypted.
        let pool = api.database().await;
        let row = sqlx::query("SELECT definition, secrets FROM jobs WHERE id = $1")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
        let definition: String = row.try_get("definition").unwrap();
        let secrets: String = row.try_get("secrets").unwrap();
        assert!(
            definition.contains("********") && !definition.contains("pvs-clear-token"),
            "{definition}"
        );
        assert!(
            secrets.starts_with("v1:") && !secrets.contains("pvs-clear-token"),
            "{secrets}"
        );
        assert_eq!(stored_token(api, &id).await.as_deref(), Some("pvs-clear-token"));

        api.post("/api/v1/jobs", acme("ACME scim", "x"))
            .await
            .expect_error(409, "conflict", "already exists");

        api.delete(&format!("/api/v1/jobs/{id}")).await.expect(204);
        api.get(&format!("/api/v1/jobs/{id}"))
            .await
            .expect_error(404, "not_found", &id);
        api.delete(&format!("/api/v1/jobs/{id}")).await.expect(404);
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(left, 0);
        pool.close().await;
    }
);

backend_test!(
    invalid_definitions_are_answered_with_every_problem,
    with_api,
    async |api: &Api| {
        let mut bad = acme("", "t");
        bad["target"]["base_url"] = json!("ftp://acme");
        bad["objects"][0]["mappings"][1]["expression"] = json!("Left([givenName], )");
        let answer = api.post("/api/v1/jobs", bad).await;
        answer.expect_error(400, "invalid", "errors");
        let problems = answer.body["problems"].as_array().unwrap();
        let places: Vec<&str> = problems.iter().map(|p| p["location"].as_str().unwrap()).collect();
        assert!(places.contains(&"name"), "{places:?}");
        assert!(places.contains(&"target.base_url"), "{places:?}");
        let expression = problems
            .iter()
            .find(|p| p["location"] == "objects[0].mappings[1].expression")
            .unwrap_or_else(|| panic!("{places:?}"));
        assert_eq!(expression["severity"], "error");
        assert!(
            !expression["diagnostics"].as_array().unwrap().is_empty(),
            "{expression}"
        );
        assert_eq!(expression["source"], "Left([givenName], )");

        let syntax = api
            .send_with(Method::POST, "/api/v1/jobs", |r| {
                r.header(CONTENT_TYPE, "application/json")
                    .body("{\"name\": \"x\",\n  \"target\": }")
            })
            .await;
        syntax.expect_error(400, "invalid", "1 error");
        assert_eq!(syntax.body["problems"][0]["location"], "line 2, column 13");

        let unknown = api.post("/api/v1/jobs", json!({"name": "x", "colour": "red"})).await;
        unknown.expect_error(400, "invalid", "unknown field `colour`");

        let long = api.post("/api/v1/jobs", acme(&"n".repeat(101), "t")).await;
        long.expect_error(400, "invalid", "longer than 100");

        let huge = api
            .send_with(Method::POST, "/api/v1/jobs", |r| {
                r.header(CONTENT_TYPE, "application/json")
                    .body(" ".repeat(2 * 1024 * 1024))
            })
            .await;
        huge.expect_error(413, "too_large", "larger than");
        assert!(api.get("/api/v1/jobs").await.expect(200).as_array().unwrap().is_empty());
    }
);

backend_test!(yaml_definitions_are_accepted, with_api, async |api: &Api| {
    let yaml = "name: HR inbound\ndirection: inbound\ntarget: { kind: directory }\nobjects:\n  - source: user\n    \
                target: User\n    mappings:\n      - { target: userPrincipalName, expression: \"[upn]\", match_precedence: 1 }\n";
    let created = api
        .send_with(Method::POST, "/api/v1/jobs", |r| {
            r.header(CONTENT_TYPE, "application/yaml").body(yaml)
        })
        .await;
    let job = created.expect(201);
    assert_eq!(job["definition"]["direction"], "inbound");
    assert_eq!(job["secrets"], json!({}), "a directory target has no secrets");
    let listed = api.get("/api/v1/jobs").await;
    assert_eq!(listed.expect(200)[0]["target_kind"], "directory");
});

backend_test!(
    replacing_a_job_keeps_masked_secrets_and_replaces_new_ones,
    with_api,
    async |api: &Api| {
        let id = api.post("/api/v1/jobs", acme("Acme", "first")).await.body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/api/v1/jobs/{id}");

        let mut read_back = api.get(&path).await.body["definition"].clone();
        read_back["schedule"]["realtime"] = json!(false);
        let replaced = api.put(&path, read_back.clone()).await;
        assert_eq!(replaced.expect(200)["version"], 2);
        assert_eq!(replaced.headers[ETAG], "\"2\"");
        assert_eq!(replaced.body["definition"]["schedule"]["realtime"], false);
        assert_eq!(
            stored_token(api, &id).await.as_deref(),
            Some("first"),
            "`********` keeps it"
        );

        let mut without = read_back.clone();
        without["target"]["auth"] = json!({});
        without["name"] = json!("Acme renamed");
        let answer = api.put(&path, without).await;
        assert_eq!(answer.expect(200)["secrets"][TOKEN_PLACE], true);
        assert_eq!(
            stored_token(api, &id).await.as_deref(),
            Some("first"),
            "left out keeps it"
        );

        let answer = api
            .put(
                &format!("/api/v1/jobs/{}", "acme%20RENAMED"),
                acme("Acme renamed", "second"),
            )
            .await;
        answer.expect(200);
        assert_eq!(
            stored_token(api, &id).await.as_deref(),
            Some("second"),
            "a new value replaces it"
        );

        let cleared = api.put(&path, acme("Acme renamed", "")).await;
        assert_eq!(cleared.expect(200)["secrets"][TOKEN_PLACE], false);
        assert_eq!(stored_token(api, &id).await, None, "an empty value clears it");

        // If-Match: a stale version is refused, the current one accepted.
        let version = cleared.body["version"].as_i64().unwrap();
        let stale = api
            .send_with(Method::PUT, &path, |r| {
                r.header(IF_MATCH, "\"1\"").json(&acme("Acme renamed", "third"))
            })
            .await;
        stale.expect_error(412, "precondition_failed", "version");
        let current = api
            .send_with(Method::PUT, &path, |r| {
                r.header(IF_MATCH, format!("\"{version}\""))
                    .json(&acme("Acme renamed", "third"))
            })
            .await;
        assert_eq!(current.expect(200)["version"], version + 1);
        let stale_delete = api
            .send_with(Method::DELETE, &path, |r| r.header(IF_MATCH, "\"1\""))
            .await;
        stale_delete.expect_error(412, "precondition_failed", "version");
        let bad_tag = api
            .send_with(Method::DELETE, &path, |r| r.header(IF_MATCH, "yesterday"))
            .await;
        bad_tag.expect_error(400, "invalid", "If-Match");

        api.post("/api/v1/jobs", acme("Other", "t")).await.expect(201);
        api.put(&path, acme("other", "t"))
            .await
            .expect_error(409, "conflict", "already exists");
        api.put("/api/v1/jobs/nope", acme("Nope", "t"))
            .await
            .expect_error(404, "not_found", "nope");
    }
);

/// A loopback HTTP listener that answers 401 to everything and keeps the
/// `Authorization` header of each request it gets: a server of the
/// administrator's own, hoping to receive the stored token.
async fn token_catcher() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/scim/v2", listener.local_addr().unwrap());
    let caught = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = caught.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut head = vec![0u8; 8192];
            let n = socket.read(&mut head).await.unwrap_or(0);
            let text = String::from_utf8_lossy(&head[..n]).to_string();
            let auth = text
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                .unwrap_or("")
                .to_owned();
            keep.lock().unwrap().push(auth);
            let _ = socket
                .write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
        }
    });
    (url, caught)
}

backend_test!(
    a_stored_secret_is_not_kept_when_its_destination_changes,
    with_api,
    async |api: &Api| {
        let id = api.post("/api/v1/jobs", acme("Acme", "the-real-token")).await.body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/api/v1/jobs/{id}");
        let (elsewhere, caught) = token_catcher().await;

        // The stored definition (token masked) pointed at another server.
        let mut moved = api.get(&path).await.body["definition"].clone();
        assert_eq!(moved["target"]["auth"]["bearer_token"], "********");
        moved["target"]["base_url"] = json!(elsewhere);
        let answer = api.put(&path, moved.clone()).await;
        answer.expect(400);
        let problems = answer.body["problems"].as_array().cloned().unwrap_or_default();
        let problem = problems
            .iter()
            .find(|p| p["location"] == TOKEN_PLACE)
            .unwrap_or_else(|| panic!("the problem names the secret's field: {}", answer.text));
        assert!(
            problem["message"]
                .as_str()
                .unwrap()
                .contains("`target.base_url` changed"),
            "{problem}"
        );
        // Left out instead of masked: refused too.
        moved["target"]["auth"] = json!({});
        api.put(&path, moved.clone()).await.expect(400);
        // Nothing changed, and nothing reached the other server.
        let job = api.get(&path).await;
        assert_eq!(
            job.body["definition"]["target"]["base_url"],
            "http://127.0.0.1:9/scim/v2"
        );
        assert_eq!(stored_token(api, &id).await.as_deref(), Some("the-real-token"));
        api.post(&format!("{path}/test-connection"), json!({}))
            .await
            .expect(200);
        assert!(caught.lock().unwrap().is_empty(), "{:?}", caught.lock().unwrap());

        // Entered again, the move is accepted and only the new token travels.
        moved["target"]["auth"] = json!({"bearer_token": "a-new-token"});
        api.put(&path, moved).await.expect(200);
        api.post(&format!("{path}/test-connection"), json!({}))
            .await
            .expect(200);
        let caught = caught.lock().unwrap().clone();
        assert!(!caught.is_empty());
        assert!(
            caught.iter().all(|auth| auth.ends_with("Bearer a-new-token")),
            "{caught:?}"
        );
    }
);

backend_test!(
    start_stop_and_restart_change_the_observable_state,
    with_api,
    async |api: &Api| {
        let id = api.post("/api/v1/jobs", acme("Acme", "t")).await.body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let state = async |action: &str| {
            let answer = api.post(&format!("/api/v1/jobs/{id}/{action}"), json!({})).await;
            answer.expect(200).clone()
        };
        let started = state("start").await;
        assert_eq!(
            (started["state"].as_str(), started["version"].as_i64()),
            (Some("running"), Some(1))
        );
        assert_eq!(api.get(&format!("/api/v1/jobs/{id}")).await.body["state"], "running");
        assert_eq!(api.get("/api/v1/jobs").await.body[0]["state"], "running");
        let stopped = state("stop").await;
        assert_eq!(stopped["state"], "stopped");
        assert_eq!(stopped["restart_requested_at"], Value::Null);
        let restarted = state("restart").await;
        assert_eq!(restarted["state"], "running");
        assert!(restarted["restart_requested_at"].is_string(), "{restarted}");
        assert_eq!(api.get(&format!("/api/v1/jobs/{id}")).await.body, restarted);
        api.post("/api/v1/jobs/missing/start", json!({}))
            .await
            .expect_error(404, "not_found", "missing");
    }
);

backend_test!(
    assignments_must_name_live_users_and_groups,
    with_api,
    async |api: &Api| {
        let user = api
            .post(
                "/api/v1/directory/users",
                json!({"attributes": {"userPrincipalName": "ada@contoso.com", "displayName": "Ada"}}),
            )
            .await;
        let user = user.body["id"].as_str().unwrap().to_owned();
        let group = api
            .post(
                "/api/v1/directory/groups",
                json!({"attributes": {"displayName": "Sales"}}),
            )
            .await;
        let group = group.body["id"].as_str().unwrap().to_owned();
        let id = api.post("/api/v1/jobs", acme("Acme", "t")).await.body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/api/v1/jobs/{id}/assignments");

        assert_eq!(api.get(&path).await.expect(200), &json!([]));
        let both = json!([{"id": group, "type": "group"}, {"id": user, "type": "user"}]);
        let assigned = api.put(&path, both).await;
        assert_eq!(
            assigned.expect(200),
            &json!([{"id": user, "type": "user", "display_name": "Ada"},
                {"id": group, "type": "group", "display_name": "Sales"}])
        );

        let unknown = api
            .put(
                &path,
                json!([{"id": user, "type": "user"}, {"id": "ghost-42", "type": "user"}]),
            )
            .await;
        unknown.expect_error(400, "invalid", "ghost-42");
        let wrong_type = api.put(&path, json!([{"id": user, "type": "group"}])).await;
        wrong_type.expect_error(400, "invalid", &user);
        let malformed = api.put(&path, json!([{"id": user, "type": "robot"}])).await;
        malformed.expect_error(400, "invalid", "type");
        assert_eq!(
            api.get(&path).await.body.as_array().unwrap().len(),
            2,
            "nothing changed"
        );

        api.delete(&format!("{path}/{user}")).await.expect(204);
        api.delete(&format!("{path}/{user}"))
            .await
            .expect_error(404, "not_found", "not assigned");
        let added = api.post(&path, json!({"id": user, "type": "user"})).await;
        assert_eq!(added.expect(200).as_array().unwrap().len(), 2);
        api.post(&path, json!({"id": "ghost", "type": "group"}))
            .await
            .expect_error(400, "invalid", "ghost");
        api.get("/api/v1/jobs/missing/assignments").await.expect(404);

        api.delete(&format!("/api/v1/jobs/{id}")).await.expect(204);
        let pool = api.database().await;
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_assignments")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(left, 0, "deleting a job deletes its assignments");
        pool.close().await;
    }
);

// `provisio job apply` creates, then replaces by name, through the same
// store as the API; the server then serves the job.
backend_test!(
    job_apply_creates_then_replaces_by_name,
    with_backend,
    async |backend: Backend| {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("secret.key");
        let file = dir.path().join("acme.json");
        // As the server's first start leaves them: its database and its key.
        provisio_server::store::Store::open(&backend.url)
            .await
            .unwrap()
            .close()
            .await;
        provisio_server::secrets::SecretBox::from_key_file(&key_file).unwrap();
        let apply = |definition: &Value| {
            std::fs::write(&file, definition.to_string()).unwrap();
            let output = Command::new(provisio_binary())
                .args(["job", "apply", file.to_str().unwrap(), "--database", &backend.url])
                .args(["--secret-key-file", key_file.to_str().unwrap()])
                .env_remove("PROVISIO_SECRET_KEY")
                .output()
                .unwrap();
            let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
            (output.status.code(), text(output.stdout), text(output.stderr))
        };

        let (code, stdout, stderr) = apply(&acme("Acme SCIM", "from-cli"));
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            stdout.starts_with("created job Acme SCIM (") && stdout.ends_with(")\n"),
            "{stdout}"
        );
        let (code, stdout, _) = apply(&acme("Acme SCIM", "********"));
        assert_eq!(
            (code, stdout.as_str()),
            (Some(0), "replaced job Acme SCIM (no changes)\n")
        );
        let (code, stdout, _) = apply(&acme("acme scim", "********"));
        assert_eq!((code, stdout.as_str()), (Some(0), "replaced job acme scim\n"));

        let mut bad = acme("Acme SCIM", "x");
        bad["schedule"]["interval_seconds"] = json!(5);
        let (code, stdout, stderr) = apply(&bad);
        assert_eq!((code, stdout.as_str()), (Some(2), ""));
        assert!(
            stderr.contains("error: schedule.interval_seconds: an interval of 5 seconds"),
            "{stderr}"
        );
        assert!(stderr.ends_with("1 error\n"), "{stderr}");

        let config = provisio_server::ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: backend.url.clone(),
            portal_dir: dir.path().join("dist"),
        };
        let server = provisio_server::Server::new(config)
            .with_secret_key_file(Some(key_file.clone()))
            .launch()
            .await
            .unwrap();
        let jobs = Jobs::new(server.store().clone(), SecretBox::from_key_file(&key_file).unwrap());
        let list = jobs.list().await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].name, "acme scim");
        let job = jobs.definition_with_secrets(&list[0].id).await.unwrap();
        let Target::Scim { auth, .. } = job.target else {
            panic!()
        };
        assert_eq!(auth.bearer_token.unwrap().expose(), "from-cli");
        server.shutdown().await;
    }
);
