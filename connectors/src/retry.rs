//! How the HTTP connectors (SCIM, REST) retry: the policy, the retry loop,
//! `Retry-After` read as a delay, and exponential back-off with jitter.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::ConnectorError;

/// How requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub max_retry_after: Duration,
}

/// Runs `attempt` until it succeeds, fails for good, or the policy's
/// attempts are used up. Throttling is retried after its `Retry-After`
/// (capped) or the back-off; a transient failure only when the request is
/// `idempotent` or the attempt says it never reached the target (its second
/// value), so a create is not sent twice. `what` names the request in the
/// debug log (never a value the request carries).
pub(crate) async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    idempotent: bool,
    what: &str,
    mut attempt: F,
) -> Result<T, ConnectorError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = (Result<T, ConnectorError>, bool)>,
{
    let mut number = 1;
    loop {
        let (result, reached) = attempt().await;
        let error = match result {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let retry = match &error {
            ConnectorError::Throttled { .. } => true,
            ConnectorError::Transient { .. } => idempotent || !reached,
            _ => false,
        };
        if !retry || number >= policy.max_attempts {
            return Err(error);
        }
        let wait = match &error {
            ConnectorError::Throttled {
                retry_after: Some(after),
            } => (*after).min(policy.max_retry_after),
            _ => backoff(policy, number, jitter()),
        };
        tracing::debug!(
            request = what,
            attempt = number,
            wait_ms = wait.as_millis() as u64,
            "request retried"
        );
        tokio::time::sleep(wait).await;
        number += 1;
    }
}

/// `Retry-After` as a delay: delta-seconds or an HTTP date (RFC 9110 §10.2.3),
/// relative to `now`; a date in the past is no delay.
pub(crate) fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(text, now)
}

pub(crate) fn parse_retry_after(text: &str, now: DateTime<Utc>) -> Option<Duration> {
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) is an RFC 2822 date.
    let at = DateTime::parse_from_rfc2822(text).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// The wait before attempt `attempt + 1`: `base × 2^(attempt-1)`, at most
/// `max`, scaled by a jitter factor in [0.5, 1.0].
pub(crate) fn backoff(policy: &RetryPolicy, attempt: u32, jitter: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).min(20);
    let full = policy
        .backoff_base
        .saturating_mul(1 << exponent)
        .min(policy.backoff_max);
    full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// A random number in [0, 1] from the operating system (0.5 when it has none).
pub(crate) fn jitter() -> f64 {
    getrandom::u32().map_or(0.5, |r| f64::from(r) / f64::from(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-03-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("7", now()), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sat, 01 Mar 2025 12:00:30 GMT", now()),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sat, 01 Mar 2025 11:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now()), None);
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, " 3 ".parse().unwrap());
        assert_eq!(retry_after(&headers, now()), Some(Duration::from_secs(3)));
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let policy = RetryPolicy {
            max_attempts: 5,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(300),
            max_retry_after: Duration::from_secs(1),
        };
        assert_eq!(backoff(&policy, 1, 1.0), Duration::from_millis(100));
        assert_eq!(backoff(&policy, 2, 1.0), Duration::from_millis(200));
        assert_eq!(backoff(&policy, 3, 1.0), Duration::from_millis(300));
        assert_eq!(backoff(&policy, 2, 0.0), Duration::from_millis(100));
        assert_eq!(backoff(&policy, 40, 1.0), Duration::from_millis(300));
    }
}
