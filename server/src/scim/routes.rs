//! The `/scim/v2` routes: discovery documents, Users and Groups (list,
//! search, create, read, replace, patch, delete), and /Bulk — bearer-token
//! authenticated, bodies checked for type, size and JSON before anything
//! else, every response `application/scim+json`.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::bulk::{MAX_OPERATIONS, MAX_PAYLOAD_BYTES};
use super::error::{SCIM_CONTENT_TYPE, ScimError, ScimType};
use super::list::{ListRequest, MAX_RESULTS};
use super::projection;
use super::resource::Base;
use super::schema;
use super::service::{Kind, Scim};
use crate::auth::extract::ScimCaller;
use crate::http::AppState;

pub(crate) const SCIM_ROOT: &str = "/scim/v2";

pub(crate) fn routes() -> Router<AppState> {
    let scim = Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{name}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(one_schema))
        .route("/Bulk", post(bulk_request))
        .route("/.search", post(search_all))
        .route("/{endpoint}", get(list).post(create))
        .route("/{endpoint}/.search", post(search))
        .route("/{endpoint}/{id}", get(read).put(replace).patch(patch).delete(delete))
        .fallback(unknown);
    Router::new().nest(SCIM_ROOT, scim)
}

/// `http(s)://HOST/scim/v2` as the client reached it.
fn base(headers: &HeaderMap) -> Base {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    Base(format!("{scheme}://{host}{SCIM_ROOT}"))
}

async fn scim(state: &AppState, headers: &HeaderMap) -> Result<Scim, ScimError> {
    Scim::new(&state.store, base(headers)).await
}

fn kind(endpoint: &str) -> Result<Kind, ScimError> {
    Kind::of_endpoint(endpoint).ok_or_else(|| {
        ScimError::not_found(format!(
            "{SCIM_ROOT}/{endpoint} is not a resource endpoint: use /Users or /Groups"
        ))
    })
}

/// A SCIM JSON response.
fn respond(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, SCIM_CONTENT_TYPE)], body.to_string()).into_response()
}

/// A resource's response: its ETag and, for a creation, its Location, read
/// from the whole resource (whatever the projection left in the body).
fn respond_with(status: StatusCode, body: &Value, resource: &Value) -> Response {
    let mut response = respond(status, body);
    let mut headers = vec![(header::ETAG, "/meta/version")];
    if status == StatusCode::CREATED {
        headers.push((header::LOCATION, "/meta/location"));
    }
    for (name, pointer) in headers {
        if let Some(value) = resource
            .pointer(pointer)
            .and_then(Value::as_str)
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// `If-Match` as a version: `*` (or none) matches any; `W/"3"` or `"3"` is 3.
pub(crate) fn parse_version(text: &str) -> Result<Option<i64>, ScimError> {
    let text = text.trim();
    if text == "*" {
        return Ok(None);
    }
    let bare = text.trim_start_matches("W/").trim_matches('"');
    // An ETag this server never issued matches no version.
    Ok(Some(bare.parse::<i64>().unwrap_or(-1)))
}

fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ScimError> {
    match headers.get(header::IF_MATCH).map(|h| h.to_str()) {
        None => Ok(None),
        Some(Ok(text)) => parse_version(text),
        Some(Err(_)) => Err(ScimError::invalid_syntax("the If-Match header is not readable text")),
    }
}

/// Reads a JSON body: a SCIM or JSON media type, at most the bulk payload
/// size, well-formed JSON — each failure a SCIM error saying which.
async fn json_body(headers: &HeaderMap, body: Body) -> Result<Value, ScimError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let media = content_type.to_str().unwrap_or_default();
        let essence = media.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if essence != SCIM_CONTENT_TYPE && essence != "application/json" {
            return Err(ScimError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Some(ScimType::InvalidSyntax),
                format!("the body's Content-Type is \"{media}\"; send application/scim+json"),
            ));
        }
    }
    let bytes = to_bytes(body, MAX_PAYLOAD_BYTES).await.map_err(|_| {
        ScimError::payload_too_large(format!("the request body is larger than {MAX_PAYLOAD_BYTES} bytes"))
    })?;
    if bytes.is_empty() {
        return Err(ScimError::invalid_syntax("the request has no body; send a JSON object"));
    }
    serde_json::from_slice(&bytes).map_err(|e| ScimError::invalid_syntax(format!("the body is not valid JSON: {e}")))
}

fn project(scim: &Scim, kind: Kind, resource: &Value, request: &ListRequest) -> Result<Value, ScimError> {
    projection::project(
        resource,
        scim.schema(kind),
        request.attributes.as_deref(),
        request.excluded_attributes.as_deref(),
    )
}

async fn service_provider_config(_caller: ScimCaller, headers: HeaderMap) -> Response {
    let base = base(&headers);
    respond(
        StatusCode::OK,
        &schema::service_provider_config_json(&base.0, MAX_OPERATIONS, MAX_PAYLOAD_BYTES, MAX_RESULTS),
    )
}

async fn resource_types(
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let documents = discovery(&state, &headers, Discovery::ResourceTypes).await?;
    Ok(respond(StatusCode::OK, &list_of(documents)))
}

async fn resource_type(
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, ScimError> {
    let documents = discovery(&state, &headers, Discovery::ResourceTypes).await?;
    let found = by_id(documents, &name)
        .ok_or_else(|| ScimError::not_found(format!("no resource type is called \"{name}\"")))?;
    Ok(respond(StatusCode::OK, &found))
}

async fn schemas(
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let documents = discovery(&state, &headers, Discovery::Schemas).await?;
    Ok(respond(StatusCode::OK, &list_of(documents)))
}

async fn one_schema(
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    let documents = discovery(&state, &headers, Discovery::Schemas).await?;
    let found = by_id(documents, &id).ok_or_else(|| ScimError::not_found(format!("no schema has the id \"{id}\"")))?;
    Ok(respond(StatusCode::OK, &found))
}

enum Discovery {
    ResourceTypes,
    Schemas,
}

/// The resource types or schemas as they are now (extension attributes included).
async fn discovery(state: &AppState, headers: &HeaderMap, which: Discovery) -> Result<Vec<Value>, ScimError> {
    let scim = scim(state, headers).await?;
    let resources = [scim.user_schema.clone(), scim.group_schema.clone()];
    Ok(match which {
        Discovery::ResourceTypes => schema::resource_types_json(&resources, &scim.base.0),
        Discovery::Schemas => schema::schemas_json(&resources, &scim.base.0),
    })
}

fn by_id(documents: Vec<Value>, id: &str) -> Option<Value> {
    documents
        .into_iter()
        .find(|d| d.get("id").and_then(Value::as_str) == Some(id))
}

fn list_of(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [super::list::LIST_RESPONSE_URN],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

async fn list(
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(endpoint): Path<String>,
    Query(request): Query<ListRequest>,
) -> Result<Response, ScimError> {
    let kind = kind(&endpoint)?;
    let scim = scim(&state, &headers).await?;
    Ok(respond(StatusCode::OK, &scim.list(kind, &request).await?))
}

async fn search(
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(endpoint): Path<String>,
    body: Body,
) -> Result<Response, ScimError> {
    let kind = kind(&endpoint)?;
    let request = ListRequest::from_search_body(&json_body(&headers, body).await?)?;
    let scim = scim(&state, &headers).await?;
    Ok(respond(StatusCode::OK, &scim.list(kind, &request).await?))
}

async fn search_all(
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ScimError> {
    let request = ListRequest::from_search_body(&json_body(&headers, body).await?)?;
    let scim = scim(&state, &headers).await?;
    Ok(respond(StatusCode::OK, &scim.search_all(&request).await?))
}

async fn create(
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(endpoint): Path<String>,
    Query(request): Query<ListRequest>,
    body: Body,
) -> Result<Response, ScimError> {
    let kind = kind(&endpoint)?;
    let body = json_body(&headers, body).await?;
    let scim = scim(&state, &headers).await?;
    let created = scim.create(kind, body).await?;
    Ok(respond_with(
        StatusCode::CREATED,
        &project(&scim, kind, &created, &request)?,
        &created,
    ))
}

async fn read(
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((endpoint, id)): Path<(String, String)>,
    Query(request): Query<ListRequest>,
) -> Result<Response, ScimError> {
    let kind = kind(&endpoint)?;
    let scim = scim(&state, &headers).await?;
    let resource = scim.read(kind, &id).await?;
    let etag = resource
        .pointer("/meta/version")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    if unchanged {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(value) = HeaderValue::from_str(etag) {
            response.headers_mut().insert(header::ETAG, value);
        }
        return Ok(response);
    }
    Ok(respond_with(
        StatusCode::OK,
        &project(&scim, kind, &resource, &request)?,
        &resource,
    ))
}

async fn replace(
    caller: ScimCaller,
    state: State<AppState>,
    headers: HeaderMap,
    path: Path<(String, String)>,
    query: Query<ListRequest>,
    body: Body,
) -> Result<Response, ScimError> {
    update(Update::Replace, caller, state, headers, path, query, body).await
}

async fn patch(
    caller: ScimCaller,
    state: State<AppState>,
    headers: HeaderMap,
    path: Path<(String, String)>,
    query: Query<ListRequest>,
    body: Body,
) -> Result<Response, ScimError> {
    update(Update::Patch, caller, state, headers, path, query, body).await
}

enum Update {
    Replace,
    Patch,
}

/// PUT and PATCH: the same checks and answer around a different change.
async fn update(
    how: Update,
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((endpoint, id)): Path<(String, String)>,
    Query(request): Query<ListRequest>,
    body: Body,
) -> Result<Response, ScimError> {
    let kind = kind(&endpoint)?;
    let if_match = if_match(&headers)?;
    let body = json_body(&headers, body).await?;
    let scim = scim(&state, &headers).await?;
    let resource = match how {
        Update::Replace => scim.replace(kind, &id, body, if_match).await?,
        Update::Patch => scim.patch(kind, &id, body, if_match).await?,
    };
    Ok(respond_with(
        StatusCode::OK,
        &project(&scim, kind, &resource, &request)?,
        &resource,
    ))
}

async fn delete(
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((endpoint, id)): Path<(String, String)>,
) -> Result<Response, ScimError> {
    let kind = kind(&endpoint)?;
    let if_match = if_match(&headers)?;
    let scim = scim(&state, &headers).await?;
    scim.delete(kind, &id, if_match).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn bulk_request(
    _caller: ScimCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ScimError> {
    let body = json_body(&headers, body).await?;
    let scim = scim(&state, &headers).await?;
    Ok(respond(StatusCode::OK, &scim.bulk(body).await?))
}

async fn unknown(_caller: ScimCaller) -> ScimError {
    ScimError::not_found(format!(
        "no such SCIM endpoint: use {SCIM_ROOT}/Users, /Groups, /Bulk, /Schemas, /ResourceTypes or /ServiceProviderConfig"
    ))
}
