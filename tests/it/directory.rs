//! The directory on real databases (a SQLite file and PostgreSQL): writes
//! with their change-log entries, uniqueness, references, soft deletion,
//! memberships, extension attributes, the server hearing of commits made
//! elsewhere, concurrent writers, and users created many at once.

use std::time::Duration;

use provisio_server::directory::{
    AttributeSpec, AttributeType, ChangeKind, Directory, DirectoryError, GroupDraft, ObjectType, UserDraft, UserLookup,
    UserQuery,
};
use provisio_server::events::{Events, FOLLOW_EVERY, follow_directory};
use provisio_server::store::Store;
use serde_json::{Value, json};

use crate::backends::{Backend, backend_test};

fn user(value: Value) -> UserDraft {
    UserDraft {
        attributes: value.as_object().unwrap().clone(),
        scim_extra: None,
    }
}

fn group(name: &str, members: &[&str]) -> GroupDraft {
    GroupDraft {
        attributes: json!({"displayName": name}).as_object().unwrap().clone(),
        members: members.iter().map(|m| (*m).to_owned()).collect(),
        scim_extra: None,
    }
}

/// Runs `test` on the directory of a store on `backend`.
async fn with_directory(backend: Backend, test: impl AsyncFn(Directory)) {
    let store = Store::open(&backend.url).await.unwrap();
    test(store.directory()).await;
    store.close().await;
}

async fn kinds(directory: &Directory, since: i64) -> Vec<(ObjectType, ChangeKind)> {
    let changes = directory.changes_since(since, 1000).await.unwrap();
    changes.iter().map(|c| (c.object_type, c.change)).collect()
}

backend_test!(writes_append_to_the_change_log_in_order, with_directory, async |dir| {
    let ada = dir
        .create_user(user(
            json!({"userPrincipalName": "Ada@Contoso.com", "givenName": "Ada"}),
        ))
        .await
        .unwrap();
    assert_eq!(ada.attributes["accountEnabled"], true, "enabled by default");
    assert_eq!(ada.meta.version, 1);
    let updated = dir
        .modify_user(&ada.id, Some(1), |u| {
            let mut draft = u.draft();
            draft.attributes.insert("jobTitle".into(), json!("Engineer"));
            Ok::<_, DirectoryError>(draft)
        })
        .await
        .unwrap();
    assert_eq!(updated.meta.version, 2);
    // An unchanged write is no change at all.
    let same = dir.replace_user(&ada.id, updated.draft(), None).await.unwrap();
    assert_eq!(same.meta.version, 2);
    dir.delete_user(&ada.id, None).await.unwrap();
    dir.restore_user(&ada.id).await.unwrap();
    let changes = dir.changes_since(0, 100).await.unwrap();
    assert_eq!(changes.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    assert_eq!(
        kinds(&dir, 0).await,
        vec![
            (ObjectType::User, ChangeKind::Created),
            (ObjectType::User, ChangeKind::Updated),
            (ObjectType::User, ChangeKind::Deleted),
            (ObjectType::User, ChangeKind::Restored),
        ]
    );
    assert_eq!(dir.latest_change().await.unwrap(), 4);
    assert_eq!(
        dir.changes_since(2, 1).await.unwrap()[0].seq,
        3,
        "the watermark and the limit page the log"
    );
});

backend_test!(
    a_refused_write_leaves_the_directory_and_the_log_as_they_were,
    with_directory,
    async |dir| {
        let ada = dir
            .create_user(user(json!({"userPrincipalName": "ada@contoso.com"})))
            .await
            .unwrap();
        let before = dir.latest_change().await.unwrap();

        let taken = dir
            .create_user(user(json!({"userPrincipalName": "ADA@contoso.com"})))
            .await
            .unwrap_err();
        assert!(
            matches!(taken, DirectoryError::Conflict { ref attribute, .. } if attribute == "userPrincipalName"),
            "{taken}"
        );
        let unknown = dir
            .create_user(user(json!({"userPrincipalName": "b@c.d", "shoeSize": 1})))
            .await
            .unwrap_err();
        assert!(
            unknown
                .to_string()
                .starts_with("attribute `shoeSize` is not an attribute of the directory ("),
            "{unknown}"
        );
        let no_manager = dir
            .create_user(user(json!({"userPrincipalName": "c@c.d", "manager": "nobody"})))
            .await
            .unwrap_err();
        assert!(no_manager.to_string().contains("manager"), "{no_manager}");
        let failed = dir
            .modify_user(&ada.id, None, |_| {
                Err::<UserDraft, _>(DirectoryError::invalid("jobTitle", "refused by the change"))
            })
            .await;
        assert!(failed.is_err());
        let stale = dir.replace_user(&ada.id, ada.draft(), Some(7)).await.unwrap_err();
        assert!(matches!(
            stale,
            DirectoryError::VersionMismatch {
                current: 1,
                expected: 7,
                ..
            }
        ));
        let bad_member = dir.create_group(group("G", &[&ada.id, "ghost"])).await.unwrap_err();
        assert!(bad_member.to_string().contains("ghost"));

        assert_eq!(dir.latest_change().await.unwrap(), before);
        assert_eq!(dir.user_count().await.unwrap(), 1);
        assert_eq!(dir.group_count().await.unwrap(), 0);
        assert_eq!(dir.user(&ada.id).await.unwrap().unwrap(), ada);
    }
);

backend_test!(
    deleted_users_are_hidden_restorable_and_purgeable,
    with_directory,
    async |dir| {
        let boss = dir
            .create_user(user(json!({"userPrincipalName": "boss@c.com"})))
            .await
            .unwrap();
        let ada = dir
            .create_user(user(json!({"userPrincipalName": "ada@c.com", "manager": boss.id})))
            .await
            .unwrap();
        let team = dir.create_group(group("Team", &[&ada.id, &boss.id])).await.unwrap();
        dir.delete_user(&ada.id, None).await.unwrap();

        assert_eq!(dir.user(&ada.id).await.unwrap(), None);
        assert!(dir.user_including_deleted(&ada.id).await.unwrap().unwrap().is_deleted());
        assert_eq!(
            dir.group(&team.id).await.unwrap().unwrap().members.len(),
            1,
            "a deleted member is hidden"
        );
        let reserved = dir
            .create_user(user(json!({"userPrincipalName": "ADA@c.com"})))
            .await
            .unwrap_err();
        assert!(reserved.to_string().contains("deleted user"), "{reserved}");
        let deleted = dir
            .users_page(&UserQuery {
                deleted: true,
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(deleted.total, 1);

        dir.restore_user(&ada.id).await.unwrap();
        assert_eq!(
            dir.group(&team.id).await.unwrap().unwrap().members.len(),
            2,
            "restored with its memberships"
        );
        assert!(matches!(
            dir.purge_user(&ada.id).await,
            Err(DirectoryError::NotDeleted { .. })
        ));

        dir.delete_user(&ada.id, None).await.unwrap();
        dir.purge_user(&ada.id).await.unwrap();
        assert_eq!(dir.user_including_deleted(&ada.id).await.unwrap(), None);
        assert_eq!(
            kinds(&dir, 0).await.last(),
            Some(&(ObjectType::User, ChangeKind::Purged))
        );
        dir.create_user(user(json!({"userPrincipalName": "ada@c.com"})))
            .await
            .unwrap();
        let later = "9999-01-01T00:00:00.000Z";
        dir.delete_user(&boss.id, None).await.unwrap();
        assert_eq!(dir.purge_deleted_users(later).await.unwrap(), 1);
    }
);

backend_test!(groups_hold_users_and_groups, with_directory, async |dir| {
    let ada = dir
        .create_user(user(json!({"userPrincipalName": "ada@c.com"})))
        .await
        .unwrap();
    let inner = dir.create_group(group("Inner", &[&ada.id])).await.unwrap();
    let outer = dir
        .create_group(group("Outer", &[&inner.id, &ada.id, &ada.id]))
        .await
        .unwrap();
    assert_eq!(outer.members.len(), 2, "duplicates collapse");
    let read = dir.group(&outer.id).await.unwrap().unwrap();
    assert_eq!(read.members, outer.members);
    assert!(
        dir.create_group(group("", &[])).await.is_err(),
        "displayName is required"
    );
    let selfish = dir
        .modify_group(&outer.id, None, |g| {
            let mut draft = g.draft();
            draft.members.push(g.id.clone());
            Ok::<_, DirectoryError>(draft)
        })
        .await
        .unwrap_err();
    assert!(selfish.to_string().contains("itself"));
    let emptied = dir.replace_group(&outer.id, group("Outer", &[]), None).await.unwrap();
    assert!(emptied.members.is_empty());
    assert_eq!(
        dir.groups_of(&ada.id).await.unwrap(),
        vec![(inner.id.clone(), "Inner".to_owned())]
    );
    dir.delete_group(&inner.id, None).await.unwrap();
    assert_eq!(dir.group(&inner.id).await.unwrap(), None);
    assert!(dir.groups_of(&ada.id).await.unwrap().is_empty());
    dir.purge_group(&inner.id).await.unwrap();
});

backend_test!(listings_search_page_and_narrow, with_directory, async |dir| {
    for n in 0..25 {
        dir.create_user(user(json!({
            "userPrincipalName": format!("user{n:02}@c.com"),
            "displayName": format!("User {n:02}"),
            "employeeId": format!("E{n}"),
        })))
        .await
        .unwrap();
    }
    let page = dir
        .users_page(&UserQuery {
            offset: 20,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((page.total, page.items.len()), (25, 5));
    assert_eq!(page.items[0].text("displayName"), Some("User 20"));
    let found = dir
        .users_page(&UserQuery {
            search: Some("USER1".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.total, 10);
    let wild = dir
        .users_page(&UserQuery {
            search: Some("%".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(wild.total, 0, "% is literal");
    let mut seen = Vec::new();
    dir.scan_users(Some(&UserLookup::EmployeeId("E7".into())), |u| seen.push(u))
        .await
        .unwrap();
    assert_eq!(seen.len(), 1);
    let mut all = 0;
    dir.scan_users(None, |_| all += 1).await.unwrap();
    assert_eq!(all, 25);
});

backend_test!(extension_attributes_extend_users, with_directory, async |dir| {
    let spec = AttributeSpec {
        name: "badgeNumber".into(),
        kind: AttributeType::Integer,
        multi_valued: false,
        description: "Door badge".into(),
    };
    dir.define_extension(spec.clone()).await.unwrap();
    assert!(matches!(
        dir.define_extension(spec).await,
        Err(DirectoryError::Conflict { .. })
    ));
    let ada = dir
        .create_user(user(json!({"userPrincipalName": "a@c.com", "badgenumber": "42"})))
        .await
        .unwrap();
    assert_eq!(ada.attributes["badgeNumber"], 42);
    let seq = dir.latest_change().await.unwrap();
    dir.remove_extension("badgeNumber").await.unwrap();
    assert!(
        !dir.user(&ada.id)
            .await
            .unwrap()
            .unwrap()
            .attributes
            .contains_key("badgeNumber")
    );
    assert_eq!(kinds(&dir, seq).await, vec![(ObjectType::User, ChangeKind::Updated)]);
});

/// Runs `test` on a store on `backend` and the database's URL, for tests
/// that open the same database twice.
async fn with_store_and_url(backend: Backend, test: impl AsyncFn((Store, String))) {
    let store = Store::open(&backend.url).await.unwrap();
    test((store.clone(), backend.url.clone())).await;
    store.close().await;
}

backend_test!(
    the_server_hears_of_a_commit_made_by_another_process,
    with_store_and_url,
    async |(store, url)| {
        let events = Events::new(store.directory().latest_change().await.unwrap());
        let mut changes = events.changes();
        let start = *changes.borrow_and_update();
        let follower = tokio::spawn(follow_directory(store.clone(), events.clone(), FOLLOW_EVERY));
        // A second handle on the same database stands for another instance or
        // a command-line import: nothing in this process is told of its write.
        let other = Store::open_existing(&url).await.unwrap();
        other
            .directory()
            .create_user(user(json!({"userPrincipalName": "n@c.com"})))
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(2), changes.changed())
            .await
            .expect("the follower announces the commit")
            .unwrap();
        assert_eq!(*changes.borrow(), start + 1);
        follower.abort();
        other.close().await;
    }
);

backend_test!(
    a_directory_writes_with_the_extensions_another_instance_defined,
    with_store_and_url,
    async |(store, url)| {
        // This directory keeps its attribute catalogue between writes.
        let ours = store.directory();
        ours.create_user(user(json!({"userPrincipalName": "a@c.com"})))
            .await
            .unwrap();
        let other = Store::open_existing(&url).await.unwrap();
        let badge = AttributeSpec {
            name: "badgeNumber".into(),
            kind: AttributeType::Integer,
            multi_valued: false,
            description: String::new(),
        };
        other.directory().define_extension(badge).await.unwrap();
        let badged = ours
            .create_user(user(json!({"userPrincipalName": "b@c.com", "badgeNumber": "7"})))
            .await
            .unwrap();
        assert_eq!(
            badged.attributes["badgeNumber"], 7,
            "the new attribute is known and typed"
        );
        other.directory().remove_extension("badgeNumber").await.unwrap();
        let refused = ours
            .create_user(user(json!({"userPrincipalName": "c@c.com", "badgeNumber": 8})))
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("badgeNumber"), "{refused}");
        other.close().await;
    }
);

backend_test!(
    taken_user_principal_names_are_refused_and_the_log_keeps_no_gaps,
    with_directory,
    async |dir| {
        let ada = dir
            .create_user(user(json!({"userPrincipalName": "ada@contoso.com"})))
            .await
            .unwrap();
        let bob = dir
            .create_user(user(json!({"userPrincipalName": "bob@contoso.com"})))
            .await
            .unwrap();
        let taken = dir
            .create_user(user(json!({"userPrincipalName": "ADA@contoso.com"})))
            .await
            .unwrap_err();
        assert_eq!(
            taken.to_string(),
            "the userPrincipalName `ADA@contoso.com` is already used by another user"
        );
        let renamed = dir
            .modify_user(&bob.id, None, |u| {
                let mut draft = u.draft();
                draft
                    .attributes
                    .insert("userPrincipalName".into(), json!("Ada@Contoso.com"));
                Ok::<_, DirectoryError>(draft)
            })
            .await
            .unwrap_err();
        assert!(matches!(renamed, DirectoryError::Conflict { .. }), "{renamed}");
        dir.delete_user(&ada.id, None).await.unwrap();
        let deleted = dir
            .create_user(user(json!({"userPrincipalName": "ada@contoso.com"})))
            .await
            .unwrap_err();
        assert_eq!(
            deleted.to_string(),
            "the userPrincipalName `ada@contoso.com` is already used by a deleted user (restore or purge it first)"
        );
        // A write that logs no change (an attribute defined) and the refused
        // ones leave no number unused.
        dir.define_extension(AttributeSpec {
            name: "badgeNumber".into(),
            kind: AttributeType::Integer,
            multi_valued: false,
            description: String::new(),
        })
        .await
        .unwrap();
        dir.create_user(user(json!({"userPrincipalName": "cy@contoso.com"})))
            .await
            .unwrap();
        let seqs: Vec<i64> = dir.changes_since(0, 100).await.unwrap().iter().map(|c| c.seq).collect();
        assert_eq!(seqs, vec![1, 2, 3, 4]);
        assert_eq!(dir.latest_change().await.unwrap(), 4);
    }
);

backend_test!(
    concurrent_writers_get_distinct_ordered_sequence_numbers,
    with_directory,
    async |dir| {
        let writers = (0..24).map(|n| {
            let dir = dir.clone();
            tokio::spawn(async move {
                dir.create_user(user(json!({"userPrincipalName": format!("w{n}@c.com")})))
                    .await
            })
        });
        for writer in writers {
            writer.await.unwrap().unwrap();
        }
        let seqs: Vec<i64> = dir.changes_since(0, 100).await.unwrap().iter().map(|c| c.seq).collect();
        assert_eq!(seqs, (1..=24).collect::<Vec<_>>());
    }
);

#[tokio::test]
async fn the_server_purges_users_deleted_more_than_thirty_days_ago() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let store = Store::open(&url).await.unwrap();
    let directory = store.directory();
    let old = directory
        .create_user(user(json!({"userPrincipalName": "old@c.com"})))
        .await
        .unwrap();
    let recent = directory
        .create_user(user(json!({"userPrincipalName": "recent@c.com"})))
        .await
        .unwrap();
    directory.delete_user(&old.id, None).await.unwrap();
    directory.delete_user(&recent.id, None).await.unwrap();
    store.close().await;
    // Back-date one deletion past the retention.
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query("UPDATE directory_users SET deleted_at = '2020-01-01T00:00:00.000Z' WHERE id = $1")
        .bind(&old.id)
        .execute(&mut db)
        .await
        .unwrap();

    let server = provisio_server::Server::start(provisio_server::ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: url,
        portal_dir: dir.path().join("dist"),
    })
    .await
    .unwrap();
    let directory = server.store().directory();
    // The first round runs 5 s after start, beside the other maintenance
    // rounds that share SQLite's one writer: allow for their turns.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while directory.user_including_deleted(&old.id).await.unwrap().is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the expired user was not purged"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        directory.user_including_deleted(&recent.id).await.unwrap().is_some(),
        "a recent deletion stays restorable"
    );
    server.shutdown().await;
}

backend_test!(
    a_sweep_by_id_misses_no_one_when_others_are_deleted_between_pages,
    with_directory,
    async |dir| {
        let mut ids = Vec::new();
        for n in 0..12 {
            let created = dir
                .create_user(user(json!({"userPrincipalName": format!("sweep{n:02}@c.com")})))
                .await
                .unwrap();
            ids.push(created.id);
        }
        let g = dir.create_group(group("Sweepers", &[&ids[0]])).await.unwrap();
        ids.sort();
        let (mut seen, mut after) = (Vec::new(), None::<String>);
        loop {
            let page = dir.live_users_after(after.as_deref(), 5).await.unwrap();
            if seen.is_empty() {
                // Deleted behind the sweep: with offsets, the next page
                // would start one user later and skip one.
                dir.delete_user(&ids[0], None).await.unwrap();
            }
            seen.extend(page.iter().map(|u| u.id.clone()));
            after = page.last().map(|u| u.id.clone());
            if page.len() < 5 {
                break;
            }
        }
        assert_eq!(seen, ids);
        let groups = dir.live_groups_after(None, 10).await.unwrap();
        assert_eq!(groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>(), vec![g.id]);
        assert!(dir.live_users_after(Some(&ids[11]), 5).await.unwrap().is_empty());
    }
);

backend_test!(
    a_user_whose_manager_was_deleted_stays_editable,
    with_directory,
    async |dir| {
        let boss = dir
            .create_user(user(json!({"userPrincipalName": "boss@c.com"})))
            .await
            .unwrap();
        let report = dir
            .create_user(user(json!({"userPrincipalName": "report@c.com", "manager": boss.id})))
            .await
            .unwrap();
        dir.delete_user(&boss.id, None).await.unwrap();

        // Another attribute changes; the manager, unchanged, is not checked again.
        let edited = dir
            .modify_user(&report.id, None, |u| {
                let mut draft = u.draft();
                draft.attributes.insert("jobTitle".into(), json!("Engineer"));
                Ok::<_, DirectoryError>(draft)
            })
            .await
            .unwrap();
        assert_eq!(edited.attributes["manager"], json!(boss.id));

        // Naming a deleted user as a new manager is still refused.
        let other = dir
            .create_user(user(json!({"userPrincipalName": "other@c.com"})))
            .await
            .unwrap();
        let refused = dir
            .modify_user(&other.id, None, |u| {
                let mut draft = u.draft();
                draft.attributes.insert("manager".into(), json!(boss.id));
                Ok::<_, DirectoryError>(draft)
            })
            .await;
        assert!(refused.is_err(), "{refused:?}");
    }
);

backend_test!(
    users_created_together_are_checked_as_one_by_one_and_logged_each,
    with_directory,
    async |dir| {
        let boss = dir
            .create_user(user(json!({"userPrincipalName": "boss@contoso.com"})))
            .await
            .unwrap();
        let drafts = |names: &[&str]| -> Vec<UserDraft> {
            names
                .iter()
                .map(|n| user(json!({"userPrincipalName": n, "manager": boss.id, "employeeId": n})))
                .collect()
        };
        let created = dir
            .create_users(drafts(&["a@contoso.com", "b@contoso.com"]))
            .await
            .unwrap();
        assert_eq!(created.len(), 2);
        assert!(
            created
                .iter()
                .all(|u| u.meta.version == 1 && u.attributes["accountEnabled"] == true)
        );
        let found = dir
            .users_matching_any(&[UserLookup::EmployeeId("b@contoso.com".into())])
            .await
            .unwrap();
        assert_eq!(found[0].id, created[1].id, "the indexed columns are written");
        assert_eq!(dir.latest_change().await.unwrap(), 3, "one change-log entry each");

        // A name already held, or held twice among them, refuses them all, naming it.
        for names in [["c@contoso.com", "A@CONTOSO.COM"], ["d@contoso.com", "D@contoso.com"]] {
            let refused = dir.create_users(drafts(&names)).await.unwrap_err();
            assert!(
                matches!(&refused, DirectoryError::Conflict { attribute, message }
                    if attribute == "userPrincipalName" && message.to_lowercase().contains(&names[1].to_lowercase())),
                "{refused:?}"
            );
        }
        // A manager that names no user refuses them too.
        let mut orphan = drafts(&["e@contoso.com"]);
        orphan[0].attributes.insert("manager".into(), json!("no-such-user"));
        let refused = dir.create_users(orphan).await.unwrap_err();
        assert!(refused.to_string().contains("no-such-user"), "{refused}");
        assert_eq!(dir.user_count().await.unwrap(), 3, "nothing of the refused ones");
        assert_eq!(dir.latest_change().await.unwrap(), 3);
    }
);
