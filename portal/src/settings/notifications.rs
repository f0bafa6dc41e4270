//! Settings → Notifications: the form (email, webhooks, events,
//! thresholds, the portal's address), read from and saved to
//! `/api/v1/settings/notifications`, and "Send a test" with each channel's
//! outcome. The server checks the settings and names any field at fault.
//!
//! The page reads and writes the settings as JSON values under the field
//! names of `provisio_api::notifications` rather than through its types:
//! their serde code would cost the portal's wasm about 24 KB, which its
//! size budget does not have (`tests/it/alerts/portal.rs` checks the page
//! against the real server).

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::notifications::{AlertEvent, NOTIFICATIONS_PATH, NOTIFICATIONS_TEST_PATH};
use serde_json::{Map, Value};

use super::fields::{Area, Check, Field, SecretState};
use super::webhooks::{Hook, Webhooks};
use crate::api::{self, Failure};
use crate::ui::{ErrorNote, Loading};

/// The form's fields.
#[derive(Clone, Copy)]
struct Form {
    email_on: RwSignal<bool>,
    host: RwSignal<String>,
    port: RwSignal<String>,
    security: RwSignal<String>,
    username: RwSignal<String>,
    password_set: RwSignal<bool>,
    /// A new password; empty keeps the stored one.
    password: RwSignal<String>,
    clear_password: RwSignal<bool>,
    from: RwSignal<String>,
    /// One address a line.
    recipients: RwSignal<String>,
    ca: RwSignal<String>,
    hooks: RwSignal<Vec<Hook>>,
    next_hook: RwSignal<usize>,
    /// One per event of [`AlertEvent::SWITCHABLE`].
    events: [RwSignal<bool>; 7],
    offline: RwSignal<String>,
    percent: RwSignal<String>,
    min_objects: RwSignal<String>,
    portal_url: RwSignal<String>,
}

/// The text at `key` of `value` (a number as its digits; empty when absent).
pub(super) fn text_of(value: &Value, key: &str) -> String {
    match &value[key] {
        Value::String(text) => text.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// A JSON object of these members.
pub(super) fn object(members: Vec<(&str, Value)>) -> Value {
    // Inserted one by one: collecting would sort them, and bring a sort into the wasm.
    let mut map = Map::new();
    for (key, value) in members {
        map.insert(key.to_owned(), value);
    }
    Value::Object(map)
}

/// `text` as JSON: `null` when blank.
pub(super) fn optional(text: String) -> Value {
    if text.trim().is_empty() {
        Value::Null
    } else {
        Value::String(text)
    }
}

fn text() -> RwSignal<String> {
    RwSignal::new(String::new())
}

impl Form {
    fn new() -> Form {
        Form {
            email_on: RwSignal::new(false),
            host: text(),
            port: text(),
            security: text(),
            username: text(),
            password_set: RwSignal::new(false),
            password: text(),
            clear_password: RwSignal::new(false),
            from: text(),
            recipients: text(),
            ca: text(),
            hooks: RwSignal::new(Vec::new()),
            next_hook: RwSignal::new(0),
            events: [(); 7].map(|()| RwSignal::new(true)),
            offline: text(),
            percent: text(),
            min_objects: text(),
            portal_url: text(),
        }
    }

    /// Shows the settings as stored; typed secrets are forgotten.
    fn fill(self, s: &Value) {
        let e = &s["email"];
        self.email_on.set(e["enabled"] == true);
        self.host.set(text_of(e, "host"));
        self.port.set(text_of(e, "port"));
        self.security.set(text_of(e, "security"));
        self.username.set(text_of(e, "username"));
        self.password_set.set(e["password_set"] == true);
        self.password.set(String::new());
        self.clear_password.set(false);
        self.from.set(text_of(e, "from"));
        let recipients: Vec<&str> = e["recipients"]
            .as_array()
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        self.recipients.set(recipients.join("\n"));
        self.ca.set(text_of(e, "ca_certificate"));
        let start = self.next_hook.get_untracked();
        let hooks: Vec<Hook> = s["webhooks"]
            .as_array()
            .map(|list| {
                list.iter()
                    .enumerate()
                    .map(|(i, w)| Hook::new(start + i + 1, w))
                    .collect()
            })
            .unwrap_or_default();
        self.next_hook.set(start + hooks.len() + 1);
        self.hooks.set(hooks);
        for (event, on) in AlertEvent::SWITCHABLE.into_iter().zip(self.events) {
            on.set(s["events"][event.name()] != false);
        }
        let t = &s["thresholds"];
        self.offline.set(text_of(t, "agent_offline_minutes"));
        self.percent.set(text_of(t, "failure_share_percent"));
        self.min_objects.set(text_of(t, "failure_min_objects"));
        self.portal_url.set(text_of(s, "portal_url"));
    }

    /// The settings to save, or the first number that is not one.
    fn settings(self) -> Result<Value, Failure> {
        let number = |field: &str, value: RwSignal<String>| {
            let parsed = value.get_untracked().trim().parse::<u32>();
            parsed.map(Value::from).map_err(|_| Failure {
                status: 0,
                error: "invalid".into(),
                message: format!("{field}: a whole number"),
                body: None,
            })
        };
        let password = if self.clear_password.get_untracked() {
            Value::String(String::new())
        } else {
            optional(self.password.get_untracked())
        };
        let recipients = self
            .recipients
            .get_untracked()
            .lines()
            .map(|r| Value::String(r.to_owned()))
            .collect();
        let mut events = Map::new();
        for (event, on) in AlertEvent::SWITCHABLE.into_iter().zip(self.events) {
            events.insert(event.name().to_owned(), Value::Bool(on.get_untracked()));
        }
        let text = |value: RwSignal<String>| Value::String(value.get_untracked());
        let email = object(vec![
            ("enabled", Value::Bool(self.email_on.get_untracked())),
            ("host", text(self.host)),
            ("port", number("email.port", self.port)?),
            ("security", text(self.security)),
            ("username", optional(self.username.get_untracked())),
            ("password", password),
            ("from", text(self.from)),
            ("recipients", Value::Array(recipients)),
            ("ca_certificate", optional(self.ca.get_untracked())),
        ]);
        let thresholds = object(vec![
            (
                "agent_offline_minutes",
                number("thresholds.agent_offline_minutes", self.offline)?,
            ),
            (
                "failure_share_percent",
                number("thresholds.failure_share_percent", self.percent)?,
            ),
            (
                "failure_min_objects",
                number("thresholds.failure_min_objects", self.min_objects)?,
            ),
        ]);
        let webhooks = self.hooks.get_untracked().into_iter().map(Hook::settings).collect();
        Ok(object(vec![
            ("email", email),
            ("webhooks", Value::Array(webhooks)),
            ("events", Value::Object(events)),
            ("thresholds", thresholds),
            ("portal_url", optional(self.portal_url.get_untracked())),
        ]))
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let form = Form::new();
    let loaded = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let results = RwSignal::new(Vec::<(bool, String)>::new());
    spawn_local(async move {
        match api::get::<Value>(NOTIFICATIONS_PATH).await {
            Ok(settings) => {
                form.fill(&settings);
                loaded.set(true);
            }
            Err(e) => failure.set(Some(e)),
        }
    });
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        saved.set(false);
        let settings = match form.settings() {
            Ok(settings) => settings,
            Err(e) => return failure.set(Some(e)),
        };
        busy.set(true);
        spawn_local(async move {
            match api::put::<_, Value>(NOTIFICATIONS_PATH, &settings).await {
                Ok(stored) => {
                    form.fill(&stored);
                    saved.set(true);
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let test = move |_| {
        failure.set(None);
        results.set(Vec::new());
        busy.set(true);
        spawn_local(async move {
            match api::post::<_, Value>(NOTIFICATIONS_TEST_PATH, &Map::new()).await {
                Ok(report) => results.set(outcomes(&report)),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let events: Vec<_> = AlertEvent::SWITCHABLE
        .into_iter()
        .zip(form.events)
        .map(|(event, on)| view! { <Check id=format!("event-{}", event.name()) label=event.label() value=on /> })
        .collect();
    view! {
        <header class="page-header"><h1>"Settings"</h1></header>
        <h2>"Notifications"</h2>
        <p class="intro">"Tell administrators when a job is quarantined, released or disabled, when deletions wait for approval, when a cycle's failures pass the threshold, when inbound records fail, and when an agent goes silent. No secret is ever part of a notification."</p>
        {move || (!loaded.get() && failure.with(Option::is_none)).then(|| view! { <Loading /> })}
        <form class="notifications-form" on:submit=save novalidate hidden=move || !loaded.get()>
            <fieldset class="panel job-form">
                <legend>"Email (SMTP)"</legend>
                <Check id="email-enabled" label="Send email" value=form.email_on />
                <Field id="smtp-host" label="SMTP server" value=form.host />
                <Field id="smtp-port" label="Port" value=form.port kind="number" />
                <label for="smtp-security">"Security"</label>
                <select id="smtp-security" prop:value=move || form.security.get()
                    on:change=move |e| form.security.set(event_target_value(&e))>
                    <option value="starttls">"STARTTLS (required)"</option>
                    <option value="tls">"Implicit TLS"</option>
                    <option value="none">"None (local relay only)"</option>
                </select>
                <Field id="smtp-username" label="User name (empty: no sign-in)" value=form.username />
                <p class="hint">"Stored password: "<SecretState id="smtp-password-state" set=form.password_set /></p>
                <Field id="smtp-password" label="Password (empty keeps the stored one)" value=form.password kind="password" />
                <Check id="smtp-password-clear" label="Remove the stored password" value=form.clear_password />
                <Field id="smtp-from" label="From" value=form.from />
                <Area id="smtp-recipients" label="Recipients (one a line)" value=form.recipients />
                <Area id="smtp-ca" label="CA certificate (PEM, for a server with an internal certificate)" value=form.ca />
            </fieldset>
            <Webhooks hooks=form.hooks next=form.next_hook />
            <fieldset class="panel job-form">
                <legend>"Events"</legend>
                {events}
            </fieldset>
            <fieldset class="panel job-form">
                <legend>"Thresholds"</legend>
                <Field id="agent-offline-minutes" label="An agent is offline after (minutes)" value=form.offline kind="number" />
                <Field id="failure-share-percent" label="A cycle pages when this share of its objects failed (%)" value=form.percent kind="number" />
                <Field id="failure-min-objects" label="…and it handled at least (objects)" value=form.min_objects kind="number" />
                <Field id="portal-url" label="Portal address, for links in notifications" value=form.portal_url kind="url" />
            </fieldset>
            <div class="actions">
                <button type="submit" class="primary" id="save-notifications" disabled=move || busy.get()>"Save"</button>
                <button type="button" id="send-test" disabled=move || busy.get() on:click=test>"Send a test"</button>
                <span class="saved-note" role="status">{move || saved.get().then_some("Saved.")}</span>
            </div>
            <p class="hint">"The test uses the saved settings: save your changes first."</p>
        </form>
        <ErrorNote failure=failure />
        <ul id="test-results" class="test-results" role="status">
            {move || results.get().into_iter().map(|(delivered, line)| view! {
                <li class=if delivered { "delivered" } else { "failed" }>{line}</li>
            }).collect_view()}
        </ul>
    }
}

/// Each channel of a test report as a line: `webhook URL: delivered`, or
/// `not delivered: why`.
fn outcomes(report: &Value) -> Vec<(bool, String)> {
    let channels = report["channels"].as_array().map(Vec::as_slice).unwrap_or_default();
    channels
        .iter()
        .map(|c| {
            let delivered = c["delivered"] == true;
            let outcome = if delivered {
                "delivered".to_owned()
            } else {
                format!("not delivered: {}", text_of(c, "error"))
            };
            (
                delivered,
                format!("{} {}: {outcome}", text_of(c, "channel"), text_of(c, "target")),
            )
        })
        .collect()
}
