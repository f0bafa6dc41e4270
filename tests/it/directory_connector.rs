//! The directory connector (the target of inbound jobs) on real databases:
//! writes converted to the catalogue's types, matching by indexed and
//! scanned attributes, soft deletion, and directory errors as the
//! connector errors the cycle acts on.

use std::sync::Arc;

use provisio_connectors::{Connector, ConnectorError};
use provisio_engine::Value;
use provisio_engine::job::SourceKind;
use provisio_engine::scim_path::{AttributeChange, TargetAttributes};
use provisio_server::store::Store;
use provisio_server::targets::directory::DirectoryConnector;
use serde_json::json;

use crate::backends::{Backend, backend_test};

const USER: SourceKind = SourceKind::User;

fn attributes(pairs: &[(&str, Value)]) -> TargetAttributes {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn change(path: &str, new: Value) -> AttributeChange {
    AttributeChange {
        path: Arc::from(path),
        old: Value::Null,
        new,
        add_only: false,
    }
}

/// Runs `test` with a connector and the store it writes, on `backend`.
async fn with_connector(backend: Backend, test: impl AsyncFn(DirectoryConnector, Store)) {
    let store = Store::open(&backend.url).await.unwrap();
    test(DirectoryConnector::new(store.clone()), store.clone()).await;
    store.close().await;
}

async fn create(connector: &DirectoryConnector, upn: &str, extra: &[(&str, Value)]) -> String {
    let mut attrs = attributes(extra);
    attrs.insert("userPrincipalName".into(), Value::str(upn));
    connector.create(USER, &attrs).await.unwrap().id
}

async fn ids(connector: &DirectoryConnector, attribute: &str, value: Value) -> Vec<String> {
    let found = connector.find(USER, attribute, &value).await.unwrap();
    found.into_iter().map(|object| object.id).collect()
}

backend_test!(
    created_users_read_back_with_engine_types,
    with_connector,
    async |connector, store| {
        connector.test_connection().await.unwrap();
        let created = connector
            .create(
                USER,
                &attributes(&[
                    ("userPrincipalName", Value::str("ada@contoso.com")),
                    ("displayName", Value::str("Ada Lovelace")),
                    ("accountEnabled", Value::str("False")),
                    ("employeeHireDate", Value::str("2026-03-01T09:00:00+01:00")),
                    ("manager", Value::str("")),
                    ("city", Value::Null),
                ]),
            )
            .await
            .unwrap();
        let stored = store.directory().user(&created.id).await.unwrap().unwrap();
        assert_eq!(stored.attributes["accountEnabled"], json!(false));
        assert_eq!(stored.attributes["employeeHireDate"], json!("2026-03-01T08:00:00.000Z"));
        assert!(!stored.attributes.contains_key("manager"));
        assert!(!stored.attributes.contains_key("city"));

        let read = connector.read(USER, &created.id).await.unwrap().unwrap();
        assert_eq!(read, created);
        assert_eq!(read.attributes["accountEnabled"], Value::Bool(false));
        assert_eq!(read.attributes["displayName"], Value::str("Ada Lovelace"));
        assert!(matches!(read.attributes["employeeHireDate"], Value::DateTime(_)));
        assert_eq!(connector.read(USER, "no-such-id").await.unwrap(), None);
    }
);

backend_test!(
    find_uses_indexes_and_scans_and_skips_deleted_users,
    with_connector,
    async |connector, _store| {
        let ada = create(
            &connector,
            "ada@contoso.com",
            &[("employeeId", Value::str("E1")), ("jobTitle", Value::str("Engineer"))],
        )
        .await;
        let bob = create(
            &connector,
            "bob@contoso.com",
            &[("employeeId", Value::Int(2)), ("jobTitle", Value::str("engineer"))],
        )
        .await;
        assert_eq!(ids(&connector, "employeeId", Value::str("E1")).await, [ada.as_str()]);
        assert_eq!(ids(&connector, "employeeId", Value::Int(2)).await, [bob.as_str()]);
        assert_eq!(
            ids(&connector, "jobTitle", Value::str("ENGINEER")).await,
            [ada.as_str(), bob.as_str()]
        );
        assert_eq!(
            ids(&connector, "userPrincipalName", Value::str("Bob@Contoso.com")).await,
            [bob.as_str()]
        );
        assert_eq!(ids(&connector, "accountEnabled", Value::str("True")).await.len(), 2);
        assert!(ids(&connector, "jobTitle", Value::str("Pilot")).await.is_empty());
        assert!(ids(&connector, "jobTitle", Value::Null).await.is_empty());
        assert!(matches!(
            connector.find(USER, "shoeSize", &Value::Int(42)).await,
            Err(ConnectorError::Rejected { status: 400, .. })
        ));

        assert!(
            connector
                .value_exists(USER, "employeeId", &Value::str("E1"))
                .await
                .unwrap()
        );
        assert!(
            !connector
                .value_exists(USER, "mailNickname", &Value::str("ada"))
                .await
                .unwrap()
        );

        connector.delete(USER, &ada).await.unwrap();
        assert!(ids(&connector, "employeeId", Value::str("E1")).await.is_empty());
        assert_eq!(ids(&connector, "jobTitle", Value::str("Engineer")).await, [bob]);
        assert!(
            !connector
                .value_exists(USER, "employeeId", &Value::str("E1"))
                .await
                .unwrap()
        );
    }
);

backend_test!(
    updates_apply_every_change_in_one_write,
    with_connector,
    async |connector, store| {
        let boss = create(&connector, "boss@contoso.com", &[]).await;
        let ada = create(
            &connector,
            "ada@contoso.com",
            &[("jobTitle", Value::str("Engineer")), ("city", Value::str("London"))],
        )
        .await;
        let before = store.directory().user(&ada).await.unwrap().unwrap().meta.version;
        let changes = [
            change("jobTitle", Value::str("Director")),
            change("city", Value::Null),
            change("manager", Value::str(&boss)),
            change("accountEnabled", Value::str("false")),
        ];
        connector.update(USER, &ada, &changes).await.unwrap();
        let user = store.directory().user(&ada).await.unwrap().unwrap();
        assert_eq!(user.meta.version, before + 1, "one write");
        assert_eq!(user.attributes["jobTitle"], json!("Director"));
        assert!(!user.attributes.contains_key("city"));
        assert_eq!(user.attributes["manager"], json!(boss));
        assert_eq!(user.attributes["accountEnabled"], json!(false));
        let read = connector.read(USER, &ada).await.unwrap().unwrap();
        assert_eq!(read.attributes["manager"], Value::Reference(boss));

        // Clearing the manager, as the references phase does.
        connector
            .update(USER, &ada, &[change("manager", Value::Null)])
            .await
            .unwrap();
        let user = store.directory().user(&ada).await.unwrap().unwrap();
        assert!(!user.attributes.contains_key("manager"));
    }
);

backend_test!(
    refused_writes_become_the_errors_the_cycle_acts_on,
    with_connector,
    async |connector, store| {
        let ada = create(&connector, "ada@contoso.com", &[("jobTitle", Value::str("Engineer"))]).await;
        let bob = create(&connector, "bob@contoso.com", &[]).await;

        let err = connector
            .update(
                USER,
                &ada,
                &[
                    change("jobTitle", Value::str("Director")),
                    change("manager", Value::str("nobody")),
                ],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ConnectorError::Rejected { status: 400, detail, .. } if detail.contains("manager")),
            "{err:?}"
        );
        let user = store.directory().user(&ada).await.unwrap().unwrap();
        assert_eq!(user.attributes["jobTitle"], json!("Engineer"), "nothing written");

        let err = connector
            .update(USER, &ada, &[change("accountEnabled", Value::str("perhaps"))])
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ConnectorError::Rejected { status: 400, detail, .. } if detail.contains("accountEnabled"))
        );

        let err = connector
            .update(
                USER,
                &bob,
                &[change("userPrincipalName", Value::str("ADA@contoso.com"))],
            )
            .await
            .unwrap_err();
        assert!(matches!(err, ConnectorError::Conflict { .. }), "{err:?}");
        let duplicate = attributes(&[("userPrincipalName", Value::str("ada@contoso.com"))]);
        let err = connector.create(USER, &duplicate).await.unwrap_err();
        assert!(matches!(err, ConnectorError::Conflict { .. }), "{err:?}");

        let err = connector
            .update(USER, "no-such-id", &[change("city", Value::str("Oslo"))])
            .await
            .unwrap_err();
        assert!(matches!(err, ConnectorError::NotFound { .. }), "{err:?}");
    }
);

backend_test!(disable_and_delete, with_connector, async |connector, store| {
    let ada = create(&connector, "ada@contoso.com", &[]).await;
    connector.disable(USER, &ada).await.unwrap();
    let user = store.directory().user(&ada).await.unwrap().unwrap();
    assert_eq!(user.attributes["accountEnabled"], json!(false));

    connector.delete(USER, &ada).await.unwrap();
    assert_eq!(connector.read(USER, &ada).await.unwrap(), None);
    let deleted = store.directory().user_including_deleted(&ada).await.unwrap().unwrap();
    assert!(deleted.is_deleted(), "soft-deleted, restorable");
    assert!(matches!(
        connector.delete(USER, &ada).await,
        Err(ConnectorError::NotFound { .. })
    ));
    assert!(matches!(
        connector.disable(USER, &ada).await,
        Err(ConnectorError::NotFound { .. })
    ));
});

backend_test!(groups_are_incompatible, with_connector, async |connector, _store| {
    let incompatible = |result: Result<_, ConnectorError>| matches!(result, Err(ConnectorError::Incompatible { ref detail }) if detail.contains("users"));
    let group = SourceKind::Group;
    assert!(incompatible(
        connector.find(group, "displayName", &Value::str("x")).await.map(drop)
    ));
    assert!(incompatible(connector.read(group, "g").await.map(drop)));
    assert!(incompatible(connector.create(group, &attributes(&[])).await.map(drop)));
    assert!(incompatible(connector.update(group, "g", &[]).await));
    assert!(incompatible(connector.disable(group, "g").await));
    assert!(incompatible(connector.delete(group, "g").await));
    assert!(incompatible(
        connector
            .value_exists(group, "displayName", &Value::str("x"))
            .await
            .map(drop)
    ));
    assert!(incompatible(connector.add_members("g", &["u".to_owned()]).await));
    assert!(incompatible(connector.remove_members("g", &["u".to_owned()]).await));
});
