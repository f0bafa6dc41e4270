//! `/api/v1/settings/notifications`: the alerts' settings (SMTP, webhooks,
//! events, thresholds) with write-only secrets, and the test that sends a
//! notification through every channel that is on.

use axum::Json;
use axum::extract::State;
use provisio_api::ApiError;
use provisio_api::notifications::{
    NOTIFICATIONS_PATH, NOTIFICATIONS_TEST_PATH, NotificationSettings, NotificationTestReport,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::Body;
use super::{AdminErrors, AppState};
use crate::alerts::AlertError;
use crate::auth::extract::AdminCaller;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read_notifications, write_notifications))
        .routes(routes!(test_notifications))
}

fn failure(error: AlertError) -> Failure {
    match error {
        AlertError::Invalid(message) => Failure::invalid(message),
        AlertError::NoChannel => Failure::conflict(error.to_string()),
        AlertError::Secret(e) => Failure::internal(&e),
        AlertError::Storage(e) => Failure::internal(&e),
    }
}

/// The notification settings; secrets as whether each is set.
#[utoipa::path(
    get,
    path = NOTIFICATIONS_PATH,
    tag = "settings",
    responses((status = 200, description = "The settings, without secrets.", body = NotificationSettings), AdminErrors),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn read_notifications(
    _caller: AdminCaller,
    State(state): State<AppState>,
) -> Result<Json<NotificationSettings>, Failure> {
    Ok(Json(state.jobs.alerts().settings().await.map_err(failure)?))
}

/// Replaces the notification settings. A secret left out keeps the stored
/// one (unless its destination changed), an empty string clears it.
#[utoipa::path(
    put,
    path = NOTIFICATIONS_PATH,
    tag = "settings",
    request_body = NotificationSettings,
    responses(
        (status = 200, description = "The settings as stored, without secrets.", body = NotificationSettings),
        (status = 400, description = "A setting is not valid; the message names each field.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn write_notifications(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Body(settings): Body<NotificationSettings>,
) -> Result<Json<NotificationSettings>, Failure> {
    Ok(Json(
        state.jobs.alerts().replace_settings(settings).await.map_err(failure)?,
    ))
}

/// Sends a test notification through every channel that is on (one attempt
/// each) and answers whether each was delivered.
#[utoipa::path(
    post,
    path = NOTIFICATIONS_TEST_PATH,
    tag = "settings",
    responses(
        (status = 200, description = "Each channel's outcome.", body = NotificationTestReport),
        (status = 409, description = "No channel is on.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn test_notifications(
    _caller: AdminCaller,
    State(state): State<AppState>,
) -> Result<Json<NotificationTestReport>, Failure> {
    Ok(Json(state.jobs.alerts().send_test().await.map_err(failure)?))
}
