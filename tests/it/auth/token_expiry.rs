//! API tokens with a lifetime: `--expires-in`, the listing's expiry, and
//! an expired token refused with the reason on every database.

use super::*;

/// Moves a token's expiry to a time long past, in the database itself.
async fn expire(database_url: &str, token_id: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database_url).await.unwrap();
    let changed = sqlx::query("UPDATE api_tokens SET expires_at = '2026-01-01T00:00:00.000000Z' WHERE id = $1")
        .bind(token_id)
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 1);
    pool.close().await;
}

#[test]
fn token_create_takes_a_lifetime_and_list_shows_expiry() {
    let f = Fixture::new().first_start();
    let run = f.provisio(
        &[
            "token",
            "create",
            "--scope",
            "admin",
            "--name",
            "ci",
            "--expires-in",
            "30d",
        ],
        None,
        "",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("expiring 20"), "{}", run.stderr);
    f.ok(&["token", "create", "--scope", "scim", "--name", "okta"], None);
    let list = f.ok(&["token", "list"], None);
    assert!(list.lines().next().unwrap().contains("EXPIRES"), "{list}");
    let ci = list.lines().find(|line| line.contains(" ci ")).unwrap();
    assert_eq!(ci.matches(" UTC").count(), 2, "created and expires: {list}");
    assert!(ci.trim_end().ends_with("active"), "{list}");
    let okta = list.lines().find(|line| line.contains("okta")).unwrap();
    assert_eq!(okta.matches("never").count(), 2, "never used, never expires: {list}");

    let id = ci.split_whitespace().next().unwrap().to_owned();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(expire(&f.database_url(), &id));
    let list = f.ok(&["token", "list"], None);
    let ci = list.lines().find(|line| line.contains(" ci ")).unwrap();
    assert!(ci.contains("expired 2026-01-01 00:00:00 UTC"), "{list}");

    for bad in ["30x", "0m", "soon", "5000d"] {
        let run = f.provisio(&["token", "create", "--scope", "admin", "--expires-in", bad], None, "");
        assert_eq!(run.code, Some(2), "{bad}: {}", run.stderr);
        assert!(
            run.stderr.contains("--expires-in") && run.stderr.contains(&format!("`{bad}`")),
            "{bad}: {}",
            run.stderr
        );
    }
}

backend_test!(
    an_expired_token_is_refused_with_the_reason_on_every_database,
    with_backend,
    async |backend: Backend| {
        let label = backend.label;
        let f = Fixture::new();
        let key = tempfile::tempdir().unwrap();
        let server = f.start_on(&backend, key.path()).await;
        let token = |scope: TokenScope, expires_in: Option<&str>| {
            let store = server.store().clone();
            let request = TokenCreateRequest {
                name: Some(format!("{scope} {expires_in:?}")),
                scope,
                job: None,
                agent: None,
                expires_in: expires_in.map(str::to_owned),
            };
            async move {
                provisio_server::auth::Tokens::new(&store)
                    .create(&request)
                    .await
                    .unwrap()
            }
        };
        let admin = Client::with_token(&server.base_url(), token(TokenScope::Admin, None).await.token.expose());

        // A lifetime through the API: answered, listed, and refused when it is none.
        let created = admin
            .send(
                Method::POST,
                TOKENS_PATH,
                Some(json!({"scope": "scim", "name": "okta", "expires_in": "90m"})),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{label}: {:?}", created.body);
        let expires_at = created.body["expires_at"].as_str().unwrap().to_owned();
        assert!(
            expires_at.starts_with("20") && expires_at.ends_with('Z'),
            "{expires_at}"
        );
        let id = created.body["id"].as_str().unwrap().to_owned();
        let listed: Vec<TokenSummary> =
            serde_json::from_value(admin.send(Method::GET, TOKENS_PATH, None).await.body).unwrap();
        let okta = listed.iter().find(|t| t.id == id).unwrap();
        assert_eq!(okta.expires_at.as_deref(), Some(expires_at.as_str()), "{label}");
        assert!(listed.iter().filter(|t| t.id != id).all(|t| t.expires_at.is_none()));
        let bad = admin
            .send(
                Method::POST,
                TOKENS_PATH,
                Some(json!({"scope": "scim", "expires_in": "soon"})),
            )
            .await;
        refused(&bad, StatusCode::BAD_REQUEST, "invalid");
        let message = bad.body["message"].as_str().unwrap();
        assert!(
            message.contains("expires_in") && message.contains("e.g. 30d"),
            "{message}"
        );

        // Valid until it expires; then refused, saying so, before any body too.
        let scim = Client::with_token(&server.base_url(), created.body["token"].as_str().unwrap());
        assert_eq!(
            scim.send(Method::GET, "/scim/v2/Users", None).await.status,
            StatusCode::OK
        );
        expire(&backend.url, &id).await;
        let users = scim.send(Method::GET, "/scim/v2/Users", None).await;
        assert_eq!(users.status, StatusCode::UNAUTHORIZED, "{label}");
        assert!(
            users.body["detail"]
                .as_str()
                .unwrap()
                .contains("expired at 2026-01-01T00:00:00Z"),
            "{:?}",
            users.body
        );
        let create = scim
            .send(Method::POST, "/scim/v2/Users", Some(json!({"userName": "x"})))
            .await;
        assert_eq!(create.status, StatusCode::UNAUTHORIZED, "{label}");
        assert!(
            create.body["detail"].as_str().unwrap().contains("expired"),
            "{:?}",
            create.body
        );

        let short = token(TokenScope::Admin, Some("12h")).await;
        let robot = Client::with_token(&server.base_url(), short.token.expose());
        assert_eq!(robot.send(Method::GET, ADMINS_PATH, None).await.status, StatusCode::OK);
        expire(&backend.url, &short.summary.id).await;
        let refused_admin = robot.send(Method::GET, ADMINS_PATH, None).await;
        refused(&refused_admin, StatusCode::UNAUTHORIZED, "unauthenticated");
        assert!(
            refused_admin.body["message"].as_str().unwrap().contains("expired"),
            "{:?}",
            refused_admin.body
        );
        server.shutdown().await;
    }
);
