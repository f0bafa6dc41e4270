//! `/api/v1/jobs/{id}/app-roles/advertised`: the app roles a job's SCIM
//! target lists in its User schema, for the portal to import as the job's
//! `app_roles` (nothing is saved here).

use axum::Json;
use axum::extract::State;
use provisio_api::ApiError;
use provisio_api::jobs::app_roles::{AdvertisedRoles, JOB_ADVERTISED_ROLES_PATH};
use provisio_engine::job::Target;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::Segments;
use super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(advertised_roles))
}

/// The app roles the job's SCIM target advertises: the canonical values of
/// `roles` in its User schema (`/Schemas`). A target without a schema, or
/// one that fails, answers `200` with no roles and the reason.
#[utoipa::path(
    get,
    path = JOB_ADVERTISED_ROLES_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    responses(
        (status = 200, description = "The roles the target lists, and what was found.", body = AdvertisedRoles),
        (status = 400, description = "The job's target is not a SCIM application.", body = ApiError),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn advertised_roles(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Json<AdvertisedRoles>, Failure> {
    let definition = state.jobs.definition_with_secrets(&id).await?;
    let Target::Scim { base_url, .. } = &definition.target else {
        return Err(Failure::invalid(
            "target: only SCIM applications advertise roles (in their User schema); define the roles by hand",
        ));
    };
    let found = match super::test_connection::interactive_scim(&state, &definition.target) {
        Ok(connector) => connector.advertised_roles().await,
        Err(error) => Err(error),
    };
    // ConnectorError messages never contain a credential.
    let (roles, message) = match found {
        Ok(Some(roles)) if roles.is_empty() => (
            roles,
            format!("{base_url} publishes its User schema, but it lists no roles"),
        ),
        Ok(Some(roles)) => {
            let message = format!("{base_url} lists {} role(s) in its User schema", roles.len());
            (roles, message)
        }
        Ok(None) => (Vec::new(), format!("{base_url} publishes no User schema")),
        Err(error) => (Vec::new(), format!("cannot read the roles of {base_url}: {error}")),
    };
    Ok(Json(AdvertisedRoles { roles, message }))
}
