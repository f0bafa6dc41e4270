//! Talking to the server for `provisio inbound send`: posting BulkRequests
//! one at a time (waiting out rate limits) and polling their status
//! resources. Every failure is a sentence for people; the token never
//! appears in one.

use std::time::Duration;

use provisio_api::auth::ApiError;
use provisio_api::inbound::{Accepted, RequestState, RequestStatus, SCIM_JSON, bulk_upload_path};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use serde::Deserialize;

use super::records::{BulkRequest, Operation};
pub use crate::remote::Token;
use crate::remote::chain;

/// Rate-limited answers in a row for one request before giving up.
const MAX_RATE_LIMITED: u32 = 30;
/// How long a status is waited for between polls, at most.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How long without progress before `wait` says it is still waiting (and again each time after).
const STALL_NOTICE: Duration = Duration::from_secs(30);

/// The SCIM error body a bulk upload is refused with (RFC 7644 §3.12).
#[derive(Debug, Deserialize)]
struct ScimError {
    detail: Option<String>,
    #[serde(rename = "scimType")]
    scim_type: Option<String>,
}

/// The server of one job, as one token sees it.
pub struct Uploader {
    client: reqwest::Client,
    server: String,
    job: String,
    token: Token,
}

impl Uploader {
    pub fn new(server: &str, job: &str, token: Token) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("provisio/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| format!("cannot start an HTTP client: {}", chain(&e)))?;
        Ok(Uploader {
            client,
            server: server.trim_end_matches('/').to_owned(),
            job: job.to_owned(),
            token,
        })
    }

    /// Posts one BulkRequest, waiting out 429s. `which` says which request
    /// it is, for messages (`request 2 of 6 (records 51–100)`).
    pub async fn send(&self, operations: &[Operation], which: &str) -> Result<Accepted, String> {
        let url = format!("{}{}", self.server, bulk_upload_path(&self.job));
        let body = serde_json::to_vec(&BulkRequest::new(operations))
            .map_err(|e| format!("cannot write {which} as JSON: {e}"))?;
        let mut rate_limited = 0;
        loop {
            let response = self
                .client
                .post(&url)
                .header(AUTHORIZATION, format!("Bearer {}", self.token.expose()))
                .header(CONTENT_TYPE, SCIM_JSON)
                .header(ACCEPT, format!("{SCIM_JSON}, application/json"))
                .body(body.clone())
                .send()
                .await
                .map_err(|e| self.unreachable(&e))?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS && rate_limited < MAX_RATE_LIMITED {
                rate_limited += 1;
                let wait = retry_after(&response);
                // The server's words say which limit: the rate, or a full queue of a stopped job.
                let said = said(&response.text().await.unwrap_or_default());
                let why = if said.is_empty() {
                    String::new()
                } else {
                    format!(" — {said}")
                };
                eprintln!("rate-limited: sending {which} again in {} s{why}", wait.as_secs());
                tokio::time::sleep(wait).await;
                continue;
            }
            if status.is_success() {
                let text = response.text().await.map_err(|e| self.unreachable(&e))?;
                return serde_json::from_str(&text)
                    .map_err(|e| format!("the server accepted {which}, but its answer is not understood: {e}"));
            }
            let refused = self.refusal(response).await;
            return Err(match status {
                StatusCode::BAD_REQUEST => format!("the server refused {which}: {refused}"),
                _ => format!("{which}: {refused}"),
            });
        }
    }

    /// Polls a request's status until every record is processed. `progress`
    /// hears of each change in the number of records processed; `stalled`
    /// of every [`STALL_NOTICE`] without one (how long it has been).
    pub async fn wait(
        &self,
        accepted: &Accepted,
        mut progress: impl FnMut(&RequestStatus),
        mut stalled: impl FnMut(Duration),
    ) -> Result<RequestStatus, String> {
        let url = self.location(accepted);
        let mut interval = Duration::from_millis(100);
        let mut last_pending = None;
        let mut since_progress = tokio::time::Instant::now();
        let mut next_notice = STALL_NOTICE;
        loop {
            let response = self
                .client
                .get(&url)
                .header(AUTHORIZATION, format!("Bearer {}", self.token.expose()))
                .header(ACCEPT, "application/json")
                .send()
                .await
                .map_err(|e| self.unreachable(&e))?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                tokio::time::sleep(retry_after(&response)).await;
                continue;
            }
            if !status.is_success() {
                let refused = self.refusal(response).await;
                return Err(format!("the status of request {}: {refused}", accepted.id));
            }
            let text = response.text().await.map_err(|e| self.unreachable(&e))?;
            let current: RequestStatus = serde_json::from_str(&text)
                .map_err(|e| format!("the status of request {} is not understood: {e}", accepted.id))?;
            if current.summary.state == RequestState::Done {
                return Ok(current);
            }
            if last_pending != Some(current.summary.pending) {
                last_pending = Some(current.summary.pending);
                since_progress = tokio::time::Instant::now();
                next_notice = STALL_NOTICE;
                progress(&current);
            } else if since_progress.elapsed() >= next_notice {
                stalled(since_progress.elapsed());
                next_notice += STALL_NOTICE;
            }
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(MAX_POLL_INTERVAL);
        }
    }

    /// Where a request's status is: its `location`, made absolute.
    fn location(&self, accepted: &Accepted) -> String {
        let location = &accepted.location;
        if location.starts_with("http://") || location.starts_with("https://") {
            location.clone()
        } else if location.starts_with('/') {
            format!("{}{location}", self.server)
        } else {
            format!(
                "{}{}",
                self.server,
                provisio_api::inbound::request_path(&accepted.job_id, &accepted.id)
            )
        }
    }

    fn unreachable(&self, error: &reqwest::Error) -> String {
        format!("cannot reach the server at {}: {}", self.server, chain(error))
    }

    /// What a refusal says: the status and the server's own words.
    async fn refusal(&self, response: Response) -> String {
        let status = response.status();
        let said = said(&response.text().await.unwrap_or_default());
        let said = if said.is_empty() {
            String::new()
        } else {
            format!(": {said}")
        };
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => format!(
                "the server refused the token for job {:?} ({status}){said} — use an inbound token of that job \
                 (provisio token create --scope inbound --job NAME)",
                self.job
            ),
            StatusCode::NOT_FOUND => format!("no inbound job {:?} on {} ({status}){said}", self.job, self.server),
            _ => format!("{status}{said}"),
        }
    }
}

/// What an error body says: a SCIM error's `detail` (and `scimType`), an
/// admin API error's `message`, or the start of the text.
fn said(text: &str) -> String {
    if let Ok(scim) = serde_json::from_str::<ScimError>(text)
        && let Some(detail) = scim.detail
    {
        match scim.scim_type {
            Some(kind) => format!("{detail} (scimType {kind})"),
            None => detail,
        }
    } else if let Ok(api) = serde_json::from_str::<ApiError>(text) {
        api.message
    } else {
        text.chars().take(300).collect::<String>().trim().to_owned()
    }
}

/// The `Retry-After` seconds of a 429, else 1 s.
fn retry_after(response: &Response) -> Duration {
    let seconds = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1);
    Duration::from_secs(seconds.clamp(1, 300))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(location: &str) -> Accepted {
        Accepted {
            id: "r 1".to_owned(),
            job_id: "j-1".to_owned(),
            operations: 1,
            location: location.to_owned(),
            job_state: provisio_api::jobs::JobState::Running,
        }
    }

    #[test]
    fn the_status_location_is_made_absolute() {
        let uploader = Uploader::new("http://hr.example:8080/", "HR", Token::from("t".to_owned())).unwrap();
        let at = |location: &str| uploader.location(&accepted(location));
        assert_eq!(
            at("/api/v1/inbound/j-1/requests/r-1"),
            "http://hr.example:8080/api/v1/inbound/j-1/requests/r-1"
        );
        assert_eq!(at("https://proxy.example/x"), "https://proxy.example/x");
        assert_eq!(at(""), "http://hr.example:8080/api/v1/inbound/j-1/requests/r%201");
    }
}
