//! `/api/v1/directory/groups`: listing, creating, reading, replacing,
//! patching, soft-deleting, purging and restoring groups, and adding and
//! removing members.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::Response;
use provisio_api::ApiError;
use provisio_api::directory::{
    DeleteQuery, DirectoryGroup, DirectoryQuery, GROUP_MEMBER_PATH, GROUP_MEMBERS_PATH, GROUP_PATH, GROUP_RESTORE_PATH,
    GROUPS_PATH, GroupPatch, GroupWrite, MembersRequest, Page, group_path,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::error::Failure;
use super::super::extract::{Body, IfMatch, Params, Segments, tagged};
use super::super::{AdminErrors, AppState};
use super::{group, group_detail, group_query, patched};
use crate::auth::extract::AdminCaller;
use crate::directory::{Directory, Group, GroupDraft};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_groups, create_group))
        .routes(routes!(get_group, replace_group, patch_group, delete_group))
        .routes(routes!(restore_group))
        .routes(routes!(add_members))
        .routes(routes!(remove_member))
}

/// A group answered with its members' names and its version as the ETag.
async fn answer(directory: &Directory, status: StatusCode, found: Group) -> Result<Response, Failure> {
    let detail = group_detail(directory, found).await?;
    Ok(tagged(status, detail.meta.version, &detail))
}

/// A page of groups by display name, optionally only those whose
/// displayName contains `search`.
#[utoipa::path(
    get,
    path = GROUPS_PATH,
    tag = "directory",
    params(DirectoryQuery),
    responses(
        (status = 200, description = "The page and the number of matching groups.", body = Page<DirectoryGroup>),
        (status = 400, description = "A query parameter is out of range.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn list_groups(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Params(query): Params<DirectoryQuery>,
) -> Result<Json<Page<DirectoryGroup>>, Failure> {
    let page = state.store.directory().groups_page(&group_query(query)?).await?;
    Ok(Json(Page {
        total: page.total,
        items: page.items.into_iter().map(group).collect(),
    }))
}

/// Creates a group (`displayName` is required) with its members.
#[utoipa::path(
    post,
    path = GROUPS_PATH,
    tag = "directory",
    request_body = GroupWrite,
    responses(
        (status = 201, description = "Created; `Location` names it.", body = DirectoryGroup,
            headers(("location" = String), ("etag" = String))),
        (status = 400, description = "An unknown attribute, a wrong value or an unknown member (the message names it).", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn create_group(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Body(body): Body<GroupWrite>,
) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let created = directory
        .create_group(GroupDraft {
            attributes: body.attributes,
            members: body.members,
            scim_extra: None,
        })
        .await?;
    let id = created.id.clone();
    let mut response = answer(&directory, StatusCode::CREATED, created).await?;
    if let Ok(location) = group_path(&id).parse() {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// A group (a soft-deleted one too) with its members and their names.
#[utoipa::path(
    get,
    path = GROUP_PATH,
    tag = "directory",
    params(("id" = String, Path, description = "The group's id.")),
    responses(
        (status = 200, description = "The group.", body = DirectoryGroup, headers(("etag" = String))),
        (status = 404, description = "No group has that id.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn get_group(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let found = directory
        .group_including_deleted(&id)
        .await?
        .ok_or_else(|| Failure::not_found(format!("no group has the id `{id}`")))?;
    answer(&directory, StatusCode::OK, found).await
}

/// Replaces the attributes and members of a live group.
#[utoipa::path(
    put,
    path = GROUP_PATH,
    tag = "directory",
    params(
        ("id" = String, Path, description = "The group's id."),
        ("if-match" = Option<String>, Header, description = "The version read (its ETag)."),
    ),
    request_body = GroupWrite,
    responses(
        (status = 200, description = "Replaced.", body = DirectoryGroup, headers(("etag" = String))),
        (status = 400, description = "An unknown attribute, a wrong value or an unknown member.", body = ApiError),
        (status = 404, description = "No live group has that id.", body = ApiError),
        (status = 412, description = "The group has changed since the If-Match version.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn replace_group(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    IfMatch(version): IfMatch,
    Body(body): Body<GroupWrite>,
) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let replaced = directory
        .modify_group(&id, version, |current| {
            Ok::<_, Failure>(GroupDraft {
                attributes: body.attributes,
                members: body.members,
                scim_extra: current.scim_extra.clone(),
            })
        })
        .await?;
    answer(&directory, StatusCode::OK, replaced).await
}

/// Changes some attributes of a live group (`null` clears one) and, when
/// `members` is given, replaces its members.
#[utoipa::path(
    patch,
    path = GROUP_PATH,
    tag = "directory",
    params(
        ("id" = String, Path, description = "The group's id."),
        ("if-match" = Option<String>, Header, description = "The version read (its ETag)."),
    ),
    request_body = GroupPatch,
    responses(
        (status = 200, description = "Changed.", body = DirectoryGroup, headers(("etag" = String))),
        (status = 400, description = "An unknown attribute, a wrong value or an unknown member.", body = ApiError),
        (status = 404, description = "No live group has that id.", body = ApiError),
        (status = 412, description = "The group has changed since the If-Match version.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn patch_group(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    IfMatch(version): IfMatch,
    Body(body): Body<GroupPatch>,
) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let changed = directory
        .modify_group(&id, version, |current| {
            let mut draft = current.draft();
            draft.attributes = patched(&current.attributes, body.attributes);
            if let Some(members) = body.members {
                draft.members = members;
            }
            Ok::<_, Failure>(draft)
        })
        .await?;
    answer(&directory, StatusCode::OK, changed).await
}

/// Soft-deletes a live group, or with `?purge=true` hard-deletes a
/// soft-deleted one.
#[utoipa::path(
    delete,
    path = GROUP_PATH,
    tag = "directory",
    params(
        ("id" = String, Path, description = "The group's id."),
        DeleteQuery,
        ("if-match" = Option<String>, Header, description = "The version read (its ETag)."),
    ),
    responses(
        (status = 204, description = "Deleted (or purged)."),
        (status = 404, description = "No group has that id.", body = ApiError),
        (status = 409, description = "Purging a live group, or deleting a deleted one without `purge`.", body = ApiError),
        (status = 412, description = "The group has changed since the If-Match version.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn delete_group(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    Params(query): Params<DeleteQuery>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, Failure> {
    let directory = state.store.directory();
    let found = directory
        .group_including_deleted(&id)
        .await?
        .ok_or_else(|| Failure::not_found(format!("no group has the id `{id}`")))?;
    match super::removal("group", &id, found.meta.deleted.is_some(), query.purge)? {
        super::Removal::SoftDelete => directory.delete_group(&id, version).await?,
        super::Removal::Purge => directory.purge_group(&id).await?,
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Restores a soft-deleted group.
#[utoipa::path(
    post,
    path = GROUP_RESTORE_PATH,
    tag = "directory",
    params(("id" = String, Path, description = "The group's id.")),
    responses(
        (status = 200, description = "Restored.", body = DirectoryGroup, headers(("etag" = String))),
        (status = 404, description = "No group has that id.", body = ApiError),
        (status = 409, description = "The group is not deleted.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn restore_group(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let restored = directory.restore_group(&id).await?;
    answer(&directory, StatusCode::OK, restored).await
}

/// Adds users and groups to a live group (members already there stay once).
#[utoipa::path(
    post,
    path = GROUP_MEMBERS_PATH,
    tag = "directory",
    params(("id" = String, Path, description = "The group's id.")),
    request_body = MembersRequest,
    responses(
        (status = 200, description = "The group with its members now.", body = DirectoryGroup, headers(("etag" = String))),
        (status = 400, description = "An id names no user or group (the message names it).", body = ApiError),
        (status = 404, description = "No live group has that id.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn add_members(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    Body(body): Body<MembersRequest>,
) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let changed = directory
        .modify_group(&id, None, |current| {
            let mut draft = current.draft();
            for member in body.ids {
                if !draft.members.contains(&member) {
                    draft.members.push(member);
                }
            }
            Ok::<_, Failure>(draft)
        })
        .await?;
    answer(&directory, StatusCode::OK, changed).await
}

/// Removes one member from a live group.
#[utoipa::path(
    delete,
    path = GROUP_MEMBER_PATH,
    tag = "directory",
    params(
        ("id" = String, Path, description = "The group's id."),
        ("member_id" = String, Path, description = "The member's id."),
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "No live group has that id, or it has no such member.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn remove_member(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments((id, member)): Segments<(String, String)>,
) -> Result<StatusCode, Failure> {
    state
        .store
        .directory()
        .modify_group(&id, None, |current| {
            let mut draft = current.draft();
            let before = draft.members.len();
            draft.members.retain(|m| *m != member);
            if draft.members.len() == before {
                return Err(Failure::not_found(format!(
                    "`{member}` is not a member of the group `{id}`"
                )));
            }
            Ok(draft)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
