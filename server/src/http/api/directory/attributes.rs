//! `/api/v1/directory/attributes`: the attribute catalogue (Entra's
//! built-in user and group attributes with their types, then the
//! administrator's extension attributes), defining and removing extensions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use provisio_api::ApiError;
use provisio_api::directory::{
    ATTRIBUTE_PATH, ATTRIBUTES_PATH, AttributeCatalogue, AttributeDefinition, AttributeKind, ExtensionAttributeRequest,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::error::Failure;
use super::super::extract::{Body, Segments};
use super::super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;
use crate::directory::attributes::{USER_ATTRIBUTES, group_catalogue, is_reserved, user_catalogue};
use crate::directory::{AttributeSpec, AttributeType};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_attributes, define_attribute))
        .routes(routes!(remove_attribute))
}

fn kind(kind: AttributeType) -> AttributeKind {
    match kind {
        AttributeType::String => AttributeKind::String,
        AttributeType::Boolean => AttributeKind::Boolean,
        AttributeType::Integer => AttributeKind::Integer,
        AttributeType::DateTime => AttributeKind::DateTime,
        AttributeType::Reference => AttributeKind::Reference,
    }
}

fn attribute_type(kind: AttributeKind) -> AttributeType {
    match kind {
        AttributeKind::String => AttributeType::String,
        AttributeKind::Boolean => AttributeType::Boolean,
        AttributeKind::Integer => AttributeType::Integer,
        AttributeKind::DateTime => AttributeType::DateTime,
        AttributeKind::Reference => AttributeType::Reference,
    }
}

fn definition(spec: AttributeSpec, builtin: bool) -> AttributeDefinition {
    AttributeDefinition {
        kind: kind(spec.kind),
        name: spec.name,
        multi_valued: spec.multi_valued,
        description: spec.description,
        builtin,
    }
}

/// Every attribute users and groups may carry, with its type.
#[utoipa::path(
    get,
    path = ATTRIBUTES_PATH,
    tag = "directory",
    responses((status = 200, description = "The catalogue.", body = AttributeCatalogue), AdminErrors),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn list_attributes(
    _caller: AdminCaller,
    State(state): State<AppState>,
) -> Result<Json<AttributeCatalogue>, Failure> {
    let extensions = state.store.directory().extension_attributes().await?;
    let user = user_catalogue(&extensions)
        .into_iter()
        .enumerate()
        .map(|(i, spec)| definition(spec, i < USER_ATTRIBUTES.len()))
        .collect();
    let group = group_catalogue()
        .into_iter()
        .map(|spec| definition(spec, true))
        .collect();
    Ok(Json(AttributeCatalogue { user, group }))
}

/// Defines an extension attribute of users: a letter then letters, digits
/// or underscores (at most 64), not a built-in name.
#[utoipa::path(
    post,
    path = ATTRIBUTES_PATH,
    tag = "directory",
    request_body = ExtensionAttributeRequest,
    responses(
        (status = 201, description = "Defined.", body = AttributeDefinition),
        (status = 400, description = "The name is malformed or built-in.", body = ApiError),
        (status = 409, description = "An extension attribute of that name exists.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn define_attribute(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Body(body): Body<ExtensionAttributeRequest>,
) -> Result<(StatusCode, Json<AttributeDefinition>), Failure> {
    let spec = AttributeSpec {
        name: body.name,
        kind: attribute_type(body.kind),
        multi_valued: body.multi_valued,
        description: body.description,
    };
    let defined = state.store.directory().define_extension(spec).await?;
    Ok((StatusCode::CREATED, Json(definition(defined, false))))
}

/// Removes an extension attribute and its values from every user.
#[utoipa::path(
    delete,
    path = ATTRIBUTE_PATH,
    tag = "directory",
    params(("name" = String, Path, description = "The extension attribute's name.")),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, description = "A built-in attribute, which cannot be removed.", body = ApiError),
        (status = 404, description = "No extension attribute has that name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn remove_attribute(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(name): Segments<String>,
) -> Result<StatusCode, Failure> {
    if is_reserved(&name) {
        return Err(Failure::invalid(format!(
            "`{name}` is a built-in attribute: only extension attributes can be removed"
        )));
    }
    let directory = state.store.directory();
    let exists = directory
        .extension_attributes()
        .await?
        .iter()
        .any(|spec| spec.name == name);
    if !exists {
        return Err(Failure::not_found(format!("no extension attribute is named `{name}`")));
    }
    directory.remove_extension(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_convert_both_ways() {
        for kind_ in [
            AttributeType::String,
            AttributeType::Boolean,
            AttributeType::Integer,
            AttributeType::DateTime,
            AttributeType::Reference,
        ] {
            assert_eq!(attribute_type(kind(kind_)), kind_);
            assert_eq!(serde_json::to_value(kind(kind_)).unwrap(), kind_.as_str());
        }
    }
}
