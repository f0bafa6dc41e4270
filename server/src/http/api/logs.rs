//! `/api/v1/logs`: the provisioning logs, newest first, filtered by job,
//! action, status, identity text, time and cycle; one entry; and exports
//! as JSON or CSV, streamed page by page.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use provisio_api::ApiError;
use provisio_api::directory::Page;
use provisio_api::logs::{
    ExportFormat, ExportQuery, LOG_PATH, LOGS_EXPORT_PATH, LOGS_PATH, LogEntry, LogQuery, MAX_EXPORT_ROWS,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::{Params, Segments};
use super::{AdminErrors, AppState};
use crate::ServerError;
use crate::auth::extract::AdminCaller;
use crate::logs::{LogFilter, Logs, csv};

/// Entries read from the database per round of an export.
const EXPORT_BATCH: usize = 1000;
/// Set on an export that holds only the first [`MAX_EXPORT_ROWS`] matching entries.
const TRUNCATED_HEADER: &str = "x-provisio-export-truncated";

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_logs))
        .routes(routes!(export_logs))
        .routes(routes!(get_log))
}

/// A page of provisioning log entries, newest first, and how many match.
#[utoipa::path(
    get,
    path = LOGS_PATH,
    tag = "logs",
    params(LogQuery),
    responses(
        (status = 200, description = "The page and the number of matching entries.", body = Page<LogEntry>),
        (status = 400, description = "A query parameter is not valid (the message names it).", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn list_logs(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Params(query): Params<LogQuery>,
) -> Result<Json<Page<LogEntry>>, Failure> {
    let filter = LogFilter::from_query(&query).map_err(Failure::invalid)?;
    Ok(Json(state.store.logs().query(&filter).await?))
}

/// One provisioning log entry, with its steps and modified attributes.
#[utoipa::path(
    get,
    path = LOG_PATH,
    tag = "logs",
    params(("id" = String, Path, description = "The entry's id.")),
    responses(
        (status = 200, description = "The entry.", body = LogEntry),
        (status = 404, description = "No entry has that id (it may have been pruned).", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn get_log(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Json<LogEntry>, Failure> {
    match state.store.logs().get(&id).await? {
        Some(entry) => Ok(Json(entry)),
        None => Err(Failure::not_found(format!(
            "no provisioning log entry has the id `{id}`"
        ))),
    }
}

/// Downloads the entries matching the filters (`offset` and `limit`
/// aside), newest first: a JSON array of entries, or CSV with a header row
/// and one row per entry. At most 100,000 entries: when more match, the
/// `X-Provisio-Export-Truncated` header says so; narrow the filters (e.g.
/// `since`/`until`) to export the rest.
#[utoipa::path(
    get,
    path = LOGS_EXPORT_PATH,
    tag = "logs",
    params(ExportQuery, LogQuery),
    responses(
        (status = 200, description = "The entries, as an attachment.",
            content((Vec<LogEntry> = "application/json"), (String = "text/csv")),
            headers(
                ("content-disposition" = String, description = "attachment; filename=\"provisioning-logs.csv\" (or .json, .jsonl, .steps.csv, .modified.csv)"),
                ("x-provisio-export-truncated" = String, description = "Set when more than 100,000 entries match: how many were left out."),
            )),
        (status = 400, description = "A query parameter is not valid (the message names it).", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn export_logs(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Params(export): Params<ExportQuery>,
    Params(query): Params<LogQuery>,
) -> Result<Response, Failure> {
    let query = LogQuery {
        offset: None,
        limit: None,
        ..query
    };
    let filter = LogFilter::from_query(&query).map_err(Failure::invalid)?;
    let logs = state.store.logs();
    let matching = logs.count(&filter).await?;
    let (content_type, extension) = match export.format {
        ExportFormat::Json => ("application/json", "json"),
        ExportFormat::Jsonl => ("application/x-ndjson", "jsonl"),
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::CsvSteps => ("text/csv; charset=utf-8", "steps.csv"),
        ExportFormat::CsvModified => ("text/csv; charset=utf-8", "modified.csv"),
    };
    let body = Body::from_stream(export_stream(logs, filter, export.format));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"provisioning-logs.{extension}\"")) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if matching > MAX_EXPORT_ROWS
        && let Ok(value) = HeaderValue::from_str(&format!(
            "exported the newest {MAX_EXPORT_ROWS} of {matching} matching entries"
        ))
    {
        headers.insert(TRUNCATED_HEADER, value);
    }
    Ok(response)
}

/// Where an export stands.
enum Export {
    Start,
    Rows {
        cursor: Option<(String, String)>,
        left: usize,
        first: bool,
    },
    End,
    Done,
}

/// The export's text, one database round at a time: the opening (`[` or
/// the header row), the entries, the closing.
fn export_stream(
    logs: Logs,
    filter: LogFilter,
    format: ExportFormat,
) -> impl futures_util::Stream<Item = Result<String, ServerError>> + Send + 'static {
    stream::try_unfold(Export::Start, move |state| {
        let logs = logs.clone();
        let filter = filter.clone();
        async move {
            let next = match state {
                Export::Start => {
                    let opening = match format {
                        ExportFormat::Json => "[".to_owned(),
                        ExportFormat::Jsonl => String::new(),
                        ExportFormat::Csv => csv::header(),
                        ExportFormat::CsvSteps => header_of(csv::STEPS_HEADER),
                        ExportFormat::CsvModified => header_of(csv::MODIFIED_HEADER),
                    };
                    let rows = Export::Rows {
                        cursor: None,
                        left: MAX_EXPORT_ROWS,
                        first: true,
                    };
                    Some((opening, rows))
                }
                Export::Rows { cursor, left, first } => {
                    let batch = logs
                        .scan(&filter, cursor.as_ref(), EXPORT_BATCH.min(left))
                        .await
                        .map_err(|e| {
                            tracing::warn!(error = %e, "a provisioning log export failed part way");
                            e
                        })?;
                    let mut text = String::new();
                    for (n, entry) in batch.iter().enumerate() {
                        match format {
                            ExportFormat::Json => {
                                if !(first && n == 0) {
                                    text.push(',');
                                }
                                text.push_str(&serde_json::to_string(entry).unwrap_or_else(|_| "null".to_owned()));
                            }
                            ExportFormat::Jsonl => {
                                text.push_str(&serde_json::to_string(entry).unwrap_or_else(|_| "null".to_owned()));
                                text.push('\n');
                            }
                            ExportFormat::Csv => csv::write_entry(&mut text, entry),
                            ExportFormat::CsvSteps => csv::write_steps(&mut text, entry),
                            ExportFormat::CsvModified => csv::write_modified(&mut text, entry),
                        }
                    }
                    let left = left.saturating_sub(batch.len());
                    let state = match batch.last() {
                        Some(last) if batch.len() == EXPORT_BATCH && left > 0 => Export::Rows {
                            cursor: Some((last.time.clone(), last.id.clone())),
                            left,
                            first: false,
                        },
                        _ => Export::End,
                    };
                    Some((text, state))
                }
                Export::End => {
                    let closing = match format {
                        ExportFormat::Json => "]".to_owned(),
                        ExportFormat::Jsonl
                        | ExportFormat::Csv
                        | ExportFormat::CsvSteps
                        | ExportFormat::CsvModified => String::new(),
                    };
                    Some((closing, Export::Done))
                }
                Export::Done => None,
            };
            Ok::<_, ServerError>(next)
        }
    })
}

/// A CSV header row.
fn header_of(columns: &[&str]) -> String {
    let mut line = String::new();
    csv::row(&mut line, columns.iter().copied());
    line
}
