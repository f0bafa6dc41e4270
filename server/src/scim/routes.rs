//! The `/scim/v2` routes: discovery documents, Users and Groups (list,
//! search, create, read, replace, patch, delete), and /Bulk — bearer-token
//! authenticated, bodies checked for type, size and JSON before anything
//! else, every response `application/scim+json`. The router is generic over
//! the server's state: it asks only for the token check ([`Auth`]) and the
//! [`Directory`], so this module needs nothing from the `http` module.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRef, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use provisio_scim::endpoint::SCIM_ROOT;
use provisio_scim::error::SCIM_CONTENT_TYPE;
use provisio_scim::list::{LIST_RESPONSE_URN, ListRequest, MAX_RESULTS};
use provisio_scim::{ScimError, ScimType, projection, schema};
use serde_json::{Value, json};

use super::bulk::{MAX_OPERATIONS, MAX_PAYLOAD_BYTES};
use super::reply::ScimReply;
use super::resource::{self, Base};
use super::service::{Kind, Members, Scim};
use crate::auth::Auth;
use crate::auth::extract::ScimCaller;
use crate::directory::Directory;

/// The SCIM service under [`SCIM_ROOT`], for any state that yields the
/// token check and the directory.
pub(crate) fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Auth: FromRef<S>,
    Directory: FromRef<S>,
{
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

async fn scim(directory: Directory, headers: &HeaderMap) -> Result<Scim, ScimError> {
    Scim::new(directory, base(headers)).await
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

fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ScimError> {
    match headers.get(header::IF_MATCH).map(|h| h.to_str()) {
        None => Ok(None),
        Some(Ok(text)) => resource::parse_version(text),
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
    State(directory): State<Directory>,
    headers: HeaderMap,
) -> Result<Response, ScimReply> {
    let documents = discovery(directory, &headers, Discovery::ResourceTypes).await?;
    Ok(respond(StatusCode::OK, &list_of(documents)))
}

async fn resource_type(
    _caller: ScimCaller,
    State(directory): State<Directory>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, ScimReply> {
    let documents = discovery(directory, &headers, Discovery::ResourceTypes).await?;
    let found = by_id(documents, &name)
        .ok_or_else(|| ScimError::not_found(format!("no resource type is called \"{name}\"")))?;
    Ok(respond(StatusCode::OK, &found))
}

async fn schemas(
    _caller: ScimCaller,
    State(directory): State<Directory>,
    headers: HeaderMap,
) -> Result<Response, ScimReply> {
    let documents = discovery(directory, &headers, Discovery::Schemas).await?;
    Ok(respond(StatusCode::OK, &list_of(documents)))
}

async fn one_schema(
    _caller: ScimCaller,
    State(directory): State<Directory>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ScimReply> {
    let documents = discovery(directory, &headers, Discovery::Schemas).await?;
    let found = by_id(documents, &id).ok_or_else(|| ScimError::not_found(format!("no schema has the id \"{id}\"")))?;
    Ok(respond(StatusCode::OK, &found))
}

enum Discovery {
    ResourceTypes,
    Schemas,
}

/// The resource types or schemas as they are now (extension attributes included).
async fn discovery(directory: Directory, headers: &HeaderMap, which: Discovery) -> Result<Vec<Value>, ScimError> {
    let scim = scim(directory, headers).await?;
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
        "schemas": [LIST_RESPONSE_URN],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

async fn list(
    _caller: ScimCaller,
    State(directory): State<Directory>,
    headers: HeaderMap,
    Path(endpoint): Path<String>,
    Query(request): Query<ListRequest>,
) -> Result<Response, ScimReply> {
    let kind = kind(&endpoint)?;
    let scim = scim(directory, &headers).await?;
    Ok(respond(StatusCode::OK, &scim.list(kind, &request).await?))
}

async fn search(
    _caller: ScimCaller,
    State(directory): State<Directory>,
    headers: HeaderMap,
    Path(endpoint): Path<String>,
    body: Body,
) -> Result<Response, ScimReply> {
    let kind = kind(&endpoint)?;
    let request = ListRequest::from_search_body(&json_body(&headers, body).await?)?;
    let scim = scim(directory, &headers).await?;
    Ok(respond(StatusCode::OK, &scim.list(kind, &request).await?))
}

async fn search_all(
    _caller: ScimCaller,
    State(directory): State<Directory>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ScimReply> {
    let request = ListRequest::from_search_body(&json_body(&headers, body).await?)?;
    let scim = scim(directory, &headers).await?;
    Ok(respond(StatusCode::OK, &scim.search_all(&request).await?))
}

async fn create(
    _caller: ScimCaller,
    State(directory): State<Directory>,
    headers: HeaderMap,
    Path(endpoint): Path<String>,
    Query(request): Query<ListRequest>,
    body: Body,
) -> Result<Response, ScimReply> {
    let kind = kind(&endpoint)?;
    let body = json_body(&headers, body).await?;
    let scim = scim(directory, &headers).await?;
    let created = scim.create(kind, body).await?;
    Ok(respond_with(
        StatusCode::CREATED,
        &project(&scim, kind, &created, &request)?,
        &created,
    ))
}

async fn read(
    _caller: ScimCaller,
    State(directory): State<Directory>,
    headers: HeaderMap,
    Path((endpoint, id)): Path<(String, String)>,
    Query(request): Query<ListRequest>,
) -> Result<Response, ScimReply> {
    let kind = kind(&endpoint)?;
    let scim = scim(directory, &headers).await?;
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
    directory: State<Directory>,
    headers: HeaderMap,
    path: Path<(String, String)>,
    query: Query<ListRequest>,
    body: Body,
) -> Result<Response, ScimReply> {
    update(Update::Replace, caller, directory, headers, path, query, body).await
}

async fn patch(
    caller: ScimCaller,
    directory: State<Directory>,
    headers: HeaderMap,
    path: Path<(String, String)>,
    query: Query<ListRequest>,
    body: Body,
) -> Result<Response, ScimReply> {
    update(Update::Patch, caller, directory, headers, path, query, body).await
}

enum Update {
    Replace,
    Patch,
}

/// PUT and PATCH: the same checks and answer around a different change.
async fn update(
    how: Update,
    _caller: ScimCaller,
    State(directory): State<Directory>,
    headers: HeaderMap,
    Path((endpoint, id)): Path<(String, String)>,
    Query(request): Query<ListRequest>,
    body: Body,
) -> Result<Response, ScimReply> {
    let kind = kind(&endpoint)?;
    let if_match = if_match(&headers)?;
    let body = json_body(&headers, body).await?;
    let scim = scim(directory, &headers).await?;
    let resource = match how {
        Update::Replace => scim.replace(kind, &id, body, if_match).await?,
        Update::Patch => {
            let shown = projection::shows(
                scim.schema(kind),
                request.attributes.as_deref(),
                request.excluded_attributes.as_deref(),
                "members",
            )?;
            let answer = if shown { Members::Shown } else { Members::Left };
            scim.patch(kind, &id, body, if_match, answer).await?
        }
    };
    Ok(respond_with(
        StatusCode::OK,
        &project(&scim, kind, &resource, &request)?,
        &resource,
    ))
}

async fn delete(
    _caller: ScimCaller,
    State(directory): State<Directory>,
    headers: HeaderMap,
    Path((endpoint, id)): Path<(String, String)>,
) -> Result<Response, ScimReply> {
    let kind = kind(&endpoint)?;
    let if_match = if_match(&headers)?;
    let scim = scim(directory, &headers).await?;
    scim.delete(kind, &id, if_match).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn bulk_request(
    _caller: ScimCaller,
    State(directory): State<Directory>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ScimReply> {
    let body = json_body(&headers, body).await?;
    let scim = scim(directory, &headers).await?;
    Ok(respond(StatusCode::OK, &scim.bulk(body).await?))
}

async fn unknown(_caller: ScimCaller) -> ScimReply {
    ScimReply(ScimError::not_found(format!(
        "no such SCIM endpoint: use {SCIM_ROOT}/Users, /Groups, /Bulk, /Schemas, /ResourceTypes or /ServiceProviderConfig"
    )))
}

#[cfg(test)]
mod tests {
    use axum::http::Request;
    use provisio_api::auth::{TokenCreateRequest, TokenScope};
    use tower::ServiceExt as _;

    use super::*;
    use crate::auth::Tokens;
    use crate::auth::testing::auth;

    /// A state of the test's own, not the server's: the SCIM routes ask it
    /// only for the token check and the directory.
    #[derive(Clone)]
    struct Minimal {
        auth: Auth,
        directory: Directory,
    }

    impl FromRef<Minimal> for Auth {
        fn from_ref(state: &Minimal) -> Auth {
            state.auth.clone()
        }
    }

    impl FromRef<Minimal> for Directory {
        fn from_ref(state: &Minimal) -> Directory {
            state.directory.clone()
        }
    }

    fn get(path: &str, token: Option<&str>) -> Request<Body> {
        let request = Request::get(path);
        let request = match token {
            Some(token) => request.header(header::AUTHORIZATION, format!("Bearer {token}")),
            None => request,
        };
        request.body(Body::empty()).unwrap()
    }

    async fn json(response: Response) -> Value {
        let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn the_routes_serve_any_state_with_the_token_check_and_a_directory() {
        let (auth, _clock) = auth().await;
        let directory = auth.store().directory();
        let request = TokenCreateRequest {
            name: Some("HR sync".into()),
            scope: TokenScope::Scim,
            job: None,
            agent: None,
            expires_in: None,
        };
        let created = Tokens::new(auth.store()).create(&request).await.unwrap();
        let token = created.token.expose().to_owned();
        let app = routes::<Minimal>().with_state(Minimal { auth, directory });

        let refused = app.clone().oneshot(get("/scim/v2/Users", None)).await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(refused.headers()[header::CONTENT_TYPE], SCIM_CONTENT_TYPE);
        assert_eq!(json(refused).await["status"], "401");

        let listed = app.clone().oneshot(get("/scim/v2/Users", Some(&token))).await.unwrap();
        assert_eq!(listed.status(), StatusCode::OK);
        let listed = json(listed).await;
        assert_eq!(listed["schemas"], json!([LIST_RESPONSE_URN]));
        assert_eq!(listed["totalResults"], 0);

        let unknown = app.oneshot(get("/scim/v2/Printers/1/x", Some(&token))).await.unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        assert_eq!(json(unknown).await["schemas"], json!([provisio_scim::error::ERROR_URN]));
    }
}
