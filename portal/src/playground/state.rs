//! The playground's state: the texts the admin edits, and what is derived from them.

use chrono::{DateTime, Utc};
use leptos::html::Textarea;
use leptos::prelude::*;
use provisio_engine::object::SourceObject;

use super::analysis::{Analysis, analyse};
use super::options::{self, EvalOptions};

/// The expression the playground opens with.
pub const DEFAULT_EXPRESSION: &str =
    r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com"))"#;

/// The source object the playground opens with: a typical directory user.
pub const DEFAULT_SOURCE: &str = r#"{
  "objectId": "7d3f1c52-2b8e-4f0a-9a61-0c4be4f1d2a9",
  "givenName": "Zoë",
  "surname": "van der Berg",
  "displayName": "Zoë van der Berg",
  "mail": "Zoe.vanderBerg@contoso.com",
  "mailNickname": "zvanderberg",
  "userPrincipalName": "zoe.vanderberg@contoso.com",
  "employeeId": "100482",
  "jobTitle": "Financial Controller",
  "department": "Finance",
  "companyName": "Contoso Ltd.",
  "city": "Rotterdam",
  "country": "Netherlands",
  "usageLocation": "NL",
  "preferredLanguage": "nl-NL",
  "proxyAddresses": [
    "SMTP:Zoe.vanderBerg@contoso.com",
    "smtp:zvanderberg@contoso.onmicrosoft.com"
  ],
  "accountEnabled": true,
  "employeeHireDate": "2021-03-01T08:00:00Z"
}"#;

/// Why the source object text cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError(pub String);

/// Everything the admin edits, as signals, and what is parsed from it; cheap to copy into
/// every component.
#[derive(Debug, Clone, Copy)]
pub struct PlaygroundState {
    pub expression: RwSignal<String>,
    pub source: RwSignal<String>,
    pub now: RwSignal<String>,
    pub default_domain: RwSignal<String>,
    pub seed: RwSignal<String>,
    /// The source object, or why its JSON is unusable.
    pub source_object: Memo<Result<SourceObject, SourceError>>,
    /// The parsed "now" option, or why it is unusable.
    pub now_value: Memo<Result<DateTime<Utc>, String>>,
    /// The parsed random seed, or why it is unusable.
    pub seed_value: Memo<Result<u64, String>>,
    /// The expression textarea, for selections and insertions.
    pub editor: NodeRef<Textarea>,
}

impl PlaygroundState {
    /// The opening state, with "now" taken from the browser's clock.
    pub fn new() -> Self {
        let source = RwSignal::new(DEFAULT_SOURCE.to_owned());
        let now = RwSignal::new(options::format_now(options::browser_now()));
        let seed = RwSignal::new("42".to_owned());
        PlaygroundState {
            expression: RwSignal::new(DEFAULT_EXPRESSION.to_owned()),
            source,
            now,
            default_domain: RwSignal::new("contoso.com".to_owned()),
            seed,
            source_object: Memo::new(move |_| {
                source.with(|text| SourceObject::from_json(text).map_err(|e| SourceError(e.to_string())))
            }),
            now_value: Memo::new(move |_| now.with(|text| options::parse_now(text))),
            seed_value: Memo::new(move |_| seed.with(|text| options::parse_seed(text))),
            editor: NodeRef::new(),
        }
    }

    /// The expression checked and evaluated against the current inputs.
    pub fn analysis(&self) -> Memo<Analysis> {
        let (expression, domain) = (self.expression, self.default_domain);
        let (source, now, seed) = (self.source_object, self.now_value, self.seed_value);
        Memo::new(move |_| {
            let options = match (now.get(), seed.get()) {
                (Ok(now), Ok(seed)) => Some(EvalOptions {
                    now,
                    default_domain: domain.get(),
                    seed,
                }),
                _ => None,
            };
            source.with(|source| expression.with(|text| analyse(text, source.as_ref().ok(), options.as_ref())))
        })
    }
}

impl Default for PlaygroundState {
    fn default() -> Self {
        Self::new()
    }
}
