//! `/api/v1/directory` on each backend: users (create, read with groups
//! and manager, replace, patch, versions, soft delete, restore, purge,
//! search and paging), groups and members, and the attribute catalogue.

use reqwest::Method;
use reqwest::header::{ETAG, IF_MATCH, LOCATION};
use serde_json::{Value, json};

use super::{Api, with_api};
use crate::backends::backend_test;

const USERS: &str = "/api/v1/directory/users";
const GROUPS: &str = "/api/v1/directory/groups";
const ATTRIBUTES: &str = "/api/v1/directory/attributes";

async fn create_user(api: &Api, attributes: Value) -> String {
    let answer = api.post(USERS, json!({ "attributes": attributes })).await;
    answer.expect(201)["id"].as_str().unwrap().to_owned()
}

backend_test!(
    a_user_path_takes_the_userprincipalname_in_any_case_as_well_as_the_id,
    with_api,
    async |api: &Api| {
        let ada = create_user(api, json!({"userPrincipalName": "ada@contoso.com", "givenName": "Ada"})).await;
        let by_name = format!("{USERS}/ADA@Contoso.com");
        assert_eq!(api.get(&by_name).await.expect(200)["id"], ada.as_str());
        let patched = api
            .patch(&by_name, json!({"attributes": {"jobTitle": "Engineer"}}))
            .await;
        assert_eq!(patched.expect(200)["attributes"]["jobTitle"], "Engineer");
        let replaced = api
            .put(
                &by_name,
                json!({"attributes": {"userPrincipalName": "ada@contoso.com", "givenName": "Augusta"}}),
            )
            .await;
        assert_eq!(replaced.expect(200)["attributes"]["givenName"], "Augusta");
        api.delete(&by_name).await.expect(204);
        // A deleted user keeps its name: it is found, restored and purged by it too.
        assert!(api.get(&by_name).await.expect(200)["meta"]["deleted_at"].is_string());
        api.post(&format!("{by_name}/restore"), json!({})).await.expect(200);
        api.delete(&by_name).await.expect(204);
        api.delete(&format!("{by_name}?purge=true")).await.expect(204);
        api.get(&by_name).await.expect_error(
            404,
            "not_found",
            "no user has the id or userPrincipalName `ADA@Contoso.com`",
        );
    }
);

backend_test!(
    users_are_created_read_changed_deleted_restored_and_purged,
    with_api,
    async |api: &Api| {
        let boss = create_user(
            api,
            json!({"userPrincipalName": "grace@contoso.com", "displayName": "Grace"}),
        )
        .await;
        let created = api
            .post(
                USERS,
                json!({"attributes": {"userPrincipalName": "ada@contoso.com", "givenName": "Ada", "manager": boss}}),
            )
            .await;
        let ada = created.expect(201)["id"].as_str().unwrap().to_owned();
        let path = format!("{USERS}/{ada}");
        assert_eq!(created.headers[LOCATION], path.as_str());
        assert_eq!(created.body["attributes"]["accountEnabled"], true);
        assert_eq!(created.body["manager"], json!({"id": boss, "display_name": "Grace"}));
        assert_eq!(created.body["meta"]["version"], 1);

        let sales = api
            .post(
                GROUPS,
                json!({"attributes": {"displayName": "Sales"}, "members": [ada]}),
            )
            .await;
        let sales = sales.expect(201)["id"].as_str().unwrap().to_owned();
        let read = api.get(&path).await;
        assert_eq!(
            read.expect(200)["groups"],
            json!([{"id": sales, "display_name": "Sales"}])
        );
        assert_eq!(read.headers[ETAG], "\"1\"");

        api.post(USERS, json!({"attributes": {"givenName": "Nobody"}}))
            .await
            .expect_error(400, "invalid", "userPrincipalName");
        api.post(USERS, json!({"attributes": {"userPrincipalName": "ADA@contoso.com"}}))
            .await
            .expect_error(409, "conflict", "already used");
        api.post(
            USERS,
            json!({"attributes": {"userPrincipalName": "x@contoso.com", "shoeSize": 42}}),
        )
        .await
        .expect_error(400, "invalid", "shoeSize");
        api.post(
            USERS,
            json!({"attributes": {"userPrincipalName": "x@contoso.com", "accountEnabled": "maybe"}}),
        )
        .await
        .expect_error(400, "invalid", "accountEnabled");
        api.post(USERS, json!({"attrs": {}}))
            .await
            .expect_error(400, "invalid", "attributes");

        let patched = api
            .patch(
                &path,
                json!({"attributes": {"jobTitle": "Engineer", "givenName": null}}),
            )
            .await;
        let body = patched.expect(200);
        assert_eq!(body["attributes"]["jobTitle"], "Engineer");
        assert!(body["attributes"].get("givenName").is_none(), "{body}");
        assert_eq!(
            body["attributes"]["manager"],
            boss.as_str(),
            "untouched attributes stay"
        );
        assert_eq!(body["meta"]["version"], 2);

        let stale = api
            .send_with(Method::PUT, &path, |r| {
                r.header(IF_MATCH, "\"1\"")
                    .json(&json!({"attributes": {"userPrincipalName": "ada@contoso.com"}}))
            })
            .await;
        stale.expect_error(412, "precondition_failed", "version");
        let replaced = api
            .send_with(Method::PUT, &path, |r| {
                r.header(IF_MATCH, "\"2\"")
                    .json(&json!({"attributes": {"userPrincipalName": "ada@contoso.com", "surname": "Lovelace"}}))
            })
            .await;
        let body = replaced.expect(200);
        assert_eq!(
            body["attributes"],
            json!({"userPrincipalName": "ada@contoso.com", "surname": "Lovelace"})
        );
        assert_eq!(body["manager"], Value::Null);

        api.delete(&format!("{USERS}/{ada}?purge=true"))
            .await
            .expect_error(409, "conflict", "not deleted");
        api.delete(&path).await.expect(204);
        let deleted = api.get(&path).await;
        assert!(
            deleted.expect(200)["meta"]["deleted_at"].is_string(),
            "{}",
            deleted.text
        );
        api.patch(&path, json!({"attributes": {"jobTitle": "x"}}))
            .await
            .expect_error(404, "not_found", &ada);
        api.delete(&path).await.expect_error(409, "conflict", "already deleted");
        let live = api.get(&format!("{USERS}?search=ada")).await;
        assert_eq!(live.expect(200)["total"], 0);
        let gone = api.get(&format!("{USERS}?deleted=true")).await;
        assert_eq!(gone.expect(200)["items"][0]["id"], ada.as_str());

        let restored = api.post(&format!("{path}/restore"), json!({})).await;
        assert_eq!(restored.expect(200)["meta"]["deleted_at"], Value::Null);
        api.post(&format!("{path}/restore"), json!({}))
            .await
            .expect_error(409, "conflict", "not deleted");
        api.delete(&path).await.expect(204);
        api.delete(&format!("{path}?purge=true")).await.expect(204);
        api.get(&path).await.expect_error(404, "not_found", &ada);
        api.get(&format!("{USERS}/no-such-user")).await.expect(404);
    }
);

backend_test!(users_are_searched_and_paged, with_api, async |api: &Api| {
    for i in 0..7 {
        create_user(
            api,
            json!({"userPrincipalName": format!("pager{i}@contoso.com"), "displayName": format!("Pager {i}")}),
        )
        .await;
    }
    create_user(
        api,
        json!({"userPrincipalName": "other@contoso.com", "displayName": "Someone"}),
    )
    .await;
    let first = api.get(&format!("{USERS}?search=PAGER&limit=3")).await;
    let body = first.expect(200);
    assert_eq!(body["total"], 7);
    let names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["attributes"]["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Pager 0", "Pager 1", "Pager 2"]);
    let last = api.get(&format!("{USERS}?search=pager&limit=3&offset=6")).await;
    assert_eq!(last.expect(200)["items"].as_array().unwrap().len(), 1);
    assert_eq!(api.get(USERS).await.expect(200)["total"], 8);
    assert_eq!(
        api.get(&format!("{USERS}?search=%25")).await.expect(200)["total"],
        0,
        "wildcards are literal"
    );
    api.get(&format!("{USERS}?limit=0"))
        .await
        .expect_error(400, "invalid", "`limit`");
    api.get(&format!("{USERS}?limit=501"))
        .await
        .expect_error(400, "invalid", "500");
    api.get(&format!("{USERS}?offset=-1"))
        .await
        .expect_error(400, "invalid", "offset");
    api.get(&format!("{GROUPS}?limit=500")).await.expect(200);
});

backend_test!(groups_and_their_members, with_api, async |api: &Api| {
    let ada = create_user(
        api,
        json!({"userPrincipalName": "ada@contoso.com", "displayName": "Ada"}),
    )
    .await;
    let bob = create_user(api, json!({"userPrincipalName": "bob@contoso.com"})).await;
    let created = api
        .post(
            GROUPS,
            json!({"attributes": {"displayName": "Engineering"}, "members": [ada]}),
        )
        .await;
    let group = created.expect(201)["id"].as_str().unwrap().to_owned();
    let path = format!("{GROUPS}/{group}");
    assert_eq!(
        created.body["members"],
        json!([{"id": ada, "type": "user", "display_name": "Ada"}])
    );

    let nested = api
        .post(
            GROUPS,
            json!({"attributes": {"displayName": "All"}, "members": [group]}),
        )
        .await;
    assert_eq!(nested.expect(201)["members"][0]["type"], "group");
    api.post(
        GROUPS,
        json!({"attributes": {"displayName": "Bad"}, "members": ["ghost"]}),
    )
    .await
    .expect_error(400, "invalid", "ghost");

    let added = api.post(&format!("{path}/members"), json!({"ids": [bob, ada]})).await;
    let members: Vec<&str> = added.expect(200)["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(members.len(), 2, "{members:?}");
    assert!(members.contains(&bob.as_str()));
    let bob_member = added.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == bob.as_str())
        .unwrap()
        .clone();
    assert_eq!(bob_member["display_name"], "bob@contoso.com");

    api.delete(&format!("{path}/members/{ada}")).await.expect(204);
    api.delete(&format!("{path}/members/{ada}"))
        .await
        .expect_error(404, "not_found", "not a member");
    let read = api.get(&path).await;
    assert_eq!(read.expect(200)["members"].as_array().unwrap().len(), 1);

    let patched = api
        .patch(&path, json!({"attributes": {"description": "Builds things"}}))
        .await;
    assert_eq!(
        patched.expect(200)["attributes"],
        json!({"displayName": "Engineering", "description": "Builds things"})
    );
    assert_eq!(
        patched.body["members"].as_array().unwrap().len(),
        1,
        "members stay unless given"
    );
    let emptied = api.patch(&path, json!({"members": []})).await;
    assert_eq!(emptied.expect(200)["members"], json!([]));
    let replaced = api
        .put(
            &path,
            json!({"attributes": {"displayName": "Eng"}, "members": [ada, bob]}),
        )
        .await;
    assert_eq!(replaced.expect(200)["attributes"], json!({"displayName": "Eng"}));
    let ada_groups = api.get(&format!("{USERS}/{ada}")).await;
    assert_eq!(ada_groups.body["groups"], json!([{"id": group, "display_name": "Eng"}]));

    let search = api.get(&format!("{GROUPS}?search=en")).await;
    assert_eq!(search.expect(200)["total"], 1);

    api.delete(&path).await.expect(204);
    assert_eq!(api.get(&format!("{GROUPS}?deleted=true")).await.body["total"], 1);
    api.post(&format!("{path}/restore"), json!({})).await.expect(200);
    api.delete(&path).await.expect(204);
    api.delete(&format!("{path}?purge=true")).await.expect(204);
    api.get(&path).await.expect(404);
});

backend_test!(
    the_attribute_catalogue_and_extension_attributes,
    with_api,
    async |api: &Api| {
        let catalogue = api.get(ATTRIBUTES).await;
        let body = catalogue.expect(200);
        let find = |list: &Value, name: &str| list.as_array().unwrap().iter().find(|a| a["name"] == name).cloned();
        assert_eq!(
            find(&body["user"], "userPrincipalName"),
            Some(
                json!({"name": "userPrincipalName", "type": "string", "multi_valued": false, "description": "", "builtin": true})
            )
        );
        assert_eq!(find(&body["user"], "manager").unwrap()["type"], "reference");
        assert_eq!(find(&body["user"], "proxyAddresses").unwrap()["multi_valued"], true);
        assert!(find(&body["group"], "displayName").is_some());

        let defined = api
            .post(
                ATTRIBUTES,
                json!({"name": "shoeSize", "type": "integer", "description": "EU size"}),
            )
            .await;
        assert_eq!(
            defined.expect(201),
            &json!({"name": "shoeSize", "type": "integer", "multi_valued": false, "description": "EU size", "builtin": false})
        );
        api.post(ATTRIBUTES, json!({"name": "shoesize", "type": "string"}))
            .await
            .expect_error(409, "conflict", "already exists");
        api.post(ATTRIBUTES, json!({"name": "department", "type": "string"}))
            .await
            .expect_error(400, "invalid", "built-in");
        api.post(ATTRIBUTES, json!({"name": "2fast", "type": "string"}))
            .await
            .expect_error(400, "invalid", "2fast");
        api.post(ATTRIBUTES, json!({"name": "x", "type": "colour"}))
            .await
            .expect_error(400, "invalid", "type");
        let listed = api.get(ATTRIBUTES).await;
        assert_eq!(find(&listed.body["user"], "shoeSize").unwrap()["builtin"], false);

        let ada = create_user(api, json!({"userPrincipalName": "ada@contoso.com", "shoeSize": "38"})).await;
        assert_eq!(
            api.get(&format!("{USERS}/{ada}")).await.body["attributes"]["shoeSize"],
            38
        );

        api.delete(&format!("{ATTRIBUTES}/department"))
            .await
            .expect_error(400, "invalid", "built-in");
        api.delete(&format!("{ATTRIBUTES}/nothing"))
            .await
            .expect_error(404, "not_found", "nothing");
        api.delete(&format!("{ATTRIBUTES}/shoeSize")).await.expect(204);
        let user = api.get(&format!("{USERS}/{ada}")).await;
        assert!(user.body["attributes"].get("shoeSize").is_none(), "{}", user.text);
    }
);
