//! The endpoints of authentication: signing in and out
//! (`/api/v1/session`), administrators (`/api/v1/admins`) and API tokens
//! (`/api/v1/tokens`). Every one but signing in requires an
//! administrator. [`SecuritySchemes`] names, for the OpenAPI document, the
//! credentials the handlers' `security(...)` refer to.
//!
//! Signing in takes JSON only, so a cross-site HTML form cannot post it.

use super::{Admins, Tokens};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRef, Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use provisio_api::auth::{
    ADMIN_PATH, ADMINS_PATH, AdminCreateRequest, AdminSummary, ApiError, CSRF_HEADER, SESSION_COOKIE, SESSION_PATH,
    SessionInfo, SignInRequest, TOKEN_PATH, TOKENS_PATH, TokenCreateRequest, TokenCreated, TokenSummary,
    check_admin_name, check_password,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::Auth;
use super::extract::{AdminCaller, ClientIp, SessionCaller};
use super::failure::Failure;
use super::session::SignIn;
use crate::auth::TokenCreateError;

/// The most a sign-in's body may hold (anyone may send one): a name and a
/// password, with room to spare.
pub(crate) const SIGN_IN_MAX_BYTES: usize = 16 * 1024;

/// The routes at their full paths (`/api/v1/...`), for any state that
/// [`Auth`] can be taken from.
pub(crate) fn routes<S>() -> Router<S>
where
    Auth: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(
            SESSION_PATH,
            post(sign_in)
                .layer(DefaultBodyLimit::max(SIGN_IN_MAX_BYTES))
                .get(session_info)
                .delete(sign_out),
        )
        .route(ADMINS_PATH, post(create_admin).get(list_admins))
        .route(ADMIN_PATH, delete(delete_admin))
        .route(TOKENS_PATH, post(create_token).get(list_tokens))
        .route(TOKEN_PATH, delete(revoke_token))
}

/// Signs in with a name and password: sets the session cookie and answers
/// the session, whose `csrf_token` later requests must send.
#[utoipa::path(
    post,
    path = SESSION_PATH,
    tag = "auth",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set.", body = SessionInfo,
            headers(("set-cookie" = String, description = "provisio_session=…; HttpOnly; SameSite=Strict; Path=/"))),
        (status = 400, description = "The body is not a sign-in request.", body = ApiError),
        (status = 401, description = "Wrong name or password (the answer does not say which).", body = ApiError),
        (status = 429, description = "Too many failed sign-ins from this client.", body = ApiError,
            headers(("retry-after" = u64, description = "Seconds to wait."))),
    ),
)]
pub(crate) async fn sign_in(
    State(auth): State<Auth>,
    ClientIp(ip): ClientIp,
    body: Result<Json<SignInRequest>, JsonRejection>,
) -> Result<Response, Failure> {
    let request = json(body)?;
    match auth.sign_in(ip, &request.name, &request.password).await? {
        SignIn::Ok { cookie, info } => Ok((
            [
                (SET_COOKIE, auth.session_cookie(&cookie)),
                (CACHE_CONTROL, "no-store".to_owned()),
            ],
            Json(info),
        )
            .into_response()),
        SignIn::Refused => Err(Failure::unauthenticated("wrong name or password")),
        SignIn::Limited { retry_after } => Err(Failure::rate_limited(retry_after)),
    }
}

/// The current browser session, with its CSRF token (the portal asks after
/// a reload, since it keeps the token in memory only).
#[utoipa::path(
    get,
    path = SESSION_PATH,
    tag = "auth",
    responses(
        (status = 200, description = "The session.", body = SessionInfo),
        (status = 401, description = "No live session.", body = ApiError),
    ),
    security(("session_cookie" = [])),
)]
pub(crate) async fn session_info(State(auth): State<Auth>, caller: SessionCaller) -> Response {
    ([(CACHE_CONTROL, "no-store")], Json(auth.session_info(&caller.session))).into_response()
}

/// Signs out: ends the session and clears its cookie.
#[utoipa::path(
    delete,
    path = SESSION_PATH,
    tag = "auth",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared."),
        (status = 401, description = "No live session.", body = ApiError),
        (status = 403, description = "The X-CSRF-Token header is missing or wrong.", body = ApiError),
    ),
    security(("session_cookie" = [], "csrf_header" = [])),
)]
pub(crate) async fn sign_out(State(auth): State<Auth>, caller: SessionCaller) -> Result<Response, Failure> {
    auth.sign_out(&caller.session).await?;
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, auth.removal_cookie())]).into_response())
}

/// Every administrator.
#[utoipa::path(
    get,
    path = ADMINS_PATH,
    tag = "auth",
    responses(
        (status = 200, description = "The administrators, by name.", body = [AdminSummary]),
        (status = 401, description = "Not signed in.", body = ApiError),
        (status = 403, description = "A token of another scope.", body = ApiError),
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn list_admins(
    State(auth): State<Auth>,
    _caller: AdminCaller,
) -> Result<Json<Vec<AdminSummary>>, Failure> {
    Ok(Json(Admins::new(auth.store()).list().await?))
}

/// Creates an administrator with a name and a password of at least 12 characters.
#[utoipa::path(
    post,
    path = ADMINS_PATH,
    tag = "auth",
    request_body = AdminCreateRequest,
    responses(
        (status = 201, description = "Created.", body = AdminSummary),
        (status = 400, description = "An invalid name or a too short password.", body = ApiError),
        (status = 401, description = "Not signed in.", body = ApiError),
        (status = 403, description = "No CSRF token, or a token of another scope.", body = ApiError),
        (status = 409, description = "An administrator of that name exists.", body = ApiError),
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn create_admin(
    State(auth): State<Auth>,
    caller: AdminCaller,
    body: Result<Json<AdminCreateRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<AdminSummary>), Failure> {
    let request = json(body)?;
    check_admin_name(&request.name)
        .and_then(|()| check_password(&request.password))
        .map_err(Failure::invalid)?;
    let Some(created) = Admins::new(auth.store())
        .create(&request.name, &request.password)
        .await?
    else {
        return Err(Failure::conflict(format!(
            "an administrator named `{}` exists",
            request.name
        )));
    };
    tracing::info!(admin = %created.name, by = %caller.admin, "administrator created");
    Ok((StatusCode::CREATED, Json(created)))
}

/// Deletes an administrator and ends their sessions. The last
/// administrator, and the caller's own account, cannot be deleted.
#[utoipa::path(
    delete,
    path = ADMIN_PATH,
    tag = "auth",
    params(("name" = String, Path, description = "The administrator's name.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "Not signed in.", body = ApiError),
        (status = 403, description = "No CSRF token, or a token of another scope.", body = ApiError),
        (status = 404, description = "No administrator has that name.", body = ApiError),
        (status = 409, description = "The last administrator, or the caller.", body = ApiError),
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn delete_admin(
    State(auth): State<Auth>,
    caller: AdminCaller,
    Path(name): Path<String>,
) -> Result<StatusCode, Failure> {
    if caller.is_admin(&name) {
        return Err(Failure::conflict(
            "you cannot delete yourself: sign in as another administrator",
        ));
    }
    let not_found = || Failure::not_found(format!("no administrator is named `{name}`"));
    if !Admins::new(auth.store()).exists(&name).await? {
        return Err(not_found());
    }
    if !Admins::new(auth.store()).delete(&name).await? {
        return Err(if Admins::new(auth.store()).exists(&name).await? {
            Failure::conflict(format!("`{name}` is the last administrator: create another first"))
        } else {
            not_found()
        });
    }
    tracing::info!(admin = %name, by = %caller.admin, "administrator deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Every API token, revoked ones included; never the tokens themselves.
#[utoipa::path(
    get,
    path = TOKENS_PATH,
    tag = "auth",
    responses(
        (status = 200, description = "The tokens, oldest first.", body = [TokenSummary]),
        (status = 401, description = "Not signed in.", body = ApiError),
        (status = 403, description = "A token of another scope.", body = ApiError),
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn list_tokens(
    State(auth): State<Auth>,
    _caller: AdminCaller,
) -> Result<Json<Vec<TokenSummary>>, Failure> {
    Ok(Json(Tokens::new(auth.store()).list().await?))
}

/// Creates an API token and shows it this once: only its hash is stored.
/// With `expires_in`, it is refused from `expires_at` on.
#[utoipa::path(
    post,
    path = TOKENS_PATH,
    tag = "auth",
    request_body = TokenCreateRequest,
    responses(
        (status = 201, description = "Created; `token` is never shown again.", body = TokenCreated),
        (status = 400, description = "A bad name or lifetime (`expires_in`), or a job missing (inbound) or not \
            allowed (other scopes); an inbound token's job is not an existing inbound job.", body = ApiError),
        (status = 401, description = "Not signed in.", body = ApiError),
        (status = 403, description = "No CSRF token, or a token of another scope.", body = ApiError),
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn create_token(
    State(auth): State<Auth>,
    caller: AdminCaller,
    body: Result<Json<TokenCreateRequest>, JsonRejection>,
) -> Result<Response, Failure> {
    let request = json(body)?;
    request.check().map_err(Failure::invalid)?;
    let created = Tokens::new(auth.store()).create(&request).await.map_err(|e| match e {
        TokenCreateError::Storage(e) => Failure::from(e),
        refused => Failure::invalid(refused.to_string()),
    })?;
    tracing::info!(
        token = %created.summary.id,
        name = %created.summary.name,
        scope = %created.summary.scope,
        by = %caller.admin,
        "API token created"
    );
    Ok((StatusCode::CREATED, [(CACHE_CONTROL, "no-store")], Json(created)).into_response())
}

/// Revokes an API token; it authenticates nothing from then on.
#[utoipa::path(
    delete,
    path = TOKEN_PATH,
    tag = "auth",
    params(("id" = String, Path, description = "The token's id.")),
    responses(
        (status = 204, description = "Revoked (or already was)."),
        (status = 401, description = "Not signed in.", body = ApiError),
        (status = 403, description = "No CSRF token, or a token of another scope.", body = ApiError),
        (status = 404, description = "No token has that id.", body = ApiError),
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn revoke_token(
    State(auth): State<Auth>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    let Some(revoked) = Tokens::new(auth.store()).revoke(&id).await? else {
        return Err(Failure::not_found(format!("no token has the id `{id}`")));
    };
    tracing::info!(token = %revoked.id, name = %revoked.name, by = %caller.admin, "API token revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// The request's JSON body, or a 400 in the admin API's error shape.
fn json<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, Failure> {
    body.map(|Json(value)| value)
        .map_err(|rejection| Failure::invalid(rejection.body_text()))
}

/// Adds the credentials the handlers' `security(...)` name to an OpenAPI
/// document: `session_cookie` (the `provisio_session` cookie),
/// `csrf_header` (`X-CSRF-Token`, required with the cookie on requests that
/// change state) and `bearer` (an API token).
pub(crate) struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The session cookie that signing in sets.",
            ))),
        );
        components.add_security_scheme(
            "csrf_header",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                CSRF_HEADER,
                "The session's csrf_token; required with the cookie on every request but GET, HEAD and OPTIONS.",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token (`pvs_…`) of the scope the endpoint needs."))
                    .build(),
            ),
        );
    }
}
