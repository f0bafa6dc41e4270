//! The cap on a job's waiting requests: how many accepted requests an
//! inbound job may have that are not processed yet (100 by default,
//! `provisio serve --inbound-queue-limit`). An upload beyond it is answered
//! 429 with `Retry-After` and stored nowhere, so a job whose worker is
//! stopped or behind cannot fill the database; the wait asked for is
//! longer when the job is stopped, since then nothing drains the queue
//! until an administrator starts it.

use std::time::Duration;

/// Requests an inbound job may have waiting to be processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimit(pub u32);

impl QueueLimit {
    /// 100 requests: 5,000 records at the default 50 per request.
    pub const DEFAULT: QueueLimit = QueueLimit(100);

    /// At most `requests` waiting (at least one).
    pub fn requests(requests: u32) -> QueueLimit {
        QueueLimit(requests.max(1))
    }
}

impl Default for QueueLimit {
    fn default() -> Self {
        QueueLimit::DEFAULT
    }
}

/// How long a client is asked to wait when a running job's queue is full:
/// about the time its worker takes for a request or two.
pub(crate) const RETRY_RUNNING: Duration = Duration::from_secs(10);
/// How long when the job is stopped: nothing is processed until it is started.
pub(crate) const RETRY_STOPPED: Duration = Duration::from_secs(60);

/// The refusal of an upload to a full queue: what to say and how long to
/// ask the client to wait.
pub(crate) fn full(job_name: &str, limit: QueueLimit, running: bool) -> (String, Duration) {
    let limit = limit.0;
    if running {
        (
            format!(
                "the inbound job `{job_name}` already has {limit} requests waiting to be processed \
                 (at most {limit} per job): retry after {} s",
                RETRY_RUNNING.as_secs()
            ),
            RETRY_RUNNING,
        )
    } else {
        (
            format!(
                "the inbound job `{job_name}` is stopped and already has {limit} requests waiting \
                 (at most {limit} per job): they are processed when an administrator starts the job; \
                 retry after {} s",
                RETRY_STOPPED.as_secs()
            ),
            RETRY_STOPPED,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_defaults_to_a_hundred_requests_and_is_at_least_one() {
        assert_eq!(QueueLimit::default(), QueueLimit(100));
        assert_eq!(QueueLimit::requests(0), QueueLimit(1));
        assert_eq!(QueueLimit::requests(7), QueueLimit(7));
    }

    #[test]
    fn a_full_queue_names_the_job_and_the_limit_and_says_why_it_waits() {
        let (running, wait) = full("HR", QueueLimit(3), true);
        assert!(
            running.contains("`HR`") && running.contains("3 requests waiting"),
            "{running}"
        );
        assert_eq!(wait, RETRY_RUNNING);
        let (stopped, wait) = full("HR", QueueLimit(3), false);
        assert!(
            stopped.contains("is stopped") && stopped.contains("starts the job"),
            "{stopped}"
        );
        assert_eq!(wait, RETRY_STOPPED);
    }
}
