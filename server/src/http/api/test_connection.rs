//! `/api/v1/jobs/{id}/test-connection`: tries the job's stored target
//! address and credentials, as Entra's "Test Connection" does, and says how
//! the target answered.

use axum::Json;
use axum::extract::State;
use provisio_api::ApiError;
use provisio_api::jobs::connection::{ConnectionTest, JOB_TEST_CONNECTION_PATH};
use provisio_engine::job::{JobDefinition, Target};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::Segments;
use super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;
use provisio_connectors::Connector as _;
use provisio_connectors::http::HttpOptions;
use provisio_connectors::scim::{ScimConnector, ScimOptions};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(test_connection))
}

/// Tests the job's connection: its target's address, its stored
/// credentials, and that the target speaks SCIM well enough to be
/// provisioned. A target that refuses or cannot be reached is `ok: false`
/// with the reason; the answer never contains the credential.
#[utoipa::path(
    post,
    path = JOB_TEST_CONNECTION_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    responses(
        (status = 200, description = "How the target answered.", body = ConnectionTest),
        (status = 400, description = "The job's target is Provisio's own directory.", body = ApiError),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn test_connection(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Json<ConnectionTest>, Failure> {
    let definition = state.jobs.definition_with_secrets(&id).await?;
    let (outcome, address, answered) = match &definition.target {
        Target::Scim { base_url, .. } => {
            let outcome = match interactive_scim(&state, &definition.target) {
                Ok(connector) => connector.test_connection().await,
                Err(error) => Err(error),
            };
            (
                outcome,
                base_url.clone(),
                "the target answered as a SCIM service and accepted the credentials",
            )
        }
        Target::Directory => {
            return Err(Failure::invalid(
                "target: Provisio's own directory needs no connection test",
            ));
        }
        Target::Ldap(ldap) => (
            connect_and_test(&state, &definition).await,
            ldap.url.clone(),
            "the directory answered and accepted the bind",
        ),
        Target::Sql(sql) => (
            connect_and_test(&state, &definition).await,
            sql.url.clone(),
            "the database answered and has the tables and columns the job names",
        ),
        Target::Rest(rest) => (
            connect_and_test(&state, &definition).await,
            rest.base_url.clone(),
            "the API answered and accepted the credentials",
        ),
    };
    let (ok, message) = match outcome {
        Ok(()) => match definition.target.via_agent() {
            Some(agent) => (true, format!("through the agent `{agent}`: {answered}")),
            None => (true, answered.to_owned()),
        },
        // ConnectorError messages never contain a credential.
        Err(error) => (false, error.to_string()),
    };
    Ok(Json(ConnectionTest {
        ok,
        message,
        base_url: address,
    }))
}

/// The SCIM connector for a request an administrator waits for: one
/// attempt, not the cycle's retries with back-off, so an unreachable target
/// is reported at once.
pub(super) fn interactive_scim(
    state: &AppState,
    target: &Target,
) -> Result<ScimConnector, provisio_connectors::ConnectorError> {
    let options = ScimOptions {
        http: HttpOptions {
            max_attempts: 1,
            network: state.jobs.target_policy().networks.clone(),
            ..HttpOptions::default()
        },
        ..ScimOptions::default()
    };
    ScimConnector::from_target(target, options)
}

async fn connect_and_test(
    state: &AppState,
    definition: &JobDefinition,
) -> Result<(), provisio_connectors::ConnectorError> {
    crate::targets::connect(&state.store, definition, state.jobs.reach())
        .await?
        .test_connection()
        .await
}
