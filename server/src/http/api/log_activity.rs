//! `/api/v1/logs/activity`: provisioning log entries counted per hour and
//! status over a window of up to 31 days, every hour present (empty ones
//! with zeros), for the overview's chart in one request.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Duration, DurationRound, SecondsFormat, Utc};
use provisio_api::ApiError;
use provisio_api::logs::{ActivityHour, ActivityQuery, LOGS_ACTIVITY_PATH, LogActivity, LogStatus, MAX_ACTIVITY_HOURS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::Params;
use super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;
use crate::directory::timestamp;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(log_activity))
}

/// Entries per whole hour of `[since, until)` and per status, oldest hour
/// first; `job` (an id or name, any case) narrows to one job's entries.
#[utoipa::path(
    get,
    path = LOGS_ACTIVITY_PATH,
    tag = "logs",
    params(ActivityQuery),
    responses(
        (status = 200, description = "Every hour of the window with its counts.", body = LogActivity),
        (status = 400, description = "A time is not RFC 3339, or the window is empty or longer than 31 days.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn log_activity(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Params(query): Params<ActivityQuery>,
) -> Result<Json<LogActivity>, Failure> {
    let time = |name: &str, text: &str| {
        DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                Failure::invalid(format!(
                    "`{name}` must be an RFC 3339 time such as 2026-12-01T00:00:00Z: {e}"
                ))
            })
    };
    let hour = Duration::hours(1);
    let since = time("since", &query.since)?
        .duration_trunc(hour)
        .map_err(|e| Failure::invalid(e.to_string()))?;
    let until = time("until", &query.until)?;
    // Whole hours, the last one partly covered counted too.
    let span = until - since;
    let hours = span.num_hours() + i64::from(span > hour * i32::try_from(span.num_hours()).unwrap_or(i32::MAX));
    if hours <= 0 || hours > MAX_ACTIVITY_HOURS {
        return Err(Failure::invalid(format!(
            "`until` must be after `since` and at most {MAX_ACTIVITY_HOURS} hours (31 days) later"
        )));
    }
    let job = query.job.as_deref().map(str::trim).filter(|j| !j.is_empty());
    let counted = state
        .store
        .logs()
        .hourly(&timestamp(since), &timestamp(until), job)
        .await?;
    let mut by_hour: BTreeMap<String, ActivityHour> = BTreeMap::new();
    for (hour, status, count) in counted {
        let entry = by_hour.entry(hour).or_default();
        entry.total += count;
        if let Some(status) = LogStatus::parse(&status) {
            *entry.by_status.entry(status).or_default() += count;
        }
    }
    let hours = (0..hours)
        .map(|n| {
            let start = since + hour * i32::try_from(n).unwrap_or_default();
            let key = start.format("%Y-%m-%dT%H").to_string();
            ActivityHour {
                start: start.to_rfc3339_opts(SecondsFormat::Secs, true),
                ..by_hour.remove(&key).unwrap_or_default()
            }
        })
        .collect();
    Ok(Json(LogActivity { hours }))
}
