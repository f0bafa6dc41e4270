//! A group's members changed by difference, on real databases and through
//! the SCIM service: what is written and logged, what is refused whole,
//! and answers that leave a big group's members unread.

use provisio_server::directory::{
    ChangeKind, Directory, DirectoryError, GroupDraft, MemberChange, ObjectType, UserDraft,
};
use provisio_server::store::Store;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::backends::{Backend, backend_test};
use crate::scim::{GROUP, with_scim};

async fn with_directory(backend: Backend, test: impl AsyncFn(Directory)) {
    let store = Store::open(&backend.url).await.unwrap();
    test(store.directory()).await;
    store.close().await;
}

async fn user(dir: &Directory, name: &str) -> String {
    let draft = UserDraft {
        attributes: json!({"userPrincipalName": format!("{name}@contoso.com")})
            .as_object()
            .unwrap()
            .clone(),
        scim_extra: None,
    };
    dir.create_user(draft).await.unwrap().id
}

async fn group(dir: &Directory, name: &str, members: &[&String]) -> String {
    let draft = GroupDraft {
        attributes: json!({"displayName": name}).as_object().unwrap().clone(),
        members: members.iter().map(|m| (*m).clone()).collect(),
        scim_extra: None,
    };
    dir.create_group(draft).await.unwrap().id
}

fn change(add: &[&String], remove: &[&String]) -> MemberChange {
    MemberChange {
        add: add.iter().map(|id| (*id).clone()).collect(),
        remove: remove.iter().map(|id| (*id).clone()).collect(),
    }
}

async fn member_ids(dir: &Directory, group: &str) -> Vec<String> {
    let mut ids: Vec<String> = dir
        .group(group)
        .await
        .unwrap()
        .unwrap()
        .members
        .into_iter()
        .map(|m| m.id)
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|id| (*id).clone()).collect();
    ids.sort();
    ids
}

backend_test!(
    members_change_by_difference_and_log_what_changed,
    with_directory,
    async |dir| {
        let (ada, bob, cy, dee) = (
            user(&dir, "ada").await,
            user(&dir, "bob").await,
            user(&dir, "cy").await,
            user(&dir, "dee").await,
        );
        let nested = group(&dir, "Nested", &[&dee]).await;
        let staff = group(&dir, "Staff", &[&ada]).await;
        let before = dir.latest_change().await.unwrap();

        assert!(
            dir.change_members(&staff, Some(1), &change(&[&bob, &nested], &[&ada]))
                .await
                .unwrap()
        );
        assert_eq!(member_ids(&dir, &staff).await, sorted(&[&bob, &nested]));
        assert_eq!(dir.group(&staff).await.unwrap().unwrap().meta.version, 2);
        let mut logged: Vec<(ObjectType, String, ChangeKind)> = dir
            .changes_since(before, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.object_type, c.object_id, c.change))
            .collect();
        logged.sort_by(|a, b| a.1.cmp(&b.1));
        let mut expected = vec![
            (ObjectType::Group, staff.clone(), ChangeKind::Updated),
            (ObjectType::User, ada.clone(), ChangeKind::Updated),
            (ObjectType::User, bob.clone(), ChangeKind::Updated),
            (ObjectType::Group, nested.clone(), ChangeKind::Updated),
            (ObjectType::User, dee.clone(), ChangeKind::Updated),
        ];
        expected.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            logged, expected,
            "the group, each member added or removed, and what is below a nested one"
        );

        // Removing a non-member, or adding a member again, changes nothing.
        let latest = dir.latest_change().await.unwrap();
        assert!(
            !dir.change_members(&staff, None, &change(&[&bob], &[&cy]))
                .await
                .unwrap()
        );
        assert_eq!(dir.latest_change().await.unwrap(), latest);
        assert_eq!(dir.group(&staff).await.unwrap().unwrap().meta.version, 2);

        // An id that names nothing, the group itself or a stale version refuse the whole change.
        let ghost = "no-such-user".to_owned();
        for (refused, why) in [
            (change(&[&cy, &ghost], &[&bob]), "names no user or group"),
            (change(&[&cy, &staff], &[&bob]), "member of itself"),
        ] {
            let error = dir.change_members(&staff, None, &refused).await.unwrap_err();
            assert!(
                matches!(&error, DirectoryError::Invalid { attribute, message } if attribute == "members" && message.contains(why)),
                "{error:?}"
            );
        }
        let stale = dir
            .change_members(&staff, Some(1), &change(&[&cy], &[]))
            .await
            .unwrap_err();
        assert!(
            matches!(stale, DirectoryError::VersionMismatch { current: 2, .. }),
            "{stale:?}"
        );
        assert_eq!(member_ids(&dir, &staff).await, sorted(&[&bob, &nested]));
        assert_eq!(dir.latest_change().await.unwrap(), latest);

        // A deleted member's membership is kept hidden, so a restore brings it back.
        dir.delete_user(&bob, None).await.unwrap();
        assert!(!dir.change_members(&staff, None, &change(&[], &[&bob])).await.unwrap());
        dir.restore_user(&bob).await.unwrap();
        assert_eq!(member_ids(&dir, &staff).await, sorted(&[&bob, &nested]));

        let gone = dir
            .change_members("no-such-group", None, &change(&[&cy], &[]))
            .await
            .unwrap_err();
        assert!(matches!(gone, DirectoryError::NotFound { .. }), "{gone:?}");
    }
);

backend_test!(
    a_member_patch_answers_without_members_when_asked_and_removes_ignoring_case,
    with_scim,
    async |scim| {
        let ada = scim.create_user("ada@contoso.com", json!({"displayName": "Ada"})).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let bob = scim.create_user("bob@contoso.com", json!({"displayName": "Bob"})).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let created = scim
            .post(
                "/Groups",
                json!({"schemas": [GROUP], "displayName": "Staff", "members": [{"value": ada}]}),
            )
            .await;
        let path = format!("/Groups/{}", created.body["id"].as_str().unwrap());
        let patch =
            |operations: serde_json::Value| json!({"schemas": [crate::scim::PATCH_OP], "Operations": operations});

        let add = patch(json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": bob}]}]));
        let added = scim
            .send(
                Method::PATCH,
                &format!("{path}?excludedAttributes=members"),
                Some(add),
                &[("If-Match", "W/\"1\"")],
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
        assert_eq!(added.body["displayName"], "Staff", "{}", added.body);
        assert_eq!(added.body.get("members"), None, "{}", added.body);
        assert_eq!(added.body["meta"]["version"], "W/\"2\"", "{}", added.body);

        let stale = scim
            .send(
                Method::PATCH,
                &path,
                Some(patch(
                    json!([{"op": "remove", "path": format!("members[value eq \"{ada}\"]")}]),
                )),
                &[("If-Match", "W/\"1\"")],
            )
            .await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{}", stale.body);

        let removed = scim
            .patch(
                &path,
                json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", ada.to_uppercase())}]),
            )
            .await;
        assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
        assert_eq!(
            removed.body["members"],
            json!([{"value": bob, "$ref": scim.url(&format!("/Users/{bob}")), "type": "User", "display": "Bob"}]),
            "an answer that shows members names them"
        );
        let read = scim.get(&path).await;
        assert_eq!(read.body["members"].as_array().unwrap().len(), 1, "{}", read.body);
    }
);

backend_test!(
    a_groups_users_are_listed_through_its_memberships,
    with_scim,
    async |scim| {
        let id = |resource: serde_json::Value| resource["id"].as_str().unwrap().to_owned();
        let ada = id(scim.create_user("ada@contoso.com", json!({})).await);
        let bob = id(scim.create_user("bob@contoso.com", json!({})).await);
        let gone = id(scim.create_user("gone@contoso.com", json!({})).await);
        id(scim.create_user("cy@contoso.com", json!({})).await);
        let inner = scim
            .post(
                "/Groups",
                json!({"schemas": [GROUP], "displayName": "Inner", "members": [{"value": bob}]}),
            )
            .await;
        let staff = scim
            .post(
                "/Groups",
                json!({"schemas": [GROUP], "displayName": "Staff",
                       "members": [{"value": ada}, {"value": bob}, {"value": gone}, {"value": id(inner.body)}]}),
            )
            .await;
        let staff = id(staff.body);
        let deleted = scim.send(Method::DELETE, &format!("/Users/{gone}"), None, &[]).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);

        let listed = |filter: String| async move {
            let url = format!("/Users?filter={}&sortBy=userName", urlencoding(&filter));
            let reply = scim.get(&url).await;
            assert_eq!(reply.status, StatusCode::OK, "{filter}: {}", reply.body);
            reply.body["Resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|user| user["userName"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        // The live direct user members, each with every group it is in.
        assert_eq!(
            listed(format!("groups.value eq \"{staff}\"")).await,
            ["ada@contoso.com", "bob@contoso.com"]
        );
        assert!(
            listed(format!("groups.value eq \"{}\"", staff.to_uppercase()))
                .await
                .is_empty(),
            "a group's id is compared exactly, as when every user is scanned"
        );
        assert_eq!(
            listed(format!("groups.value eq \"{staff}\" and groups.display eq \"Inner\"")).await,
            ["bob@contoso.com"],
            "the rest of the filter still applies, to all of a member's groups"
        );
        assert_eq!(
            listed(format!("groups.value eq \"{staff}\" and userName sw \"a\"")).await,
            ["ada@contoso.com"]
        );
        assert!(listed("groups.value eq \"no-such-group\"".to_owned()).await.is_empty());
    }
);

fn urlencoding(text: &str) -> String {
    reqwest::Url::parse_with_params("http://x/", [("q", text)])
        .unwrap()
        .query()
        .unwrap()[2..]
        .to_owned()
}
