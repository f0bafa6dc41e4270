//! What widely used SCIM clients send and expect beyond the letter of RFC
//! 7644, over HTTP on SQLite and PostgreSQL: endpoint names in any letter
//! case, trailing slashes (with and without a query), a user whose
//! enterprise manager names no user (stored without it), and group members
//! with their `display`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::backends::backend_test;
use crate::scim::{BULK, ENTERPRISE, GROUP, USER, error_type, urlencode, with_scim};

fn id(resource: &Value) -> String {
    resource["id"].as_str().unwrap().to_owned()
}

backend_test!(endpoint_names_match_in_any_letter_case, with_scim, async |scim| {
    let created = scim
        .post("/users", json!({"schemas": [USER], "userName": "ada@contoso.com"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let ada = id(&created.body);
    for path in [
        "/users".to_owned(),
        "/USERS".to_owned(),
        format!("/users/{ada}"),
        "/groups".to_owned(),
        "/schemas".to_owned(),
        "/resourcetypes".to_owned(),
        "/resourceTypes/User".to_owned(),
        "/serviceproviderconfig".to_owned(),
        "/ServiceProviderConfig".to_owned(),
    ] {
        let reply = scim.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "GET {path}: {}", reply.body);
    }
    let read = scim.get(&format!("/uSeRs/{ada}")).await;
    assert_eq!(read.body["userName"], "ada@contoso.com");

    let replaced = scim
        .send(
            Method::PUT,
            &format!("/USERS/{ada}"),
            Some(json!({"schemas": [USER], "userName": "ada@contoso.com", "displayName": "Ada"})),
            &[],
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    let patched = scim
        .patch(
            &format!("/users/{ada}"),
            json!([{"op": "replace", "path": "title", "value": "Countess"}]),
        )
        .await;
    assert_eq!(patched.body["title"], "Countess", "{}", patched.body);

    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                        "filter": "userName eq \"ada@contoso.com\""});
    for path in ["/users/.search", "/Users/.SEARCH", "/.Search"] {
        let found = scim.post(path, search.clone()).await;
        assert_eq!(found.status, StatusCode::OK, "POST {path}: {}", found.body);
        assert_eq!(found.body["totalResults"], 1, "POST {path}: {}", found.body);
    }

    let bulk = scim
        .post(
            "/bulk",
            json!({"schemas": [BULK], "Operations": [
                {"method": "POST", "path": "/groups", "bulkId": "g",
                 "data": {"schemas": [GROUP], "displayName": "Engineers"}}
            ]}),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.body);
    assert_eq!(bulk.body["Operations"][0]["status"], "201", "{}", bulk.body);

    let group = scim
        .post("/GROUPS", json!({"schemas": [GROUP], "displayName": "Gone"}))
        .await;
    let deleted = scim
        .send(Method::DELETE, &format!("/groups/{}", id(&group.body)), None, &[])
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    // Still no such endpoint, in any case.
    assert_eq!(error_type(&scim.get("/printers").await).0, 404);
});

backend_test!(a_trailing_slash_is_ignored, with_scim, async |scim| {
    let ada = id(&scim.create_user("ada@contoso.com", json!({})).await);
    scim.create_user("bob@contoso.com", json!({})).await;
    let filter = urlencode("userName eq \"ada@contoso.com\"");
    let filtered = scim.get(&format!("/Users/?filter={filter}")).await;
    assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.body);
    assert_eq!(filtered.body["totalResults"], 1, "the query is kept: {}", filtered.body);
    assert_eq!(filtered.body["Resources"][0]["id"], ada.as_str());

    let all = scim.get("/Users/").await;
    assert_eq!(all.body["totalResults"], 2, "{}", all.body);
    let lower = scim.get(&format!("/users/?filter={filter}&attributes=userName")).await;
    assert_eq!(
        lower.body["Resources"][0]["userName"], "ada@contoso.com",
        "{}",
        lower.body
    );
    assert_eq!(lower.body["Resources"][0].get("meta"), None, "{}", lower.body);

    let read = scim.get(&format!("/Users/{ada}/")).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.body["id"], ada.as_str());
    let patched = scim
        .patch(
            &format!("/Users/{ada}/"),
            json!([{"op": "replace", "path": "displayName", "value": "Ada"}]),
        )
        .await;
    assert_eq!(patched.body["displayName"], "Ada", "{}", patched.body);
    let created = scim
        .post("/Groups/", json!({"schemas": [GROUP], "displayName": "Staff"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    for path in ["/Schemas/", "/ResourceTypes/", "/ServiceProviderConfig/"] {
        assert_eq!(scim.get(path).await.status, StatusCode::OK, "{path}");
    }
    let deleted = scim.send(Method::DELETE, &format!("/Users/{ada}/"), None, &[]).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
});

backend_test!(a_manager_that_names_no_user_is_left_out, with_scim, async |scim| {
    let unknown = json!({ENTERPRISE: {"manager": {"value": "no-such-user"}, "department": "Sales"}});
    let mut body = json!({"schemas": [USER, ENTERPRISE], "userName": "ada@contoso.com"});
    body[ENTERPRISE] = unknown[ENTERPRISE].clone();
    let created = scim.post("/Users", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body[ENTERPRISE]["department"], "Sales", "{}", created.body);
    assert_eq!(created.body[ENTERPRISE].get("manager"), None, "{}", created.body);
    let ada = id(&created.body);
    let read = scim.get(&format!("/Users/{ada}")).await;
    assert_eq!(read.body[ENTERPRISE].get("manager"), None, "{}", read.body);
    assert_eq!(read.body[ENTERPRISE]["department"], "Sales");

    // A known manager is kept; replacing it by an unknown one leaves none.
    let grace = id(&scim.create_user("grace@contoso.com", json!({})).await);
    let managed = scim
        .patch(
            &format!("/Users/{ada}"),
            json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": {"value": grace}}]),
        )
        .await;
    assert_eq!(
        managed.body[ENTERPRISE]["manager"]["value"],
        grace.as_str(),
        "{}",
        managed.body
    );
    let patched = scim
        .patch(
            &format!("/Users/{ada}"),
            json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": "nobody"},
                   {"op": "replace", "path": "title", "value": "Countess"}]),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(
        patched.body["title"], "Countess",
        "the rest is written: {}",
        patched.body
    );
    assert_eq!(patched.body[ENTERPRISE].get("manager"), None, "{}", patched.body);

    let replaced = scim
        .send(
            Method::PUT,
            &format!("/Users/{ada}"),
            Some(json!({"schemas": [USER, ENTERPRISE], "userName": "ada@contoso.com",
                        ENTERPRISE: {"manager": {"value": "still-nobody"}}})),
            &[],
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.body[ENTERPRISE].get("manager"), None, "{}", replaced.body);

    // A user cannot manage itself: that stays an error.
    let own = scim
        .patch(
            &format!("/Users/{ada}"),
            json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": ada}]),
        )
        .await;
    assert_eq!(error_type(&own), (400, Some("invalidValue")));
});

backend_test!(group_members_carry_their_display_name, with_scim, async |scim| {
    let ada = id(&scim
        .create_user("ada@contoso.com", json!({"displayName": "Ada Lovelace"}))
        .await);
    let nameless = id(&scim.create_user("nameless@contoso.com", json!({})).await);
    let inner = scim
        .post("/Groups", json!({"schemas": [GROUP], "displayName": "Analysts"}))
        .await;
    let inner = id(&inner.body);
    let created = scim
        .post(
            "/Groups",
            json!({"schemas": [GROUP], "displayName": "Engineers",
                   "members": [{"value": ada}, {"value": inner}, {"value": nameless}]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let display = |group: &Value| -> Vec<(String, Option<String>)> {
        let mut members: Vec<_> = group["members"]
            .as_array()
            .unwrap_or_else(|| panic!("no members: {group}"))
            .iter()
            .map(|m| {
                (
                    m["value"].as_str().unwrap().to_owned(),
                    m["display"].as_str().map(str::to_owned),
                )
            })
            .collect();
        members.sort();
        members
    };
    let mut expected = vec![
        (ada.clone(), Some("Ada Lovelace".to_owned())),
        (inner.clone(), Some("Analysts".to_owned())),
        (nameless.clone(), None),
    ];
    expected.sort();
    assert_eq!(display(&created.body), expected, "the create's answer");
    let gid = id(&created.body);
    let path = format!("/Groups/{gid}");
    assert_eq!(display(&scim.get(&path).await.body), expected, "a read");

    let listed = scim.get("/Groups?sortBy=displayName").await;
    assert_eq!(
        display(&listed.body["Resources"][1]),
        expected,
        "a list: {}",
        listed.body
    );
    let filter = urlencode("displayName eq \"Engineers\"");
    let found = scim.get(&format!("/Groups?filter={filter}")).await;
    assert_eq!(display(&found.body["Resources"][0]), expected, "a filtered list");
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                        "filter": "displayName eq \"Engineers\""});
    let everywhere = scim.post("/.search", search).await;
    assert_eq!(
        display(&everywhere.body["Resources"][0]),
        expected,
        "{}",
        everywhere.body
    );
    let by_member = scim
        .get(&format!(
            "/Groups?filter={}",
            urlencode("members[display eq \"ada lovelace\"]")
        ))
        .await;
    assert_eq!(by_member.body["totalResults"], 1, "{}", by_member.body);
    assert_eq!(by_member.body["Resources"][0]["id"], gid.as_str());

    let patched = scim
        .patch(
            &path,
            json!([{"op": "replace", "path": "displayName", "value": "Engineering"}]),
        )
        .await;
    assert_eq!(display(&patched.body), expected, "a patch's answer");
    // A renamed member shows its new name.
    scim.patch(
        &format!("/Users/{ada}"),
        json!([{"op": "replace", "path": "displayName", "value": "Ada King"}]),
    )
    .await;
    let read = scim.get(&path).await;
    assert!(
        display(&read.body).contains(&(ada.clone(), Some("Ada King".to_owned()))),
        "{}",
        read.body
    );

    // Projection: attributes and excludedAttributes leave display out.
    let values = scim.get(&format!("{path}?attributes=members.value")).await;
    assert!(
        values.body["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m.get("display").is_none()),
        "{}",
        values.body
    );
    let excluded = scim.get(&format!("{path}?excludedAttributes=members.display")).await;
    let members = excluded.body["members"].as_array().unwrap();
    assert!(
        members
            .iter()
            .all(|m| m.get("display").is_none() && m.get("value").is_some()),
        "{}",
        excluded.body
    );
    let only_display = scim.get(&format!("{path}?attributes=members.display")).await;
    assert!(
        only_display.body["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["display"] == "Analysts"),
        "{}",
        only_display.body
    );
});
