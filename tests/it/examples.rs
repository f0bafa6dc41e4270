//! The sample files of `examples/` cannot rot: every job passes
//! `provisio job check --strict`, and the LDAP job, applied with the real
//! binary, provisions people, their manager and a group into a real
//! OpenLDAP server (slapd). The SCIM and inbound jobs and the people CSV
//! are applied and run by the README's quick start ([`crate::quick_start`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_tests::slapd::{ADMIN_PASSWORD, GROUPS, PEOPLE, Slapd};
use serde_json::json;

use crate::admin_api::Api;
use crate::cli::provisio_binary;

const USERS: &str = "/api/v1/directory/users";

/// The repository's `examples/` folder.
pub(crate) fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// A copy of an example in `dir`, with `from` replaced by `to` (an address
/// only a test knows).
pub(crate) fn copy_example(name: &str, dir: &Path, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(examples().join(name)).unwrap();
    assert!(text.contains(from), "{name} no longer has {from}");
    let copy = dir.join(name);
    std::fs::write(&copy, text.replace(from, to)).unwrap();
    copy
}

#[test]
fn every_example_job_passes_job_check_strict() {
    let mut checked = 0;
    for entry in std::fs::read_dir(examples()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let output = Command::new(provisio_binary())
            .args(["job", "check", "--strict", path.to_str().unwrap()])
            .env("SCIM_TOKEN", "t")
            .env("LDAP_BIND_PASSWORD", "p")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{}: {stderr}", path.display());
        assert_eq!(stderr, "", "{}: no warning", path.display());
        checked += 1;
    }
    assert_eq!(checked, 3, "the SCIM, LDAP and inbound jobs");
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn the_ldap_example_provisions_people_their_manager_and_a_group() {
    let Some(ldap) = Slapd::start() else {
        return;
    };
    let backend = crate::backends::Backend::sqlite();
    let api = Api::start(&backend).await;
    let mut ids = Vec::new();
    for (nickname, manager) in [("grace", None), ("ada", Some(0))] {
        let mut attributes = json!({
            "userPrincipalName": format!("{nickname}@contoso.com"), "mailNickname": nickname,
            "displayName": format!("{nickname} Example"), "givenName": nickname, "surname": "Example",
            "mail": format!("{nickname}@contoso.com"), "jobTitle": "Engineer"
        });
        if let Some(manager) = manager {
            attributes["manager"] = json!(ids[manager]);
        }
        let created = api.post(USERS, json!({ "attributes": attributes })).await;
        ids.push(created.expect(201)["id"].as_str().unwrap().to_owned());
    }
    api.post(
        "/api/v1/directory/groups",
        json!({"attributes": {"displayName": "Engineers"}, "members": ids}),
    )
    .await
    .expect(201);

    let dir = tempfile::tempdir().unwrap();
    let file = copy_example("ldap-job.yaml", dir.path(), "ldap://127.0.0.1:389", &ldap.url());
    let mut apply = Command::new(provisio_binary());
    apply
        .args(["job", "apply", file.to_str().unwrap(), "--start"])
        .args(["--server", api.server.base_url().as_ref(), "--token", api.token()])
        .env_remove("PROVISIO_DATABASE")
        .env("LDAP_BIND_PASSWORD", ADMIN_PASSWORD);
    // Off the runtime's thread: the server answering it runs there.
    let output = tokio::task::spawn_blocking(move || apply.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.starts_with("created job Example LDAP ("), "{stdout}");

    let report = run_cycle(api.server.store(), api.server.jobs(), "Example LDAP", Mode::Initial)
        .await
        .unwrap();
    assert_eq!(report.failures + report.failed_references, 0, "{report:?}");
    let ada = ldap.entry(&format!("uid=ada,{PEOPLE}")).expect("ada's entry");
    assert_eq!(ada["manager"], [format!("uid=grace,{PEOPLE}")]);
    assert_eq!(ada["mail"], ["ada@contoso.com"]);
    let engineers = ldap
        .entry(&format!("cn=Engineers,{GROUPS}"))
        .expect("the group's entry");
    let mut members = engineers["member"].clone();
    members.sort();
    assert_eq!(members, [format!("uid=ada,{PEOPLE}"), format!("uid=grace,{PEOPLE}")]);
    api.stop().await;
}
