//! The jobs store over an in-memory SQLite database: create, read, list,
//! replace with write-only secrets, name uniqueness, versions, state,
//! assignments and deletion.

use provisio_api::jobs::{Assignment, JobState, MASK, PrincipalType};
use provisio_engine::job::{JobDefinition, Target};
use serde_json::{Value, json};
use sqlx::Row as _;

use super::*;
use crate::directory::{GroupDraft, UserDraft};

async fn jobs() -> Jobs {
    let store = Store::open("sqlite::memory:").await.unwrap();
    Jobs::new(store, SecretBox::from_key([42; 32])).with_purges(vec![purge_links])
}

/// A purge as the server registers them (the cycle state's own is one):
/// here, the job's links.
fn purge_links<'c>(
    connection: &'c mut sqlx::AnyConnection,
    job_id: &'c str,
) -> futures_util::future::BoxFuture<'c, Result<(), crate::ServerError>> {
    Box::pin(async move {
        sqlx::query("DELETE FROM cycle_links WHERE job_id = $1")
            .bind(job_id)
            .execute(connection)
            .await?;
        Ok(())
    })
}

fn definition(name: &str, token: Option<&str>) -> JobDefinition {
    let mut auth = json!({});
    if let Some(token) = token {
        auth["bearer_token"] = json!(token);
    }
    serde_json::from_value(json!({
        "name": name,
        "target": {"kind": "scim", "base_url": "https://acme.example/scim/v2", "auth": auth},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
        ]}]
    }))
    .unwrap()
}

fn token(definition: &JobDefinition) -> Option<&str> {
    match &definition.target {
        Target::Scim { auth, .. } => auth.bearer_token.as_ref().map(|s| s.expose()),
        _ => None,
    }
}

async fn raw_row(jobs: &Jobs, id: &str) -> (String, Option<String>) {
    let row = sqlx::query("SELECT definition, secrets FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(jobs.store.pool())
        .await
        .unwrap();
    (row.try_get("definition").unwrap(), row.try_get("secrets").unwrap())
}

#[tokio::test]
async fn create_read_list_and_delete() {
    let jobs = jobs().await;
    let created = jobs.create(definition("Acme SCIM", Some("s3cret"))).await.unwrap();
    assert_eq!((created.state, created.version), (JobState::Stopped, 1));
    assert_eq!(created.secrets, [("target.auth.bearer_token".to_owned(), true)].into());
    assert_eq!(token(&created.definition), Some(MASK));

    let read = jobs.get(&created.id).await.unwrap();
    assert_eq!(read, created);
    assert_eq!(jobs.get("acme scim").await.unwrap().id, created.id, "by name, any case");

    let list = jobs.list().await.unwrap();
    assert_eq!(list, vec![created.summary()]);
    assert_eq!(list[0].target_kind, "scim");

    let state = jobs.store.cycle_state(&created.id);
    let now = chrono::Utc::now();
    state
        .link(crate::directory::ObjectType::User, "u1", "t1", now)
        .await
        .unwrap();
    jobs.delete(&created.id, None).await.unwrap();
    assert!(matches!(jobs.get(&created.id).await, Err(JobError::NotFound { .. })));
    assert!(jobs.list().await.unwrap().is_empty());
    assert_eq!(
        state.link_count(crate::directory::ObjectType::User).await.unwrap(),
        0,
        "the registered purges run with the delete"
    );
}

#[tokio::test]
async fn secrets_are_encrypted_at_rest_and_masked_in_the_definition() {
    let jobs = jobs().await;
    let created = jobs.create(definition("Acme", Some("pvs_clear_text"))).await.unwrap();
    let (stored_definition, sealed) = raw_row(&jobs, &created.id).await;
    assert!(!stored_definition.contains("pvs_clear_text"), "{stored_definition}");
    assert!(stored_definition.contains(MASK));
    let sealed = sealed.unwrap();
    assert!(
        sealed.starts_with("v1:") && !sealed.contains("pvs_clear_text"),
        "{sealed}"
    );
    let full = jobs.definition_with_secrets(&created.id).await.unwrap();
    assert_eq!(token(&full), Some("pvs_clear_text"));

    let other_key = Jobs::new(jobs.store.clone(), SecretBox::from_key([7; 32]));
    let err = other_key.definition_with_secrets(&created.id).await.unwrap_err();
    assert!(matches!(err, JobError::Secret(SecretError::WrongKey { .. })), "{err}");
    assert!(
        other_key.get(&created.id).await.is_ok(),
        "reading the masked job needs no key"
    );
}

#[tokio::test]
async fn replacing_keeps_masked_or_omitted_secrets_and_replaces_new_ones() {
    let jobs = jobs().await;
    let id = jobs.create(definition("Acme", Some("first"))).await.unwrap().id;
    let secret = async |jobs: &Jobs| token(&jobs.definition_with_secrets(&id).await.unwrap()).map(str::to_owned);

    let mut renamed = definition("Acme 2", Some(MASK));
    renamed.schedule.realtime = true;
    let replaced = jobs.replace(&id, renamed, None).await.unwrap();
    assert_eq!((replaced.version, replaced.definition.name.as_str()), (2, "Acme 2"));
    assert_eq!(secret(&jobs).await.as_deref(), Some("first"));

    jobs.replace(&id, definition("Acme 2", None), None).await.unwrap();
    assert_eq!(secret(&jobs).await.as_deref(), Some("first"), "left out: kept");

    let replaced = jobs
        .replace(&id, definition("Acme 2", Some("second")), None)
        .await
        .unwrap();
    assert_eq!(secret(&jobs).await.as_deref(), Some("second"));
    assert!(replaced.secrets["target.auth.bearer_token"]);

    let cleared = jobs.replace(&id, definition("Acme 2", Some("")), None).await.unwrap();
    assert_eq!(secret(&jobs).await, None);
    assert!(!cleared.secrets["target.auth.bearer_token"]);
    assert_eq!(raw_row(&jobs, &id).await.1, None);
}

#[tokio::test]
async fn an_unchanged_replace_is_no_new_version() {
    let jobs = jobs().await;
    let created = jobs.create(definition("Acme", Some("t"))).await.unwrap();
    let same = jobs
        .replace(&created.id, definition("Acme", Some(MASK)), None)
        .await
        .unwrap();
    assert_eq!(same.version, 1);
    let applied = jobs.apply(definition("ACME", Some("t"))).await.unwrap();
    let Applied::Replaced { job, changed } = applied else {
        panic!("{applied:?}")
    };
    assert_eq!(
        (job.id.as_str(), changed, job.definition.name.as_str()),
        (created.id.as_str(), true, "ACME")
    );
    let Applied::Created(other) = jobs.apply(definition("Other", None)).await.unwrap() else {
        panic!()
    };
    assert_ne!(other.id, created.id);
}

#[tokio::test]
async fn names_are_unique_regardless_of_case() {
    let jobs = jobs().await;
    let acme = jobs.create(definition("Acme", None)).await.unwrap();
    let err = jobs.create(definition(" ACME ", None)).await.unwrap_err();
    assert!(
        matches!(&err, JobError::NameTaken { name } if name == " ACME "),
        "{err}"
    );
    let beta = jobs.create(definition("Beta", None)).await.unwrap();
    let err = jobs
        .replace(&beta.id, definition("acme", None), None)
        .await
        .unwrap_err();
    assert!(matches!(err, JobError::NameTaken { .. }));
    // Renaming a job to another case of its own name is fine.
    assert_eq!(
        jobs.replace(&acme.id, definition("ACME", None), None)
            .await
            .unwrap()
            .definition
            .name,
        "ACME"
    );
}

#[tokio::test]
async fn invalid_definitions_report_every_problem() {
    let jobs = jobs().await;
    let mut bad = definition("", None);
    bad.schedule.interval_seconds = 5;
    let Err(JobError::Invalid(problems)) = jobs.create(bad).await else {
        panic!()
    };
    let places: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
    assert_eq!(places, ["name", "schedule.interval_seconds"]);
    let Err(JobError::Invalid(problems)) = jobs.create(definition(&"x".repeat(101), None)).await else {
        panic!()
    };
    assert!(problems[0].message.contains("longer than 100"), "{problems:?}");
    let err = JobError::Invalid(problems);
    assert_eq!(
        err.to_string(),
        "the job definition has 1 error: name: the job name is longer than 100 characters"
    );
}

#[tokio::test]
async fn stale_versions_are_refused() {
    let jobs = jobs().await;
    let id = jobs.create(definition("Acme", None)).await.unwrap().id;
    jobs.replace(&id, definition("Acme", Some("x")), Some(1)).await.unwrap();
    let err = jobs
        .replace(&id, definition("Acme", Some("y")), Some(1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            JobError::VersionMismatch {
                current: 2,
                expected: 1,
                ..
            }
        ),
        "{err}"
    );
    assert!(matches!(
        jobs.delete(&id, Some(1)).await,
        Err(JobError::VersionMismatch { .. })
    ));
    jobs.delete(&id, Some(2)).await.unwrap();
}

#[tokio::test]
async fn start_stop_and_restart_record_the_state() {
    let jobs = jobs().await;
    let id = jobs.create(definition("Acme", None)).await.unwrap().id;
    let started = jobs.change_state(&id, StateChange::Start).await.unwrap();
    assert_eq!(
        (started.state, started.version),
        (JobState::Running, 1),
        "state is not a new version"
    );
    assert_eq!(started.restart_requested_at, None);
    let stopped = jobs.change_state("acme", StateChange::Stop).await.unwrap();
    assert_eq!(stopped.state, JobState::Stopped);
    let restarted = jobs.change_state(&id, StateChange::Restart).await.unwrap();
    assert_eq!(restarted.state, JobState::Running);
    assert!(restarted.restart_requested_at.is_some());
    let started_again = jobs.change_state(&id, StateChange::Start).await.unwrap();
    assert_eq!(
        started_again.state_changed_at, restarted.state_changed_at,
        "already running"
    );
    assert_eq!(started_again.restart_requested_at, restarted.restart_requested_at);
    assert_eq!(
        jobs.count_by_state().await.unwrap(),
        vec![(JobState::Stopped, 0), (JobState::Running, 1)]
    );
}

#[tokio::test]
async fn a_change_of_mappings_or_scope_records_a_restart_but_keeps_the_state() {
    let jobs = jobs().await;
    let id = jobs.create(definition("Acme", Some("t"))).await.unwrap().id;
    let mut changed = definition("Acme", Some("t"));

    // Name, schedule and credentials: no restart.
    changed.name = "Acme 2".into();
    changed.schedule.interval_seconds = 3600;
    let replaced = jobs.replace(&id, changed.clone(), None).await.unwrap();
    assert_eq!(replaced.restart_requested_at, None);
    let replaced = jobs
        .replace(&id, definition("Acme 2", Some("new")), None)
        .await
        .unwrap();
    assert_eq!(replaced.restart_requested_at, None);

    // A mapping: a restart, the job still stopped.
    changed.objects[0].mappings[0].expression = "[mail]".into();
    let replaced = jobs.replace(&id, changed.clone(), None).await.unwrap();
    let first = replaced.restart_requested_at.clone().expect("a restart");
    assert_eq!(replaced.state, JobState::Stopped);
    assert_eq!(jobs.get(&id).await.unwrap(), replaced);

    // Running, then the scope: a later restart, still running.
    jobs.change_state(&id, StateChange::Start).await.unwrap();
    changed.scope = provisio_engine::job::ScopeMode::Assigned;
    let replaced = jobs.replace(&id, changed.clone(), None).await.unwrap();
    assert_eq!(replaced.state, JobState::Running);
    assert!(replaced.restart_requested_at.clone().unwrap() >= first);
    assert_eq!(jobs.get(&id).await.unwrap(), replaced);

    assert!(!needs_restart(&changed, &changed));
}

#[tokio::test]
async fn assignments_name_live_users_and_groups_and_go_with_the_job() {
    let jobs = jobs().await;
    let directory = jobs.store.directory();
    let attrs = |v: Value| v.as_object().unwrap().clone();
    let ada = directory
        .create_user(UserDraft {
            attributes: attrs(json!({"userPrincipalName": "ada@contoso.com", "displayName": "Ada"})),
            scim_extra: None,
        })
        .await
        .unwrap();
    let sales = directory
        .create_group(GroupDraft {
            attributes: attrs(json!({"displayName": "Sales"})),
            members: vec![],
            scim_extra: None,
        })
        .await
        .unwrap();
    let id = jobs.create(definition("Acme", None)).await.unwrap().id;
    let user = Assignment::new(&ada.id, PrincipalType::User);
    let group = Assignment::new(&sales.id, PrincipalType::Group);

    let listed = jobs
        .replace_assignments(&id, &[group.clone(), user.clone(), user.clone()])
        .await
        .unwrap();
    let names: Vec<_> = listed.iter().map(|a| (a.kind, a.display_name.as_deref())).collect();
    assert_eq!(
        names,
        [
            (PrincipalType::User, Some("Ada")),
            (PrincipalType::Group, Some("Sales"))
        ]
    );

    let wrong_type = Assignment::new(&ada.id, PrincipalType::Group);
    let err = jobs
        .replace_assignments(&id, &[user.clone(), wrong_type])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, JobError::UnknownPrincipal { kind: "group", id } if *id == ada.id),
        "{err}"
    );
    assert_eq!(jobs.assignments(&id).await.unwrap().len(), 2, "nothing changed");

    jobs.remove_assignment(&id, &ada.id, None).await.unwrap();
    assert!(matches!(
        jobs.remove_assignment(&id, &ada.id, None).await,
        Err(JobError::NotAssigned { .. })
    ));
    assert_eq!(jobs.add_assignment(&id, &user).await.unwrap().len(), 2);
    assert_eq!(jobs.add_assignment(&id, &user).await.unwrap().len(), 2, "idempotent");

    directory.delete_user(&ada.id, None).await.unwrap();
    assert!(matches!(
        jobs.add_assignment(&id, &user).await,
        Err(JobError::UnknownPrincipal { .. })
    ));

    jobs.delete(&id, None).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_assignments")
        .fetch_one(jobs.store.pool())
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn assignments_carry_roles_of_the_job_and_are_directory_changes() {
    let jobs = jobs().await;
    let directory = jobs.store.directory();
    let ada = directory
        .create_user(UserDraft {
            attributes: json!({"userPrincipalName": "ada@contoso.com"})
                .as_object()
                .unwrap()
                .clone(),
            scim_extra: None,
        })
        .await
        .unwrap();
    let mut with_roles = definition("Roles", None);
    with_roles.app_roles = serde_json::from_value(json!([{"value": "Admin"}, {"value": "Reader"}])).unwrap();
    let id = jobs.create(with_roles).await.unwrap().id;
    let before = directory.latest_change().await.unwrap();

    let admin = Assignment::new(&ada.id, PrincipalType::User).with_role("admin");
    let reader = Assignment::new(&ada.id, PrincipalType::User).with_role("Reader");
    jobs.add_assignment(&id, &admin).await.unwrap();
    let listed = jobs.add_assignment(&id, &reader).await.unwrap();
    let roles: Vec<_> = listed.iter().map(|a| a.role.as_deref()).collect();
    assert_eq!(roles, [Some("Admin"), Some("Reader")], "spelt as the job spells them");
    let changes = directory.changes_since(before, 10).await.unwrap();
    assert_eq!(changes.len(), 2, "each assignment logs the user: {changes:?}");
    assert!(changes.iter().all(|c| c.object_id == ada.id));

    let unknown = Assignment::new(&ada.id, PrincipalType::User).with_role("Owner");
    let err = jobs.add_assignment(&id, &unknown).await.unwrap_err();
    assert!(err.to_string().contains("Default Access, Admin, Reader"), "{err}");

    jobs.remove_assignment(&id, &ada.id, Some("ADMIN")).await.unwrap();
    let err = jobs.remove_assignment(&id, &ada.id, Some("Admin")).await.unwrap_err();
    assert!(err.to_string().contains("with the role `Admin`"), "{err}");
    let left: Vec<_> = jobs
        .assignments(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.role)
        .collect();
    assert_eq!(left, [Some("Reader".to_owned())]);
    let default_access = Assignment::new(&ada.id, PrincipalType::User).with_role("Default Access");
    let listed = jobs.add_assignment(&id, &default_access).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].role, None, "Default Access is stored as no role");
}
