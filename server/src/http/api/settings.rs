//! `/api/v1/settings`: the instance-wide settings an administrator reads and
//! sets — the organisation's default domain, which every server-side
//! evaluation (cycles, on-demand, inbound) and the portal's previews give
//! `DefaultDomain()`, and the audit trail's retention. A change is audited
//! with its before and after.

use axum::Json;
use axum::extract::State;
use provisio_api::ApiError;
use provisio_api::settings::{SETTINGS_PATH, Settings};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::Body;
use super::{AdminErrors, AppState};
use crate::ServerError;
use crate::audit::{self, DEFAULT_RETENTION_DAYS, RETENTION_SETTING};
use crate::auth::extract::AdminCaller;
use crate::store::{DEFAULT_DOMAIN, Store};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_settings, write_settings))
}

/// The settings.
#[utoipa::path(
    get,
    path = SETTINGS_PATH,
    tag = "settings",
    responses((status = 200, description = "The settings.", body = Settings), AdminErrors),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn read_settings(
    _caller: AdminCaller,
    State(state): State<AppState>,
) -> Result<Json<Settings>, Failure> {
    Ok(Json(stored(&state.store).await?))
}

async fn stored(store: &Store) -> Result<Settings, Failure> {
    Ok(Settings {
        default_domain: store.setting(DEFAULT_DOMAIN).await?,
        audit_retention_days: store.setting(RETENTION_SETTING).await?.and_then(|d| d.parse().ok()),
    })
}

/// Replaces the settings: a setting left out, `null` or empty is cleared.
#[utoipa::path(
    put,
    path = SETTINGS_PATH,
    tag = "settings",
    request_body = Settings,
    responses(
        (status = 200, description = "The settings as stored.", body = Settings),
        (status = 400, description = "A setting's value is not valid; the message names it.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn write_settings(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Body(settings): Body<Settings>,
) -> Result<Json<Settings>, Failure> {
    let domain = settings
        .default_domain
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(checked_domain)
        .transpose()?;
    if let Some(days) = settings.audit_retention_days
        && !(1..=3650).contains(&days)
    {
        return Err(Failure::invalid(format!(
            "audit_retention_days: {days} is out of range: keep the audit trail 1 to 3650 days (null for the default, {DEFAULT_RETENTION_DAYS})"
        )));
    }
    let before = stored(&state.store).await?;
    let after = Settings {
        default_domain: domain,
        audit_retention_days: settings.audit_retention_days,
    };
    let json = |s: &Settings| serde_json::to_value(s).unwrap_or_default();
    let mut tx = state.store.writer().begin().await.map_err(ServerError::from)?;
    Store::put_setting_in(&mut tx, DEFAULT_DOMAIN, after.default_domain.as_deref()).await?;
    let days = after.audit_retention_days.map(|d| d.to_string());
    Store::put_setting_in(&mut tx, RETENTION_SETTING, days.as_deref()).await?;
    let event = audit::Event::new("settings.update", "settings").changes(audit::changes(&json(&before), &json(&after)));
    audit::record_in(&mut tx, event).await?;
    tx.commit().await.map_err(ServerError::from)?;
    tracing::info!(default_domain = ?after.default_domain, audit_retention_days = ?after.audit_retention_days, "settings changed");
    Ok(Json(after))
}

/// A domain name as DNS spells it (lower-cased): dot-separated labels of
/// letters, digits and inner hyphens, each at most 63 characters.
fn checked_domain(domain: &str) -> Result<String, Failure> {
    let lower = domain.trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if lower.len() <= 253 && lower.split('.').all(label_ok) {
        Ok(lower)
    } else {
        Err(Failure::invalid(format!(
            "default_domain: `{domain}` is not a domain name (letters, digits and hyphens in dot-separated labels, e.g. contoso.com)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_checked_and_lower_cased() {
        assert_eq!(checked_domain("Contoso.COM").unwrap(), "contoso.com");
        assert_eq!(checked_domain("contoso.com.").unwrap(), "contoso.com");
        assert_eq!(
            checked_domain("eu-west.fabrikam.co.uk").unwrap(),
            "eu-west.fabrikam.co.uk"
        );
        for bad in [
            "contoso com",
            "-contoso.com",
            "contoso..com",
            "contoso.com/x",
            "ex@mple.com",
        ] {
            assert!(checked_domain(bad).is_err(), "{bad}");
        }
    }
}
