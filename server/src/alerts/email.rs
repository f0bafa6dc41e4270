//! The email channel: a notification as a plain-text message sent over
//! SMTP with lettre (on tokio, TLS through rustls with the system's roots
//! and the settings' own CA certificate): STARTTLS required, implicit TLS,
//! or none for a local relay; signed in when a user is set.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use provisio_api::notifications::{AlertPayload, EmailSettings, SmtpSecurity};

use super::delivery::Failed;

/// How long one attempt may take, connection to the server's last answer.
const TIMEOUT: Duration = Duration::from_secs(20);
/// The longest subject line.
const MAX_SUBJECT_CHARS: usize = 150;

/// Sends the payload to the settings' recipients, signed in with `password`.
pub(super) async fn send(
    settings: &EmailSettings,
    password: Option<&str>,
    payload: &AlertPayload,
) -> Result<(), Failed> {
    let message = message(settings, payload).map_err(Failed::Permanent)?;
    let transport = transport(settings, password).map_err(Failed::Permanent)?;
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(Failed::Permanent(format!("the SMTP server refused the message: {e}"))),
        Err(e) if e.is_tls() => Err(Failed::Permanent(format!("TLS with the SMTP server failed: {e}"))),
        Err(e) => Err(Failed::Transient(format!("sending by SMTP failed: {e}"))),
    }
}

fn transport(settings: &EmailSettings, password: Option<&str>) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let port = u16::try_from(settings.port).map_err(|_| format!("{} is not a port", settings.port))?;
    let tls = || {
        let mut builder = TlsParameters::builder(settings.host.clone());
        if let Some(pem) = &settings.ca_certificate {
            let certificate =
                Certificate::from_pem(pem.as_bytes()).map_err(|e| format!("the CA certificate cannot be read: {e}"))?;
            builder = builder.add_root_certificate(certificate);
        }
        builder.build_rustls().map_err(|e| format!("TLS cannot be set up: {e}"))
    };
    let tls = match settings.security {
        SmtpSecurity::Starttls => Tls::Required(tls()?),
        SmtpSecurity::Tls => Tls::Wrapper(tls()?),
        SmtpSecurity::None => Tls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
        .port(port)
        .tls(tls)
        .timeout(Some(TIMEOUT));
    if let Some(user) = &settings.username {
        builder = builder.credentials(Credentials::new(user.clone(), password.unwrap_or_default().to_owned()));
    }
    Ok(builder.build())
}

fn message(settings: &EmailSettings, payload: &AlertPayload) -> Result<Message, String> {
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| format!("the sender `{}` is not an address: {e}", settings.from))?;
    let mut builder = Message::builder()
        .from(from)
        .subject(subject(payload))
        .header(ContentType::TEXT_PLAIN);
    for recipient in &settings.recipients {
        let to: Mailbox = recipient
            .parse()
            .map_err(|e| format!("the recipient `{recipient}` is not an address: {e}"))?;
        builder = builder.to(to);
    }
    builder
        .body(body(payload))
        .map_err(|e| format!("the message cannot be built: {e}"))
}

/// `[Provisio] <summary>`, cut to a sensible length.
pub(super) fn subject(payload: &AlertPayload) -> String {
    let mut subject = format!("[Provisio] {}", payload.summary);
    if subject.chars().count() > MAX_SUBJECT_CHARS {
        subject = subject.chars().take(MAX_SUBJECT_CHARS - 1).collect::<String>() + "…";
    }
    subject
}

/// The message: the summary, the job, the details one per line, when, and the link.
pub(super) fn body(payload: &AlertPayload) -> String {
    let mut text = format!("{}\n\n", payload.summary);
    if let Some(job) = &payload.job {
        text += &format!("Job: {} ({})\n", job.name, job.id);
    }
    for (name, value) in &payload.details {
        let value = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text += &format!("{}: {value}\n", name.replace('_', " "));
    }
    text += &format!("When: {}\nEvent: {}\n", payload.at, payload.event.name());
    if let Some(url) = &payload.portal_url {
        text += &format!("\nOpen in the portal:\n{url}\n");
    }
    text += "\n-- \nSent by Provisio. Choose what you receive under Settings > Notifications.\n";
    text
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::alerts::Alert;

    #[test]
    fn the_message_reads_well() {
        let at = DateTime::parse_from_rfc3339("2026-12-08T09:30:00Z").unwrap().to_utc();
        let payload = Alert::deletes_held(("j1", "Acme"), 12, Some(10), at).payload("n1", Some("https://p"), &[]);
        assert_eq!(
            subject(&payload),
            "[Provisio] The job Acme holds 12 deletions for approval"
        );
        assert_eq!(
            body(&payload),
            "The job Acme holds 12 deletions for approval\n\nJob: Acme (j1)\ndeletion threshold: 10\nheld: 12\n\
             When: 2026-12-08T09:30:00Z\nEvent: deletes_held\n\nOpen in the portal:\nhttps://p/jobs/j1/settings\n\n\
             -- \nSent by Provisio. Choose what you receive under Settings > Notifications.\n"
        );
        let mut long = payload.clone();
        long.summary = "x".repeat(400);
        assert_eq!(subject(&long).chars().count(), MAX_SUBJECT_CHARS);
    }

    #[test]
    fn the_message_has_every_recipient() {
        let settings = EmailSettings {
            from: "Provisio <p@contoso.com>".into(),
            recipients: vec!["a@contoso.com".into(), "b@contoso.com".into()],
            ..EmailSettings::default()
        };
        let payload = Alert::test(chrono::Utc::now()).payload("n", None, &[]);
        let message = message(&settings, &payload).unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("To: a@contoso.com, b@contoso.com"), "{text}");
        assert!(text.contains("From: Provisio <p@contoso.com>"), "{text}");
        assert!(
            text.contains("Subject: [Provisio] Test notification from Provisio"),
            "{text}"
        );
    }
}
