//! `GET /metrics`: Prometheus metrics in the text format. HTTP requests by
//! route, method and status with their durations (recorded by [`track`],
//! a middleware over every route), and, measured on each scrape, the
//! directory's users and groups, the jobs in each state, the instances
//! sharing the database and which jobs this one runs; then each job's own
//! figures (`http/job_metrics.rs`).
//!
//! Each server has its own recorder (no global one is installed), so many
//! servers run side by side in one process, as the tests do. Scraping needs
//! an administrator: an admin API token as `Authorization: Bearer`.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use super::AppState;
use super::api::{AdminErrors, Failure};
use crate::auth::extract::AdminCaller;
use crate::directory::{GroupQuery, UserQuery};

/// Where the metrics are served.
pub(crate) const METRICS_PATH: &str = "/metrics";

const REQUESTS: &str = "provisio_http_requests_total";
const DURATION: &str = "provisio_http_request_duration_seconds";
const DIRECTORY_OBJECTS: &str = "provisio_directory_objects";
const JOBS: &str = "provisio_jobs";
const AGENT_CONNECTED: &str = "provisio_agent_connected";
const AGENT_OPERATIONS: &str = "provisio_agent_operations";
const INSTANCE: &str = "provisio_instance";
const INSTANCES_LIVE: &str = "provisio_instances_live";
const JOB_HELD: &str = "provisio_job_held";

/// Request durations' histogram buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// One server's metrics: its own recorder and the handle that renders it.
/// Cheap to clone.
#[derive(Clone)]
pub(crate) struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
    /// The jobs last reported held by this instance: reported 0 once they
    /// are not, rather than left at 1.
    held_reported: Arc<Mutex<HashSet<String>>>,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        // `set_buckets` refuses only an empty list.
        let builder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let metrics = Metrics {
            handle: recorder.handle(),
            recorder: Arc::new(recorder),
            held_reported: Arc::default(),
        };
        metrics.record(|| {
            describe_counter!(REQUESTS, "HTTP requests answered, by route, method and status.");
            describe_histogram!(
                DURATION,
                Unit::Seconds,
                "How long HTTP requests took, by route and method."
            );
            describe_gauge!(
                DIRECTORY_OBJECTS,
                "Users and groups in the directory, by type and state (live or deleted)."
            );
            describe_gauge!(JOBS, "Provisioning jobs, by state.");
            describe_gauge!(
                AGENT_CONNECTED,
                "Whether each on-premises agent polls this server (1) or not (0)."
            );
            describe_gauge!(
                AGENT_OPERATIONS,
                "Operations waiting for each on-premises agent (queued) or held by it (in_progress)."
            );
            describe_gauge!(INSTANCE, "This server instance (1), by its id and host.");
            describe_gauge!(
                INSTANCES_LIVE,
                "Server instances sharing the database with a live heartbeat."
            );
            describe_gauge!(
                JOB_HELD,
                "Whether this instance runs each job's cycles (1) or not (0), by job id."
            );
        });
        metrics
    }

    /// Runs `record` with this server's recorder as the `metrics` macros' target.
    fn record(&self, record: impl FnOnce()) {
        metrics::with_local_recorder(self.recorder.as_ref(), record);
    }

    /// Reports the jobs `held` by this instance as 1, those it reported
    /// before and holds no more as 0.
    fn record_held(&self, held: Vec<String>) {
        let mut reported = self.held_reported.lock().unwrap_or_else(PoisonError::into_inner);
        let held: HashSet<String> = held.into_iter().collect();
        self.record(|| {
            for job in reported.difference(&held) {
                gauge!(JOB_HELD, "job" => job.clone()).set(0.0);
            }
            for job in &held {
                gauge!(JOB_HELD, "job" => job.clone()).set(1.0);
            }
        });
        *reported = held;
    }

    /// The metrics in the Prometheus text format.
    pub(crate) fn render(&self) -> String {
        self.handle.run_upkeep();
        self.handle.render()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// Middleware counting and timing every request. Every label has a
/// bounded set of values, whatever clients send: the route is the matched
/// route's pattern (`/api/v1/jobs/{id}`, never the concrete path; requests
/// no route matched count as `unmatched`), the method one of the
/// standard ones or `other`, the status a code the server answers or its
/// class (`5xx`). Add it with
/// `axum::middleware::from_fn_with_state(state.metrics.clone(), track)`.
pub(crate) async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = status_label(response.status());
    let seconds = started.elapsed().as_secs_f64();
    metrics.record(|| {
        counter!(REQUESTS, "method" => method, "route" => route.clone(), "status" => status).increment(1);
        histogram!(DURATION, "method" => method, "route" => route).record(seconds);
    });
    response
}

/// The methods counted by name; any other (HTTP allows made-up ones) is `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The statuses counted by code: those the server answers. Any other is
/// counted by its class, `1xx` to `5xx`.
const KNOWN_STATUSES: &[u16] = &[
    200, 201, 202, 204, 206, 301, 302, 304, 307, 308, 400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414,
    415, 416, 422, 429, 431, 500, 501, 502, 503, 504, 507,
];

fn status_label(status: StatusCode) -> Cow<'static, str> {
    let code = status.as_u16();
    if KNOWN_STATUSES.contains(&code) {
        Cow::Owned(code.to_string())
    } else {
        Cow::Borrowed(match code / 100 {
            1 => "1xx",
            2 => "2xx",
            3 => "3xx",
            4 => "4xx",
            _ => "5xx",
        })
    }
}

/// The server's metrics in the Prometheus text format (version 0.0.4).
#[utoipa::path(
    get,
    path = METRICS_PATH,
    tag = "meta",
    responses(
        (status = 200, description = "The metrics.", content_type = "text/plain; version=0.0.4", body = String),
        AdminErrors,
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub(crate) async fn scrape(_caller: AdminCaller, State(state): State<AppState>) -> Result<Response, Failure> {
    let directory = state.store.directory();
    let deleted_users = directory
        .users_page(&UserQuery {
            deleted: true,
            limit: 0,
            ..UserQuery::default()
        })
        .await?
        .total;
    let deleted_groups = directory
        .groups_page(&GroupQuery {
            deleted: true,
            limit: 0,
            ..GroupQuery::default()
        })
        .await?
        .total;
    let objects = [
        ("user", "live", directory.user_count().await?),
        ("user", "deleted", deleted_users),
        ("group", "live", directory.group_count().await?),
        ("group", "deleted", deleted_groups),
    ];
    let jobs = state.jobs.count_by_state().await?;
    let agents = state.relay.live();
    if let Some(instance) = &state.instance {
        let live = instance.live().await?.len();
        state.metrics.record(|| {
            gauge!(INSTANCE, "instance" => instance.id().to_owned(), "host" => instance.host().to_owned()).set(1.0);
            gauge!(INSTANCES_LIVE).set(live as f64);
        });
        state.metrics.record_held(instance.held_jobs());
    }
    state.metrics.record(|| {
        for agent in agents.into_values() {
            let connected = if agent.connected { 1.0 } else { 0.0 };
            gauge!(AGENT_CONNECTED, "agent" => agent.name.clone()).set(connected);
            gauge!(AGENT_OPERATIONS, "agent" => agent.name.clone(), "state" => "queued").set(f64::from(agent.queued));
            gauge!(AGENT_OPERATIONS, "agent" => agent.name, "state" => "in_progress").set(f64::from(agent.in_progress));
        }
        for (kind, live, count) in objects {
            gauge!(DIRECTORY_OBJECTS, "type" => kind, "state" => live).set(count as f64);
        }
        for (job_state, count) in jobs {
            gauge!(JOBS, "state" => job_state.as_str()).set(count as f64);
        }
    });
    let jobs = crate::cycle::job_metrics::read(&state.store)
        .await
        .map_err(|e| Failure::internal(&e))?;
    let mut text = state.metrics.render();
    text.push_str(&super::job_metrics::render(&jobs));
    Ok((
        [
            (CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_keep_their_metrics_apart() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.record(|| counter!(REQUESTS, "method" => "GET", "route" => "/x", "status" => "200").increment(2));
        assert!(
            a.render()
                .contains(r#"provisio_http_requests_total{method="GET",route="/x",status="200"} 2"#),
            "{}",
            a.render()
        );
        assert!(!b.render().contains("route=\"/x\""));
    }

    #[test]
    fn unknown_methods_are_other() {
        for (method, label) in [
            ("GET", "GET"),
            ("DELETE", "DELETE"),
            ("OPTIONS", "OPTIONS"),
            ("TRACE", "other"),
            ("PROPFIND", "other"),
            ("XYZZY", "other"),
        ] {
            assert_eq!(method_label(&Method::from_bytes(method.as_bytes()).unwrap()), label);
        }
    }

    #[test]
    fn statuses_are_known_codes_or_their_class() {
        for (code, label) in [
            (200, "200"),
            (429, "429"),
            (599, "5xx"),
            (418, "4xx"),
            (299, "2xx"),
            (103, "1xx"),
        ] {
            assert_eq!(status_label(StatusCode::from_u16(code).unwrap()), label, "{code}");
        }
    }

    #[test]
    fn durations_are_histograms_with_buckets() {
        let metrics = Metrics::new();
        metrics.record(|| histogram!(DURATION, "method" => "GET", "route" => "/x").record(0.003));
        let text = metrics.render();
        assert!(
            text.contains("provisio_http_request_duration_seconds_bucket{method=\"GET\",route=\"/x\",le=\"0.005\"} 1"),
            "{text}"
        );
        assert!(text.contains("# HELP provisio_http_request_duration_seconds"), "{text}");
    }
}
