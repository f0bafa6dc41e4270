//! The on-premises agent end to end: a real Provisio server, the real
//! `provisio agent` binary polling it over loopback, and a throwaway slapd
//! that only the agent talks to. A job whose target says `"via_agent"`
//! provisions through it (create, update, rename, disable, delete, groups,
//! on demand, test connection), the server lists the agent with its last
//! contact, and an agent killed with SIGKILL in the middle of an initial
//! cycle and started again leaves every user created exactly once. A SQL
//! table (SQLite) goes through the agent as well.

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use provisio_api::agents::{AGENTS_PATH, AgentConnection, AgentOperation, AgentOutcome, AgentReply, AgentRequest};
use provisio_api::auth::{Secret, TOKENS_PATH};
use provisio_api::jobs::JOBS_PATH;
use provisio_engine::Value as EngineValue;
use provisio_engine::job::{SourceKind, Target};
use provisio_engine::scim_path::TargetAttributes;
use provisio_server::agent::Executor;
use provisio_server::cycle::run::{CycleReport, Mode, run_cycle};
use provisio_server::jobs::Jobs;
use provisio_tests::slapd::{ADMIN_PASSWORD, PEOPLE, Slapd};
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::{Backend, backend_test};
use crate::cli::provisio_binary;
use crate::ldap_target::{group, job as ldap_job, person};

const AGENT: &str = "datacenter-1";
const USERS: &str = "/api/v1/directory/users";
const GROUPS: &str = "/api/v1/directory/groups";

/// A new token of the kind `request` asks for (`{"scope": …}`).
async fn new_token(api: &Api, request: Value) -> String {
    let created = api.post(TOKENS_PATH, request).await;
    created.expect(201)["token"].as_str().unwrap().to_owned()
}

/// A running `provisio agent`, killed when dropped.
pub(crate) struct AgentProcess {
    child: Child,
}

impl AgentProcess {
    pub(crate) fn start(server: &str, token: &str, log: &Path) -> AgentProcess {
        let log = File::options().create(true).append(true).open(log).unwrap();
        let child = Command::new(provisio_binary())
            .args(["agent", "--server", server, "--concurrency", "1"])
            // SQLite targets live in the tests' temporary folders.
            .arg("--sqlite-target-dir")
            .arg(std::env::temp_dir())
            .env("PROVISIO_AGENT_TOKEN", token)
            .env("RUST_LOG", "info,provisio_server=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        AgentProcess { child }
    }

    /// SIGKILL: whatever it held is neither finished nor acknowledged.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Fixture {
    api: Api,
    ldap: Slapd,
    jobs: Jobs,
    job_id: String,
    token: String,
    dir: tempfile::TempDir,
    _backend: Backend,
}

impl Fixture {
    async fn start() -> Option<Fixture> {
        let ldap = Slapd::start()?;
        let backend = Backend::sqlite();
        let api = Api::start(&backend).await;
        let mut definition = ldap_job(&ldap);
        definition["target"]["via_agent"] = json!(AGENT);
        let created = api.post(JOBS_PATH, definition).await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let token = new_token(&api, json!({"scope": "agent", "agent": AGENT})).await;
        let jobs = api.server.jobs().clone();
        Some(Fixture {
            api,
            ldap,
            jobs,
            job_id,
            token,
            dir: tempfile::tempdir().unwrap(),
            _backend: backend,
        })
    }

    fn agent(&self) -> AgentProcess {
        AgentProcess::start(
            self.api.server.base_url().trim_end_matches('/'),
            &self.token,
            &self.dir.path().join("agent.log"),
        )
    }

    fn agent_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("agent.log")).unwrap_or_default()
    }

    /// The agent as `GET /api/v1/agents` shows it.
    async fn listed(&self) -> Value {
        let agents = self.api.get(AGENTS_PATH).await.expect(200).clone();
        agents
            .as_array()
            .unwrap()
            .iter()
            .find(|agent| agent["name"] == AGENT)
            .cloned()
            .unwrap_or_else(|| panic!("{AGENT} is not listed: {agents}"))
    }

    async fn wait_connected(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.listed().await["connected"] == true {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the agent did not connect; its log:\n{}", self.agent_log());
    }

    async fn cycle(&self, mode: Mode) -> CycleReport {
        let report = run_cycle(self.api.server.store(), &self.jobs, &self.job_id, mode)
            .await
            .unwrap();
        assert_eq!(
            report.failures + report.failed_references,
            0,
            "{report:?}\nagent log:\n{}",
            self.agent_log()
        );
        report
    }

    async fn user(&self, nickname: &str, title: &str) -> String {
        let attributes = json!({
            "userPrincipalName": format!("{nickname}@contoso.com"), "mailNickname": nickname,
            "displayName": format!("{nickname} Example"), "givenName": nickname, "surname": "Example",
            "mail": format!("{nickname}@contoso.com"), "jobTitle": title
        });
        let answer = self.api.post(USERS, json!({ "attributes": attributes })).await;
        answer.expect(201)["id"].as_str().unwrap().to_owned()
    }

    fn values(&self, dn: &str, attribute: &str) -> Vec<String> {
        let entry = self.ldap.entry(dn).unwrap_or_else(|| panic!("no entry {dn}"));
        entry.get(attribute).cloned().unwrap_or_default()
    }

    async fn test_connection(&self) -> Value {
        let path = format!("{JOBS_PATH}/{}/test-connection", self.job_id);
        self.api.post(&path, json!({})).await.expect(200).clone()
    }
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn a_job_provisions_ldap_through_the_agent() {
    let Some(fx) = Fixture::start().await else {
        return;
    };
    let before = fx.listed().await;
    assert_eq!(before["connected"], false, "{before}");
    assert_eq!(before["last_contact_at"], Value::Null, "{before}");
    assert_eq!(before["jobs"], json!(["LDAP"]), "{before}");
    assert_eq!(before["tokens"], 1, "{before}");
    let offline = fx.test_connection().await;
    assert_eq!(offline["ok"], false, "{offline}");
    assert!(
        offline["message"].as_str().unwrap().contains("has never connected"),
        "{offline}"
    );

    let _agent = fx.agent();
    fx.wait_connected().await;
    let online = fx.test_connection().await;
    assert_eq!(online["ok"], true, "{online}");
    assert!(
        online["message"]
            .as_str()
            .unwrap()
            .contains(&format!("through the agent `{AGENT}`")),
        "{online}"
    );
    let listed = fx.listed().await;
    assert!(listed["last_contact_at"].is_string(), "{listed}");
    let metrics = fx.api.get("/metrics").await;
    assert!(
        metrics
            .text
            .contains(&format!("provisio_agent_connected{{agent=\"{AGENT}\"}} 1")),
        "{}",
        metrics.text
    );
    assert_eq!(listed["version"], env!("CARGO_PKG_VERSION"), "{listed}");
    assert!(listed["host"].as_str().is_some_and(|h| !h.is_empty()), "{listed}");

    let ada = fx.user("ada", "Engineer").await;
    let alan = fx.user("alan", "Analyst").await;
    let created = fx
        .api
        .post(
            GROUPS,
            json!({"attributes": {"displayName": "Staff"}, "members": [ada]}),
        )
        .await;
    let staff = created.expect(201)["id"].as_str().unwrap().to_owned();
    let report = fx.cycle(Mode::Initial).await;
    assert_eq!(report.actions.get("create"), Some(&3), "{report:?}");
    assert_eq!(fx.values(&person("ada"), "title"), ["Engineer"]);
    assert_eq!(fx.values(&group("Staff"), "member"), [person("ada")]);

    // Update, rename, group membership: all through the agent.
    fx.api
        .patch(
            &format!("{USERS}/{ada}"),
            json!({"attributes": {"jobTitle": "Architect", "mailNickname": "ada.l"}}),
        )
        .await
        .expect(200);
    fx.api
        .patch(&format!("{GROUPS}/{staff}"), json!({"members": [ada, alan]}))
        .await
        .expect(200);
    fx.cycle(Mode::Incremental).await;
    assert!(fx.ldap.entry(&person("ada")).is_none(), "renamed");
    assert_eq!(fx.values(&person("ada.l"), "title"), ["Architect"]);
    let mut members = fx.values(&group("Staff"), "member");
    members.sort();
    assert_eq!(members, [person("ada.l"), person("alan")]);

    // Disable (soft delete), then delete (purge).
    fx.api.delete(&format!("{USERS}/{alan}")).await.expect(204);
    let report = fx.cycle(Mode::Incremental).await;
    assert_eq!(report.actions.get("disable"), Some(&1), "{report:?}");
    assert_eq!(fx.values(&person("alan"), "description"), ["disabled"]);
    fx.api.delete(&format!("{USERS}/{alan}?purge=true")).await.expect(204);
    let report = fx.cycle(Mode::Incremental).await;
    assert_eq!(report.actions.get("delete"), Some(&1), "{report:?}");
    assert!(fx.ldap.entry(&person("alan")).is_none());

    // On demand.
    fx.user("grace", "Admiral").await;
    let path = format!("{JOBS_PATH}/{}/provision-on-demand", fx.job_id);
    let answer = fx.api.post(&path, json!({"user": "grace@contoso.com"})).await;
    let body = answer.expect(200);
    assert_eq!(body["decision"]["action"], "create", "{body}");
    assert_eq!(body["applied"]["done"], true, "{body}");
    assert_eq!(fx.values(&person("grace"), "title"), ["Admiral"]);

    // The command line runs outside the server the agent polls: it says where to go.
    let mut command = Command::new(provisio_binary());
    command
        .args(["job", "provision", "--job", "LDAP", "--user", "grace@contoso.com"])
        .args(["--database", &fx.api.database_url])
        .args(["--secret-key-file", fx.api.key_file.to_str().unwrap()])
        .env_remove("PROVISIO_SECRET_KEY");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains(&format!("through the on-premises agent `{AGENT}`")),
        "{message}"
    );
    fx.api.stop().await;
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn an_agent_killed_mid_cycle_leaves_nothing_lost_or_doubled() {
    const PEOPLE_COUNT: usize = 300;
    let Some(fx) = Fixture::start().await else {
        return;
    };
    for i in 0..PEOPLE_COUNT {
        fx.user(&format!("user{i:03}"), "Staff").await;
    }
    let agent = fx.agent();
    fx.wait_connected().await;
    let cycle = {
        let (store, jobs, job_id) = (fx.api.server.store().clone(), fx.jobs.clone(), fx.job_id.clone());
        tokio::spawn(async move { run_cycle(&store, &jobs, &job_id, Mode::Initial).await })
    };
    let provisioned = || fx.ldap.entries(PEOPLE, "(objectClass=inetOrgPerson)").len();
    let deadline = Instant::now() + Duration::from_secs(60);
    while provisioned() < 30 {
        assert!(
            Instant::now() < deadline,
            "the cycle made no progress: {}",
            fx.agent_log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    agent.kill();
    let at_kill = provisioned();
    assert!(at_kill < PEOPLE_COUNT, "the kill came after the cycle");
    // Nothing moves while no agent runs: the cycle waits for its operation.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!cycle.is_finished(), "the cycle must wait for the agent");
    let stalled = provisioned();
    assert!(stalled <= at_kill + 1, "{stalled} entries after the kill at {at_kill}");

    let _agent = fx.agent();
    let report = tokio::time::timeout(Duration::from_secs(120), cycle)
        .await
        .expect("the cycle finishes once the agent is back")
        .unwrap()
        .unwrap();
    assert_eq!(report.failures, 0, "{report:?}\nagent log:\n{}", fx.agent_log());
    assert_eq!(report.actions.get("create"), Some(&(PEOPLE_COUNT as u64)), "{report:?}");
    let entries = fx.ldap.entries(PEOPLE, "(objectClass=inetOrgPerson)");
    assert_eq!(entries.len(), PEOPLE_COUNT, "every user exactly once");
    let again = fx.cycle(Mode::Initial).await;
    assert_eq!(again.actions.get("skip"), Some(&(PEOPLE_COUNT as u64)), "{again:?}");
    fx.api.stop().await;
}

/// The guard against applying a create twice, against the real slapd: a
/// repeated delivery of a create that was applied finds the entry instead of
/// failing on it; a first delivery is a plain create.
#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn a_repeated_create_finds_what_the_first_delivery_made() {
    let Some(ldap) = Slapd::start() else {
        return;
    };
    let mut target = ldap_job(&ldap)["target"].clone();
    target.as_object_mut().unwrap().remove("bind_password");
    let target: Target = serde_json::from_value(target).unwrap();
    let connection = AgentConnection {
        target,
        secrets: [("target.bind_password".to_owned(), Secret::new(ADMIN_PASSWORD))].into(),
    };
    let attributes: TargetAttributes = [
        ("dn", person("zoe")),
        ("uid", "zoe".into()),
        ("cn", "Zoe Example".into()),
        ("sn", "Example".into()),
    ]
    .into_iter()
    .map(|(path, value)| (path.to_owned(), EngineValue::Str(value)))
    .collect();
    let create = |delivery| AgentOperation {
        id: "op-1".into(),
        delivery,
        job: "LDAP".into(),
        connection: "c1".into(),
        request: AgentRequest::Create {
            kind: SourceKind::User,
            attributes: provisio_api::agents::wire_attributes(&attributes),
            probe: Some("uid".into()),
        },
    };
    let executor = Executor::new(crate::admin_api::test_targets());
    let AgentOutcome::Done {
        reply: AgentReply::Created { object: first },
    } = executor.execute(&create(1), Some(&connection)).await
    else {
        panic!("the first delivery creates");
    };
    let AgentOutcome::Done {
        reply: AgentReply::Created { object: again },
    } = executor.execute(&create(2), Some(&connection)).await
    else {
        panic!("a repeated delivery finds the entry");
    };
    assert_eq!(again.id, first.id, "the same entry (entryUUID)");
    assert_eq!(ldap.entries(PEOPLE, "(uid=zoe)").len(), 1);
    let AgentOutcome::Failed { failure } = executor.execute(&create(1), Some(&connection)).await else {
        panic!("a first delivery of an existing entry is a conflict");
    };
    assert!(
        matches!(failure, provisio_api::agents::AgentFailure::Conflict { .. }),
        "{failure:?}"
    );
}

// An agent token is good for polling and nothing else, and only agent
// tokens may poll; a poll is answered and recorded as the agent's last
// contact (on each database: the tokens table changed shape for agents).
backend_test!(agent_tokens_poll_and_do_nothing_else, with_api, async |api: &Api| {
    let token = new_token(api, json!({"scope": "agent", "agent": AGENT})).await;
    let admin = api.with_token(&token, reqwest::Method::GET, JOBS_PATH).await;
    admin.expect_error(403, "forbidden", "cannot call the admin API");
    let client = reqwest::Client::new();
    let url = format!(
        "{}{}",
        api.server.base_url().trim_end_matches('/'),
        provisio_api::agents::AGENT_RESULTS_PATH
    );
    let results = json!({"session": "s1", "results": []});
    let anonymous = client.post(&url).json(&results).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let scim = new_token(api, json!({"scope": "scim"})).await;
    let post = |token: String| client.post(&url).bearer_auth(token).json(&results).send();
    assert_eq!(post(scim).await.unwrap().status(), 403);
    let accepted = post(token).await.unwrap();
    assert_eq!(accepted.status(), 200);
    assert_eq!(accepted.json::<Value>().await.unwrap(), json!({"accepted": 0}));
    let missing = api.post(TOKENS_PATH, json!({"scope": "agent"})).await;
    missing.expect_error(400, "invalid", "needs the name of the agent");
    // Without `agent`, an agent token's name names its agent.
    new_token(api, json!({"scope": "agent", "name": "datacenter-2"})).await;
    let listed = api.get(TOKENS_PATH).await.expect(200).clone();
    let agents: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["scope"] == "agent")
        .map(|t| &t["agent"])
        .collect();
    assert_eq!(agents, [AGENT, "datacenter-2"], "{listed}");
});

/// `provisio agent` refuses what would leak its token, and stops for good
/// when the server refuses the token (exit 1), saying why.
#[tokio::test]
async fn the_agent_command_says_what_is_wrong() {
    let run = |args: &[&str], token: &str| {
        Command::new(provisio_binary())
            .arg("agent")
            .args(args)
            .env("PROVISIO_AGENT_TOKEN", token)
            .output()
            .unwrap()
    };
    let clear = run(&["--server", "http://provisio.example"], "pvs_abc");
    assert_eq!(clear.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&clear.stderr).contains("plain HTTP"),
        "{clear:?}"
    );
    let not_a_token = run(&["--server", "https://provisio.example"], "hunter2");
    assert_eq!(not_a_token.status.code(), Some(2));
    let message = String::from_utf8_lossy(&not_a_token.stderr).into_owned();
    assert!(message.contains("not a Provisio token"), "{message}");
    assert!(!message.contains("hunter2"), "the token is never echoed: {message}");

    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let created = api
        .post(TOKENS_PATH, json!({"scope": "agent", "agent": AGENT}))
        .await
        .expect(201)
        .clone();
    let id = created["id"].as_str().unwrap();
    api.delete(&format!("{TOKENS_PATH}/{id}")).await.expect(204);
    let server = api.server.base_url().trim_end_matches('/').to_owned();
    let token = created["token"].as_str().unwrap().to_owned();
    let revoked = tokio::task::spawn_blocking(move || run(&["--server", &server], &token))
        .await
        .unwrap();
    assert_eq!(revoked.status.code(), Some(1), "{revoked:?}");
    let message = String::from_utf8_lossy(&revoked.stderr);
    assert!(message.contains("refused the agent token"), "{message}");
    api.stop().await;
}

/// A SQL table (a SQLite file next to the agent) provisioned through the
/// agent: the schema is read on the agent's side, rows are created and a
/// leaver's row is disabled, checked with SQL.
#[tokio::test]
async fn a_sql_table_is_provisioned_through_the_agent() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hr.db").display());
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{url}?mode=rwc"))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE users (id TEXT PRIMARY KEY, user_name TEXT UNIQUE, display_name TEXT, active BOOLEAN)")
        .execute(&pool)
        .await
        .unwrap();
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let job = json!({
        "name": "HR DB",
        "target": {"kind": "sql", "url": url, "users_table": "users", "key_column": "id",
                   "disable": {"mode": "column", "column": "active", "value": false}, "via_agent": AGENT},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "user_name", "expression": "[userPrincipalName]", "match_precedence": 1},
            {"target": "display_name", "expression": "[displayName]"},
            {"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"}
        ]}]
    });
    let job_id = api.post(JOBS_PATH, job).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = new_token(&api, json!({"scope": "agent", "agent": AGENT})).await;
    let _agent = AgentProcess::start(
        api.server.base_url().trim_end_matches('/'),
        &token,
        &dir.path().join("agent.log"),
    );
    let jobs = api.server.jobs().clone();
    let mut ids = Vec::new();
    for name in ["ada", "alan"] {
        let attributes = json!({"userPrincipalName": format!("{name}@contoso.com"), "displayName": name});
        let created = api.post(USERS, json!({ "attributes": attributes })).await;
        ids.push(created.expect(201)["id"].as_str().unwrap().to_owned());
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while !api.get(AGENTS_PATH).await.expect(200)[0]["connected"]
        .as_bool()
        .unwrap_or(false)
    {
        assert!(Instant::now() < deadline, "the agent did not connect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let report = run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
        .await
        .unwrap();
    assert_eq!(report.failures, 0, "{report:?}");
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT user_name, display_name FROM users ORDER BY user_name")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        rows,
        [
            ("ada@contoso.com".to_owned(), "ada".to_owned()),
            ("alan@contoso.com".to_owned(), "alan".to_owned())
        ]
    );

    api.delete(&format!("{USERS}/{}", ids[1])).await.expect(204);
    let report = run_cycle(api.server.store(), &jobs, &job_id, Mode::Incremental)
        .await
        .unwrap();
    assert_eq!(report.actions.get("disable"), Some(&1), "{report:?}");
    let active: Vec<(String, i64)> =
        sqlx::query_as("SELECT user_name, CAST(active AS INTEGER) FROM users ORDER BY user_name")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        active,
        [("ada@contoso.com".to_owned(), 1), ("alan@contoso.com".to_owned(), 0)]
    );
    api.stop().await;
}
