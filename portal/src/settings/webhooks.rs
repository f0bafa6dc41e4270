//! The webhooks of the notification settings: each one's URL, whether it
//! is on, and its signing secret (set or not, and a field to replace it);
//! added and removed in place, saved with the rest of the form.

use leptos::prelude::*;
use serde_json::Value;

use super::fields::{Check, Field, SecretState};
use super::notifications::{object, optional, text_of};

/// One webhook as the form edits it.
#[derive(Clone, Copy)]
pub struct Hook {
    /// Tells rows apart while the list changes.
    key: usize,
    id: RwSignal<Option<String>>,
    url: RwSignal<String>,
    enabled: RwSignal<bool>,
    secret_set: RwSignal<bool>,
    /// A new secret; empty keeps the stored one.
    secret: RwSignal<String>,
}

impl Hook {
    /// A row for the webhook as stored (`null` for a new one).
    pub fn new(key: usize, stored: &Value) -> Hook {
        Hook {
            key,
            id: RwSignal::new(stored["id"].as_str().map(str::to_owned)),
            url: RwSignal::new(text_of(stored, "url")),
            enabled: RwSignal::new(stored["enabled"] != false),
            secret_set: RwSignal::new(stored["secret_set"] == true),
            secret: RwSignal::new(String::new()),
        }
    }

    /// The webhook to send: the new secret only when one was typed.
    pub fn settings(self) -> Value {
        object(vec![
            ("id", self.id.get_untracked().map_or(Value::Null, Value::String)),
            ("url", Value::String(self.url.get_untracked())),
            ("enabled", Value::Bool(self.enabled.get_untracked())),
            ("secret", optional(self.secret.get_untracked())),
        ])
    }
}

/// The list with its Add and Remove buttons; `next` numbers new rows.
#[component]
pub fn Webhooks(hooks: RwSignal<Vec<Hook>>, next: RwSignal<usize>) -> impl IntoView {
    let add = move |_| {
        next.update(|n| *n += 1);
        let hook = Hook::new(next.get_untracked(), &Value::Null);
        hooks.update(|list| list.push(hook));
    };
    view! {
        <fieldset class="panel webhooks">
            <legend>"Webhooks"</legend>
            <p class="hint">"Each notification is POSTed as JSON, signed with HMAC-SHA256 (headers X-Provisio-Timestamp and X-Provisio-Signature); failures are retried with back-off."</p>
            <ul class="webhook-list">
                {move || hooks.get().into_iter().enumerate().map(|(i, hook)| view! {
                    <li class="webhook-row job-form">
                        <Field id=format!("webhook-url-{i}") label="URL" value=hook.url kind="url"
                            hint="https://hooks.contoso.com/provisio" />
                        <Check id=format!("webhook-on-{i}") label="Send to this webhook" value=hook.enabled />
                        <p class="hint">"Signing secret: "<SecretState id=format!("webhook-secret-state-{i}") set=hook.secret_set /></p>
                        <Field id=format!("webhook-secret-{i}") label="New signing secret (at least 16 characters; empty keeps the stored one)"
                            value=hook.secret kind="password" />
                        <div class="actions">
                            <button type="button" class="webhook-remove"
                                on:click=move |_| hooks.update(|list| list.retain(|h| h.key != hook.key))>"Remove"</button>
                        </div>
                    </li>
                }).collect_view()}
            </ul>
            <button type="button" id="webhook-add" on:click=add>"Add a webhook"</button>
        </fieldset>
    }
}
