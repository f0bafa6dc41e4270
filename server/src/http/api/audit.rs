//! `/api/v1/audit`: the audit trail, filtered and paged, or every matching
//! event as a CSV or JSON-lines download.

use axum::Json;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use provisio_api::ApiError;
use provisio_api::audit::{AUDIT_PATH, AuditEvent, AuditPage, AuditQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::Params;
use super::{AdminErrors, AppState};
use crate::audit::{AuditError, AuditLog};
use crate::auth::extract::AdminCaller;
use crate::logs::csv;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_events))
}

/// The CSV export's columns.
const HEADER: &[&str] = &[
    "time",
    "actor kind",
    "actor",
    "address",
    "action",
    "target kind",
    "target id",
    "target name",
    "job id",
    "changes",
    "details",
    "id",
];

/// The audit trail, newest first: a page of events, or with `format=csv`
/// or `format=json` every matching event (at most 100,000) as a download.
#[utoipa::path(
    get,
    path = AUDIT_PATH,
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of events, or the export.", body = AuditPage,
            content((AuditPage = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, description = "A filter is not valid (the message names it).", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn audit_events(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Params(query): Params<AuditQuery>,
) -> Result<Response, Failure> {
    let log = AuditLog::new(state.store.clone());
    let format = query.format.as_deref().map(str::trim).filter(|f| !f.is_empty());
    let (content_type, extension, body) = match format {
        None => return Ok(Json(log.page(&query).await.map_err(failure)?).into_response()),
        Some("csv") => {
            let events = log.export(&query).await.map_err(failure)?;
            let mut text = String::new();
            csv::row(&mut text, HEADER.iter().copied());
            for event in &events {
                write_csv(&mut text, event);
            }
            ("text/csv; charset=utf-8", "csv", text)
        }
        Some("json") => {
            let events = log.export(&query).await.map_err(failure)?;
            let mut text = String::new();
            for event in &events {
                text.push_str(&serde_json::to_string(event).unwrap_or_default());
                text.push('\n');
            }
            ("application/x-ndjson", "jsonl", text)
        }
        Some(other) => {
            return Err(Failure::invalid(format!("`format` must be csv or json, not `{other}`")));
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"audit.{extension}\"")) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn failure(error: AuditError) -> Failure {
    match error {
        AuditError::Invalid(message) => Failure::invalid(message),
        AuditError::Storage(e) => Failure::internal(&e),
    }
}

fn write_csv(out: &mut String, event: &AuditEvent) {
    let changes = event
        .changes
        .iter()
        .map(|c| {
            let side =
                |v: &Option<serde_json::Value>| v.as_ref().map_or_else(|| "(none)".to_owned(), ToString::to_string);
            format!("{}: {} → {}", c.path, side(&c.before), side(&c.after))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let fields = [
        event.at.clone(),
        event.actor.kind.clone(),
        event.actor.name.clone(),
        event.address.clone().unwrap_or_default(),
        event.action.clone(),
        event.target.kind.clone(),
        event.target.id.clone().unwrap_or_default(),
        event.target.name.clone().unwrap_or_default(),
        event.job_id.clone().unwrap_or_default(),
        changes,
        event.details.as_ref().map(ToString::to_string).unwrap_or_default(),
        event.id.clone(),
    ];
    csv::row(out, fields.iter().map(String::as_str));
}
