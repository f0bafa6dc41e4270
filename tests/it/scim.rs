//! The SCIM 2.0 service provider over HTTP on loopback, against a SQLite
//! file and PostgreSQL: discovery, CRUD, filters, sorting, paging,
//! projection, ETags, PATCH (RFC and Entra style), /Bulk, and errors that
//! say what is wrong without writing anything.

use provisio_api::auth::{TokenCreateRequest, TokenScope};
use provisio_server::{RunningServer, Server, ServerConfig};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH, IF_NONE_MATCH, LOCATION};
use serde_json::{Value, json};

use crate::backends::{Backend, backend_test};

pub(crate) const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(crate) const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub(crate) const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

pub struct Scim {
    pub server: RunningServer,
    http: reqwest::Client,
    pub token: String,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Scim {
    pub async fn start(database_url: &str) -> Scim {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::new(ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: database_url.to_owned(),
            portal_dir: dir.path().join("dist"),
        })
        .with_secret_key_file(Some(dir.path().join("secret.key")))
        .launch()
        .await
        .unwrap();
        let token = provisio_server::auth::Tokens::new(server.store())
            .create(&TokenCreateRequest {
                name: Some("scim tests".into()),
                scope: TokenScope::Scim,
                job: None,
                agent: None,
                expires_in: None,
            })
            .await
            .unwrap()
            .token
            .expose()
            .to_owned();
        Scim {
            server,
            http: reqwest::Client::new(),
            token,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/scim/v2{path}", self.server.base_url())
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, operations: Value) -> Reply {
        self.send(
            reqwest::Method::PATCH,
            path,
            Some(json!({"schemas": [PATCH_OP], "Operations": operations})),
            &[],
        )
        .await
    }

    pub async fn create_user(&self, user_name: &str, extra: Value) -> Value {
        let mut body = json!({"schemas": [USER], "userName": user_name});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        let reply = self.post("/Users", body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }

    pub async fn latest_change(&self) -> i64 {
        self.server.store().directory().latest_change().await.unwrap()
    }
}

/// Runs `test` against a SCIM service on `backend`.
pub(crate) async fn with_scim(backend: Backend, test: impl AsyncFn(&Scim)) {
    let scim = Scim::start(&backend.url).await;
    test(&scim).await;
    scim.server.shutdown().await;
}

pub(crate) fn error_type(reply: &Reply) -> (u16, Option<&str>) {
    assert_eq!(
        reply.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
        "{}",
        reply.body
    );
    assert_eq!(reply.body["status"], reply.status.as_u16().to_string());
    (reply.status.as_u16(), reply.body["scimType"].as_str())
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let backend = Backend::sqlite();
    let scim = Scim::start(&backend.url).await;
    let http = reqwest::Client::new();
    for path in [
        "/Users",
        "/Groups",
        "/ServiceProviderConfig",
        "/Schemas",
        "/ResourceTypes",
        "/Users/x",
    ] {
        let anonymous = http.get(scim.url(path)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{path}");
        let wrong = http.get(scim.url(path)).bearer_auth("pvs_wrong").send().await.unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    scim.server.shutdown().await;
}

backend_test!(discovery_documents_describe_the_service, with_scim, async |scim| {
    let config = scim.get("/ServiceProviderConfig").await;
    assert_eq!(config.status, StatusCode::OK);
    assert_eq!(config.headers[CONTENT_TYPE], "application/scim+json");
    assert_eq!(config.body["patch"]["supported"], true);
    assert_eq!(config.body["bulk"]["supported"], true);
    assert_eq!(config.body["etag"]["supported"], true);
    let types = scim.get("/ResourceTypes").await;
    let ids: Vec<&str> = types.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["User", "Group"]);
    assert_eq!(scim.get("/ResourceTypes/User").await.body["schema"], USER);
    let schemas = scim.get("/Schemas").await;
    assert!(
        schemas.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == ENTERPRISE)
    );
    let user_schema = scim.get(&format!("/Schemas/{USER}")).await;
    let user_name = user_schema.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "userName")
        .unwrap();
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(scim.get("/Schemas/urn:nope").await.status, StatusCode::NOT_FOUND);
});

backend_test!(users_are_created_read_replaced_and_deleted, with_scim, async |scim| {
    let reply = scim
        .post(
            "/Users",
            json!({
                "schemas": [USER, ENTERPRISE],
                "userName": "ada@contoso.com",
                "externalId": "E-1",
                "name": {"givenName": "Ada", "familyName": "Lovelace"},
                "emails": [{"value": "ada@contoso.com", "type": "work", "primary": true}],
                "active": "True",
                ENTERPRISE: {"department": "Engineering", "employeeNumber": "1001"}
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["id"].as_str().unwrap().to_owned();
    assert_eq!(reply.headers[LOCATION], scim.url(&format!("/Users/{id}")).as_str());
    assert_eq!(reply.body["active"], true, "\"True\" is read as a boolean");
    assert_eq!(reply.body["meta"]["resourceType"], "User");

    // The directory holds it under Entra's attribute names.
    let stored = scim.server.store().directory().user(&id).await.unwrap().unwrap();
    assert_eq!(stored.attributes["userPrincipalName"], "ada@contoso.com");
    assert_eq!(stored.attributes["department"], "Engineering");
    assert_eq!(stored.attributes["employeeId"], "1001");
    assert_eq!(stored.attributes["mail"], "ada@contoso.com");

    let read = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["name"]["familyName"], "Lovelace");
    let etag = read.headers[ETAG].to_str().unwrap().to_owned();
    let unchanged = scim
        .send(
            reqwest::Method::GET,
            &format!("/Users/{id}"),
            None,
            &[(IF_NONE_MATCH.as_str(), &etag)],
        )
        .await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);

    let replaced = scim
        .send(
            reqwest::Method::PUT,
            &format!("/Users/{id}"),
            Some(json!({"schemas": [USER], "userName": "ada@contoso.com", "displayName": "Ada L.", "active": false})),
            &[(IF_MATCH.as_str(), &etag)],
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.body["displayName"], "Ada L.");
    assert!(replaced.body.get("name").is_none(), "PUT replaces everything");
    let stale = scim
        .send(
            reqwest::Method::PUT,
            &format!("/Users/{id}"),
            Some(json!({"schemas": [USER], "userName": "ada@contoso.com"})),
            &[(IF_MATCH.as_str(), &etag)],
        )
        .await;
    assert_eq!(error_type(&stale).0, 412);

    let deleted = scim
        .send(reqwest::Method::DELETE, &format!("/Users/{id}"), None, &[])
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(error_type(&scim.get(&format!("/Users/{id}")).await).0, 404);
    let soft = scim
        .server
        .store()
        .directory()
        .user_including_deleted(&id)
        .await
        .unwrap()
        .unwrap();
    assert!(soft.is_deleted(), "a SCIM delete soft-deletes");
});

backend_test!(
    bad_requests_say_what_is_wrong_and_write_nothing,
    with_scim,
    async |scim| {
        scim.create_user("taken@contoso.com", json!({})).await;
        let before = scim.latest_change().await;

        let duplicate = scim
            .post("/Users", json!({"schemas": [USER], "userName": "TAKEN@contoso.com"}))
            .await;
        assert_eq!(error_type(&duplicate), (409, Some("uniqueness")));
        let no_name = scim
            .post("/Users", json!({"schemas": [USER], "displayName": "x"}))
            .await;
        assert_eq!(error_type(&no_name).0, 400);
        assert!(
            no_name.body["detail"].as_str().unwrap().contains("userName"),
            "{}",
            no_name.body
        );
        let unknown = scim
            .post(
                "/Users",
                json!({"schemas": [USER], "userName": "u@c.com", "shoeSize": 44}),
            )
            .await;
        assert_eq!(error_type(&unknown).0, 400);
        assert!(
            unknown.body["detail"].as_str().unwrap().contains("shoeSize"),
            "{}",
            unknown.body
        );
        let wrong_type = scim
            .post(
                "/Users",
                json!({"schemas": [USER], "userName": "u@c.com", "active": "maybe"}),
            )
            .await;
        assert_eq!(error_type(&wrong_type).0, 400);
        let no_schemas = scim.post("/Users", json!({"userName": "u@c.com"})).await;
        assert_eq!(error_type(&no_schemas).0, 400);

        let malformed = scim
            .http
            .post(scim.url("/Users"))
            .bearer_auth(&scim.token)
            .header(CONTENT_TYPE, "application/scim+json")
            .body("{\"userName\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
        let body: Value = malformed.json().await.unwrap();
        assert_eq!(body["scimType"], "invalidSyntax");
        assert!(body["detail"].as_str().unwrap().contains("line 1"), "{body}");

        let text = scim
            .http
            .post(scim.url("/Users"))
            .bearer_auth(&scim.token)
            .header(CONTENT_TYPE, "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

        let huge = json!({"schemas": [USER], "userName": "big@c.com", "displayName": "x".repeat(2_000_000)});
        let too_big = scim.post("/Users", huge).await;
        assert_eq!(error_type(&too_big).0, 413);

        let bad_filter = scim.get("/Users?filter=userName%20eqq%20%22x%22").await;
        assert_eq!(error_type(&bad_filter), (400, Some("invalidFilter")));
        let unknown_attr = scim.get("/Users?filter=shoeSize%20eq%201").await;
        assert_eq!(error_type(&unknown_attr), (400, Some("invalidFilter")));
        assert_eq!(error_type(&scim.get("/Printers").await).0, 404);

        assert_eq!(scim.latest_change().await, before, "nothing was written");
        assert_eq!(scim.server.store().directory().user_count().await.unwrap(), 1);
    }
);

backend_test!(filters_sorting_paging_and_projection, with_scim, async |scim| {
    for (n, (name, dept, active)) in [
        ("ada", "Engineering", true),
        ("bob", "Sales", true),
        ("cyd", "Engineering", false),
        ("dee", "Sales", true),
        ("eve", "Legal", true),
    ]
    .into_iter()
    .enumerate()
    {
        scim.create_user(
            &format!("{name}@contoso.com"),
            json!({
                "schemas": [USER, ENTERPRISE],
                "externalId": format!("X{n}"),
                "displayName": name.to_uppercase(),
                "active": active,
                "emails": [{"value": format!("{name}@contoso.com"), "type": "work"}],
                ENTERPRISE: {"department": dept}
            }),
        )
        .await;
    }
    let names = |reply: &Reply| -> Vec<String> {
        reply.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_owned())
            .collect()
    };
    let query = |filter: &str| format!("/Users?filter={}", urlencode(filter));
    let eq = scim.get(&query("userName eq \"ADA@contoso.com\"")).await;
    assert_eq!(names(&eq), ["ada@contoso.com"], "userName compares case-insensitively");
    let ext = scim.get(&query("externalId eq \"x1\"")).await;
    assert_eq!(ext.body["totalResults"], 0, "externalId is case-exact");
    let dept = scim
        .get(&format!(
            "{}&sortBy=userName&sortOrder=descending",
            query(&format!("{ENTERPRISE}:department eq \"Sales\""))
        ))
        .await;
    assert_eq!(names(&dept), ["dee@contoso.com", "bob@contoso.com"]);
    let logic = scim
        .get(&query(
            "(active eq true and not (userName sw \"b\")) or displayName eq \"CYD\"",
        ))
        .await;
    assert_eq!(logic.body["totalResults"], 4);
    // A client matching many users at once: each pair read by its index,
    // the filter still evaluated exactly (externalId stays case-exact).
    let many = scim
        .get(&query(
            "userName eq \"DEE@contoso.com\" or userName eq \"ada@contoso.com\" or userName eq \"nobody@contoso.com\" \
             or externalId eq \"X1\" or externalId eq \"x4\" or userName eq \"ada@CONTOSO.com\"",
        ))
        .await;
    assert_eq!(
        names(&many),
        ["ada@contoso.com", "bob@contoso.com", "dee@contoso.com"],
        "in creation order, each once"
    );
    let value_path = scim.get(&query("emails[type eq \"work\" and value co \"eve\"]")).await;
    assert_eq!(names(&value_path), ["eve@contoso.com"]);
    let present = scim.get(&query("title pr")).await;
    assert_eq!(present.body["totalResults"], 0);

    let page = scim.get("/Users?sortBy=userName&startIndex=2&count=2").await;
    assert_eq!(page.body["totalResults"], 5);
    assert_eq!(page.body["startIndex"], 2);
    assert_eq!(page.body["itemsPerPage"], 2);
    assert_eq!(names(&page), ["bob@contoso.com", "cyd@contoso.com"]);
    let count_only = scim.get("/Users?count=0").await;
    assert_eq!(
        (
            count_only.body["totalResults"].clone(),
            count_only.body["Resources"].as_array().map(Vec::len)
        ),
        (json!(5), Some(0))
    );

    let projected = scim
        .get(&format!(
            "{}&attributes=userName",
            query("userName eq \"ada@contoso.com\"")
        ))
        .await;
    let only = &projected.body["Resources"][0];
    assert!(only.get("id").is_some(), "id is always returned");
    assert!(only.get("displayName").is_none());
    let excluded = scim
        .get(&format!(
            "{}&excludedAttributes=emails,meta",
            query("userName eq \"ada@contoso.com\"")
        ))
        .await;
    assert!(excluded.body["Resources"][0].get("emails").is_none());
    assert!(excluded.body["Resources"][0].get("displayName").is_some());

    let search = scim
        .post(
            "/Users/.search",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "displayName sw \"D\"", "attributes": ["userName"]}),
        )
        .await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.body);
    assert_eq!(names(&search), ["dee@contoso.com"]);
});

backend_test!(
    patch_accepts_rfc_and_entra_requests_all_or_nothing,
    with_scim,
    async |scim| {
        let user = scim.create_user("pat@contoso.com", json!({"displayName": "Pat"})).await;
        let id = user["id"].as_str().unwrap();
        let path = format!("/Users/{id}");

        let entra = scim
        .patch(
            &path,
            json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "pat@contoso.com"},
                {"op": "replace", "value": {"name.givenName": "Pat", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales"}}
            ]),
        )
        .await;
        assert_eq!(entra.status, StatusCode::OK, "{}", entra.body);
        assert_eq!(entra.body["active"], false);
        assert_eq!(entra.body["emails"][0]["value"], "pat@contoso.com");
        assert_eq!(entra.body["name"]["givenName"], "Pat");
        let stored = scim.server.store().directory().user(id).await.unwrap().unwrap();
        assert_eq!(stored.attributes["accountEnabled"], false);
        assert_eq!(stored.attributes["department"], "Sales");

        let before = scim.latest_change().await;
        let half_bad = scim
            .patch(
                &path,
                json!([
                    {"op": "replace", "path": "displayName", "value": "Changed"},
                    {"op": "replace", "path": "id", "value": "new-id"}
                ]),
            )
            .await;
        assert_eq!(error_type(&half_bad), (400, Some("mutability")));
        let bad_path = scim
            .patch(
                &path,
                json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]),
            )
            .await;
        assert_eq!(error_type(&bad_path).0, 400);
        let bad_op = scim
            .patch(&path, json!([{"op": "move", "path": "displayName", "value": "x"}]))
            .await;
        assert_eq!(error_type(&bad_op).0, 400);
        assert_eq!(scim.latest_change().await, before, "a failed PATCH writes nothing");
        assert_eq!(scim.get(&path).await.body["displayName"], "Pat");

        let removed = scim
            .patch(&path, json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]))
            .await;
        assert_eq!(removed.status, StatusCode::OK);
        assert!(removed.body.get("emails").is_none(), "{}", removed.body);
        assert_eq!(
            error_type(
                &scim
                    .patch("/Users/missing", json!([{"op": "remove", "path": "title"}]))
                    .await
            )
            .0,
            404
        );
    }
);

backend_test!(groups_and_their_members, with_scim, async |scim| {
    let ada = scim.create_user("ada@contoso.com", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = scim.create_user("bob@contoso.com", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = scim
        .post(
            "/Groups",
            json!({"schemas": [GROUP], "displayName": "Engineers", "members": [{"value": ada, "$ref": null}]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let gid = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{gid}");

    let added = scim
        .patch(
            &path,
            json!([{"op": "Add", "path": "members", "value": [{"value": bob}]}]),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert_eq!(added.body["members"].as_array().unwrap().len(), 2);
    let user = scim.get(&format!("/Users/{bob}")).await;
    assert_eq!(user.body["groups"][0]["value"], gid.as_str());
    let filter = urlencode(&format!("groups.value eq \"{gid}\""));
    let members = scim.get(&format!("/Users?filter={filter}&sortBy=userName")).await;
    assert_eq!(members.body["totalResults"], 2, "{}", members.body);
    assert_eq!(members.body["Resources"][1]["id"], bob.as_str());

    let filtered = scim
        .patch(
            &path,
            json!([{"op": "remove", "path": format!("members[value eq \"{ada}\"]")}]),
        )
        .await;
    assert_eq!(filtered.body["members"].as_array().unwrap().len(), 1);
    let entra = scim
        .patch(
            &path,
            json!([{"op": "Remove", "path": "members", "value": [{"value": bob}]}]),
        )
        .await;
    assert!(
        entra
            .body
            .get("members")
            .is_none_or(|m| m.as_array().unwrap().is_empty()),
        "{}",
        entra.body
    );

    let ghost = scim
        .patch(
            &path,
            json!([{"op": "add", "path": "members", "value": [{"value": "ghost"}]}]),
        )
        .await;
    assert_eq!(error_type(&ghost).0, 400);
    let by_name = scim
        .get(&format!("/Groups?filter={}", urlencode("displayName eq \"engineers\"")))
        .await;
    assert_eq!(by_name.body["totalResults"], 1);
});

backend_test!(
    bulk_requests_resolve_bulk_ids_and_isolate_failures,
    with_scim,
    async |scim| {
        let reply = scim
        .post(
            "/Bulk",
            json!({
                "schemas": [BULK],
                "Operations": [
                    {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": [GROUP], "displayName": "Team", "members": [{"value": "bulkId:u"}]}},
                    {"method": "POST", "path": "/Users", "bulkId": "u", "data": {"schemas": [USER], "userName": "new@contoso.com"}},
                    {"method": "POST", "path": "/Users", "bulkId": "dup", "data": {"schemas": [USER], "userName": "NEW@contoso.com"}},
                    {"method": "PATCH", "path": "/Users/bulkId:u", "data": {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "Lead"}]}},
                    {"method": "DELETE", "path": "/Users/nobody"}
                ]
            }),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let ops = reply.body["Operations"].as_array().unwrap();
        let status_of = |bulk_or_method: &str| -> Vec<String> {
            ops.iter()
                .filter(|o| {
                    o["bulkId"] == bulk_or_method || (o.get("bulkId").is_none() && o["method"] == bulk_or_method)
                })
                .map(|o| o["status"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(status_of("u"), ["201"]);
        assert_eq!(status_of("g"), ["201"]);
        assert_eq!(status_of("dup"), ["409"]);
        assert_eq!(status_of("DELETE"), ["404"]);
        let group = scim
            .get(
                ops.iter().find(|o| o["bulkId"] == "g").unwrap()["location"]
                    .as_str()
                    .unwrap()
                    .rsplit_once("/scim/v2")
                    .unwrap()
                    .1,
            )
            .await;
        assert_eq!(group.body["members"].as_array().unwrap().len(), 1);
        assert_eq!(scim.server.store().directory().user_count().await.unwrap(), 1);

        let stop = scim
        .post(
            "/Bulk",
            json!({
                "schemas": [BULK],
                "failOnErrors": 1,
                "Operations": [
                    {"method": "DELETE", "path": "/Users/nobody"},
                    {"method": "POST", "path": "/Users", "bulkId": "late", "data": {"schemas": [USER], "userName": "late@contoso.com"}}
                ]
            }),
        )
        .await;
        assert_eq!(
            stop.body["Operations"].as_array().unwrap().len(),
            1,
            "stops after the first error"
        );
        let circular = scim
        .post(
            "/Bulk",
            json!({"schemas": [BULK], "Operations": [
                {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {"schemas": [GROUP], "displayName": "A", "members": [{"value": "bulkId:b"}]}},
                {"method": "POST", "path": "/Groups", "bulkId": "b", "data": {"schemas": [GROUP], "displayName": "B", "members": [{"value": "bulkId:a"}]}}
            ]}),
        )
        .await;
        let statuses: Vec<&str> = circular.body["Operations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["409", "409"]);
        let malformed = scim.post("/Bulk", json!({"Operations": []})).await;
        assert_eq!(error_type(&malformed), (400, Some("invalidSyntax")));
    }
);

pub(crate) fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
