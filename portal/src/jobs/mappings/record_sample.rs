//! For an inbound job, the record an expression is evaluated for: a SCIM
//! user as an HR system would push it, pasted by the admin and flattened
//! to source attributes as the server does (`inbound_record`).

use leptos::prelude::*;
use provisio_engine::inbound_record::source_attributes;
use serde_json::{Map, Value, json};

use crate::playground::PlaygroundState;

/// A record of the kind the inbound template maps, to start from.
fn example() -> String {
    let record = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "externalId": "E1001",
        "userName": "ada.lovelace@contoso.com",
        "displayName": "Ada Lovelace",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"type": "work", "value": "ada.lovelace@contoso.com", "primary": true}],
        "title": "Engineer",
        "active": true,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": "Research",
            "manager": {"value": "E1000"}
        }
    });
    serde_json::to_string_pretty(&record).unwrap_or_default()
}

/// The record's source attributes as JSON text, or why it has none.
fn flatten(text: &str) -> Result<String, String> {
    let record: Map<String, Value> = serde_json::from_str(text).map_err(|e| format!("Not a JSON object: {e}"))?;
    let external_id = record.get("externalId").and_then(Value::as_str).unwrap_or_default();
    serde_json::to_string_pretty(&source_attributes(external_id, &record)).map_err(|e| e.to_string())
}

#[component]
pub fn RecordSample(state: PlaygroundState) -> impl IntoView {
    let text = RwSignal::new(example());
    let problem = RwSignal::new(None::<String>);
    let apply = move || match flatten(&text.get_untracked()) {
        Ok(source) => {
            problem.set(None);
            state.source.set(source);
        }
        Err(e) => problem.set(Some(e)),
    };
    apply();
    view! {
        <section class="user-picker record-sample" aria-labelledby="record-sample-heading">
            <h4 id="record-sample-heading">"Evaluate for a record"</h4>
            <label for="mapping-record">"A SCIM user as your HR system sends it"</label>
            <textarea id="mapping-record" class="code" rows="10" spellcheck="false"
                aria-describedby="mapping-record-problem"
                aria-invalid=move || problem.with(Option::is_some).to_string()
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    apply();
                }></textarea>
            <p id="mapping-record-problem" class="field-error" role="alert">{move || problem.get()}</p>
            <p class="hint">"Flattened as the server reads it: "<code>"name.givenName"</code>", "
                <code>"emails[type eq \"work\"].value"</code>", the enterprise extension's attributes by their full name, and externalId as the id."</p>
        </section>
    }
}
