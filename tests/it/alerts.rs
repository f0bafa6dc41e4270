//! Alerts (issue 19) against real components: the settings API (bad input
//! refused with the field named, secrets never answered, admins only); a
//! job quarantined by a target that refuses its token, notified to a
//! loopback webhook that checks every signature and fails the first
//! attempt (the retry delivers it, once); the thresholds and repeats of
//! failing cycles and silent agents; and email over STARTTLS to aiosmtpd
//! with a sign-in, carrying the test and the quarantine. No notification
//! holds a secret: the target's token, the SMTP password, the webhook's
//! secret. Held deletes and failing inbound records are in `sources`, the
//! browser test of Settings → Notifications in `portal`.

mod portal;
mod receiver;
mod smtp;
mod sources;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use provisio_api::jobs::JOBS_PATH;
use provisio_api::jobs::status::QuarantineChange;
use provisio_api::notifications::{AlertEvent, NOTIFICATIONS_PATH, NOTIFICATIONS_TEST_PATH};
use provisio_server::alerts::Alert;
use provisio_server::cycle::run::{Mode, run_cycle};
use reqwest::Method;
use serde_json::{Value, json};

use self::receiver::Receiver;
use self::smtp::SmtpServer;
use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

/// The token the job sends its target (which refuses it).
const TARGET_TOKEN: &str = "target-bearer-t0ken-never-shown";
const WEBHOOK_SECRET: &str = "whsec-0123456789-never-shown";
const PORTAL: &str = "https://provisio.contoso.com";

/// A SCIM "application" on loopback that refuses every request with 401,
/// quoting the token it was sent (as careless services do).
async fn refusing_target() -> String {
    let app = Router::new().fallback(|headers: HeaderMap| async move {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (
            StatusCode::UNAUTHORIZED,
            format!("{{\"detail\": \"invalid token: {auth}\"}}"),
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/scim", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// A job of the refusing target with one user in scope, run once: quarantined.
async fn quarantined_job(api: &Api) -> String {
    let target = refusing_target().await;
    let definition = json!({
        "name": "Acme CRM",
        "target": {"kind": "scim", "base_url": target, "auth": {"bearer_token": TARGET_TOKEN}},
        "objects": [{"source": "user", "target": "User", "mappings": [
            {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1}
        ]}]
    });
    let id = api.post(JOBS_PATH, definition).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.post(
        "/api/v1/directory/users",
        json!({"attributes": {"userPrincipalName": "ada@contoso.com"}}),
    )
    .await
    .expect(201);
    let report = run_cycle(api.server.store(), api.server.jobs(), &id, Mode::Initial)
        .await
        .unwrap();
    assert_eq!(report.quarantine, Some(QuarantineChange::Quarantined), "{report:?}");
    id
}

fn webhook_settings(url: &str) -> Value {
    json!({"webhooks": [{"url": url, "secret": WEBHOOK_SECRET}], "portal_url": PORTAL})
}

#[track_caller]
fn assert_no_secret(text: &str) {
    for secret in [TARGET_TOKEN, WEBHOOK_SECRET, smtp::PASSWORD] {
        assert!(!text.contains(secret), "a secret in a notification: {text}");
    }
}

backend_test!(
    the_api_checks_settings_hides_secrets_and_wants_an_admin,
    with_api,
    async |api: &Api| {
        // Bad input: 400, naming every field at fault.
        let bad = api
            .put(
                NOTIFICATIONS_PATH,
                json!({
                    "email": {"enabled": true, "host": "smtp.contoso.com", "port": 70000, "from": "p@contoso.com"},
                    "webhooks": [{"url": "not a url", "secret": WEBHOOK_SECRET}]
                }),
            )
            .await;
        bad.expect_error(400, "invalid", "email.port: 70000 is not a port");
        for field in [
            "email.recipients: email is on but has no recipients",
            "webhooks[0].url: `not a url`",
        ] {
            assert!(bad.text.contains(field), "{field} in {}", bad.text);
        }
        api.put(
            NOTIFICATIONS_PATH,
            json!({"webhooks": [{"url": "https://h.example/x"}]}),
        )
        .await
        .expect_error(400, "invalid", "webhooks[0].secret: a webhook needs a signing secret");
        api.put(
            NOTIFICATIONS_PATH,
            json!({"thresholds": {"failure_share_percent": 101}}),
        )
        .await
        .expect_error(400, "invalid", "thresholds.failure_share_percent");
        // Nothing was stored, and nothing is on: the test has nowhere to send.
        let fresh = api.get(NOTIFICATIONS_PATH).await.expect(200).clone();
        assert_eq!(fresh["email"]["enabled"], false);
        assert_eq!(fresh["webhooks"], json!([]));
        assert_eq!(fresh["thresholds"]["agent_offline_minutes"], 15);
        api.post(NOTIFICATIONS_TEST_PATH, json!({}))
            .await
            .expect_error(409, "conflict", "no channel is on");

        // Good input with secrets: stored, answered only as "set".
        let good = json!({
            "email": {"enabled": true, "host": "smtp.contoso.com", "port": 587, "security": "starttls",
                      "username": "alerts", "password": smtp::PASSWORD, "from": "Provisio <p@contoso.com>",
                      "recipients": ["ops@contoso.com"]},
            "webhooks": [{"url": "https://hooks.contoso.com/provisio", "secret": WEBHOOK_SECRET}],
            "events": {"job_released": false},
            "thresholds": {"agent_offline_minutes": 30, "failure_share_percent": 25, "failure_min_objects": 50}
        });
        let stored = api.put(NOTIFICATIONS_PATH, good).await;
        stored.expect(200);
        let read = api.get(NOTIFICATIONS_PATH).await;
        for answer in [&stored, &read] {
            assert_no_secret(&answer.text);
            assert_eq!(answer.body["email"]["password_set"], true, "{}", answer.text);
            assert_eq!(answer.body["webhooks"][0]["secret_set"], true, "{}", answer.text);
            assert!(answer.body["email"].get("password").is_none());
        }
        assert_eq!(read.body["events"]["job_released"], false);
        assert_eq!(read.body["thresholds"]["failure_min_objects"], 50);
        // Sent back as read (without secrets), they are kept; a new URL
        // without the secret is refused rather than sent the old secret.
        let mut again = read.body.clone();
        api.put(NOTIFICATIONS_PATH, again.clone()).await.expect(200);
        again["webhooks"][0]["url"] = json!("https://elsewhere.example/provisio");
        api.put(NOTIFICATIONS_PATH, again)
            .await
            .expect_error(400, "invalid", "webhooks[0].secret: the URL changed");
        let raw: Vec<String> = sqlx::query_scalar("SELECT secret FROM notification_webhooks")
            .fetch_all(&api.database().await)
            .await
            .unwrap();
        assert!(
            raw[0].starts_with("v1:") && !raw[0].contains(WEBHOOK_SECRET),
            "encrypted at rest"
        );

        // Administrators only.
        for (method, path) in [
            (Method::GET, NOTIFICATIONS_PATH),
            (Method::PUT, NOTIFICATIONS_PATH),
            (Method::POST, NOTIFICATIONS_TEST_PATH),
        ] {
            assert_eq!(api.anonymous(method.clone(), path).await.status, 401, "{method} {path}");
        }
    }
);

backend_test!(
    a_quarantine_reaches_a_webhook_signed_retried_once_and_without_secrets,
    with_api,
    async |api: &Api| {
        let receiver = Receiver::start(WEBHOOK_SECRET, 1).await;
        api.put(NOTIFICATIONS_PATH, webhook_settings(&receiver.url))
            .await
            .expect(200);
        let id = quarantined_job(api).await;

        // Refused once (503), delivered on the retry: the same notification, signed anew.
        let received = receiver.wait_for(2).await;
        assert_eq!(
            received.iter().map(|r| (r.verified, r.answered)).collect::<Vec<_>>(),
            [(true, 503), (true, 204)]
        );
        assert_eq!(received[0].delivery, received[1].delivery);
        let payload = received[1].payload.clone().unwrap();
        assert_eq!(payload.event, AlertEvent::JobQuarantined);
        let job = payload.job.clone().unwrap();
        assert_eq!((job.id.as_str(), job.name.as_str()), (id.as_str(), "Acme CRM"));
        assert!(payload.summary.contains("Acme CRM is quarantined"), "{payload:?}");
        assert!(
            payload.details["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("credentials"),
            "{payload:?}"
        );
        assert_eq!(payload.portal_url, Some(format!("{PORTAL}/jobs/{id}")));
        assert_eq!(payload.id, received[1].delivery);
        received.iter().for_each(|r| assert_no_secret(&r.body));

        // Still quarantined after another attempt: no second notification.
        let options = provisio_server::cycle::run::RunOptions {
            now: Some(chrono::Utc::now() + chrono::Duration::days(1)),
            ..Default::default()
        };
        let again = provisio_server::cycle::run::run_cycle_with(
            api.server.store(),
            api.server.jobs(),
            &id,
            Mode::Initial,
            &options,
        )
        .await
        .unwrap();
        assert_eq!(again.quarantine, Some(QuarantineChange::StillQuarantined), "{again:?}");
        let test = api.post(NOTIFICATIONS_TEST_PATH, json!({})).await.expect(200).clone();
        assert_eq!(
            test["channels"],
            json!([{"channel": "webhook", "target": receiver.url, "delivered": true}])
        );
        let events: Vec<_> = receiver
            .wait_for(3)
            .await
            .iter()
            .filter(|r| r.answered == 204)
            .filter_map(|r| r.payload.as_ref().map(|p| p.event))
            .collect();
        assert_eq!(events, [AlertEvent::JobQuarantined, AlertEvent::Test]);
    }
);

backend_test!(
    thresholds_and_repeats_keep_failures_and_agents_from_paging_twice,
    with_api,
    async |api: &Api| {
        let receiver = Receiver::start(WEBHOOK_SECRET, 0).await;
        api.put(NOTIFICATIONS_PATH, webhook_settings(&receiver.url))
            .await
            .expect(200);
        let alerts = api.server.jobs().alerts();
        let now = chrono::Utc::now();
        let failing = |failures, objects| Alert::cycle_failures(("j1", "HR"), failures, objects, "c1", now);
        // One failure of two, or 1 of 20 (5%), does not page; 2 of 20 (10%) does, once an hour.
        assert_eq!(alerts.send(failing(1, 2)).await, None);
        assert_eq!(alerts.send(failing(1, 20)).await, None);
        let sent = alerts.send(failing(2, 20)).await.unwrap();
        assert!(sent.iter().all(|c| c.delivered), "{sent:?}");
        assert_eq!(alerts.send(failing(20, 20)).await, None, "once an hour per job");
        let later = Alert::cycle_failures(("j1", "HR"), 2, 20, "c2", now + chrono::Duration::minutes(61));
        assert!(alerts.send(later).await.is_some());

        // An agent silent past 15 minutes: once per outage.
        let silent = vec![
            ("datacenter-1".to_owned(), now - chrono::Duration::minutes(40)),
            ("datacenter-2".to_owned(), now - chrono::Duration::minutes(3)),
        ];
        assert_eq!(alerts.agents_offline(&silent, now).await.unwrap(), 1);
        assert_eq!(alerts.agents_offline(&silent, now).await.unwrap(), 0);
        let received = receiver.wait_for(3).await;
        let offline = received
            .iter()
            .filter_map(|r| r.payload.clone())
            .find(|p| p.event == AlertEvent::AgentOffline)
            .unwrap();
        assert_eq!(offline.details["agent"], "datacenter-1");
        assert_eq!(offline.job, None);
        assert_eq!(
            offline.portal_url.as_deref(),
            Some("https://provisio.contoso.com/agents")
        );

        // An event turned off is not sent.
        let mut settings = api.get(NOTIFICATIONS_PATH).await.expect(200).clone();
        settings["events"]["cycle_failures"] = json!(false);
        api.put(NOTIFICATIONS_PATH, settings).await.expect(200);
        let other = Alert::cycle_failures(("j2", "HR 2"), 5, 20, "c3", now);
        assert_eq!(alerts.send(other).await, None);
    }
);

backend_test!(
    email_over_starttls_carries_the_test_and_a_quarantine,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(smtp) = SmtpServer::start() else { return };
        let email = |password: Value, ca: Option<&str>| {
            json!({"email": {
                "enabled": true, "host": "127.0.0.1", "port": smtp.port, "security": "starttls",
                "username": smtp::USER, "password": password, "from": "Provisio <provisio@contoso.com>",
                "recipients": ["ops@contoso.com", "iam@contoso.com"], "ca_certificate": ca
            }, "portal_url": PORTAL})
        };
        // The wrong password: the test says so, and nothing arrives.
        api.put(NOTIFICATIONS_PATH, email(json!("not-the-password"), Some(&smtp.ca_pem)))
            .await
            .expect(200);
        let refused = api.post(NOTIFICATIONS_TEST_PATH, json!({})).await.expect(200).clone();
        assert_eq!(refused["channels"][0]["delivered"], false, "{refused}");
        assert!(
            refused["channels"][0]["error"].as_str().unwrap().contains("535"),
            "{refused}"
        );
        // A server certificate the system does not trust, without the CA: refused.
        api.put(NOTIFICATIONS_PATH, email(json!(smtp::PASSWORD), None))
            .await
            .expect(200);
        let untrusted = api.post(NOTIFICATIONS_TEST_PATH, json!({})).await.expect(200).clone();
        assert_eq!(untrusted["channels"][0]["delivered"], false, "{untrusted}");
        assert!(smtp.messages().is_empty());

        // With the CA (the password kept: same server, same user): delivered.
        api.put(NOTIFICATIONS_PATH, email(Value::Null, Some(&smtp.ca_pem)))
            .await
            .expect(200);
        let test = api.post(NOTIFICATIONS_TEST_PATH, json!({})).await.expect(200).clone();
        assert_eq!(
            test["channels"],
            json!([{"channel": "email", "target": "ops@contoso.com, iam@contoso.com", "delivered": true}])
        );
        let id = quarantined_job(api).await;
        let messages = smtp.wait_for(2).await;
        for message in &messages {
            assert_eq!(message["login"], smtp::USER, "signed in over STARTTLS: {message}");
            assert_eq!(message["tls"], true);
            assert_eq!(message["mail_from"], "provisio@contoso.com");
            assert_eq!(message["rcpt_tos"], json!(["ops@contoso.com", "iam@contoso.com"]));
            assert_no_secret(&message.to_string());
        }
        assert_eq!(messages[0]["subject"], "[Provisio] Test notification from Provisio");
        assert_eq!(messages[1]["subject"], "[Provisio] The job Acme CRM is quarantined");
        let text = messages[1]["text"].as_str().unwrap_or_default().replace("\r\n", "\n");
        assert!(text.starts_with("The job Acme CRM is quarantined\n"), "{text}");
        assert!(text.contains(&format!("\n{PORTAL}/jobs/{id}\n")), "{text}");
    }
);
