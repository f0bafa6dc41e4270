//! The evaluation inputs the engine never reads itself — the current time, the default domain
//! and the random seed — and the form that edits them.

use chrono::{DateTime, SecondsFormat, Utc};
use leptos::prelude::*;
use provisio_engine::expr::EvalContext;
use provisio_engine::random::SeededRandom;

use super::state::PlaygroundState;

/// Usable evaluation inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalOptions {
    pub now: DateTime<Utc>,
    /// Empty means "no default domain": `DefaultDomain()` then fails, as it would on a server
    /// without one.
    pub default_domain: String,
    pub seed: u64,
}

impl EvalOptions {
    /// A fresh context, so the same inputs always give the same random values.
    pub fn context(&self) -> EvalContext<'static> {
        let context = EvalContext::new(self.now).with_random(SeededRandom::new(self.seed));
        match self.default_domain.trim() {
            "" => context,
            domain => context.with_default_domain(domain),
        }
    }
}

/// The browser's current time (the engine never reads a clock).
pub fn browser_now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// RFC 3339 in UTC to the second, e.g. `2025-06-01T09:30:00Z`.
pub fn format_now(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("Not an RFC 3339 date and time ({e}); for example 2025-06-01T09:30:00Z."))
}

pub fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("The seed must be a whole number from 0 to {}.", u64::MAX))
}

/// The "Evaluation inputs" form.
#[component]
pub fn OptionsForm(state: PlaygroundState) -> impl IntoView {
    let now_error = move || state.now_value.with(|v| v.as_ref().err().cloned());
    let seed_error = move || state.seed_value.with(|v| v.as_ref().err().cloned());
    view! {
        <fieldset class="options">
            <legend>"Evaluation inputs"</legend>
            <label for="option-now">"Now (RFC 3339)"</label>
            <input
                id="option-now"
                class="code"
                type="text"
                spellcheck="false"
                aria-describedby="option-now-help option-now-error"
                aria-invalid=move || now_error().is_some().to_string()
                prop:value=move || state.now.get()
                on:input=move |ev| state.now.set(event_target_value(&ev))
            />
            <p id="option-now-help" class="hint with-button">
                "What Now() returns. "
                <button
                    type="button"
                    id="option-now-reset"
                    class="link-button"
                    on:click=move |_| state.now.set(format_now(browser_now()))
                >
                    "Use the current time"
                </button>
            </p>
            <p id="option-now-error" class="field-error" role="alert" hidden=move || now_error().is_none()>
                {now_error}
            </p>
            <label for="option-domain">"Default domain"</label>
            <input
                id="option-domain"
                class="code"
                type="text"
                spellcheck="false"
                aria-describedby="option-domain-help"
                prop:value=move || state.default_domain.get()
                on:input=move |ev| state.default_domain.set(event_target_value(&ev))
            />
            <p id="option-domain-help" class="hint">"What DefaultDomain() returns; leave empty for none."</p>
            <label for="option-seed">"Random seed"</label>
            <input
                id="option-seed"
                class="code"
                type="text"
                inputmode="numeric"
                aria-describedby="option-seed-help option-seed-error"
                aria-invalid=move || seed_error().is_some().to_string()
                prop:value=move || state.seed.get()
                on:input=move |ev| state.seed.set(event_target_value(&ev))
            />
            <p id="option-seed-help" class="hint">"Makes Guid() and RandomString() repeatable."</p>
            <p id="option-seed-error" class="field-error" role="alert" hidden=move || seed_error().is_none()>
                {seed_error}
            </p>
        </fieldset>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing test should stop loudly
mod tests {
    use super::*;

    #[test]
    fn now_round_trips_through_rfc3339() {
        let now = parse_now(" 2025-06-01T11:30:00+02:00 ").unwrap();
        assert_eq!(format_now(now), "2025-06-01T09:30:00Z");
        assert!(parse_now("yesterday").unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn seeds_are_unsigned_integers() {
        assert_eq!(parse_seed(" 7 "), Ok(7));
        assert!(parse_seed("-1").is_err());
    }

    #[test]
    fn an_empty_default_domain_means_none() {
        let mut options = EvalOptions {
            now: DateTime::UNIX_EPOCH,
            default_domain: " ".to_owned(),
            seed: 1,
        };
        assert_eq!(options.context().default_domain, None);
        options.default_domain = "contoso.com".to_owned();
        assert_eq!(options.context().default_domain.as_deref(), Some("contoso.com"));
    }
}
