//! The sign-in rate limit per client address: one address's failures do
//! not lock the administrator out elsewhere, anonymous failures do not lock
//! them out of their own, and forwarded addresses count only from trusted
//! proxies.

use super::*;

/// Signs in as `name` from the loopback peer, forwarding `client` in
/// `X-Forwarded-For` when given; the answer's status.
async fn sign_in_as(server: &RunningServer, client: Option<&str>, name: &str, password: &str) -> StatusCode {
    let mut request = reqwest::Client::new()
        .post(format!("{}{SESSION_PATH}", server.base_url()))
        .json(&json!({"name": name, "password": password}));
    if let Some(client) = client {
        request = request.header("x-forwarded-for", client);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn failures_from_one_address_do_not_stop_the_administrator_from_another() {
    let f = Fixture::new();
    let server = f.start_behind("127.0.0.1/32").await;
    let attacker = Some("203.0.113.66, 198.51.100.1");
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(sign_in_as(&server, attacker, "admin", "wrong horse battery").await);
    }
    assert!(
        statuses[..5].iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(
        statuses[5..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Even the right password, from the attacker's address: the name is locked there.
    assert_eq!(
        sign_in_as(&server, attacker, "admin", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The administrator, from their own address (the attacker cannot forge it:
    // only the right-most address is the trusted proxy's word).
    assert_eq!(
        sign_in_as(&server, Some("198.51.100.1, 198.51.100.2"), "admin", PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        sign_in_as(&server, Some("2001:db8:1::7"), "admin", PASSWORD).await,
        StatusCode::OK
    );
    server.shutdown().await;
}

#[tokio::test]
async fn anonymous_failures_do_not_lock_the_administrator_out_of_their_address() {
    let f = Fixture::new();
    let server = f.start_behind("127.0.0.0/8").await;
    let shared = Some("198.51.100.20");
    let mut statuses = Vec::new();
    for i in 0..25 {
        statuses.push(sign_in_as(&server, shared, &format!("nobody{i}"), "wrong horse battery").await);
    }
    assert!(
        statuses[..20].iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(
        statuses[20..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Over its limit, the address answers wrong passwords alike, whoever they name…
    assert_eq!(
        sign_in_as(&server, shared, "admin", "wrong horse battery").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // …and still lets the administrator in with the right one.
    assert_eq!(sign_in_as(&server, shared, "admin", PASSWORD).await, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let f = Fixture::new();
    for proxies in ["", "10.0.0.0/8, fd00::/8"] {
        let server = f.start_behind(proxies).await;
        for _ in 0..5 {
            let status = sign_in_as(&server, Some("203.0.113.66"), "admin", "wrong horse battery").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{proxies:?}");
        }
        // Another forwarded address changes nothing: the client is the loopback peer.
        for client in [Some("198.51.100.1"), None] {
            assert_eq!(
                sign_in_as(&server, client, "admin", PASSWORD).await,
                StatusCode::TOO_MANY_REQUESTS,
                "{proxies:?} {client:?}"
            );
        }
        server.shutdown().await;
        std::fs::remove_file(f.dir.path().join("provisio.db")).unwrap();
    }
}

#[test]
fn provisio_serve_refuses_a_bad_trusted_proxy() {
    let f = Fixture::new();
    let run = f.provisio(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--trusted-proxies",
            "10.0.0.0/8,10.1.2.3/40",
        ],
        None,
        "",
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("--trusted-proxies")
            && run.stderr.contains("`10.1.2.3/40`")
            && run.stderr.contains("0 to 32"),
        "{}",
        run.stderr
    );
}
