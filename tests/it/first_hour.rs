//! The first hour of a new administrator (issue 16): mistakes that used to
//! pass silently are refused or reported, with what to do instead. Each
//! test runs the real `provisio` binary in a temporary folder.

use std::path::Path;
use std::process::{Command, Output};

use crate::cli::provisio_binary;

/// `provisio ARGS…` run in `dir`, with no database or key in the environment.
pub(crate) fn provisio_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(provisio_binary())
        .args(args)
        .current_dir(dir)
        .env_remove("PROVISIO_DATABASE")
        .env_remove("PROVISIO_SECRET_KEY")
        .env_remove("PROVISIO_SECRET_KEY_FILE")
        .env_remove("PROVISIO_ADMIN_PASSWORD")
        .output()
        .unwrap()
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const JOB: &str = r#"{"name": "acme", "target": {"kind": "scim", "base_url": "https://scim.example.com/v2",
  "auth": {"bearer_token": "t"}}, "objects": [{"source": "user", "target": "User", "mappings": [
  {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}]}]}"#;

#[test]
fn commands_run_from_the_wrong_folder_create_no_database_and_say_where_they_looked() {
    let wrong = tempfile::tempdir().unwrap();
    std::fs::write(wrong.path().join("acme.json"), JOB).unwrap();
    let looked_for = wrong.path().join("data/provisio.db");
    for args in [
        vec!["token", "create", "--scope", "admin"],
        vec!["token", "list"],
        vec!["admin", "list"],
        vec!["job", "apply", "acme.json"],
        vec!["job", "provision", "--job", "acme", "--user", "ada@contoso.com"],
    ] {
        let output = provisio_in(wrong.path(), &args);
        let stderr = text(&output.stderr);
        assert!(!output.status.success(), "{args:?} must fail: {stderr}");
        assert!(
            stderr.contains(&format!("no database at {}", looked_for.display())),
            "{args:?} names the absolute path it looked for: {stderr}"
        );
        assert!(
            stderr.contains("--database") && stderr.contains("PROVISIO_DATABASE"),
            "{stderr}"
        );
        assert!(
            text(&output.stdout).is_empty(),
            "{args:?} printed {:?}",
            text(&output.stdout)
        );
        assert!(!wrong.path().join("data").exists(), "{args:?} created nothing");
    }
}

#[test]
fn a_bad_database_url_is_refused_before_any_key_file_is_made() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acme.json"), JOB).unwrap();
    let output = provisio_in(
        dir.path(),
        &["job", "apply", "acme.json", "--database", "mysql://localhost/provisio"],
    );
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("unsupported database URL"),
        "{}",
        text(&output.stderr)
    );
    let made: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        made,
        vec![std::ffi::OsString::from("acme.json")],
        "no key file, no folder"
    );
}

#[test]
fn commands_say_which_database_they_use() {
    let dir = tempfile::tempdir().unwrap();
    // The server's first start makes the database and its key.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = format!("sqlite://{}", dir.path().join("data/provisio.db").display());
    runtime.block_on(async {
        let config = provisio_server::ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: url.clone(),
            portal_dir: dir.path().join("dist"),
        };
        provisio_server::Server::start(config).await.unwrap().shutdown().await;
    });
    std::fs::write(dir.path().join("acme.json"), JOB).unwrap();
    let absolute = dir.path().join("data/provisio.db").canonicalize().unwrap();
    for args in [vec!["token", "list"], vec!["job", "apply", "acme.json"]] {
        let output = provisio_in(dir.path(), &args);
        assert!(output.status.success(), "{args:?}: {}", text(&output.stderr));
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains(&format!("using the database {}", absolute.display())),
            "{args:?}: {stderr}"
        );
    }
    // From elsewhere, with the database named: the same one.
    let elsewhere = tempfile::tempdir().unwrap();
    let output = provisio_in(elsewhere.path(), &["token", "list", "--database", &url]);
    assert!(output.status.success(), "{}", text(&output.stderr));
}
