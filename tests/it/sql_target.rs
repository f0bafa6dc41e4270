//! SQL targets end to end: a real Provisio server provisions users and
//! groups into tables of a real SQLite file and of a real PostgreSQL
//! database (a fresh one of the test cluster, not Provisio's own store;
//! those tests are ignored unless asked for). The tests create the target
//! tables themselves and check them with plain SQL: rows inserted by an
//! initial cycle, an update writing only the changed column, a disable
//! setting `active` to false, a purge deleting the row and its memberships,
//! membership rows added and removed, a user provisioned on demand, a
//! mapping to a missing column failing clearly in the log, the delete mode,
//! a job naming a missing table or column (or a closed port) failing its
//! connection test, and the connector alone on typed columns (integer key,
//! integer, boolean, timestamp) with the database's refusals mapped.

use std::collections::BTreeMap;

use provisio_api::jobs::JOBS_PATH;
use provisio_api::jobs::connection::test_connection_path;
use provisio_server::cycle::run::{CycleReport, Mode, run_cycle};
use provisio_server::jobs::Jobs;
use provisio_server::logs::{LogAction, LogFilter, LogStatus};
use serde_json::{Value, json};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, AssertSqlSafe, Row as _};

use crate::admin_api::Api;
use crate::backends::{Backend, backend_test};

const USERS: &str = "/api/v1/directory/users";
const GROUPS: &str = "/api/v1/directory/groups";
/// Given to the PostgreSQL target (whose test cluster trusts local
/// connections) to check it never shows up in an answer.
const PASSWORD: &str = "pg-secret-never-shown";

const TABLES: [&str; 3] = [
    "CREATE TABLE users (id TEXT PRIMARY KEY, user_name TEXT UNIQUE, display_name TEXT, title TEXT, \
     active BOOLEAN, note TEXT)",
    "CREATE TABLE groups (id TEXT PRIMARY KEY, display_name TEXT UNIQUE)",
    "CREATE TABLE memberships (group_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (group_id, user_id))",
];

/// A target database with the tables above, and a pool to check it.
struct TargetDb {
    label: &'static str,
    url: String,
    password: Option<&'static str>,
    pool: AnyPool,
    _backend: Backend,
}

impl TargetDb {
    /// The tables above in `backend`'s database (a fresh SQLite file or
    /// PostgreSQL database: not a Provisio store).
    async fn on(backend: Backend) -> TargetDb {
        sqlx::any::install_default_drivers();
        let postgres = backend.label == "postgres";
        let url = if postgres {
            backend.url.clone()
        } else {
            format!("{}?mode=rwc", backend.url)
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if postgres { 2 } else { 1 })
            .connect(&url)
            .await
            .unwrap();
        for table in TABLES {
            sqlx::query(table).execute(&pool).await.unwrap();
        }
        TargetDb {
            label: backend.label,
            url: backend.url.clone(),
            password: postgres.then_some(PASSWORD),
            pool,
            _backend: backend,
        }
    }

    fn target(&self, disable: Value) -> Value {
        let mut target = json!({
            "kind": "sql",
            "url": self.url,
            "users_table": "users",
            "key_column": "id",
            "groups_table": "groups",
            "memberships": {"table": "memberships", "group_column": "group_id", "member_column": "user_id"},
            "disable": disable
        });
        if let Some(password) = self.password {
            target["password"] = json!(password);
        }
        target
    }

    /// Every row of a query, each column as text.
    async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let rows = sqlx::query(AssertSqlSafe(sql.to_owned()))
            .fetch_all(&self.pool)
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<Option<String>, _>(i).unwrap())
                    .collect()
            })
            .collect()
    }

    /// The users table's row of this user_name, by column.
    async fn user(&self, user_name: &str) -> Option<BTreeMap<&'static str, Option<String>>> {
        let columns = ["id", "user_name", "display_name", "title", "active", "note"];
        let select: Vec<String> = columns.iter().map(|c| format!("CAST({c} AS TEXT)")).collect();
        let sql = format!(
            "SELECT {} FROM users WHERE user_name = '{user_name}'",
            select.join(", ")
        );
        let mut row: BTreeMap<_, _> = columns
            .into_iter()
            .zip(self.rows(&sql).await.into_iter().next()?)
            .collect();
        // SQLite keeps booleans as 1 and 0, PostgreSQL reads them as t and f.
        if let Some(Some(active)) = row.get_mut("active") {
            *active = match active.as_str() {
                "1" | "t" | "true" => "true".to_owned(),
                _ => "false".to_owned(),
            };
        }
        Some(row)
    }

    async fn user_id(&self, user_name: &str) -> String {
        let user = self.user(user_name).await;
        let user = user.unwrap_or_else(|| panic!("no row for {user_name}"));
        user["id"].clone().unwrap()
    }

    async fn count(&self, table: &str) -> usize {
        self.rows(&format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table}"))
            .await
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .unwrap()
            .parse()
            .unwrap()
    }

    /// The member ids of the group with this display_name, sorted.
    async fn members(&self, group: &str) -> Vec<String> {
        let sql = format!(
            "SELECT CAST(m.user_id AS TEXT) FROM memberships m JOIN groups g ON g.id = m.group_id \
             WHERE g.display_name = '{group}' ORDER BY m.user_id"
        );
        self.rows(&sql)
            .await
            .into_iter()
            .map(|r| r[0].clone().unwrap())
            .collect()
    }
}

fn job(name: &str, target: Value, extra_user_mapping: Option<Value>) -> Value {
    let mut users = vec![
        json!({"target": "user_name", "expression": "[userPrincipalName]", "match_precedence": 1}),
        json!({"target": "display_name", "expression": "[displayName]"}),
        json!({"target": "title", "expression": "[jobTitle]"}),
        json!({"target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"}),
    ];
    users.extend(extra_user_mapping);
    json!({
        "name": name,
        "target": target,
        "objects": [
            {"source": "user", "target": "User", "mappings": users},
            {"source": "group", "target": "Group", "mappings": [
                {"target": "display_name", "expression": "[displayName]", "match_precedence": 1},
                {"target": "members", "expression": "[members]"}
            ]}
        ]
    })
}

/// A Provisio server (on its own SQLite store) with the job created.
struct Fixture {
    api: Api,
    jobs: Jobs,
    job_id: String,
    _backend: Backend,
}

impl Fixture {
    async fn start(definition: Value) -> Fixture {
        let backend = Backend::sqlite();
        let api = Api::start(&backend).await;
        let created = api.post(JOBS_PATH, definition).await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let jobs = api.server.jobs().clone();
        Fixture {
            api,
            jobs,
            job_id,
            _backend: backend,
        }
    }

    async fn cycle(&self, mode: Mode) -> CycleReport {
        let report = run_cycle(self.api.server.store(), &self.jobs, &self.job_id, mode)
            .await
            .unwrap();
        eprintln!("{mode:?}: {report:?}");
        report
    }

    async fn clean_cycle(&self, mode: Mode) -> CycleReport {
        let report = self.cycle(mode).await;
        assert_eq!(report.failures + report.failed_references, 0, "{report:?}");
        report
    }

    async fn user(&self, upn: &str, title: &str) -> String {
        let name = upn.split('@').next().unwrap();
        let body = json!({"attributes": {"userPrincipalName": upn, "displayName": name, "jobTitle": title}});
        self.api.post(USERS, body).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn set(&self, id: &str, attributes: Value) {
        self.api
            .patch(&format!("{USERS}/{id}"), json!({ "attributes": attributes }))
            .await
            .expect(200);
    }

    /// The log entries of one cycle with this action.
    async fn logged(&self, cycle: &str, action: Option<LogAction>, status: Option<LogStatus>) -> Vec<Value> {
        let page = self
            .api
            .server
            .store()
            .logs()
            .query(&LogFilter {
                job: Some(self.job_id.clone()),
                action,
                status,
                cycle: Some(cycle.to_owned()),
                ..LogFilter::default()
            })
            .await
            .unwrap();
        page.items.iter().map(|e| serde_json::to_value(e).unwrap()).collect()
    }
}

/// Runs `test` on the target tables in `backend`'s database.
async fn with_target_db(backend: Backend, test: impl AsyncFnOnce(TargetDb)) {
    test(TargetDb::on(backend).await).await;
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

backend_test!(
    cycles_and_on_demand_write_rows_of_sql_tables,
    with_target_db,
    async |db: TargetDb| {
        let disable = json!({"mode": "column", "column": "active", "value": false});
        let fx = Fixture::start(job("HR DB", db.target(disable), None)).await;
        let ada = fx.user("ada@contoso.com", "Engineer").await;
        let grace = fx.user("grace@contoso.com", "Admiral").await;
        let alan = fx.user("alan@contoso.com", "Mathematician").await;
        let group = fx
            .api
            .post(
                GROUPS,
                json!({"attributes": {"displayName": "Engineers"}, "members": [ada, grace]}),
            )
            .await;
        let group_id = group.expect(201)["id"].as_str().unwrap().to_owned();

        // Initial cycle: three user rows, a group row, two membership rows.
        let report = fx.clean_cycle(Mode::Initial).await;
        assert_eq!(report.actions.get("create"), Some(&4), "{report:?}");
        assert_eq!(db.count("users").await, 3);
        let row = db.user("ada@contoso.com").await.unwrap();
        assert_eq!(row["display_name"].as_deref(), Some("ada"), "{row:?}");
        assert_eq!(row["title"].as_deref(), Some("Engineer"));
        assert_eq!(row["active"].as_deref(), Some("true"));
        let ada_row = row["id"].clone().unwrap();
        assert_eq!(ada_row.len(), 36, "a generated UUID: {ada_row}");
        let grace_row = db.user_id("grace@contoso.com").await;
        let alan_row = db.user_id("alan@contoso.com").await;
        assert_eq!(db.count("groups").await, 1);
        assert_eq!(
            db.members("Engineers").await,
            sorted(vec![ada_row.clone(), grace_row.clone()])
        );

        // Read back, the rows are what the job wants: nothing to do.
        let again = fx.clean_cycle(Mode::Initial).await;
        assert_eq!(again.actions.get("create"), None, "{again:?}");
        assert_eq!(again.actions.get("update"), None, "{again:?}");
        assert_eq!(again.references, 0, "{again:?}");

        // An attribute change updates that column only.
        sqlx::query("UPDATE users SET note = 'kept' WHERE user_name = 'ada@contoso.com'")
            .execute(&db.pool)
            .await
            .unwrap();
        fx.set(&ada, json!({"jobTitle": "Countess"})).await;
        let report = fx.clean_cycle(Mode::Incremental).await;
        assert_eq!(report.actions.get("update"), Some(&1), "{report:?}");
        let row = db.user("ada@contoso.com").await.unwrap();
        assert_eq!(row["title"].as_deref(), Some("Countess"));
        assert_eq!(row["note"].as_deref(), Some("kept"), "{row:?}");
        assert_eq!(row["display_name"].as_deref(), Some("ada"));
        let updates = fx.logged(&report.cycle_id, Some(LogAction::Update), None).await;
        let modified: Vec<&Value> = updates[0]["modified"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| &m["name"])
            .collect();
        assert_eq!(modified, vec!["title"], "{updates:?}");

        // Membership: grace leaves, alan joins.
        fx.api
            .patch(&format!("{GROUPS}/{group_id}"), json!({"members": [ada, alan]}))
            .await
            .expect(200);
        let report = fx.clean_cycle(Mode::Incremental).await;
        assert_eq!(report.references, 1, "{report:?}");
        assert_eq!(
            db.members("Engineers").await,
            sorted(vec![ada_row.clone(), alan_row.clone()])
        );

        // Soft-deleted in the directory: active set to false, row kept.
        fx.set(&grace, json!({"accountEnabled": false})).await;
        let report = fx.clean_cycle(Mode::Incremental).await;
        assert_eq!(report.actions.get("disable"), Some(&1), "{report:?}");
        let row = db.user("grace@contoso.com").await.unwrap();
        assert_eq!(row["active"].as_deref(), Some("false"), "{row:?}");
        assert_eq!(
            db.user("alan@contoso.com").await.unwrap()["active"].as_deref(),
            Some("true")
        );

        // Purged from the directory: the row and its memberships are gone.
        fx.api.delete(&format!("{USERS}/{alan}")).await.expect(204);
        fx.api.delete(&format!("{USERS}/{alan}?purge=true")).await.expect(204);
        let report = fx.clean_cycle(Mode::Incremental).await;
        assert!(report.actions.contains_key("delete"), "{report:?}");
        assert!(db.user("alan@contoso.com").await.is_none());
        assert_eq!(db.members("Engineers").await, vec![ada_row.clone()]);

        // On demand: one new user, inserted at once.
        fx.user("linus@contoso.com", "Kernel").await;
        let path = format!("{JOBS_PATH}/{}/provision-on-demand", fx.job_id);
        let body = fx.api.post(&path, json!({"user": "linus@contoso.com"})).await;
        let body = body.expect(200);
        assert_eq!(body["decision"]["action"], "create", "{body}");
        assert_eq!(body["applied"]["done"], true, "{body}");
        let row = db.user("linus@contoso.com").await.unwrap();
        assert_eq!(row["title"].as_deref(), Some("Kernel"));
        assert_eq!(db.count("users").await, 3);

        // A purged group: its row and its membership rows are deleted.
        fx.api.delete(&format!("{GROUPS}/{group_id}")).await.expect(204);
        fx.api
            .delete(&format!("{GROUPS}/{group_id}?purge=true"))
            .await
            .expect(204);
        let report = fx.clean_cycle(Mode::Incremental).await;
        assert!(report.actions.contains_key("delete"), "{report:?}");
        assert_eq!(db.count("groups").await, 0);
        assert_eq!(db.count("memberships").await, 0);

        // The connection test passes, and never shows the password.
        let tested = fx.api.post(&test_connection_path("HR DB"), json!({})).await;
        let tested = tested.expect(200);
        assert_eq!(tested["ok"], true, "{tested}");
        assert!(!tested.to_string().contains(PASSWORD), "{tested}");
        fx.api.stop().await;
    }
);

backend_test!(
    a_mapping_to_a_missing_column_fails_in_the_log_and_writes_nothing,
    with_target_db,
    async |db: TargetDb| {
        let extra = json!({"target": "department", "expression": "[department]"});
        let disable = json!({"mode": "column", "column": "active", "value": false});
        let fx = Fixture::start(job("HR DB", db.target(disable), Some(extra))).await;
        let body =
            json!({"attributes": {"userPrincipalName": "ada@contoso.com", "displayName": "Ada", "department": "R&D"}});
        fx.api.post(USERS, body).await.expect(201);
        let report = fx.cycle(Mode::Initial).await;
        assert_eq!(report.failures, 1, "{report:?}");
        assert_eq!(db.count("users").await, 0);
        let failures = fx.logged(&report.cycle_id, None, Some(LogStatus::Failure)).await;
        assert_eq!(failures.len(), 1, "{failures:?}");
        let entry = failures[0].to_string();
        assert!(
            entry.contains("`department` is not a column of the table `users`"),
            "{entry}"
        );
        assert!(entry.contains("user_name, display_name"), "names the columns: {entry}");
        fx.api.stop().await;
    }
);

backend_test!(
    in_delete_mode_a_soft_deleted_user_is_deleted,
    with_target_db,
    async |db: TargetDb| {
        let fx = Fixture::start(job("HR DB", db.target(json!({"mode": "delete"})), None)).await;
        let ada = fx.user("ada@contoso.com", "Engineer").await;
        fx.user("grace@contoso.com", "Admiral").await;
        fx.clean_cycle(Mode::Initial).await;
        assert_eq!(db.count("users").await, 2);
        fx.set(&ada, json!({"accountEnabled": false})).await;
        let report = fx.clean_cycle(Mode::Incremental).await;
        assert_eq!(report.actions.get("delete"), Some(&1), "{report:?}");
        assert!(db.user("ada@contoso.com").await.is_none());
        assert!(db.user("grace@contoso.com").await.is_some());
        fx.api.stop().await;
    }
);

#[tokio::test]
async fn the_connection_test_names_a_missing_table_or_column_or_an_unreachable_server() {
    let db = TargetDb::on(Backend::sqlite()).await;
    let backend = Backend::sqlite();
    let api = Api::start(&backend).await;
    let disable = json!({"mode": "column", "column": "active", "value": false});
    let mut missing_table = job("no table", db.target(disable.clone()), None);
    missing_table["target"]["users_table"] = json!("people");
    let missing_column = job(
        "no column",
        db.target(json!({"mode": "column", "column": "locked", "value": true})),
        None,
    );
    let mut unreachable = job("closed port", db.target(disable), None);
    unreachable["target"]["url"] = json!("postgres://provisio@127.0.0.1:1/hr");
    unreachable["target"]["password"] = json!(PASSWORD);
    for (definition, says) in [
        (missing_table, "the database has no table `people`"),
        (missing_column, "the table `users` has no column `locked`"),
        (unreachable, "could not be reached"),
    ] {
        let name = definition["name"].as_str().unwrap().to_owned();
        api.post(JOBS_PATH, definition).await.expect(201);
        let tested = api.post(&test_connection_path(&name), json!({})).await;
        let tested = tested.expect(200);
        assert_eq!(tested["ok"], false, "{tested}");
        let message = tested["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{message}");
        assert!(!tested.to_string().contains(PASSWORD), "{tested}");
    }
    api.stop().await;
}

// The connector on its own, on a table with typed columns and an
// integer key the database generates.
backend_test!(
    the_connector_binds_typed_columns_and_maps_database_errors,
    with_target_db,
    async |db: TargetDb| {
        use provisio_connectors::ConnectorError;
        use provisio_engine::Value as V;
        use provisio_engine::job::{SourceKind, SqlTarget};
        use provisio_engine::scim_path::{AttributeChange, TargetAttributes};

        let (key, hired) = if db.label == "sqlite" {
            ("INTEGER PRIMARY KEY", "TIMESTAMP")
        } else {
            ("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ")
        };
        let ddl = format!(
            "CREATE TABLE people (id {key}, login TEXT NOT NULL UNIQUE, age INTEGER, hired {hired}, \
         admin BOOLEAN, tags TEXT)"
        );
        sqlx::query(AssertSqlSafe(ddl)).execute(&db.pool).await.unwrap();
        let mut definition = json!({"url": db.url, "users_table": "people"});
        if let Some(password) = db.password {
            definition["password"] = json!(password);
        }
        let target: SqlTarget = serde_json::from_value(definition).unwrap();
        let sql = provisio_connectors::sql::connect(&target).await.unwrap();
        let attrs =
            |pairs: Vec<(&str, V)>| -> TargetAttributes { pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect() };

        let created = sql
            .create(
                SourceKind::User,
                &attrs(vec![
                    ("login", V::str("ada")),
                    ("Age", V::str("36")),
                    ("hired", V::str("2024-05-01T12:00:00+02:00")),
                    ("admin", V::str("True")),
                    ("tags", V::Multi(vec![V::str("a"), V::str("b")])),
                    ("members", V::Multi(vec![V::str("ignored")])),
                ]),
            )
            .await
            .unwrap();
        assert_eq!(created.id, "1", "{created:?}");
        let a = &created.attributes;
        assert_eq!(a["age"], V::Int(36), "{a:?}");
        assert_eq!(a["admin"], V::Bool(true));
        assert!(
            matches!(&a["hired"], V::DateTime(t) if t.to_rfc3339() == "2024-05-01T10:00:00+00:00"),
            "{a:?}"
        );
        assert_eq!(a["tags"], V::str(r#"["a","b"]"#));
        assert_eq!(sql.read(SourceKind::User, "1").await.unwrap(), Some(created.clone()));

        // Matching is equality as the database compares: case-sensitive.
        let found = sql.find(SourceKind::User, "login", &V::str("ada")).await.unwrap();
        assert_eq!(found, vec![created.clone()]);
        assert!(
            sql.find(SourceKind::User, "login", &V::str("ADA"))
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            sql.value_exists(SourceKind::User, "login", &V::str("ada"))
                .await
                .unwrap()
        );
        assert!(
            !sql.value_exists(SourceKind::User, "login", &V::str("bob"))
                .await
                .unwrap()
        );
        let unknown = sql.find(SourceKind::User, "nope", &V::str("x")).await.unwrap_err();
        assert!(
            matches!(&unknown, ConnectorError::Rejected { status: 400, detail, .. }
            if detail.contains("`nope`") && detail.contains("id, login, age, hired, admin, tags")),
            "{unknown}"
        );

        // Database refusals, by what the cycle does about them.
        let taken = sql
            .create(SourceKind::User, &attrs(vec![("login", V::str("ada"))]))
            .await;
        assert!(matches!(taken, Err(ConnectorError::Conflict { .. })), "{taken:?}");
        let no_login = sql.create(SourceKind::User, &attrs(vec![("age", V::Int(3))])).await;
        assert!(
            matches!(no_login, Err(ConnectorError::Rejected { status: 400, .. })),
            "{no_login:?}"
        );
        let not_a_number = sql
            .create(
                SourceKind::User,
                &attrs(vec![("login", V::str("x")), ("age", V::str("old"))]),
            )
            .await
            .unwrap_err();
        assert!(
            not_a_number.to_string().contains("`old` (not an integer)"),
            "{not_a_number}"
        );
        let groups = sql.find(SourceKind::Group, "login", &V::str("x")).await;
        assert!(matches!(groups, Err(ConnectorError::Incompatible { .. })), "{groups:?}");

        // An update writes the changed columns; NULL removes a value.
        let changes = [AttributeChange {
            path: "age".into(),
            old: V::Int(36),
            new: V::Null,
            add_only: false,
        }];
        sql.update(SourceKind::User, "1", &changes).await.unwrap();
        let read = sql.read(SourceKind::User, "1").await.unwrap().unwrap();
        assert!(!read.attributes.contains_key("age"), "{read:?}");
        assert_eq!(read.attributes["login"], V::str("ada"));
        let gone = sql.update(SourceKind::User, "999", &changes).await;
        assert!(matches!(gone, Err(ConnectorError::NotFound { .. })), "{gone:?}");

        // Delete (no disable column: disabling deletes too).
        sql.disable(SourceKind::User, "1").await.unwrap();
        assert_eq!(sql.read(SourceKind::User, "1").await.unwrap(), None);
        let gone = sql.delete(SourceKind::User, "1").await;
        assert!(matches!(gone, Err(ConnectorError::NotFound { .. })), "{gone:?}");
        sql.test_connection().await.unwrap();
    }
);
