//! `/api/v1/settings`: the instance-wide settings an administrator sets:
//! the organisation's default domain (what `DefaultDomain()` returns in
//! every server-side evaluation and in the portal's previews) and how long
//! the audit trail keeps its events.

use serde::{Deserialize, Serialize};

/// Where the settings are read (`GET`) and changed (`PUT`).
pub const SETTINGS_PATH: &str = "/api/v1/settings";

/// The settings, as read and as written. A `PUT` replaces them: a setting
/// left out or `null` is cleared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settings {
    /// The organisation's default domain, e.g. `contoso.com`: what
    /// `DefaultDomain()` returns. `null` when not set (then DefaultDomain()
    /// fails the mapping that calls it).
    #[serde(default)]
    pub default_domain: Option<String>,
    /// How many days the audit trail keeps its events (1 to 3650); `null`
    /// for the default, 730.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_retention_days: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_domain_reads_as_none() {
        let settings: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(settings.default_domain, None);
        assert_eq!(
            serde_json::to_value(Settings {
                default_domain: Some("contoso.com".into()),
                audit_retention_days: None,
            })
            .unwrap(),
            serde_json::json!({"default_domain": "contoso.com"})
        );
    }
}
