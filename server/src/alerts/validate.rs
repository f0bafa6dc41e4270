//! Checking notification settings before they are stored, every problem
//! named by its field (`email.port`, `webhooks[1].url`, …), and the
//! write-only rules of their secrets: left out keeps the stored one, empty
//! clears it, anything else replaces it — never kept for a new destination
//! (another SMTP host or user, another webhook URL).

use std::net::IpAddr;

use provisio_api::notifications::{
    EmailSettings, MAX_RECIPIENTS, MAX_WEBHOOKS, MIN_WEBHOOK_SECRET_CHARS, NotificationSettings, SmtpSecurity,
    Thresholds, WebhookSettings,
};
use provisio_connectors::network::NetworkPolicy;

use super::settings::Stored;

/// Settings ready to store: normalised, secret flags set, secrets apart.
#[derive(Debug)]
pub(super) struct Resolved {
    pub(super) settings: NotificationSettings,
    pub(super) smtp_password: Option<String>,
    /// One per webhook, in order.
    pub(super) webhook_secrets: Vec<Option<String>>,
}

/// The settings to store, or every problem found (joined with `; `).
pub(super) fn resolve(
    incoming: NotificationSettings,
    current: &Stored,
    networks: &NetworkPolicy,
    new_id: &mut dyn FnMut() -> String,
) -> Result<Resolved, String> {
    let mut problems = Vec::new();
    let (email, smtp_password) = email(incoming.email, current, &mut problems);
    let mut webhooks = Vec::new();
    let mut webhook_secrets = Vec::new();
    if incoming.webhooks.len() > MAX_WEBHOOKS {
        problems.push(format!("webhooks: at most {MAX_WEBHOOKS} webhooks"));
    }
    for (i, webhook) in incoming.webhooks.into_iter().enumerate() {
        let (webhook, secret) = self::webhook(i, webhook, current, networks, new_id, &mut problems);
        webhooks.push(webhook);
        webhook_secrets.push(secret);
    }
    thresholds(&incoming.thresholds, &mut problems);
    let portal_url = incoming
        .portal_url
        .map(|url| url.trim().trim_end_matches('/').to_owned())
        .filter(|url| !url.is_empty());
    if let Some(url) = &portal_url
        && (http_url(url).is_none() || url.contains(['?', '#']))
    {
        problems.push(format!(
            "portal_url: `{url}` is not an http(s) address such as https://provisio.contoso.com"
        ));
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    Ok(Resolved {
        settings: NotificationSettings {
            email,
            webhooks,
            events: incoming.events,
            thresholds: incoming.thresholds,
            portal_url,
        },
        smtp_password,
        webhook_secrets,
    })
}

fn email(incoming: EmailSettings, current: &Stored, problems: &mut Vec<String>) -> (EmailSettings, Option<String>) {
    let host = incoming.host.trim().to_owned();
    let from = incoming.from.trim().to_owned();
    let username = incoming.username.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    let recipients: Vec<String> = incoming
        .recipients
        .iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    let ca_certificate = incoming
        .ca_certificate
        .map(|pem| pem.trim().to_owned())
        .filter(|pem| !pem.is_empty());
    let on = incoming.enabled;
    if !(1..=65535).contains(&incoming.port) {
        problems.push(format!("email.port: {} is not a port (1–65535)", incoming.port));
    }
    if host.is_empty() && on {
        problems.push("email.host: email is on but names no SMTP server".into());
    } else if !host.is_empty() && !is_host(&host) {
        problems.push(format!("email.host: `{host}` is not a host name or address"));
    }
    if from.is_empty() && on {
        problems.push("email.from: email is on but has no sender address".into());
    } else if !from.is_empty() && from.parse::<lettre::message::Mailbox>().is_err() {
        problems.push(format!(
            "email.from: `{from}` is not an email address (provisio@contoso.com or Provisio <provisio@contoso.com>)"
        ));
    }
    if recipients.is_empty() && on {
        problems.push("email.recipients: email is on but has no recipients: add at least one address".into());
    }
    if recipients.len() > MAX_RECIPIENTS {
        problems.push(format!("email.recipients: at most {MAX_RECIPIENTS} addresses"));
    }
    for (i, recipient) in recipients.iter().enumerate() {
        if recipient.parse::<lettre::Address>().is_err() {
            problems.push(format!("email.recipients[{i}]: `{recipient}` is not an email address"));
        }
    }
    if let Some(pem) = &ca_certificate
        && let Err(e) = provisio_connectors::pem::certificates(pem.as_bytes())
    {
        problems.push(format!("email.ca_certificate: {e}"));
    }
    let stored = &current.view.email;
    let same_destination = stored.host.eq_ignore_ascii_case(&host) && stored.username == username;
    let password = match incoming.password {
        _ if username.is_none() => None,
        Some(password) if password.is_empty() => None,
        Some(password) => Some(password),
        None if current.smtp_password.is_some() && !same_destination => {
            problems.push(
                "email.password: the SMTP host or user changed, so the stored password is not sent to the new \
                 destination: enter it again (or an empty string for none)"
                    .into(),
            );
            None
        }
        None => current.smtp_password.clone(),
    };
    if on && username.is_some() && password.is_none() && !problems.iter().any(|p| p.starts_with("email.password")) {
        problems.push(
            "email.password: a user name is set but no password: enter it (or clear the user name for a relay \
             that needs no sign-in)"
                .into(),
        );
    }
    if password.is_some() && incoming.security == SmtpSecurity::None {
        problems.push("email.password: a password is only sent over TLS: set email.security to starttls or tls".into());
    }
    let settings = EmailSettings {
        enabled: on,
        host,
        port: incoming.port,
        security: incoming.security,
        username,
        password: None,
        password_set: password.is_some(),
        from,
        recipients,
        ca_certificate,
    };
    (settings, password)
}

fn webhook(
    i: usize,
    incoming: WebhookSettings,
    current: &Stored,
    networks: &NetworkPolicy,
    new_id: &mut dyn FnMut() -> String,
    problems: &mut Vec<String>,
) -> (WebhookSettings, Option<String>) {
    let field = |name: &str| format!("webhooks[{i}].{name}");
    let url = incoming.url.trim().to_owned();
    match http_url(&url) {
        None => problems.push(format!(
            "{}: `{url}` is not an http(s) URL such as https://hooks.contoso.com/provisio",
            field("url")
        )),
        Some(parsed) => {
            if let Err(refused) = networks.check_url(&parsed) {
                let why = match refused {
                    provisio_connectors::ConnectorError::Invalid { detail } => detail,
                    other => other.to_string(),
                };
                problems.push(format!("{}: {why}", field("url")));
            }
        }
    }
    let stored = incoming.id.as_deref().and_then(|id| {
        current
            .view
            .webhooks
            .iter()
            .zip(&current.webhook_secrets)
            .find(|(w, _)| w.id.as_deref() == Some(id))
    });
    if let (Some(id), None) = (&incoming.id, stored) {
        problems.push(format!(
            "{}: no webhook has the id `{id}` (leave the id out for a new webhook)",
            field("id")
        ));
    }
    let secret = match (incoming.secret, stored) {
        (Some(secret), _) if secret.is_empty() => None,
        (Some(secret), _) => {
            if secret.chars().count() < MIN_WEBHOOK_SECRET_CHARS {
                problems.push(format!(
                    "{}: at least {MIN_WEBHOOK_SECRET_CHARS} characters (a random string is best)",
                    field("secret")
                ));
            }
            Some(secret)
        }
        (None, Some((before, Some(_)))) if before.url != url => {
            problems.push(format!(
                "{}: the URL changed, so the stored signing secret is not sent to the new destination: enter it again",
                field("secret")
            ));
            None
        }
        (None, Some((_, secret))) => secret.clone(),
        (None, None) => None,
    };
    if incoming.enabled && secret.is_none() && !problems.iter().any(|p| p.starts_with(&field("secret"))) {
        problems.push(format!(
            "{}: a webhook needs a signing secret (its receiver checks every notification with it)",
            field("secret")
        ));
    }
    let settings = WebhookSettings {
        id: Some(stored.and_then(|(w, _)| w.id.clone()).unwrap_or_else(new_id)),
        url,
        enabled: incoming.enabled,
        secret: None,
        secret_set: secret.is_some(),
    };
    (settings, secret)
}

fn thresholds(thresholds: &Thresholds, problems: &mut Vec<String>) {
    let mut range = |name: &str, value: u32, low: u32, high: u32, what: &str| {
        if !(low..=high).contains(&value) {
            problems.push(format!(
                "thresholds.{name}: {value} is not between {low} and {high} {what}"
            ));
        }
    };
    range(
        "agent_offline_minutes",
        thresholds.agent_offline_minutes,
        1,
        10_080,
        "minutes (a week)",
    );
    range(
        "failure_share_percent",
        thresholds.failure_share_percent,
        1,
        100,
        "percent",
    );
    range(
        "failure_min_objects",
        thresholds.failure_min_objects,
        1,
        1_000_000,
        "objects",
    );
}

/// An absolute `http` or `https` URL with a host.
fn http_url(text: &str) -> Option<url::Url> {
    let url = url::Url::parse(text).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

/// A DNS name (letters, digits, hyphens in dot-separated labels) or an IP address.
fn is_host(host: &str) -> bool {
    if host.parse::<IpAddr>().is_ok() {
        return true;
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    host.len() <= 253 && host.trim_end_matches('.').split('.').all(label_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("w{n}")
        }
    }

    fn check(settings: serde_json::Value, current: &Stored) -> Result<Resolved, String> {
        let settings: NotificationSettings = serde_json::from_value(settings).unwrap();
        resolve(settings, current, &NetworkPolicy::default(), &mut counter())
    }

    #[track_caller]
    fn refused(settings: serde_json::Value, expected: &str) {
        let problem = check(settings, &Stored::default()).unwrap_err();
        assert!(problem.contains(expected), "{problem}");
    }

    fn email_on() -> serde_json::Value {
        serde_json::json!({"enabled": true, "host": "smtp.contoso.com", "from": "provisio@contoso.com",
                           "recipients": ["ops@contoso.com"], "username": "provisio", "password": "pw"})
    }

    #[test]
    fn bad_settings_name_their_field() {
        use serde_json::json;
        refused(json!({"email": {"port": 70000}}), "email.port: 70000 is not a port");
        refused(json!({"email": {"port": 0}}), "email.port: 0");
        refused(
            json!({"email": {"enabled": true, "host": "smtp", "from": "a@b.c"}}),
            "email.recipients: email is on but has no recipients",
        );
        refused(
            json!({"email": {"recipients": ["not an address"]}}),
            "email.recipients[0]: `not an address`",
        );
        refused(json!({"email": {"host": "smtp host"}}), "email.host: `smtp host`");
        refused(json!({"email": {"from": "nobody"}}), "email.from: `nobody`");
        refused(
            json!({"email": {"ca_certificate": "garbage"}}),
            "email.ca_certificate: no -----BEGIN CERTIFICATE-----",
        );
        refused(
            json!({"email": {"security": "none", "username": "u", "password": "p"}}),
            "email.password: a password is only sent over TLS",
        );
        let mut nameless = email_on();
        nameless["password"] = json!(null);
        refused(
            json!({"email": nameless}),
            "email.password: a user name is set but no password",
        );
        refused(json!({"webhooks": [{"url": "ftp://x"}]}), "webhooks[0].url: `ftp://x`");
        refused(json!({"webhooks": [{"url": "not a url"}]}), "webhooks[0].url");
        refused(
            json!({"webhooks": [{"url": "http://169.254.169.254/x", "secret": "0123456789abcdef"}]}),
            "webhooks[0].url: the target `169.254.169.254`",
        );
        refused(
            json!({"webhooks": [{"url": "https://h.example/x"}]}),
            "webhooks[0].secret: a webhook needs a signing secret",
        );
        refused(
            json!({"webhooks": [{"url": "https://h.example/x", "secret": "short"}]}),
            "webhooks[0].secret: at least 16",
        );
        refused(
            json!({"webhooks": [{"id": "nope", "url": "https://h.example/x", "secret": "0123456789abcdef"}]}),
            "webhooks[0].id: no webhook has the id `nope`",
        );
        refused(
            json!({"thresholds": {"failure_share_percent": 0}}),
            "thresholds.failure_share_percent: 0 is not between 1 and 100",
        );
        refused(json!({"portal_url": "provisio.contoso.com"}), "portal_url:");
        let all = check(json!({"email": {"port": 0}, "portal_url": "x"}), &Stored::default()).unwrap_err();
        assert!(all.contains("email.port") && all.contains("; portal_url"), "{all}");
    }

    #[test]
    fn good_settings_are_normalised() {
        use serde_json::json;
        let resolved = check(
            json!({"email": email_on(), "portal_url": " https://p.contoso.com/ ",
                   "webhooks": [{"url": " https://h.example/x ", "secret": "0123456789abcdef"}]}),
            &Stored::default(),
        )
        .unwrap();
        assert_eq!(resolved.smtp_password.as_deref(), Some("pw"));
        assert!(resolved.settings.email.password_set && resolved.settings.email.password.is_none());
        assert_eq!(resolved.settings.portal_url.as_deref(), Some("https://p.contoso.com"));
        let hook = &resolved.settings.webhooks[0];
        assert_eq!(
            (hook.id.as_deref(), hook.url.as_str(), hook.secret_set),
            (Some("w1"), "https://h.example/x", true)
        );
        assert_eq!(resolved.webhook_secrets, vec![Some("0123456789abcdef".to_owned())]);
    }

    #[test]
    fn stored_secrets_are_kept_only_for_the_same_destination() {
        use serde_json::json;
        let first = check(
            json!({"email": email_on(), "webhooks": [{"url": "https://h.example/x", "secret": "0123456789abcdef"}]}),
            &Stored::default(),
        )
        .unwrap();
        let current = Stored {
            view: first.settings,
            smtp_password: first.smtp_password,
            webhook_secrets: first.webhook_secrets,
        };
        let mut same = email_on();
        same["password"] = serde_json::Value::Null;
        let kept = check(
            json!({"email": same, "webhooks": [{"id": "w1", "url": "https://h.example/x"}]}),
            &current,
        )
        .unwrap();
        assert_eq!(kept.smtp_password.as_deref(), Some("pw"));
        assert_eq!(kept.webhook_secrets, vec![Some("0123456789abcdef".to_owned())]);

        let mut moved = same.clone();
        moved["host"] = json!("smtp.elsewhere.example");
        let problem = check(json!({"email": moved}), &current).unwrap_err();
        assert!(
            problem.starts_with("email.password: the SMTP host or user changed"),
            "{problem}"
        );
        let problem = check(
            json!({"webhooks": [{"id": "w1", "url": "https://other.example/x"}]}),
            &current,
        )
        .unwrap_err();
        assert!(problem.starts_with("webhooks[0].secret: the URL changed"), "{problem}");

        let mut cleared = same;
        cleared["password"] = json!("");
        cleared["enabled"] = json!(false);
        let cleared = check(json!({"email": cleared}), &current).unwrap();
        assert_eq!(cleared.smtp_password, None);
        assert!(!cleared.settings.email.password_set);
    }
}
