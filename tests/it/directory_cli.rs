//! `provisio directory user create|list|import`, run as real processes
//! against a running server, through its API and on its database: users
//! created with typed attributes and a manager named by userPrincipalName,
//! listed, and imported from a CSV file that is checked whole first — a
//! file with problems names each (file, line, column, "did you mean") and
//! writes nothing.

use provisio_api::directory::{USERS_PATH, user_path};
use serde_json::Value;

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;
use crate::lifecycle_cli::{WAYS, Way, provisio};

async fn user_count(api: &Api) -> u64 {
    api.get(USERS_PATH).await.expect(200)["total"].as_u64().unwrap()
}

backend_test!(
    directory_users_are_created_listed_and_imported_both_ways,
    with_api,
    async |api: &Api| {
        let dir = tempfile::tempdir().unwrap();
        for way in WAYS {
            let tag = match way {
                Way::Server => "api",
                Way::Database => "db",
            };
            let boss = format!("boss-{tag}@contoso.com");
            let created = provisio(
                api,
                way,
                &[
                    "directory",
                    "user",
                    "create",
                    &boss,
                    "displayName=Grace Boss",
                    "accountEnabled=no",
                ],
            )
            .await;
            let stdout = created.ok();
            assert!(
                stdout.starts_with(&format!("created user {boss} (")),
                "{way:?}: {stdout}"
            );
            let read = api.get(&user_path(&boss)).await;
            let boss_user = read.expect(200);
            assert_eq!(boss_user["attributes"]["accountEnabled"], false, "{way:?}");
            let boss_id = boss_user["id"].as_str().unwrap().to_owned();

            let before = user_count(api).await;
            let typo = provisio(
                api,
                way,
                &[
                    "directory",
                    "user",
                    "create",
                    "x@contoso.com",
                    "title=CEO",
                    "manager=nobody@contoso.com",
                ],
            )
            .await;
            let stderr = typo.fails(2);
            assert!(
                stderr
                    .contains("attribute \"title\": not an attribute of the directory's users: did you mean jobTitle?"),
                "{way:?}: {stderr}"
            );
            assert!(
                stderr.contains("no user has the id or userPrincipalName \"nobody@contoso.com\""),
                "{way:?}: {stderr}"
            );
            assert_eq!(user_count(api).await, before, "{way:?}: nothing created");

            let bad = dir.path().join(format!("bad-{tag}.csv"));
            std::fs::write(
                &bad,
                format!(
                    "userPrincipalName,displayName,departmnet,accountEnabled\n\
                     ada-{tag}@contoso.com,Ada,R&D,true\n\
                     {boss},Again,Sales,maybe\n\
                     ada-{tag}@CONTOSO.com,Ada 2,R&D,yes\n"
                ),
            )
            .unwrap();
            let bad_name = bad.to_str().unwrap();
            let refused = provisio(api, way, &["directory", "user", "import", bad_name]).await;
            let stderr = refused.fails(2);
            for expected in [
                format!(
                    "error: {bad_name}:1: column \"departmnet\": not an attribute of the directory's users: did you mean department?"
                ),
                format!("error: {bad_name}:3: column \"accountEnabled\": \"maybe\" is not true or false"),
                format!("error: {bad_name}:3: userPrincipalName \"{boss}\" already exists (user {boss_id})"),
                format!("error: {bad_name}:4: userPrincipalName \"ada-{tag}@CONTOSO.com\" is already on line 2"),
                "4 errors: nothing was imported".to_owned(),
            ] {
                assert!(stderr.contains(&expected), "{way:?}: {expected:?} in {stderr}");
            }
            assert_eq!(user_count(api).await, before, "{way:?}: nothing imported");

            let good = dir.path().join(format!("people-{tag}.csv"));
            std::fs::write(
                &good,
                format!(
                    "\u{feff}userPrincipalName,displayName,Department,manager,otherMails\n\
                     ada-{tag}@contoso.com,\"Lovelace, Ada\",R&D,{boss},a@x.com;b@x.com\n\
                     ,,,,\n\
                     bob-{tag}@contoso.com,Bob,,,\n"
                ),
            )
            .unwrap();
            let dry = provisio(
                api,
                way,
                &["directory", "user", "import", good.to_str().unwrap(), "--dry-run"],
            )
            .await;
            assert_eq!(dry.ok(), "", "{way:?}");
            assert!(
                dry.stderr
                    .contains("2 users ready to be created; nothing was written (--dry-run)"),
                "{way:?}: {}",
                dry.stderr
            );
            assert_eq!(user_count(api).await, before, "{way:?}");
            let imported = provisio(api, way, &["directory", "user", "import", good.to_str().unwrap()]).await;
            let stdout = imported.ok();
            assert_eq!(stdout.lines().count(), 2, "{way:?}: {stdout}");
            assert!(
                stdout.contains(&format!("created user ada-{tag}@contoso.com (")),
                "{way:?}: {stdout}"
            );
            assert_eq!(user_count(api).await, before + 2, "{way:?}");
            let ada = api.get(&user_path(&format!("ada-{tag}@contoso.com"))).await;
            let ada = ada.expect(200);
            assert_eq!(
                ada["manager"]["id"],
                Value::String(boss_id.clone()),
                "{way:?}: the manager by UPN"
            );
            assert_eq!(
                ada["attributes"]["otherMails"],
                serde_json::json!(["a@x.com", "b@x.com"]),
                "{way:?}"
            );
            assert_eq!(ada["attributes"]["department"], "R&D", "{way:?}");

            let list = provisio(api, way, &["directory", "user", "list", &format!("--search=-{tag}@")]).await;
            let text = list.ok();
            assert!(text.starts_with("USER PRINCIPAL NAME"), "{way:?}: {text}");
            assert_eq!(text.lines().count(), 4, "{way:?}: three users: {text}");
            assert!(list.stderr.contains("3 users"), "{way:?}: {}", list.stderr);
            let json = provisio(api, way, &["directory", "user", "list", "--search", &boss, "--json"]).await;
            let users: Value = serde_json::from_str(json.ok()).unwrap();
            assert_eq!(users[0]["id"], Value::String(boss_id), "{way:?}");
        }
    }
);
