//! `/api/v1/directory/users`: listing, creating, reading, replacing,
//! patching, soft-deleting, purging and restoring users.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::Response;
use provisio_api::ApiError;
use provisio_api::directory::{
    AttributesPatch, DeleteQuery, DirectoryQuery, DirectoryUser, Page, USER_PATH, USER_RESTORE_PATH, USERS_PATH,
    UserDetail, UserWrite, user_path,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::error::Failure;
use super::super::extract::{Body, IfMatch, Params, Segments, tagged};
use super::super::{AdminErrors, AppState};
use super::{patched, user, user_detail, user_query};
use crate::auth::extract::AdminCaller;
use crate::directory::{Directory, User, UserDraft};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, replace_user, patch_user, delete_user))
        .routes(routes!(restore_user))
}

/// A page of users by display name, optionally only those whose
/// userPrincipalName, displayName or mail contains `search`.
#[utoipa::path(
    get,
    path = USERS_PATH,
    tag = "directory",
    params(DirectoryQuery),
    responses(
        (status = 200, description = "The page and the number of matching users.", body = Page<DirectoryUser>),
        (status = 400, description = "A query parameter is out of range.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn list_users(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Params(query): Params<DirectoryQuery>,
) -> Result<Json<Page<DirectoryUser>>, Failure> {
    let page = state.store.directory().users_page(&user_query(query)?).await?;
    Ok(Json(Page {
        total: page.total,
        items: page.items.into_iter().map(user).collect(),
    }))
}

/// Creates a user (`userPrincipalName` is required; `accountEnabled`
/// defaults to true).
#[utoipa::path(
    post,
    path = USERS_PATH,
    tag = "directory",
    request_body = UserWrite,
    responses(
        (status = 201, description = "Created; `Location` names it.", body = UserDetail,
            headers(("location" = String), ("etag" = String))),
        (status = 400, description = "An unknown attribute or a value of the wrong type (the message names it).", body = ApiError),
        (status = 409, description = "The userPrincipalName is taken.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn create_user(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Body(body): Body<UserWrite>,
) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let created = directory
        .create_user(UserDraft {
            attributes: body.attributes,
            scim_extra: None,
        })
        .await?;
    let id = created.id.clone();
    let detail = user_detail(&directory, created).await?;
    let mut response = tagged(StatusCode::CREATED, detail.user.meta.version, &detail);
    if let Ok(location) = user_path(&id).parse() {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// A user (a soft-deleted one too: its `meta.deleted_at` is set), with its
/// groups and manager.
#[utoipa::path(
    get,
    path = USER_PATH,
    tag = "directory",
    params(("id" = String, Path, description = "The user's id or userPrincipalName.")),
    responses(
        (status = 200, description = "The user.", body = UserDetail, headers(("etag" = String))),
        (status = 404, description = "No user has that id or userPrincipalName.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn get_user(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let found = named_user(&directory, &id).await?;
    let detail = user_detail(&directory, found).await?;
    Ok(tagged(StatusCode::OK, detail.user.meta.version, &detail))
}

/// Replaces every attribute of a live user.
#[utoipa::path(
    put,
    path = USER_PATH,
    tag = "directory",
    params(
        ("id" = String, Path, description = "The user's id or userPrincipalName."),
        ("if-match" = Option<String>, Header, description = "The version read (its ETag)."),
    ),
    request_body = UserWrite,
    responses(
        (status = 200, description = "Replaced.", body = UserDetail, headers(("etag" = String))),
        (status = 400, description = "An unknown attribute or a value of the wrong type.", body = ApiError),
        (status = 404, description = "No live user has that id or userPrincipalName.", body = ApiError),
        (status = 409, description = "The userPrincipalName is taken.", body = ApiError),
        (status = 412, description = "The user has changed since the If-Match version.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn replace_user(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    IfMatch(version): IfMatch,
    Body(body): Body<UserWrite>,
) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let id = named_user(&directory, &id).await?.id;
    let replaced = directory
        .modify_user(&id, version, |current| {
            Ok::<_, Failure>(UserDraft {
                attributes: body.attributes,
                scim_extra: current.scim_extra.clone(),
            })
        })
        .await?;
    let detail = user_detail(&directory, replaced).await?;
    Ok(tagged(StatusCode::OK, detail.user.meta.version, &detail))
}

/// Changes some attributes of a live user: each value given replaces the
/// attribute's, `null` clears it, the rest stay.
#[utoipa::path(
    patch,
    path = USER_PATH,
    tag = "directory",
    params(
        ("id" = String, Path, description = "The user's id or userPrincipalName."),
        ("if-match" = Option<String>, Header, description = "The version read (its ETag)."),
    ),
    request_body = AttributesPatch,
    responses(
        (status = 200, description = "Changed.", body = UserDetail, headers(("etag" = String))),
        (status = 400, description = "An unknown attribute or a value of the wrong type.", body = ApiError),
        (status = 404, description = "No live user has that id or userPrincipalName.", body = ApiError),
        (status = 409, description = "The userPrincipalName is taken.", body = ApiError),
        (status = 412, description = "The user has changed since the If-Match version.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn patch_user(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    IfMatch(version): IfMatch,
    Body(body): Body<AttributesPatch>,
) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let id = named_user(&directory, &id).await?.id;
    let changed = directory
        .modify_user(&id, version, |current| {
            let mut draft = current.draft();
            draft.attributes = patched(&current.attributes, body.attributes);
            Ok::<_, Failure>(draft)
        })
        .await?;
    let detail = user_detail(&directory, changed).await?;
    Ok(tagged(StatusCode::OK, detail.user.meta.version, &detail))
}

/// Soft-deletes a live user (restorable), or with `?purge=true`
/// hard-deletes a soft-deleted one and its memberships.
#[utoipa::path(
    delete,
    path = USER_PATH,
    tag = "directory",
    params(
        ("id" = String, Path, description = "The user's id or userPrincipalName."),
        DeleteQuery,
        ("if-match" = Option<String>, Header, description = "The version read (its ETag)."),
    ),
    responses(
        (status = 204, description = "Deleted (or purged)."),
        (status = 404, description = "No user has that id or userPrincipalName.", body = ApiError),
        (status = 409, description = "Purging a live user, or deleting a deleted one without `purge`.", body = ApiError),
        (status = 412, description = "The user has changed since the If-Match version.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn delete_user(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    Params(query): Params<DeleteQuery>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, Failure> {
    let directory = state.store.directory();
    let found = named_user(&directory, &id).await?;
    let id = found.id.clone();
    match super::removal("user", &id, found.is_deleted(), query.purge)? {
        super::Removal::SoftDelete => directory.delete_user(&id, version).await?,
        super::Removal::Purge => directory.purge_user(&id).await?,
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Restores a soft-deleted user.
#[utoipa::path(
    post,
    path = USER_RESTORE_PATH,
    tag = "directory",
    params(("id" = String, Path, description = "The user's id or userPrincipalName.")),
    responses(
        (status = 200, description = "Restored.", body = UserDetail, headers(("etag" = String))),
        (status = 404, description = "No user has that id or userPrincipalName.", body = ApiError),
        (status = 409, description = "The user is not deleted.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn restore_user(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let id = named_user(&directory, &id).await?.id;
    let restored = directory.restore_user(&id).await?;
    let detail = user_detail(&directory, restored).await?;
    Ok(tagged(StatusCode::OK, detail.user.meta.version, &detail))
}

/// The user a path names: by id, else by userPrincipalName (any case), as
/// provision on demand and the command line name users; deleted or not.
async fn named_user(directory: &Directory, key: &str) -> Result<User, Failure> {
    directory
        .user_by_id_or_upn(key)
        .await?
        .ok_or_else(|| Failure::not_found(format!("no user has the id or userPrincipalName `{key}`")))
}
